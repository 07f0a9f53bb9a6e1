import os from 'node:os';
import type PgBoss from 'pg-boss';
import type { Config } from '../config/config.ts';
import type { SecretBox } from '../crypto/secrets.ts';
import { createKysely, type Db } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import { startDispatcher, tick, type DispatcherDeps, type RunningDispatcher, type TickReport } from './dispatcher.ts';
import { EntrataMeter, meteredClients } from './entrata-meter.ts';
import { workerLoops, type WorkerLoop, type WorkerLoopFactory } from './loops.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { watchReadiness, type ReadinessWatch } from './readiness.ts';
import { createBoss, ensureQueues, QUEUES, type QueueName, type SyncJobData, type SyncNowJobData, type TransitionJobData } from './queues.ts';
import type { JobSettings } from './settings.ts';
import { SyncStopped } from '../sync/sync-bound.ts';
import { runScheduledSync, runSyncNow, runTransition, type JobDeps } from './sync-jobs.ts';

export interface WorkerOptions {
  config: Config;
  /** The database URL (DATABASE_URL, or the embedded server's). */
  databaseUrl: string;
  secrets: SecretBox;
  log: Logger;
  settings: JobSettings;
  /** The clock the rules read (tests pass an explicit one). */
  now?: () => Date;
  /** Run the dispatcher loop in this process (default true; ticks are shared between processes). */
  dispatch?: boolean;
  /** Work the queues (default true; false: a dispatcher-only or test process that drains by hand). */
  work?: boolean;
  metrics?: Metrics;
  /** Loops run beside the queues (default: `workerLoops`, where the outbox sender joins). */
  loops?: WorkerLoopFactory[];
  /** Entrata transport for tests (defaults to global fetch). */
  entrataFetch?: typeof globalThis.fetch;
  /** Injected into the Entrata clients (tests pin the rate-limit clock and forbid real waits). */
  entrataSleep?: (ms: number) => Promise<void>;
  /** How long a stopping worker lets running jobs finish before failing them back to the queue. */
  graceMs?: number;
}

export interface RunningWorker {
  name: string;
  boss: PgBoss;
  db: Db;
  metrics: Metrics;
  deps: JobDeps;
  /** Wakes this process's workers of a queue (a job was just enqueued here). */
  notify(queue: QueueName): void;
  /** One dispatcher tick now (tests; `pebbles status` does not need it). */
  tick(): Promise<TickReport>;
  stop(): Promise<void>;
}

/**
 * A worker process's job side: the queue (pg-boss), a lane per queue (scheduled syncs with
 * PEBBLES_WORKER_CONCURRENCY workers, transitions and sync-now with two each, so neither waits behind
 * the other), the dispatcher loop, and the worker loops. Any number of these run on one PostgreSQL.
 */
