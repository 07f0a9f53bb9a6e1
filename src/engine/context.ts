// Normalises a PlanInput once: sorted, canonical ids (E3), every lease version in effect, every window (W rules).
// Everything downstream reads this, so input order never matters (determinism).

import type { SnapshotCustomer } from './snapshot.ts';
import { cmp, isEligible, personResolver } from './identity.ts';
import { assertTimeZone } from './local-time.ts';
import { placeNames, type PlaceNames } from './names.ts';
import type {
  Block,
  CustomerId,
  Instant,
  KeyRecord,
  LeaseId,
  LeaseOverride,
  OpenHold,
  PlanInput,
  PropertyId,
  PropertyInput,
  PropertySnapshot,
  Registration,
  Resident,
  SnapshotLease,
} from './types.ts';
import { leaseWindow, mergeOverrides, type LeaseSource, type LeaseWindow, type MergedOverride } from './windows.ts';

export interface EffectiveLease {
  lease: SnapshotLease;
  propertyId: PropertyId;
  source: LeaseSource;
}

/** A customer on a lease who is never registered (E1), kept for explanations. */
export interface IneligibleEntry {
  leaseId: LeaseId;
  propertyId: PropertyId;
  customerId: CustomerId;
  type: SnapshotCustomer['type'];
}

export interface EngineContext {
  now: Instant;
  plannedId: PropertyId;
  planned: PropertyInput;
  properties: ReadonlyMap<PropertyId, PropertyInput>;
  personOf: (id: CustomerId) => CustomerId;
  /** Every lease version in effect, by id (lease ids are unique within an Entrata account). */
  leases: ReadonlyMap<LeaseId, EffectiveLease>;
  /** Eligible windows per person, across every given property, sorted. */
  windows: ReadonlyMap<CustomerId, LeaseWindow[]>;
  ineligible: ReadonlyMap<CustomerId, IneligibleEntry[]>;
  /** Per person, the newest Entrata customer row (contacts for the resident record). */
  latestCustomer: ReadonlyMap<CustomerId, SnapshotCustomer>;
  /**
   * Per person, the newest row of a kept version (a lease missing from Entrata, S2, or quarantined, S4): it names a
   * resident the registry does not know yet (one whose only lease is such a version still gets a record), and never
   * overwrites a record.
   */
  keptCustomer: ReadonlyMap<CustomerId, SnapshotCustomer>;
  /** Non-ended registrations at the given properties, per person, sorted by id. */
  registrations: ReadonlyMap<CustomerId, Registration[]>;
  residents: ReadonlyMap<CustomerId, Resident>;
  keys: ReadonlyMap<string, KeyRecord>;
  blocks: readonly Block[];
  hold: OpenHold | null;
  overrides: ReadonlyMap<string, MergedOverride>;
  previousSnapshot: PropertySnapshot | null;
  /** The previous snapshot's leases by id (S3). */
  previousLeases: ReadonlyMap<LeaseId, SnapshotLease>;
  releaseHold: boolean;
  /** What staff call the properties, units and bedrooms of the input (texts name places by these, not by ids). */
  names: PlaceNames;
}

export const toInstant = (t: Instant | Date): Instant => (t instanceof Date ? t.getTime() : t);
export const personPropertyKey = (person: CustomerId, propertyId: PropertyId) => `${person}\u0000${propertyId}`;
export const overrideKey = (leaseId: LeaseId, person: CustomerId) => `${leaseId}\u0000${person}`;

