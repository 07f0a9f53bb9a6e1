import type PgBoss from 'pg-boss';
import { sql } from 'kysely';
import { asDatabaseUnavailable, DatabaseUnavailableError, type Db } from '../db/database.ts';
import { MIGRATION_COUNT, pendingMigrations } from '../db/migrate.ts';
import { backoffMs, seconds } from '../db/wait.ts';
import type { Logger } from '../log/logger.ts';
import { describeQueueProblem, queueSchemaProblem, type QueueSchemaProblem } from './queue-schema.ts';
import { ensureQueues } from './queues.ts';
import type { JobSettings } from './settings.ts';

/** Each check is `ok`, `absent` (a process without a queue), or one line saying what is wrong and what to do. */
export interface Readiness {
  ready: boolean;
  checks: { database: string; queue: string };
  /** The queue's problem as data (a process re-creates missing queues itself). */
  queueProblem: QueueSchemaProblem | null;
}

async function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether this process can work: the database answers and has every table this version needs, and
 * (with `queue`) the job queue's schema and queues are there. Read fresh each time, never cached: a
 * database dropped and created again, or restored from a backup, shows here at once.
 */
export async function checkReadiness(db: Db, o: { queue: boolean; timeoutMs?: number }): Promise<Readiness> {
  const ms = o.timeoutMs ?? 2000;
  const checks = { database: 'ok', queue: o.queue ? 'ok' : 'absent' };
  let queueProblem: QueueSchemaProblem | null = null;
  try {
    await within(sql`select 1`.execute(db), ms);
  } catch (err) {
    const e = err as { message?: string; code?: string };
    checks.database = `unreachable: ${e.message || e.code}`;
    if (o.queue) checks.queue = 'unknown: the database is unreachable';
    return { ready: false, checks, queueProblem };
  }
  try {
    const pending = await within(pendingMigrations(db), ms);
    if (pending.length === MIGRATION_COUNT) checks.database = 'missing tables (no migration has run): run pebbles migrate';
    else if (pending.length) checks.database = `missing migrations ${pending.join(', ')}: run pebbles migrate`;
  } catch (err) {
    checks.database = `failed: ${(err as Error).message}`;
  }
  if (o.queue) {
    try {
      queueProblem = await within(queueSchemaProblem(db), ms);
      if (queueProblem) checks.queue = describeQueueProblem(queueProblem);
    } catch (err) {
      checks.queue = `failed: ${(err as Error).message}`;
    }
  }
  return { ready: checks.database === 'ok' && (checks.queue === 'ok' || checks.queue === 'absent'), checks, queueProblem };
}

/** A queue error that says the database is away or was replaced (to check, not to log one by one). */
export function isDatabaseTrouble(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  // 42P01 no such table, 3F000 no such schema, 42704 no such type: a database created again.
  return ['42P01', '3F000', '42704'].includes(code) || asDatabaseUnavailable(err, '') instanceof DatabaseUnavailableError;
}

export interface ReadinessWatch {
  readonly ready: boolean;
  /** Where the job queue reports its errors: trouble with the database is checked (and said once), the rest logged. */
  queueError(err: unknown): void;
  stop(): Promise<void>;
}

export interface WatchOptions {
  db: Db;
  boss: PgBoss;
  settings: JobSettings;
  log: Logger;
  /** The database became unusable: pause what would only fail meanwhile. */
  onDown?(): Promise<void> | void;
  /** Usable again. */
  onUp?(): Promise<void> | void;
}

/**
 * Watches, in a running worker or web process, that the database and the job queue stay usable.
 * Every `databaseCheckMs` while they are; when they are not (the server down, the database dropped
 * and created again, restored from a backup), it says what is missing once per wait (1, 2, 4 ... s
 * up to `databaseCheckMs`) and checks again, until `pebbles migrate` has run. It never creates a
 * schema itself (that could race a restore); once Pebbles' tables and the queue's schema are back it
 * re-creates queues that are still missing. A crash loses nothing: the watch holds no state.
 */
export function watchReadiness(o: WatchOptions): ReadinessWatch {
  const maxMs = o.settings.databaseCheckMs;
  let ready = true;
  let stopped = false;
  let failures = 0;
  let wake: (() => void) | null = null;
  let lastCheck = Date.now();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms).unref();
      function done() {
        clearTimeout(t);
        wake = null;
        resolve();
      }
      wake = done;
    });

  const check = async (): Promise<Readiness> => {
    let r = await checkReadiness(o.db, { queue: true });
    if (r.checks.database === 'ok' && r.queueProblem?.kind === 'missing-queues') {
      try {
        const { created } = await ensureQueues(o.boss, o.settings);
        if (created.length) o.log.info({ created }, `job queue: re-created queues ${created.join(', ')}`);
        r = await checkReadiness(o.db, { queue: true });
      } catch (err) {
        o.log.debug({ err }, 'job queue: could not re-create the queues yet');
      }
    }
    return r;
  };

  const loop = (async () => {
    while (!stopped) {
      await sleep(ready ? maxMs : backoffMs(failures - 1, maxMs));
      if (stopped) break;
      lastCheck = Date.now();
      const r = await check();
      if (stopped) break;
      if (r.ready) {
        if (!ready) {
          ready = true;
          failures = 0;
          o.log.info('database and job queue ready again: resuming');
          await Promise.resolve(o.onUp?.()).catch((err: unknown) => o.log.error({ err }, 'could not resume'));
        }
        continue;
      }
      if (ready) {
        ready = false;
        await Promise.resolve(o.onDown?.()).catch((err: unknown) => o.log.error({ err }, 'could not pause'));
      }
      failures++;
      const problems = Object.entries(r.checks)
        .filter(([, v]) => v !== 'ok' && v !== 'absent')
        .map(([k, v]) => `${k}: ${v}`);
      o.log.warn({ checks: r.checks }, `waiting for the database (${problems.join('; ')}); checking again in ${seconds(backoffMs(failures - 1, maxMs))}`);
    }
  })();

  return {
    get ready() {
      return ready;
    },
    queueError(err) {
      if (!isDatabaseTrouble(err)) {
        o.log.error({ err }, 'job queue error');
        return;
      }
      o.log.debug({ err: { message: (err as Error)?.message, code: (err as { code?: string })?.code } }, 'job queue: database trouble');
      // Look now (at most once a second) rather than at the next regular check; while waiting, the back-off holds.
      if (ready && Date.now() - lastCheck > 1000) wake?.();
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
