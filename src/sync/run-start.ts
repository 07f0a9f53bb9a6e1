import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { SyncScope } from './sync-property.ts';
import type { StoredDigests } from './steady.ts';

/**
 * What a sync knows before it reads anything: the snapshot its plan inputs will be read under (stored
 * with the plan, steady.ts), the leases the mirror knows as open (S2 asks Entrata for those that do not
 * come back), and the digests of the last full read.
 */
export interface SyncStart {
  snapshot: string;
  openLeaseIds: string[];
  digests: StoredDigests;
}

const INTERRUPTED = JSON.stringify({
  kind: 'interrupted',
  message: 'the process running this sync stopped before it finished; nothing of it was applied',
  entrataFailure: false,
});

/**
 * Records a new run of a property's sync, under its lock, in one statement that also gives the
 * SyncStart. Holding the lock proves no other sync of this property is running: a run still marked
 * running belongs to a process that died inside it (its transaction rolled back), so it is closed here.
 */
export async function startRun(
  conn: Kysely<DB>,
  o: { propertyId: number; trigger: string; scope: SyncScope; startedAt: Date; actor: string | null },
): Promise<{ runId: number; start: SyncStart }> {
  const { rows } = await sql<{ id: number; snapshot: string; open: string | null; answers_digest: string | null; nodes_digest: string | null }>`
    with closed as (
      update sync_run set status = 'failed', finished_at = ${o.startedAt}, error = ${INTERRUPTED}::jsonb
      where property_id = ${o.propertyId} and status = 'running'),
    run as (
      insert into sync_run (property_id, trigger, scope, started_at, actor)
      values (${o.propertyId}, ${o.trigger}, ${JSON.stringify(o.scope)}::jsonb, ${o.startedAt}, ${o.actor})
      returning id)
    select run.id, pg_current_snapshot()::text as snapshot,
      -- One text rather than an array: lease ids hold no comma, and splitting is cheaper than parsing.
      (select string_agg(lease_id, ',') from lease_mirror where property_id = ${o.propertyId} and status in ('future', 'current', 'notice')) as open,
      p.answers_digest, p.nodes_digest
    from run, property p where p.id = ${o.propertyId}`.execute(conn);
  const r = rows[0]!;
  return {
    runId: Number(r.id),
    start: { snapshot: r.snapshot, openLeaseIds: r.open ? r.open.split(',') : [], digests: { answers: r.answers_digest, nodes: r.nodes_digest } },
  };
}
