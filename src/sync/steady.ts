import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { LeaseRead } from '../entrata/lease-read.ts';
import type { SnapshotUnit } from '../engine/snapshot.ts';

// The steady state of S1 at portfolio scale: most scheduled syncs find Entrata unchanged, and plan()
// would then find nothing to do (it is idempotent, and time moves leases only at next_transition_at).
// Such a sync skips loading the mirror and the registry and planning, when the database proves that
// nothing plan() reads has changed since the property's last plan:
// - what Entrata sent has the digest stored by the last full sync, whose mirror matched it then (compared
//   before normalising: the same nodes normalise the same way, lease-read.ts);
// - no transaction wrote a table plan() reads (the mirror included) for this account since the
//   snapshot the last plan read under (migration 0003: triggers record every such transaction, with
//   the accounts it touched, in plan_input_change);
// - no window opens or closes before now, no hold is open, and the last full plan is recent.

/** A full plan at least this often, whatever the proof says (a guard, not a rule). */
export const REPLAN_AT_LEAST_EVERY_MS = 6 * 3_600_000;

/**
 * The digests of a full read of a property, before normalising: its units and the lease reads of every
 * page and of the by-id reads, with what normalising them depends on (lease-read.ts). `answers` hashes
 * the answers' bytes (as good as free); `nodes` walks the parsed nodes, for when the bytes differ but
 * the data may not. Each is computed when first asked for.
 */
export class ReadDigests {
  private memo: { answers?: string | null; nodes?: string } = {};

  constructor(
    private readonly units: readonly SnapshotUnit[],
    private readonly reads: readonly LeaseRead[],
  ) {}

  /** Null when a read did not come over HTTP. */
  answers(): string | null {
    if (this.memo.answers === undefined) this.memo.answers = this.reads.every((r) => r.answers !== null) ? this.digest('answers') : null;
    return this.memo.answers;
  }

  nodes(): string {
    this.memo.nodes ??= this.digest('nodes');
    return this.memo.nodes;
  }

  /** True when this read is the one the digests were stored for (the cheap comparison first). */
  matches(stored: StoredDigests): boolean {
    if (stored.answers !== null && stored.answers === this.answers()) return true;
    return stored.nodes !== null && stored.nodes === this.nodes();
  }

  private digest(of: 'answers' | 'nodes'): string {
    const hash = createHash('sha256');
    hash.update(`${JSON.stringify(this.units)}\n`);
    for (const r of this.reads) r.digestInto(hash, of);
    return hash.digest('base64');
  }
}

/** What property.answers_digest and nodes_digest hold: the last full read the mirror matched. */
export interface StoredDigests {
  answers: string | null;
  nodes: string | null;
}

/**
 * For a read that matches the stored digests (ReadDigests.matches, under the property's lock): when
 * planning again would change nothing (see the top of this file), records the run as unchanged and the
 * property's schedule, in the same statement. Also gives the count of leases marked missing (added to
 * the run's counts) and the next transition.
 */
export async function finishIfUnchanged(
  conn: Kysely<DB>,
  o: { runId: number; propertyId: number; now: Date; finishedAt: Date; counts: Record<string, number>; name: string; nextSyncAt: Date; snapshot: string },
): Promise<{ unchanged: boolean; missing: number; nextTransitionAt: Date | null }> {
  const { rows } = await sql<{ unchanged: boolean; missing: number; next_transition_at: Date | null }>`
    with p as (
      select id, account_id, first_synced_at, planned_at, next_transition_at, plan_snapshot::pg_snapshot as snap
      from property where id = ${o.propertyId}),
    v as (
      select
        coalesce((
          p.first_synced_at is not null and p.snap is not null
          and p.planned_at > ${new Date(o.now.getTime() - REPLAN_AT_LEAST_EVERY_MS)}
          and (p.next_transition_at is null or p.next_transition_at > ${o.now})
          and not exists (select 1 from hold h where h.property_id = p.id and h.state = 'open')
          and not exists (
            select 1 from plan_input_change c
            where c.account_id in (0, p.account_id) and c.txid >= pg_snapshot_xmin(p.snap) and not pg_visible_in_snapshot(c.txid, p.snap))
        ), false) as unchanged,
        (select count(*)::int from lease_mirror m where m.property_id = p.id and m.missing_since is not null) as missing,
        p.next_transition_at
      from p),
    run as (
      update sync_run set finished_at = ${o.finishedAt}, status = 'unchanged',
        counts = ${JSON.stringify(o.counts)}::jsonb || jsonb_build_object('missing', (select missing from v))
      where id = ${o.runId} and (select unchanged from v)),
    prop as (
      update property set name = ${o.name}, last_sync_at = ${o.finishedAt}, last_success_at = ${o.finishedAt}, last_error = null,
        consecutive_failures = 0, next_sync_at = ${o.nextSyncAt}, plan_snapshot = ${o.snapshot}
      where id = ${o.propertyId} and (select unchanged from v))
    select unchanged, missing, next_transition_at from v`.execute(conn);
  const r = rows[0];
  return { unchanged: r?.unchanged ?? false, missing: r?.missing ?? 0, nextTransitionAt: r?.next_transition_at ?? null };
}
