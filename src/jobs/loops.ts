import type PgBoss from 'pg-boss';
import type { Config } from '../config/config.ts';
import type { SecretBox } from '../crypto/secrets.ts';
import type { Db } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from './metrics.ts';
import { notificationsLoop } from '../notifications/loop.ts';
import type { JobSettings } from './settings.ts';

/** What a worker loop gets from the worker process that runs it. */
export interface WorkerLoopContext {
  db: Db;
  /** The job queue (started): a loop may `boss.work()` queues of its own, or poll a table itself. */
  boss: PgBoss;
  config: Config;
  secrets: SecretBox;
  log: Logger;
  metrics: Metrics;
  settings: JobSettings;
  /** A name for this worker process (host:pid), e.g. to lease rows. */
  workerName: string;
  now(): Date;
}

/** A long-running activity of a worker process beside the sync queues. */
export interface WorkerLoop {
  name: string;
  /** Finish or release what it holds (graceful shutdown); a killed worker's work must be picked up by another. */
  stop(): Promise<void>;
}

export type WorkerLoopFactory = (ctx: WorkerLoopContext) => Promise<WorkerLoop>;

/**
 * The loops every worker process (`pebbles worker`, and `pebbles start`) runs beside the sync
 * queues and the dispatcher. The outbox sender (notifications) joins here: add its factory to this
 * list. Each loop must be safe with any number of worker processes on one PostgreSQL.
 */
export const workerLoops: WorkerLoopFactory[] = [notificationsLoop];
