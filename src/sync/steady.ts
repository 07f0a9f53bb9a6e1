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
): Promise<{ unchanged: boolean; missing: number }> {
  if (!fresh.complete || fresh.quarantined.length > 0) return { unchanged: false, missing: 0 };
  const leaseIds = fresh.leases.map((l) => l.id as string);
  const leaseData = fresh.leases.map((l) => JSON.stringify(l));
  const { rows } = await sql<{ unchanged: boolean; missing: number }>`
    with f as (select * from unnest(${leaseIds}::text[], ${leaseData}::jsonb[]) as f(lease_id, data)),
    fu as (select * from unnest(${units.map((u) => u.id as string)}::text[], ${units.map((u) => u.number)}::text[],
                                ${units.map((u) => u.building)}::text[], ${units.map((u) => JSON.stringify(u.spaces))}::jsonb[])
           as fu(entrata_id, number, building, spaces)),
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
        and not exists (
          select 1 from lease_mirror m
          where m.property_id = p.id and m.missing_since is null and m.status in ('future', 'current', 'notice')
            and not exists (select 1 from f where f.lease_id = m.lease_id))
        and not exists (
          select 1 from fu left join unit u on u.property_id = p.id and u.entrata_id = fu.entrata_id
          where u.id is null or u.number <> fu.number or u.building is distinct from fu.building
            or u.missing_since is not null or u.removed_at is not null or u.spaces <> fu.spaces)
        and not exists (
          select 1 from unit u where u.property_id = p.id and u.missing_since is null and u.removed_at is null
            and not exists (select 1 from fu where fu.entrata_id = u.entrata_id))
      ), false) as unchanged,
      (select count(*)::int from lease_mirror m where m.property_id = p.id and m.missing_since is not null) as missing
    from p`.execute(conn);
  return { unchanged: rows[0]?.unchanged ?? false, missing: rows[0]?.missing ?? 0 };
}
