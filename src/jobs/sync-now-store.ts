import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import type PgBoss from 'pg-boss';
import type { DB } from '../db/schema.ts';
import { QUEUES, type SyncNowJobData } from './queues.ts';

/** Serialises sync-now requests of one property across processes (checked, then queued, atomically). */
const SYNC_NOW_LOCK_CLASS = 0x5ebb1e7;

/** A sync-now job as the queue holds it (pgboss.job, or pgboss.archive once done for a while). */
export interface SyncNowJobRow {
  id: string;
  state: string;
  data: SyncNowJobData;
  output: unknown;
  createdOn: Date;
  startedOn: Date | null;
  completedOn: Date | null;
}

interface RawJob {
  id: string;
  state: string;
  data: SyncNowJobData;
  output: unknown;
  created_on: Date;
  started_on: Date | null;
  completed_on: Date | null;
}

const asRow = (r: RawJob): SyncNowJobRow => ({
  id: r.id,
  state: r.state,
  data: r.data,
  output: r.output,
  createdOn: r.created_on,
  startedOn: r.started_on,
  completedOn: r.completed_on,
});

/**
 * Runs `fn` holding the property's sync-now lock, in one transaction whose connection pg-boss also uses
 * to queue the job: two requests at once for one property see each other's job.
 */
export async function withSyncNowLock<T>(db: Kysely<DB>, propertyId: number, fn: (trx: Transaction<DB>, queueDb: PgBoss.Db) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${SYNC_NOW_LOCK_CLASS}, ${propertyId})`.execute(trx);
    const queueDb: PgBoss.Db = {
      executeSql: async (text: string, values?: unknown[]) => trx.executeQuery(CompiledQuery.raw(text, values ?? [])) as never,
    };
    return fn(trx, queueDb);
  });
}

/** Sync-now jobs of a property still queued or running (oldest first). */
export async function openSyncNowJobs(db: Kysely<DB>, propertyId: number): Promise<SyncNowJobRow[]> {
  const { rows } = await sql<RawJob>`
    select id::text, state::text, data, output, created_on, started_on, completed_on from pgboss.job
    where name = ${QUEUES.syncNow} and state < 'completed' and (data->>'propertyId')::bigint = ${propertyId}
    order by created_on`.execute(db);
  return rows.map(asRow);
}

/** The property's latest sync-now jobs, open or finished (newest first). */
export async function recentSyncNowJobs(db: Kysely<DB>, propertyId: number, limit: number): Promise<SyncNowJobRow[]> {
  const { rows } = await sql<RawJob>`
    select id, state, data, output, created_on, started_on, completed_on from (
      select id::text, state::text, data, output, created_on, started_on, completed_on from pgboss.job
      where name = ${QUEUES.syncNow} and (data->>'propertyId')::bigint = ${propertyId}
      union all
      select id::text, state::text, data, output, created_on, started_on, completed_on from pgboss.archive
      where name = ${QUEUES.syncNow} and (data->>'propertyId')::bigint = ${propertyId}
    ) j order by created_on desc limit ${limit}`.execute(db);
  return rows.map(asRow);
}

/** How many units and residents (customers on its leases) the property has, for sizing a selection. */
export async function propertySize(db: Kysely<DB>, propertyId: number): Promise<{ units: number; residents: number }> {
  const units = await db
    .selectFrom('unit')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('property_id', '=', propertyId)
    .where('removed_at', 'is', null)
    .executeTakeFirstOrThrow();
  const residents = await db
    .selectFrom('lease_mirror')
    .select(sql<string>`count(distinct c)`.as('n'))
    .innerJoin(sql`unnest(customer_ids)`.as('c'), (j) => j.onTrue())
    .where('property_id', '=', propertyId)
    .executeTakeFirstOrThrow();
  return { units: Number(units.n), residents: Number(residents.n) };
}
