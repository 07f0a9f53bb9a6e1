import { createRequire } from 'node:module';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { createBoss, ensureQueues, QUEUES, type QueueName, type QueuesEnsured } from './queues.ts';
import type { JobSettings } from './settings.ts';

/** The schema pg-boss keeps its tables in (its default; createBoss does not change it). */
export const QUEUE_SCHEMA = 'pgboss';

/** The pg-boss schema version this pg-boss installs and works with. */
export const QUEUE_SCHEMA_VERSION: number = (createRequire(import.meta.url)('pg-boss/version.json') as { schema: number }).schema;

/** What keeps the job queue from working in a database, if anything. */
export type QueueSchemaProblem = { kind: 'missing-schema' } | { kind: 'old-schema'; version: number } | { kind: 'missing-queues'; queues: QueueName[] };

/**
 * Reads the job queue's schema and queues through the application's connection (no pg-boss
 * needed). A database dropped and created again, or restored from an older backup, lacks them.
 */
export async function queueSchemaProblem(db: Db): Promise<QueueSchemaProblem | null> {
  const present = await sql<{
    present: boolean;
  }>`select to_regclass(${`${QUEUE_SCHEMA}.version`}) is not null and to_regclass(${`${QUEUE_SCHEMA}.queue`}) is not null as present`.execute(db);
  if (!present.rows[0]?.present) return { kind: 'missing-schema' };
  const v = await sql<{ version: number }>`select version from ${sql.table(`${QUEUE_SCHEMA}.version`)}`.execute(db);
  const version = Number(v.rows[0]?.version ?? 0);
  if (version < QUEUE_SCHEMA_VERSION) return { kind: 'old-schema', version };
  const wanted: QueueName[] = Object.values(QUEUES);
  const q = await sql<{ name: string }>`select name from ${sql.table(`${QUEUE_SCHEMA}.queue`)} where name = any(${wanted})`.execute(db);
  const have = new Set(q.rows.map((r) => r.name));
  const missing = wanted.filter((n) => !have.has(n));
  return missing.length ? { kind: 'missing-queues', queues: missing } : null;
}

/** One line for /readyz and the logs, saying what to do. */
export function describeQueueProblem(p: QueueSchemaProblem): string {
  switch (p.kind) {
    case 'missing-schema':
      return `missing schema ${QUEUE_SCHEMA}: run pebbles migrate`;
    case 'old-schema':
      return `schema ${QUEUE_SCHEMA} at version ${p.version}, this version needs ${QUEUE_SCHEMA_VERSION}: run pebbles migrate`;
    case 'missing-queues':
      return `missing queues ${p.queues.join(', ')}: run pebbles migrate`;
  }
}

export interface QueueMigration extends QueuesEnsured {
  /** The schema's version before (null: there was none) and after. */
  from: number | null;
  to: number;
}

/**
 * `pebbles migrate`'s part for the job queue: creates pg-boss's schema or brings it to this version
 * (pg-boss's own start does it, under its own lock against a concurrent start), then the queues.
 * Creates and alters only; nothing in the schema is dropped.
 */
export async function migrateQueueSchema(db: Db, url: string, settings: JobSettings): Promise<QueueMigration> {
  const before = await queueSchemaProblem(db);
  const from = before?.kind === 'missing-schema' ? null : before?.kind === 'old-schema' ? before.version : QUEUE_SCHEMA_VERSION;
  const boss = createBoss({ url, settings, supervise: false, poolSize: 2, applicationName: 'pebbles-migrate' });
  // Failures reach the caller through start() and the queue calls; without a listener an emitted error would crash.
  boss.on('error', () => undefined);
  try {
    await boss.start();
    const ensured = await ensureQueues(boss, settings);
    return { from, to: QUEUE_SCHEMA_VERSION, ...ensured };
  } finally {
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
  }
}
