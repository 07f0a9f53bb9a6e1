import PgBoss from 'pg-boss';
import type { SyncScope } from '../sync/sync-property.ts';
import type { JobSettings } from './settings.ts';

/**
 * The job queues (pg-boss 10, schema `pgboss`, on Pebbles' own PostgreSQL).
 *
 * - `pebbles-sync`: scheduled full syncs, enqueued by the dispatcher. Policy `short`: at most one
 *   queued job per property (the singleton key), so ticks never pile jobs up; whether a sync may run
 *   is decided by the property's advisory lock, never by the queue.
 * - `pebbles-transition`: re-plans from the last snapshot when a window opens or closes (W9).
 * - `pebbles-sync-now`: sync now (O5) from the API, the console or a command; the caller may wait
 *   for the job's output.
 *
 * pg-boss 10 has no heartbeat: a job stays active until it completes or expires. A worker that dies
 * mid-sync releases the property lock with its connections at once; its job expires after
 * PEBBLES_SYNC_EXPIRE_SECONDS and the queue's maintenance (every PEBBLES_QUEUE_MAINTENANCE_SECONDS,
 * in whichever worker gets there first) hands it to another worker. A scheduled sync or transition
 * lost that way is also simply enqueued again by the next tick, as the property is still due.
 */
export const QUEUES = {
  sync: 'pebbles-sync',
  transition: 'pebbles-transition',
  syncNow: 'pebbles-sync-now',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface SyncJobData {
  propertyId: number;
  /** When the dispatcher found it due (ISO). */
  dueAt: string;
}

export interface TransitionJobData {
  propertyId: number;
  /** The transition moment that made it due (ISO). */
  at: string;
}

export interface SyncNowJobData {
  propertyId: number;
  /** One scope, or several for a selection (run one after the other). */
  scopes: SyncScope[];
  staff: string | null;
  requestedAt: string;
}

export const singletonKey = (propertyId: number) => `property:${propertyId}`;

export interface BossOptions {
  url: string;
  settings: JobSettings;
  /** Run the queue's maintenance (expire, archive) in this process: workers yes, web servers no. */
  supervise: boolean;
  /** Connections of pg-boss's own pool. */
  poolSize?: number;
  applicationName?: string;
}

export function createBoss(o: BossOptions): PgBoss {
  return new PgBoss({
    connectionString: o.url,
    max: o.poolSize ?? 4,
    application_name: o.applicationName ?? 'pebbles-queue',
    migrate: true,
    supervise: o.supervise,
    schedule: false,
    maintenanceIntervalSeconds: o.settings.maintenanceIntervalSeconds,
    archiveCompletedAfterSeconds: 3600,
    archiveFailedAfterSeconds: 7 * 86_400,
    deleteAfterDays: 7,
  });
}

/** What `ensureQueues` changed (empty lists: every queue was there as it should be). */
export interface QueuesEnsured {
  created: QueueName[];
  updated: QueueName[];
}

/** Creates the queues (idempotent, safe from several processes at once) and brings their options up to date. */
export async function ensureQueues(boss: PgBoss, settings: JobSettings): Promise<QueuesEnsured> {
  const done: QueuesEnsured = { created: [], updated: [] };
  const expireInSeconds = settings.syncExpireSeconds;
  const queues: Array<PgBoss.Queue & { name: QueueName }> = [
    { name: QUEUES.sync, policy: 'short', retryLimit: 2, retryDelay: 5, retryBackoff: true, expireInSeconds, retentionMinutes: 120 },
    { name: QUEUES.transition, policy: 'short', retryLimit: 3, retryDelay: 5, retryBackoff: true, expireInSeconds, retentionMinutes: 120 },
    { name: QUEUES.syncNow, policy: 'standard', retryLimit: 2, retryDelay: 2, retryBackoff: true, expireInSeconds, retentionMinutes: 60 },
  ];
  for (const q of queues) {
    // Processes starting together race to create a queue (a table and a partition): retry the loser.
    for (let attempt = 0; ; attempt++) {
      try {
        const existing = await boss.getQueue(q.name);
        if (!existing) {
          await boss.createQueue(q.name, q);
          done.created.push(q.name);
        } else if (existing.expireInSeconds !== q.expireInSeconds || existing.policy !== q.policy || existing.retryLimit !== q.retryLimit) {
          await boss.updateQueue(q.name, q);
          done.updated.push(q.name);
        }
        break;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= 5 || !['40P01', '23505', '42P07', '40001'].includes(code ?? '')) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
      }
    }
  }
  return done;
}