export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const name = `${os.hostname()}:${process.pid}`;
  const now = o.now ?? (() => new Date());
  const log = o.log.child({ worker: name });
  const lanes: Array<{ queue: QueueName; count: number; pollingIntervalSeconds: number }> = [
    { queue: QUEUES.sync, count: o.settings.concurrency, pollingIntervalSeconds: 2 },
    { queue: QUEUES.transition, count: 2, pollingIntervalSeconds: 1 },
    { queue: QUEUES.syncNow, count: 2, pollingIntervalSeconds: 0.5 },
  ];
  // A running sync holds one connection (its lock) and now and then borrows another: one per lane, plus
  // room for those, the dispatcher, the metrics and the worker loops.
  const db = createKysely(o.databaseUrl, lanes.reduce((a, l) => a + l.count, 0) + 8);
  const metrics = o.metrics ?? createMetrics({ db, rateLimitShare: o.config.entrata.rateLimitShare, now: () => now().getTime() });
  const meter = new EntrataMeter(metrics, () => now().getTime());
  // Fired by stop(): every Entrata read and wait of a running sync ends at once, and its job goes back to the queue.
  const stopSignal = new AbortController();
  const deps: JobDeps = {
    db,
    secrets: o.secrets,
    log,
    now,
    meter,
    metrics,
    syncTimeoutMs: o.settings.syncTimeoutMs,
    stopping: stopSignal.signal,
    clientFor: meteredClients(db, o.secrets, o.config, log, meter, { now: () => now().getTime(), sleep: o.entrataSleep, fetch: o.entrataFetch }),
  };
  const boss = createBoss({ url: o.databaseUrl, settings: o.settings, supervise: true, applicationName: 'pebbles-worker' });
  let watch: ReadinessWatch | null = null;
  boss.on('error', (err) => (watch ? watch.queueError(err) : log.error({ err }, 'job queue error')));
  try {
    await boss.start();
    await ensureQueues(boss, o.settings);
  } catch (err) {
    await boss.stop({ graceful: false }).catch(() => undefined);
    await db.destroy();
    throw err;
  }

  const inflight = new Set<Promise<unknown>>();
  const workerIds = new Map<QueueName, string[]>();
  const handlers: Record<QueueName, (data: unknown) => Promise<unknown>> = {
    [QUEUES.sync]: (d) => runScheduledSync(deps, d as SyncJobData),
    [QUEUES.transition]: (d) => runTransition(deps, d as TransitionJobData),
    [QUEUES.syncNow]: (d) => runSyncNow(deps, d as SyncNowJobData),
  };
  if (o.work ?? true) {
    for (const lane of lanes) {
      const ids: string[] = [];
      for (let i = 0; i < lane.count; i++) {
        let id = '';
        id = await boss.work(lane.queue, { batchSize: 1, pollingIntervalSeconds: lane.pollingIntervalSeconds }, async (jobs) => {
          const job = jobs[0]!;
          const jobLog = log.child({ queue: lane.queue, job: job.id, propertyId: (job.data as { propertyId?: number }).propertyId });
          const p = handlers[lane.queue](job.data);
          inflight.add(p);
          try {
            const out = await p;
            metrics.jobs.inc({ queue: lane.queue, outcome: (out as { outcome?: string }).outcome === 'skipped' ? 'skipped' : 'done' });
            return out;
          } catch (err) {
            if (err instanceof SyncStopped) {
              metrics.jobs.inc({ queue: lane.queue, outcome: 'stopped' });
              jobLog.info('worker stopping: job handed back to the queue');
              throw err;
            }
            metrics.jobs.inc({ queue: lane.queue, outcome: 'failed' });
            jobLog.error({ err }, 'job failed; the queue retries it');
            throw err;
          } finally {
            inflight.delete(p);
            // pg-boss waits a polling interval after each job; a busy queue is fetched again at once.
            setImmediate(() => boss.notifyWorker(id));
          }
        });
        ids.push(id);
      }
      workerIds.set(lane.queue, ids);
    }
  }
  const notify = (queue: QueueName) => {
    for (const id of workerIds.get(queue) ?? []) boss.notifyWorker(id);
  };

  const dispatcherDeps: DispatcherDeps = {
    db,
    boss,
    log,
    now,
    metrics,
    rateLimitShare: o.config.entrata.rateLimitShare,
    budgetReserve: o.settings.budgetReserve,
    syncExpireSeconds: o.settings.syncExpireSeconds,
    onEnqueued: (q) => notify(q as QueueName),
  };
  const dispatching = o.dispatch ?? true;
  let dispatcher: RunningDispatcher | null = dispatching ? startDispatcher(dispatcherDeps, o.settings.dispatchIntervalMs, name) : null;

  const loops: WorkerLoop[] = [];
  try {
    for (const factory of o.loops ?? workerLoops) {
      loops.push(await factory({ db, boss, config: o.config, secrets: o.secrets, log, metrics, settings: o.settings, workerName: name, now }));
    }
  } catch (err) {
    await dispatcher?.stop();
    await Promise.allSettled(loops.map((l) => l.stop()));
    await boss.stop({ graceful: false }).catch(() => undefined);
    await db.destroy();
    throw err;
  }
  // The queue's workers keep polling through an outage (pg-boss ignores failed fetches); the dispatcher
  // pauses, so it does not log a failed tick every interval, and resumes once the database is back.
  let stopping: Promise<void> | null = null;
  watch = watchReadiness({
    db,
    boss,
    settings: o.settings,
    log,
    onDown: async () => {
      const d = dispatcher;
      dispatcher = null;
      await d?.stop();
    },
    onUp: () => {
      if (dispatching && !dispatcher && !stopping) dispatcher = startDispatcher(dispatcherDeps, o.settings.dispatchIntervalMs, name);
    },
  });
  log.info({ lanes: Object.fromEntries(lanes.map((l) => [l.queue, l.count])), dispatcher: !!dispatcher, loops: loops.map((l) => l.name) }, 'worker started');

  return {
    name,
    boss,
    db,
    metrics,
    deps,
    notify,
    tick: () => tick(dispatcherDeps),
    stop() {
      stopping ??= (async () => {
        log.info({ running: inflight.size }, 'worker stopping: Entrata reads end now and their jobs go back to the queue; finishing the rest');
        stopSignal.abort(new SyncStopped());
        await watch?.stop();
        await dispatcher?.stop();
        await Promise.allSettled(loops.map((l) => l.stop()));
        const grace = o.graceMs ?? 30_000;
        // Stops fetching, waits for running jobs up to the grace time, then fails the rest back to the queue.
        await boss.stop({ graceful: true, wait: true, timeout: grace }).catch((err: unknown) => log.warn({ err }, 'job queue did not stop cleanly'));
        await Promise.race([Promise.allSettled([...inflight]), new Promise((r) => setTimeout(r, 5_000).unref())]);
        await Promise.race([db.destroy(), new Promise((r) => setTimeout(r, 5_000).unref())]);
        log.info('worker stopped');
      })();
      return stopping;
    },
  };
}
