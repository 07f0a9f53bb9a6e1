import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import {
  asBlockId,
  asHoldId,
  asKeyId,
  asRegistrationId,
  type Block,
  type HeldEnding,
  type KeyRecord,
  type LeaseOverride,
  type OpenHold,
  type PropertyInput,
  type Registration,
  type RegistryState,
  type Resident,
} from '../engine/types.ts';
import {
  asCustomerId,
  asPropertyId,
  asUnitId,
  type ContactProblem,
  type CustomerId,
  type LeaseId,
  type PropertyId,
  type PropertySnapshot,
  type SnapshotLease,
  type SnapshotUnit,
  type SpaceId,
} from '../engine/snapshot.ts';
import type { PropertySettings } from '../properties/properties.ts';
import type { Mirror } from './mirror.ts';

/** Maps between the database's property ids and Entrata's, within one account (the engine speaks Entrata ids). */
export interface PropertyIds {
  toEntrata(dbId: number): PropertyId;
  toDb(entrataId: PropertyId): number;
}

export function propertyIds(properties: PropertySettings[]): PropertyIds {
  const byDb = new Map(properties.map((p) => [p.id, asPropertyId(p.entrataId)]));
  const byEntrata = new Map(properties.map((p) => [p.entrataId, p.id]));
  return {
    toEntrata: (id) => byDb.get(id) ?? asPropertyId(`db:${id}`),
    toDb: (id) => {
      const v = byEntrata.get(id);
      if (v === undefined) throw new Error(`property ${id} is not enabled in this account`);
      return v;
    },
  };
}

/** The engine's view of one property from its mirror: good leases, missing ones (S2), quarantined ones (S4). */
export function propertyInputFromMirror(p: PropertySettings, mirror: Mirror, units: SnapshotUnit[], isFirstSync: boolean): PropertyInput {
  const leases: SnapshotLease[] = [];
  const missingLeases: SnapshotLease[] = [];
  const quarantinedLeases: SnapshotLease[] = [];
  const quarantined: PropertySnapshot['quarantined'] = [];
  for (const m of [...mirror.values()].sort((a, b) => compareIds(a.lease.id, b.lease.id))) {
    if (m.missingSince) missingLeases.push(m.lease);
    else if (m.quarantineReason) {
      quarantinedLeases.push(m.lease);
      quarantined.push({ leaseId: m.lease.id, reason: m.quarantineReason });
    } else leases.push(m.lease);
  }
  return {
    id: asPropertyId(p.entrataId),
    timeZone: p.timeZone,
    policy: {
      earlyMoveInDays: p.earlyMoveInDays,
      lateMoveOutDays: p.lateMoveOutDays,
      firstWelcome: p.firstWelcome,
      isFirstSync,
    },
    snapshot: { property: { id: asPropertyId(p.entrataId), name: p.name }, units, leases, quarantined },
    missingLeases,
    quarantinedLeases,
  };
}

export function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b) && a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The mirror of other properties of the account, limited to leases of the given customers. */
export async function loadMirrorsForCustomers(db: Kysely<DB>, propertyDbIds: number[], customerIds: string[]): Promise<Map<number, Mirror>> {
  const out = new Map<number, Mirror>(propertyDbIds.map((id) => [id, new Map()]));
  if (propertyDbIds.length === 0 || customerIds.length === 0) return out;
  // One GIN probe per customer (`@> array[id]`): with `customer_ids && $thousands`, PostgreSQL estimates
  // that nearly every row matches and scans the whole mirror (seconds at 100,000 leases).
  const { rows } = await sql<{ property_id: number; lease_id: string; data: unknown; quarantine_reason: string | null; missing_since: Date | null }>`
    select m.property_id, m.lease_id, m.data, m.quarantine_reason, m.missing_since
    from lease_mirror m
    join (select distinct l.property_id, l.lease_id from unnest(${customerIds}::text[]) c(id) join lease_mirror l on l.customer_ids @> array[c.id]) hit
      on hit.property_id = m.property_id and hit.lease_id = m.lease_id
    where m.property_id = any(${propertyDbIds}::bigint[])`.execute(db);
  for (const r of rows) {
    out
      .get(r.property_id)!
      .set(r.lease_id as LeaseId, { lease: r.data as SnapshotLease, quarantineReason: r.quarantine_reason, missingSince: r.missing_since });
  }
  return out;
}

/** Database ids of the residents in a registry state, by canonical customer id. */
export type ResidentIds = Map<CustomerId, number>;

/**
 * Registry state for planning one property: the residents on its leases or registered there, with
 * their registrations, keys and blocks at every property of the account (U rules), and the open hold.
 */
