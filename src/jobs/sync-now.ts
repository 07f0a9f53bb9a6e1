import type PgBoss from 'pg-boss';
import { UserError } from '../errors/user-error.ts';
import type { SyncScope } from '../sync/sync-property.ts';
import { QUEUES, type SyncNowJobData } from './queues.ts';
import type { SyncNowOutput } from './sync-jobs.ts';

/** Sync-now requests jump ahead of nothing else: they have a queue and worker lane of their own. */
export async function requestSyncNow(boss: PgBoss, req: { propertyId: number; scopes: SyncScope[]; staff: string | null; now: Date }): Promise<string> {
  const data: SyncNowJobData = { propertyId: req.propertyId, scopes: req.scopes, staff: req.staff, requestedAt: req.now.toISOString() };
  const id = await boss.send(QUEUES.syncNow, data as unknown as object);
  if (!id) throw new UserError(`the queue ${QUEUES.syncNow} does not exist (start a worker or \`pebbles migrate\`)`, { code: 'queue-missing', category: 'unavailable' });
  return id;
}

export type SyncNowState =
  | { state: 'queued' | 'running'; jobId: string }
  | { state: 'done'; jobId: string; result: SyncNowOutput }
  | { state: 'failed'; jobId: string; error: string };

export async function syncNowState(boss: PgBoss, jobId: string): Promise<SyncNowState | null> {
  const job = await boss.getJobById<SyncNowJobData>(QUEUES.syncNow, jobId, { includeArchive: true });
  if (!job) return null;
  switch (job.state) {
    case 'created':
      return { state: 'queued', jobId };
    case 'retry':
    case 'active':
      return { state: 'running', jobId };
    case 'completed':
      return { state: 'done', jobId, result: job.output as unknown as SyncNowOutput };
    default: {
      const out = job.output as { message?: string; value?: { message?: string } } | null;
      return { state: 'failed', jobId, error: out?.message ?? out?.value?.message ?? job.state };
    }
  }
}

/** Polls until the request is done or failed, or the time is up (then its last state). */
export async function waitForSyncNow(boss: PgBoss, jobId: string, timeoutMs: number, pollMs = 150): Promise<SyncNowState | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await syncNowState(boss, jobId);
    if (!s || s.state === 'done' || s.state === 'failed' || Date.now() >= deadline) return s;
    await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
  }
}
