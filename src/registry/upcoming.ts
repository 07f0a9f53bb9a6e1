import type { Db } from '../db/database.ts';
import { addDays, localDateOf, startOfLocalDay } from '../engine/local-time.ts';
import { asPropertyId, asUnitId, type SnapshotLease } from '../engine/snapshot.ts';
import type { PropertySettings } from '../properties/properties.ts';
import { isoInZone } from './views.ts';
import { namesAt } from './place-words.ts';

export type UpcomingKind = 'move-in' | 'move-out' | 'transfer';

/** A change the engine has planned for the coming days, as staff read it (F-07). */
export interface UpcomingChange {
  kind: UpcomingKind;
  customerId: string;
  name: string;
  /** The unit access starts in (move-in, transfer) or ends in (move-out): Entrata's unit id, and in words. */
  unitId: string;
  place: string;
  /** A transfer's old unit in words; null when the resident comes from another property. */
  fromPlace: string | null;
  /** The registration's leases; execute-early acts on the one that fits (a future lease, the current one, the transfer). */
  leaseIds: string[];
  /** When access starts or ends, in the property's time. */
  at: string;
  /** The local day it happens: the first day with access, or the last. */
  day: string;
  /** The move-in or move-out day Entrata gives, when the lease is known. */
  entrataDate: string | null;
  says: string;
}

type Row = Awaited<ReturnType<typeof registrationsDue>>[number];

function registrationsDue(db: Db, propertyDbId: number, from: Date, until: Date) {
  return db
    .selectFrom('registration as g')
    .innerJoin('resident as r', 'r.id', 'g.resident_id')
    .select([
      'g.id',
      'g.resident_id',
      'g.state',
      'g.unit_entrata_id',
      'g.space_ids',
      'g.lease_ids',
      'g.access_start',
      'g.access_end',
      'r.customer_id',
      'r.first_name',
      'r.last_name',
    ])
    .where('g.property_id', '=', propertyDbId)
    .where((eb) =>
      eb.or([
        eb.and([eb('g.state', '=', 'pending'), eb('g.access_start', '>=', from), eb('g.access_start', '<', until)]),
        // access_end is the first instant without access: a move-out on the horizon's last day ends at `until`.
        eb.and([eb('g.state', 'in', ['active', 'blocked']), eb('g.access_end', '>=', from), eb('g.access_end', '<=', until)]),
      ]),
    )
    .execute();
}

async function leasesOf(db: Db, propertyDbId: number, ids: readonly string[]): Promise<Map<string, SnapshotLease>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('lease_mirror')
    .select(['lease_id', 'data'])
    .where('property_id', '=', propertyDbId)
    .where('lease_id', 'in', [...new Set(ids)])
    .execute();
  return new Map(rows.map((r) => [r.lease_id, r.data as SnapshotLease]));
}

/** The units each resident lives in now at the property (a transfer's old side). */
async function liveUnits(db: Db, propertyDbId: number, residentIds: readonly number[]): Promise<Map<number, { unit: string; spaces: string[] }>> {
  if (residentIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('registration')
    .select(['resident_id', 'unit_entrata_id', 'space_ids'])
    .where('property_id', '=', propertyDbId)
    .where('state', 'in', ['active', 'blocked'])
    .where('resident_id', 'in', [...new Set(residentIds)])
    .orderBy('id')
    .execute();
  return new Map(rows.map((r) => [r.resident_id, { unit: r.unit_entrata_id, spaces: r.space_ids }]));
}

const isTransferLease = (l: SnapshotLease | undefined) => !!l && (l.isTransfer || l.parentLeaseId !== null);

/**
 * Move-ins, move-outs and transfers in the next `days` local days (today included), from the registrations
 * the engine planned (so the policy, overrides and blocks are already in them) and the leases behind them.
 * Sorted by when they happen.
 */
export async function upcomingChanges(db: Db, p: PropertySettings, now: Date, days: number): Promise<UpcomingChange[]> {
  const until = new Date(startOfLocalDay(addDays(localDateOf(now.getTime(), p.timeZone), days + 1), p.timeZone));
  const rows = await registrationsDue(db, p.id, now, until);
  const leases = await leasesOf(
    db,
    p.id,
    rows.flatMap((r) => r.lease_ids),
  );
  const pending = rows.filter((r) => r.state === 'pending');
  const live = await liveUnits(
    db,
    p.id,
    pending.map((r) => r.resident_id),
  );
  const names = await namesAt(db, p);
  const describe = (unit: string, spaces: readonly string[]) =>
    names.describe({ propertyId: asPropertyId(p.entrataId), unitId: asUnitId(unit), spaceIds: spaces as never });
  const nameOf = (r: Row) => `${r.first_name} ${r.last_name}`.trim() || `customer ${r.customer_id}`;
  const customerOf = (r: Row, l: SnapshotLease | undefined) => l?.customers.find((c) => c.id === r.customer_id);

  const out: UpcomingChange[] = [];
  const transferring = new Set<number>();
  for (const r of pending) {
    const ls = r.lease_ids.map((id) => leases.get(id));
    const lease = ls.find(isTransferLease) ?? ls.find((l) => l?.status === 'future') ?? ls[0];
    const from = live.get(r.resident_id);
    const transfer = isTransferLease(lease) || (from !== undefined && from.unit !== r.unit_entrata_id);
    const at = r.access_start!;
    const day = localDateOf(at.getTime(), p.timeZone);
    const place = describe(r.unit_entrata_id, r.space_ids);
    const fromPlace = transfer && from ? describe(from.unit, from.spaces) : null;
    if (transfer) transferring.add(r.resident_id);
    out.push({
      kind: transfer ? 'transfer' : 'move-in',
      customerId: r.customer_id,
      name: nameOf(r),
      unitId: r.unit_entrata_id,
      place,
      fromPlace,
      leaseIds: r.lease_ids,
      at: isoInZone(at, p.timeZone)!,
      day,
      entrataDate: customerOf(r, lease)?.moveIn ?? lease?.moveIn ?? null,
      says: transfer
        ? fromPlace
          ? `${nameOf(r)} moves from ${fromPlace} to ${place}: Wi-Fi access there starts ${day} and ends in the old unit`
          : `${nameOf(r)} transfers into ${place} from another lease: Wi-Fi access starts ${day}`
        : `${nameOf(r)} moves into ${place}: Wi-Fi access starts ${day} and the key is sent then`,
    });
  }
  for (const r of rows) {
    if (r.state === 'pending' || transferring.has(r.resident_id)) continue;
    const lease = r.lease_ids.map((id) => leases.get(id)).find((l) => l && (l.status === 'current' || l.status === 'notice'));
    const at = r.access_end!;
    // access_end is the first instant without access: the last day with access is the day before it.
    const day = localDateOf(at.getTime() - 1, p.timeZone);
    const c = customerOf(r, lease);
    const place = describe(r.unit_entrata_id, r.space_ids);
    out.push({
      kind: 'move-out',
      customerId: r.customer_id,
      name: nameOf(r),
      unitId: r.unit_entrata_id,
      place,
      fromPlace: null,
      leaseIds: r.lease_ids,
      at: isoInZone(at, p.timeZone)!,
      day,
      entrataDate: c?.moveOut ?? lease?.moveOut ?? lease?.leaseEnd ?? null,
      says: `${nameOf(r)} moves out of ${place}: Wi-Fi access ends after ${day} and the key stops working`,
    });
  }
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.customerId.localeCompare(b.customerId));
}