export function buildContext(input: PlanInput): EngineContext {
  const now = toInstant(input.now);
  const personOf = personResolver(input.registry.residents);
  const properties = new Map<PropertyId, PropertyInput>();
  for (const p of [...input.properties].sort((a, b) => cmp(a.id, b.id))) {
    assertTimeZone(p.timeZone);
    properties.set(p.id, p);
  }
  const planned = properties.get(input.propertyId);
  if (!planned) throw new Error(`plan: property ${input.propertyId} is not among input.properties`);

  const overrideRows = new Map<string, LeaseOverride[]>();
  for (const o of input.overrides) {
    const k = overrideKey(o.leaseId, personOf(o.customerId));
    overrideRows.set(k, [...(overrideRows.get(k) ?? []), o]);
  }
  const overrides = new Map<string, MergedOverride>();
  for (const [k, rows] of overrideRows) overrides.set(k, mergeOverrides(rows));

  const leases = effectiveLeases(properties);

  const windows = new Map<CustomerId, LeaseWindow[]>();
  const ineligible = new Map<CustomerId, IneligibleEntry[]>();
  const latestCustomer = new Map<CustomerId, { customer: SnapshotCustomer; moveIn: string; leaseId: LeaseId }>();
  const keptCustomer = new Map<CustomerId, { customer: SnapshotCustomer; moveIn: string; leaseId: LeaseId }>();
  for (const { lease, propertyId, source } of leases.values()) {
    const property = properties.get(propertyId)!;
    const seen = new Set<CustomerId>();
    for (const customer of [...lease.customers].sort((a, b) => cmp(a.id, b.id))) {
      const person = personOf(customer.id);
      if (!isEligible(customer)) {
        push(ineligible, person, { leaseId: lease.id, propertyId, customerId: customer.id, type: customer.type });
        continue;
      }
      // Two linked ids on one lease are one person with one window (E3).
      if (seen.has(person)) continue;
      seen.add(person);
      push(
        windows,
        person,
        leaseWindow(lease, customer, {
          propertyId,
          timeZone: property.timeZone,
          policy: property.policy,
          source,
          personId: person,
          override: overrides.get(overrideKey(lease.id, person)),
          now,
        }),
      );
      const newest = source === 'entrata' ? latestCustomer : keptCustomer;
      const prev = newest.get(person);
      const moveIn = customer.moveIn ?? lease.moveIn;
      if (!prev || moveIn > prev.moveIn || (moveIn === prev.moveIn && cmp(lease.id, prev.leaseId) < 0)) {
        newest.set(person, { customer, moveIn, leaseId: lease.id });
      }
    }
  }
  for (const list of windows.values()) list.sort(compareWindows);

  const registrations = new Map<CustomerId, Registration[]>();
  for (const r of [...input.registry.registrations].sort((a, b) => cmp(a.id, b.id))) {
    // Registrations at properties that are not enabled are outside what sync manages: left alone, not counted.
    if (r.state === 'ended' || !properties.has(r.propertyId)) continue;
    push(registrations, personOf(r.customerId), r);
  }

  const residents = new Map<CustomerId, Resident>();
  for (const r of [...input.registry.residents].sort((a, b) => cmp(a.customerId, b.customerId))) residents.set(r.customerId, r);

  const keys = new Map<string, KeyRecord>();
  for (const k of [...input.registry.keys].sort((a, b) => cmp(a.keyId, b.keyId))) {
    if (k.revoked) continue;
    const key = personPropertyKey(personOf(k.customerId), k.propertyId);
    if (!keys.has(key)) keys.set(key, k);
  }

  const blocks = [...input.registry.blocks].sort((a, b) => cmp(a.id, b.id));
  const hold = [...input.registry.holds].sort((a, b) => cmp(a.id, b.id)).find((h) => h.propertyId === input.propertyId) ?? null;

  return {
    now,
    plannedId: input.propertyId,
    planned,
    properties,
    personOf,
    leases,
    windows,
    ineligible,
    latestCustomer: new Map([...latestCustomer].map(([k, v]) => [k, v.customer])),
    keptCustomer: new Map([...keptCustomer].map(([k, v]) => [k, v.customer])),
    registrations,
    residents,
    keys,
    blocks,
    hold,
    overrides,
    previousSnapshot: input.previousSnapshot,
    previousLeases: new Map((input.previousSnapshot?.leases ?? []).map((l) => [l.id, l])),
    releaseHold: input.releaseHold === true,
    names: namesOf(input),
  };
}

/** The input's names: each property's snapshot, then the previous snapshot for a unit the latest one lacks. */
export function namesOf(input: Pick<PlanInput, 'properties' | 'previousSnapshot'>): PlaceNames {
  return placeNames([...input.properties.map((p) => p.snapshot), ...(input.previousSnapshot ? [input.previousSnapshot] : [])]);
}

/** Entrata's answer, plus the last good version of quarantined (S4) and missing (S2) leases. */
function effectiveLeases(properties: ReadonlyMap<PropertyId, PropertyInput>): Map<LeaseId, EffectiveLease> {
  const byId = new Map<LeaseId, EffectiveLease>();
  const offer = (lease: SnapshotLease, propertyId: PropertyId, source: LeaseSource) => {
    if (!byId.has(lease.id)) byId.set(lease.id, { lease, propertyId, source });
  };
  // Precedence: a quarantined lease's last good version, then Entrata's answer, then the mirror of a missing one.
  for (const [id, p] of properties) for (const l of sortLeases(p.quarantinedLeases)) offer(l, id, 'quarantined');
  for (const [id, p] of properties) {
    const quarantined = new Set(p.snapshot.quarantined.map((q) => q.leaseId));
    for (const l of sortLeases(p.snapshot.leases)) if (!quarantined.has(l.id)) offer(l, id, 'entrata');
  }
  for (const [id, p] of properties) for (const l of sortLeases(p.missingLeases)) offer(l, id, 'missing');
  return new Map([...byId].sort(([a], [b]) => cmp(a, b)));
}

const sortLeases = (leases: readonly SnapshotLease[]) => [...leases].sort((a, b) => cmp(a.id, b.id));

export function compareWindows(a: LeaseWindow, b: LeaseWindow): number {
  return cmp(a.propertyId, b.propertyId) || cmp(a.unitId, b.unitId) || cmp(a.leaseId, b.leaseId);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The effective block of a person at a property at `now` (K1), if any: the earliest-started one not lifted. */
export function effectiveBlock(ctx: EngineContext, person: CustomerId, propertyId: PropertyId): Block | null {
  return (
    ctx.blocks
      .filter(
        (b) => ctx.personOf(b.customerId) === person && b.propertyId === propertyId && b.from <= ctx.now && !(b.liftedAt != null && b.liftedAt <= ctx.now),
      )
      .sort((a, b) => a.from - b.from || cmp(a.id, b.id))[0] ?? null
  );
}
