import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { SnapshotUnit } from '../entrata/snapshot.ts';
import type { FreshLeases } from './mirror.ts';

// The steady state of S1 at portfolio scale: most scheduled syncs find Entrata unchanged, and plan()
// would then find nothing to do (it is idempotent, and time moves leases only at next_transition_at).
// Such a sync may skip loading the mirror and the registry and planning, when the database proves that
// nothing plan() reads has changed since the property's last plan (migration 0003: every write to a
// table plan() reads records its transaction and account in plan_input_change).

/** A full plan at least this often, whatever the proof says (a guard, not a rule). */
export const REPLAN_AT_LEAST_EVERY_MS = 6 * 3_600_000;

/**
 * Taken before a sync reads anything: the snapshot its plan inputs will be read under (stored with the
 * plan), and the leases the mirror knows as open (S2 asks Entrata for those that do not come back).
 */
export async function syncStart(conn: Kysely<DB>, propertyId: number): Promise<{ snapshot: string; openLeaseIds: string[] }> {
  const { rows } = await sql<{ snapshot: string; open: string[] }>`
    select pg_current_snapshot()::text as snapshot,
      coalesce(array(select lease_id from lease_mirror where property_id = ${propertyId} and status in ('future', 'current', 'notice')), '{}') as open`.execute(conn);
  return { snapshot: rows[0]!.snapshot, openLeaseIds: rows[0]!.open };
}

/**
 * True when a full read of Entrata brought exactly what the mirror holds (leases and units), no lease
 * went missing or came back, no window opens or closes before `now`, no hold is open, and nothing
 * plan() reads (registry, overrides, blocks, other properties' mirrors, policy) was written since the
 * snapshot of the property's last plan. Then planning again would change nothing. One round trip; the
 * comparison runs in the database. Also gives the count of leases marked missing (for the run's counts).
 */
export async function unchangedSinceLastPlan(
  conn: Kysely<DB>, propertyId: number, fresh: FreshLeases, units: readonly SnapshotUnit[], now: Date,
): Promise<{ unchanged: boolean; missing: number; nextTransitionAt: Date | null }> {
  if (!fresh.complete || fresh.quarantined.length > 0) return { unchanged: false, missing: 0, nextTransitionAt: null };
  // One JSON document each (parsed by the database), not arrays of JSON texts (escaped element by element).
  const leases = JSON.stringify(fresh.leases);
  const unitList = JSON.stringify(units.map((u) => [u.id, u.number, u.building, u.spaces]));
  const { rows } = await sql<{ unchanged: boolean; missing: number; next_transition_at: Date | null }>`
    with f as (select e->>'id' as lease_id, e as data from jsonb_array_elements(${leases}::jsonb) e),
    fu as (select e->>0 as entrata_id, e->>1 as number, e->>2 as building, e->3 as spaces from jsonb_array_elements(${unitList}::jsonb) e),
    p as (select id, account_id, first_synced_at, planned_at, next_transition_at, plan_snapshot::pg_snapshot as snap from property where id = ${propertyId})
    select
      coalesce((
        p.first_synced_at is not null and p.snap is not null
        and p.planned_at > ${new Date(now.getTime() - REPLAN_AT_LEAST_EVERY_MS)}
        and (p.next_transition_at is null or p.next_transition_at > ${now})
        and not exists (select 1 from hold h where h.property_id = p.id and h.state = 'open')
        and not exists (
          select 1 from plan_input_change c
          where c.account_id in (0, p.account_id) and c.txid >= pg_snapshot_xmin(p.snap) and not pg_visible_in_snapshot(c.txid, p.snap))
        and not exists (
          select 1 from f left join lease_mirror m on m.property_id = p.id and m.lease_id = f.lease_id
          where m.lease_id is null or m.data <> f.data or m.quarantine_reason is not null or m.missing_since is not null)
        -- No open lease went missing: every one of them came back (counted through the index, not by an anti-join
        -- over the JSON rows, which the planner would run as a nested loop).
        and (select count(*) from lease_mirror m where m.property_id = p.id and m.missing_since is null and m.status in ('future', 'current', 'notice'))
          = (select count(distinct m.lease_id) from f join lease_mirror m on m.property_id = p.id and m.lease_id = f.lease_id
             where m.missing_since is null and m.status in ('future', 'current', 'notice'))
        and not exists (
          select 1 from fu left join unit u on u.property_id = p.id and u.entrata_id = fu.entrata_id
          where u.id is null or u.number <> fu.number or u.building is distinct from fu.building
            or u.missing_since is not null or u.removed_at is not null or u.spaces <> fu.spaces)
        and (select count(*) from unit u where u.property_id = p.id and u.missing_since is null and u.removed_at is null)
          = (select count(distinct u.entrata_id) from fu join unit u on u.property_id = p.id and u.entrata_id = fu.entrata_id
             where u.missing_since is null and u.removed_at is null)
      ), false) as unchanged,
      (select count(*)::int from lease_mirror m where m.property_id = p.id and m.missing_since is not null) as missing,
      p.next_transition_at
    from p`.execute(conn);
  const r = rows[0];
  return { unchanged: r?.unchanged ?? false, missing: r?.missing ?? 0, nextTransitionAt: r?.next_transition_at ?? null };
}

/** The run record and the property's schedule after a steady-state sync, in one statement. */
export async function recordSteadySync(
  conn: Kysely<DB>, o: { runId: number; propertyId: number; finishedAt: Date; counts: Record<string, number>; name: string; nextSyncAt: Date; snapshot: string },
): Promise<void> {
  await sql`
    with run as (update sync_run set finished_at = ${o.finishedAt}, status = 'unchanged', counts = ${JSON.stringify(o.counts)}::jsonb where id = ${o.runId})
    update property set name = ${o.name}, last_sync_at = ${o.finishedAt}, last_success_at = ${o.finishedAt}, last_error = null,
      consecutive_failures = 0, next_sync_at = ${o.nextSyncAt}, plan_snapshot = ${o.snapshot}
    where id = ${o.propertyId}`.execute(conn);
}
