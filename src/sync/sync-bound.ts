/**
 * How long a sync may hold its property: from taking the lock, at most its time bound, and no longer
 * than its process runs. The bound's signal ends every Entrata call of the sync at once (a rate-limit
 * wait, a Retry-After, a back-off, a request in flight): the read rejects with the signal's reason, one
 * of the two below. Nothing is applied after a cut read, so a crash or a cut here changes no access.
 */

/** Default of PEBBLES_SYNC_TIMEOUT_SECONDS: half the job expiry (600 s), so a worker's job ends well before the queue would take it back. */
export const DEFAULT_SYNC_TIMEOUT_MS = 300_000;

/** The sync's time bound passed while it was reading Entrata: an Entrata failure (S4), recorded and retried with back-off. */
export class SyncTimedOut extends Error {
  override name = 'SyncTimedOut';
  constructor(readonly timeoutMs: number) {
    super(
      `gave up after ${formatSeconds(timeoutMs)} without a complete answer from Entrata (still waiting on it: rate limits, retries or a slow answer; PEBBLES_SYNC_TIMEOUT_SECONDS)`,
    );
  }
}

/** The process is stopping (a worker's SIGTERM): the sync is handed back, not a failure of Entrata's. */
export class SyncStopped extends Error {
  override name = 'SyncStopped';
  constructor() {
    super('the process stopped while this sync was reading Entrata; nothing was applied and the sync is retried');
  }
}

export interface SyncBound {
  signal: AbortSignal;
  /** Clears the timer and the link to the process's signal (call when the sync ends). */
  end(): void;
}

/** Starts a sync's bound: fires with SyncTimedOut after `timeoutMs`, with SyncStopped when `stopping` fires. */
export function startSyncBound(timeoutMs: number, stopping?: AbortSignal): SyncBound {
  const controller = new AbortController();
  const onStop = () => controller.abort(new SyncStopped());
  if (stopping?.aborted) onStop();
  else stopping?.addEventListener('abort', onStop, { once: true });
  const timer = setTimeout(() => controller.abort(new SyncTimedOut(timeoutMs)), timeoutMs);
  return {
    signal: controller.signal,
    end() {
      clearTimeout(timer);
      stopping?.removeEventListener('abort', onStop);
    },
  };
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
