import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { LeaseId, QuarantinedLease, SnapshotLease } from '../engine/snapshot.ts';
import { canonicalJson } from './canonical-json.ts';

/** One lease as the mirror keeps it: the last good version Entrata gave (S4), and whether it went missing (S2). */
export interface MirroredLease {
  lease: SnapshotLease;
  quarantineReason: string | null;
  missingSince: Date | null;
}

export type Mirror = Map<LeaseId, MirroredLease>;

const OPEN = new Set(['future', 'current', 'notice']);

export function isOpenStatus(status: string): boolean {
  return OPEN.has(status);
}

export async function loadMirror(db: Kysely<DB>, propertyId: number): Promise<Mirror> {
  const rows = await db
    .selectFrom('lease_mirror')
    .select(['lease_id', 'data', 'quarantine_reason', 'missing_since'])
    .where('property_id', '=', propertyId)
    .execute();
  return new Map(
    rows.map((r) => [r.lease_id as LeaseId, { lease: r.data as SnapshotLease, quarantineReason: r.quarantine_reason, missingSince: r.missing_since }]),
  );
}

/** What a read of Entrata brought back for a property (or part of it). */
export interface FreshLeases {
  leases: SnapshotLease[];
  quarantined: QuarantinedLease[];
  /**
   * Full sync: every lease known open that did not come back, after asking for it by id, is missing (S2).
   * Scoped sync (one unit or resident): nothing is concluded about leases not asked for.
   */
  complete: boolean;
}

/**
 * The mirror after a read: fresh leases replace their old version; a quarantined lease keeps its last
 * good version (S4); a lease known open that Entrata no longer returns keeps its version and is marked
 * missing since the first sync that missed it (S2). Returns only the rows that changed.
 */
export function mergeMirror(prev: Mirror, fresh: FreshLeases, now: Date): { next: Mirror; changed: MirroredLease[]; newlyQuarantined: QuarantinedLease[] } {
  const next: Mirror = new Map(prev);
  const changed: MirroredLease[] = [];
  const seen = new Set<LeaseId>();
  const put = (m: MirroredLease) => {
    const old = prev.get(m.lease.id);
    next.set(m.lease.id, m);
    if (!old || !sameMirrored(old, m)) changed.push(m);
  };
  for (const lease of fresh.leases) {
    seen.add(lease.id);
    put({ lease, quarantineReason: null, missingSince: null });
  }
  const newlyQuarantined: QuarantinedLease[] = [];
  for (const q of fresh.quarantined) {
    seen.add(q.leaseId);
    const old = prev.get(q.leaseId);
    if (old) put({ lease: old.lease, quarantineReason: q.reason, missingSince: null });
    else newlyQuarantined.push(q);
  }
  if (fresh.complete) {
    for (const [id, old] of prev) {
      if (seen.has(id) || !isOpenStatus(old.lease.status)) continue;
      put({ ...old, missingSince: old.missingSince ?? now });
    }
  }
  return { next, changed, newlyQuarantined };
}

function sameMirrored(a: MirroredLease, b: MirroredLease): boolean {
  return (
    a.quarantineReason === b.quarantineReason && (a.missingSince === null) === (b.missingSince === null) && canonicalJson(a.lease) === canonicalJson(b.lease)
  );
}

/** Writes changed mirror rows in one statement (a first sync may bring thousands). */
export async function writeMirror(trx: Kysely<DB>, propertyId: number, changed: MirroredLease[], now: Date): Promise<number> {
  const CHUNK = 1000;
  for (let i = 0; i < changed.length; i += CHUNK) {
    const rows = changed.slice(i, i + CHUNK).map((m) => ({
      property_id: propertyId,
      lease_id: m.lease.id,
      data: JSON.stringify(m.lease),
      status: m.lease.status,
      customer_ids: m.lease.customers.map((c) => c.id),
      quarantine_reason: m.quarantineReason,
      missing_since: m.missingSince,
      updated_at: now,
    }));
    await trx
      .insertInto('lease_mirror')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['property_id', 'lease_id']).doUpdateSet({
          data: sql`excluded.data`,
          status: sql`excluded.status`,
          customer_ids: sql`excluded.customer_ids`,
          quarantine_reason: sql`excluded.quarantine_reason`,
          missing_since: sql`excluded.missing_since`,
          updated_at: sql`excluded.updated_at`,
        }),
      )
      .execute();
  }
  return changed.length;
}
