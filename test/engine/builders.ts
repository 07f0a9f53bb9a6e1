// Small builders for engine inputs: defaults a property manager would assume, overridable where a test cares.

import {
  asCustomerId,
  asLeaseId,
  asLocalDate,
  asPropertyId,
  asSpaceId,
  asUnitId,
  type LeaseStatus,
  type SnapshotCustomer,
  type SnapshotLease,
  type SnapshotUnit,
} from '../../src/engine/snapshot.ts';
import { applyToState } from '../../src/engine/apply-to-state.ts';
import { startOfLocalDay } from '../../src/engine/local-time.ts';
import { plan } from '../../src/engine/plan.ts';
import {
  asBlockId,
  asKeyId,
  asRegistrationId,
  type Action,
  type Block,
  type Instant,
  type KeyRecord,
  type LeaseOverride,
  type Plan,
  type PlanInput,
  type PropertyInput,
  type PropertyPolicy,
  type Registration,
  type RegistryState,
  type Resident,
} from '../../src/engine/types.ts';

export const CHICAGO = 'America/Chicago';
export const NEW_YORK = 'America/New_York';

export const pid = asPropertyId;
export const uid = asUnitId;
export const lid = asLeaseId;
export const cid = asCustomerId;
export const day = asLocalDate;

/** An instant given as local wall time "YYYY-MM-DD" or "YYYY-MM-DD HH:mm" in a zone (not for times inside a DST gap). */
export function at(local: string, tz = CHICAGO): Instant {
  const [date, time = '00:00'] = local.split(' ');
  const [h, m] = time.split(':').map(Number);
  return startOfLocalDay(day(date!), tz) + (h ?? 0) * 3_600_000 + (m ?? 0) * 60_000;
}

export function customer(id: string, o: Partial<Omit<SnapshotCustomer, 'id'>> = {}): SnapshotCustomer {
  return {
    id: cid(id),
    type: 'primary',
    status: null,
    moveIn: null,
    moveOut: null,
    firstName: `First${id}`,
    lastName: `Last${id}`,
    email: `${id.toLowerCase()}@example.com`,
    mobile: '+15555550100',
    contactProblems: [],
    ...o,
  };
}

export interface LeaseOptions {
  status?: LeaseStatus;
  unit?: string;
  spaces?: string[];
  moveIn?: string;
  moveOut?: string | null;
  leaseEnd?: string | null;
  parent?: string | null;
  isTransfer?: boolean;
  customers?: SnapshotCustomer[];
}

/** A Current lease of unit U101 (space U101-A) with one primary customer (lease L7 → customer C7), moving in 2025-08-15. */
export function lease(id: string, o: LeaseOptions = {}): SnapshotLease {
  const unit = o.unit ?? 'U101';
  return {
    id: lid(id),
    status: o.status ?? 'current',
    unitId: uid(unit),
    spaceIds: (o.spaces ?? [`${unit}-A`]).map(asSpaceId),
    moveIn: day(o.moveIn ?? '2025-08-15'),
    moveOut: o.moveOut ? day(o.moveOut) : null,
    leaseEnd: o.leaseEnd ? day(o.leaseEnd) : null,
    parentLeaseId: o.parent ? lid(o.parent) : null,
    isTransfer: o.isTransfer ?? false,
    customers: o.customers ?? [customer(id.replace(/^L/, 'C'))],
  };
}

export const policy = (o: Partial<PropertyPolicy> = {}): PropertyPolicy => ({
  earlyMoveInDays: 0,
  lateMoveOutDays: 0,
  firstWelcome: true,
  isFirstSync: false,
  ...o,
});

export interface PropertyOptions {
  tz?: string;
  policy?: Partial<PropertyPolicy>;
  leases?: SnapshotLease[];
  missing?: SnapshotLease[];
  quarantined?: SnapshotLease[];
  units?: SnapshotUnit[];
}

export function property(id: string, o: PropertyOptions = {}): PropertyInput {
  const leases = o.leases ?? [];
  const all = [...leases, ...(o.missing ?? []), ...(o.quarantined ?? [])];
  const unitIds = [...new Set(all.map((l) => l.unitId))];
  // Unit numbers and bedroom labels as the ids, unless a test gives its units.
  const spacesOf = (u: string) => [...new Set(all.filter((l) => l.unitId === u).flatMap((l) => l.spaceIds))].map((id) => ({ id, label: id }));
  return {
    id: pid(id),
    timeZone: o.tz ?? CHICAGO,
    policy: policy(o.policy),
    snapshot: {
      property: { id: pid(id), name: `Property ${id}` },
      units: o.units ?? unitIds.map((u) => ({ id: u, number: u, building: null, spaces: spacesOf(u) })),
      leases,
      quarantined: (o.quarantined ?? []).map((l) => ({ leaseId: l.id, reason: 'unreadable' })),
    },
    missingLeases: o.missing ?? [],
    quarantinedLeases: o.quarantined ?? [],
  };
}