export async function loadRegistryState(
  db: Kysely<DB>,
  accountId: number,
  propertyDbId: number,
  customerIds: string[],
  ids: PropertyIds,
): Promise<{ state: RegistryState; residentIds: ResidentIds; aliases: Map<string, CustomerId> }> {
  // Residents named by the leases, or registered at this property, plus everyone linked to them (E3).
  const seed = await db
    .selectFrom('resident')
    .select(['id', 'linked_to'])
    .where('account_id', '=', accountId)
    .where((eb) =>
      eb.or([
        ...(customerIds.length ? [eb('customer_id', 'in', customerIds)] : []),
        eb('id', 'in', eb.selectFrom('registration').select('resident_id').where('property_id', '=', propertyDbId).where('state', '!=', 'ended')),
      ]),
    )
    .execute();
  const canonicalIds = [...new Set(seed.map((r) => r.linked_to ?? r.id))];
  const residentRows = canonicalIds.length
    ? await db
        .selectFrom('resident')
        .selectAll()
        .where((eb) => eb.or([eb('id', 'in', canonicalIds), eb('linked_to', 'in', canonicalIds)]))
        .execute()
    : [];
  const byId = new Map(residentRows.map((r) => [r.id, r]));
  const residentIds: ResidentIds = new Map();
  const aliases = new Map<string, CustomerId>();
  const residents: Resident[] = [];
  for (const r of residentRows) {
    if (r.linked_to !== null) continue;
    const linked = residentRows.filter((x) => x.linked_to === r.id).map((x) => asCustomerId(x.customer_id));
    const customerId = asCustomerId(r.customer_id);
    residentIds.set(customerId, r.id);
    aliases.set(r.customer_id, customerId);
    for (const l of linked) aliases.set(l, customerId);
    residents.push({
      customerId,
      linkedCustomerIds: linked,
      firstName: r.first_name,
      lastName: r.last_name,
      email: r.email,
      mobile: r.mobile,
      contactProblems: r.contact_problems as ContactProblem[],
    });
  }
  const canonical = (residentId: number): CustomerId => {
    const r = byId.get(residentId)!;
    return asCustomerId(r.linked_to !== null ? byId.get(r.linked_to)!.customer_id : r.customer_id);
  };
  const rIds = [...residentIds.values()];
  const [regs, keys, blocks, hold] = await Promise.all([
    rIds.length ? db.selectFrom('registration').selectAll().where('resident_id', 'in', rIds).where('state', '!=', 'ended').execute() : [],
    rIds.length ? db.selectFrom('psk').select(['id', 'resident_id', 'property_id']).where('resident_id', 'in', rIds).where('current', '=', true).execute() : [],
    rIds.length ? db.selectFrom('block').selectAll().where('resident_id', 'in', rIds).where('lifted_at', 'is', null).execute() : [],
    db.selectFrom('hold').selectAll().where('property_id', '=', propertyDbId).where('state', '=', 'open').executeTakeFirst(),
  ]);
  const registrations: Registration[] = regs.map((r) => ({
    id: asRegistrationId(String(r.id)),
    customerId: canonical(r.resident_id),
    propertyId: ids.toEntrata(r.property_id),
    unitId: asUnitId(r.unit_entrata_id),
    spaceIds: r.space_ids as SpaceId[],
    leaseIds: r.lease_ids as LeaseId[],
    state: r.state,
    accessStart: r.access_start?.getTime() ?? null,
    accessEnd: r.access_end?.getTime() ?? null,
  }));
  const keyRecords: KeyRecord[] = keys.map((k) => ({
    customerId: canonical(k.resident_id),
    propertyId: ids.toEntrata(k.property_id),
    keyId: asKeyId(String(k.id)),
    revoked: false,
  }));
  const blockList: Block[] = blocks.map((b) => ({
    id: asBlockId(String(b.id)),
    customerId: canonical(b.resident_id),
    propertyId: ids.toEntrata(b.property_id),
    from: b.starts_at.getTime(),
    message: b.message ?? '',
    liftedAt: b.lifted_at?.getTime() ?? null,
  }));
  const holds: OpenHold[] = hold ? [{ id: asHoldId(String(hold.id)), propertyId: ids.toEntrata(hold.property_id), endings: hold.endings as HeldEnding[] }] : [];
  return { state: { residents, registrations, keys: keyRecords, blocks: blockList, holds }, residentIds, aliases };
}

export async function loadOverrides(db: Kysely<DB>, propertyDbIds: number[]): Promise<LeaseOverride[]> {
  if (propertyDbIds.length === 0) return [];
  const rows = await db.selectFrom('lease_override').selectAll().where('property_id', 'in', propertyDbIds).execute();
  const t = (d: Date | null) => d?.getTime() ?? null;
  return rows.map((r) => ({
    leaseId: r.lease_id as LeaseId,
    customerId: asCustomerId(r.customer_id),
    earlyStartAt: t(r.early_start_at),
    lateEndAt: t(r.late_end_at),
    moveInNowAt: t(r.move_in_now_at),
    moveOutNowAt: t(r.move_out_now_at),
    transferNowAt: t(r.transfer_now_at),
    pinnedAt: t(r.pinned_at),
  }));
}
