import { z } from 'zod';
import { ConfigError } from '../config/config.ts';
import { DEFAULT_SYNC_TIMEOUT_MS } from '../sync/sync-bound.ts';

/**
 * The environment variables of the job system (worker, dispatcher, queue), validated like the rest of
 * the configuration: a bad value throws one ConfigError naming the variable. The README's
 * configuration table lists them.
 */
const schema = z.object({
  PEBBLES_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  PEBBLES_DISPATCH_SECONDS: z.coerce.number().min(1).max(60).default(15),
  PEBBLES_SYNC_EXPIRE_SECONDS: z.coerce.number().int().min(5).max(3600).default(600),
  PEBBLES_QUEUE_MAINTENANCE_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
  PEBBLES_BUDGET_RESERVE: z.coerce.number().min(0).max(0.9).default(0.1),
  PEBBLES_SYNC_NOW_TIMEOUT_SECONDS: z.coerce.number().min(1).max(3600).default(120),
  PEBBLES_SYNC_TIMEOUT_SECONDS: z.coerce.number().min(1).max(3600).optional(),
  PEBBLES_DATABASE_CHECK_SECONDS: z.coerce.number().min(0.1).max(600).default(30),
});

export interface JobSettings {
  /** Property syncs one worker process runs at once (transitions and sync-now have lanes of their own). */
  concurrency: number;
  /** How often the dispatcher looks for due work (the tick). At most 60 s, so W9 holds. */
  dispatchIntervalMs: number;
  /** How long a sync job may stay active before the queue hands it to another worker (a killed worker). */
  syncExpireSeconds: number;
  /** How often the queue's maintenance expires such jobs and retries them. */
  maintenanceIntervalSeconds: number;
  /** Share of each Entrata budget window the dispatcher leaves for sync-now requests. */
  budgetReserve: number;
  /** How long a sync-now request may wait in the queue and run before the caller is told to look later. */
  syncNowTimeoutMs: number;
  /** Longest a sync holds its property reading Entrata before it gives up (S4); below syncExpireSeconds. */
  syncTimeoutMs: number;
  /**
   * How often a running worker or web process checks that the database and the job queue's schema
   * are there, and the longest wait between attempts while they are not (1, 2, 4 ... s up to this).
   */
  databaseCheckMs: number;
}

export function loadJobSettings(env: NodeJS.ProcessEnv = process.env): JobSettings {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([k, v]) => k in schema.shape && v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${String(issue.path[0] ?? 'environment')}: ${issue.message}`);
  }
  const e = parsed.data;
  // A worker's sync must give up (and record why) before the queue takes its job back: by default 300 s,
  // or half the expiry when that is shorter; a value set by hand must stay below the expiry.
  const syncTimeoutSeconds = e.PEBBLES_SYNC_TIMEOUT_SECONDS ?? Math.min(DEFAULT_SYNC_TIMEOUT_MS / 1000, e.PEBBLES_SYNC_EXPIRE_SECONDS / 2);
  if (syncTimeoutSeconds >= e.PEBBLES_SYNC_EXPIRE_SECONDS) {
    throw new ConfigError(
      `PEBBLES_SYNC_TIMEOUT_SECONDS: must be less than PEBBLES_SYNC_EXPIRE_SECONDS (${e.PEBBLES_SYNC_EXPIRE_SECONDS}), so a sync gives up before its job is handed to another worker`,
    );
  }
  return {
    concurrency: e.PEBBLES_WORKER_CONCURRENCY,
    dispatchIntervalMs: Math.round(e.PEBBLES_DISPATCH_SECONDS * 1000),
    syncExpireSeconds: e.PEBBLES_SYNC_EXPIRE_SECONDS,
    maintenanceIntervalSeconds: e.PEBBLES_QUEUE_MAINTENANCE_SECONDS,
    budgetReserve: e.PEBBLES_BUDGET_RESERVE,
    syncNowTimeoutMs: Math.round(e.PEBBLES_SYNC_NOW_TIMEOUT_SECONDS * 1000),
    syncTimeoutMs: Math.round(syncTimeoutSeconds * 1000),
    databaseCheckMs: Math.round(e.PEBBLES_DATABASE_CHECK_SECONDS * 1000),
  };
}