export const emptyRegistry = (): RegistryState => ({ residents: [], registrations: [], keys: [], blocks: [], holds: [] });

export interface RegistrationOptions {
  customerId: string;
  propertyId?: string;
  unitId?: string;
  spaceIds?: string[];
  leaseIds?: string[];
  state?: Registration['state'];
  accessStart?: Instant | null;
  accessEnd?: Instant | null;
}

/** An active registration in P1/U101 since the epoch, unless told otherwise. */
export function registration(id: string, o: RegistrationOptions): Registration {
  return {
    id: asRegistrationId(id),
    customerId: cid(o.customerId),
    propertyId: pid(o.propertyId ?? 'P1'),
    unitId: uid(o.unitId ?? 'U101'),
    spaceIds: (o.spaceIds ?? []).map(asSpaceId),
    leaseIds: (o.leaseIds ?? []).map(lid),
    state: o.state ?? 'active',
    accessStart: o.accessStart === undefined ? 0 : o.accessStart,
    accessEnd: o.accessEnd ?? null,
  };
}

export const key = (customerId: string, propertyId = 'P1', keyId = `K-${customerId}-${propertyId}`, revoked = false): KeyRecord => ({
  customerId: cid(customerId),
  propertyId: pid(propertyId),
  keyId: asKeyId(keyId),
  revoked,
});

export const block = (id: string, customerId: string, from: Instant, o: Partial<Block> = {}): Block => ({
  id: asBlockId(id),
  customerId: cid(customerId),
  propertyId: pid('P1'),
  from,
  message: 'Rent is overdue',
  liftedAt: null,
  ...o,
});

export const resident = (customerId: string, o: Partial<Resident> = {}): Resident => ({
  customerId: cid(customerId),
  linkedCustomerIds: [],
  firstName: `First${customerId}`,
  lastName: `Last${customerId}`,
  email: `${customerId.toLowerCase()}@example.com`,
  mobile: '+15555550100',
  contactProblems: [],
  ...o,
});

export const override = (leaseId: string, customerId: string, o: Omit<LeaseOverride, 'leaseId' | 'customerId'>): LeaseOverride => ({
  leaseId: lid(leaseId),
  customerId: cid(customerId),
  ...o,
});

export interface World {
  planned?: string;
  properties: PropertyInput[];
  registry?: RegistryState;
  overrides?: LeaseOverride[];
  previous?: PropertyInput['snapshot'] | null;
  releaseHold?: boolean;
}

export function input(w: World, now: Instant): PlanInput {
  return {
    propertyId: pid(w.planned ?? w.properties[0]!.id),
    properties: w.properties,
    previousSnapshot: w.previous ?? null,
    registry: w.registry ?? emptyRegistry(),
    overrides: w.overrides ?? [],
    now,
    releaseHold: w.releaseHold ?? false,
  };
}

/** Plans one property at `now` and applies the plan: the registry after a sync. */
export function sync(w: World, now: Instant): { plan: Plan; registry: RegistryState } {
  const p = plan(input(w, now));
  return { plan: p, registry: applyToState(w.registry ?? emptyRegistry(), p.actions) };
}

/** Syncs every given property in id order at `now`, each seeing the registry the previous one left. */
export function syncAll(w: World, now: Instant): { plans: Plan[]; registry: RegistryState } {
  let registry = w.registry ?? emptyRegistry();
  const plans: Plan[] = [];
  for (const p of [...w.properties].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const r = sync({ ...w, planned: p.id, registry }, now);
    plans.push(r.plan);
    registry = r.registry;
  }
  return { plans, registry };
}

export const kinds = (p: Plan) => p.actions.map((a) => a.kind);
export const ofKind = <K extends Action['kind']>(p: Plan, kind: K) => p.actions.filter((a): a is Extract<Action, { kind: K }> => a.kind === kind);
export const live = (r: RegistryState, customerId?: string) =>
  r.registrations.filter((x) => (x.state === 'active' || x.state === 'blocked') && (customerId == null || x.customerId === customerId));
export const regsOf = (r: RegistryState, customerId: string) => r.registrations.filter((x) => x.customerId === customerId);
