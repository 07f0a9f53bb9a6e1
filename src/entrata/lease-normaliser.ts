// One raw getLeases lease node (r2, or r1) → SnapshotLease, or a quarantine entry with the reason.
// Lenient per lease (S4): whatever is wrong with one lease never affects the others, and nothing
// here throws.
import type { CountryCode } from 'libphonenumber-js/max';
import { customerEmail, customerMobile } from './contacts.ts';
import {
  asLeaseId,
  asCustomerId,
  asSpaceId,
  asUnitId,
  type ContactProblem,
  CONTACT_PROBLEMS,
  type LeaseStatus,
  type LocalDate,
  type QuarantinedLease,
  type SnapshotCustomer,
  type SnapshotLease,
} from '../engine/snapshot.ts';
import { compareIds, flag, idStr, isBlank, isObj, listOf, parseEntrataDate, pick, pickRef, sortById, text, type Obj } from './quirks.ts';
import { customerTypeFromName, leaseStatusFromName, type LeaseStatusMap } from './vocabulary.ts';

/**
 * The version of what normaliseLease makes of a node. Raise it with any change to its output: a
 * steady-state sync trusts that the same nodes normalise as they did at the last full sync (lease-read.ts).
 */
export const NORMALISER_VERSION = 1;

export interface NormaliseContext {
  statusById: LeaseStatusMap;
  /** Default country for phone numbers without a country code. */
  country: CountryCode;
  /** When set, a lease naming another property is quarantined. */
  propertyId?: string;
}

export type LeaseOutcome = { ok: true; lease: SnapshotLease } | { ok: false; quarantined: QuarantinedLease };

/** Why a lease cannot be understood; caught by normaliseLease. */
class LeaseProblem extends Error {}

/** A value as it appears in a reason: JSON (strings quoted), cut at 60 characters. */
const show = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 60)}…` : s;
};

/** An id that must be there; `own`: the object's own id (may sit in `@attributes.id`), else a reference. */
function requiredId(obj: unknown, what: string, own: boolean, ...keys: [string, ...string[]]): string {
  const raw = own ? pick(obj, ...keys) : pickRef(obj, ...keys);
  const id = idStr(raw);
  if (id) return id;
  throw new LeaseProblem(isBlank(raw) ? `no ${what}` : `${what} ${show(raw)} is not an id`);
}

/** A date field: null when omitted or empty; a problem when present but not a date. */
function optionalDate(obj: unknown, key: string, what: string): LocalDate | null {
  const raw = pick(obj, key);
  if (isBlank(raw)) return null;
  const d = parseEntrataDate(raw);
  if (!d) throw new LeaseProblem(`${what} ${show(raw)} is not a date`);
  return d;
}

function leaseStatus(lease: Obj, map: LeaseStatusMap): LeaseStatus {
  const raw = pickRef(lease, 'leaseStatusTypeId');
  if (!isBlank(raw)) {
    const id = idStr(raw);
    if (!id) throw new LeaseProblem(`leaseStatusTypeId ${show(raw)} is not an id`);
    const status = map.get(id);
    if (!status) throw new LeaseProblem(`leaseStatusTypeId ${id} is not in the lease pick list`);
    return status;
  }
  const byName = leaseStatusFromName(pick(lease, 'leaseIntervalStatus'));
  if (byName) return byName;
  throw new LeaseProblem('no leaseStatusTypeId and no known leaseIntervalStatus');
}

/** The current interval: id == leaseIntervalId, else the one marked active ("t"), else the latest start. */
export function currentInterval(lease: Obj): Obj | null {
  const intervals = listOf(pick(lease, 'leaseIntervals'), 'leaseInterval').filter(isObj);
  if (intervals.length === 0) return null;
  const wanted = idStr(pickRef(lease, 'leaseIntervalId'));
  const byId = wanted ? intervals.find((i) => idStr(pick(i, 'id')) === wanted) : undefined;
  if (byId) return byId;
  const active = intervals.find(
    (i) =>
      flag(pick(i, 'isActiveLeaseInterval')) === true ||
      listOf(pick(i, 'applications'), 'application').some((a) => flag(pick(a, 'isActiveLeaseInterval')) === true),
  );
  if (active) return active;
  const start = (i: Obj) => parseEntrataDate(pick(i, 'startDate')) ?? '';
  return [...intervals].sort((a, b) => (start(a) < start(b) ? 1 : start(a) > start(b) ? -1 : compareIds(text(pick(b, 'id')), text(pick(a, 'id')))))[0] ?? null;
}

/** U3: the current interval is of type Transfer (by name; by type id 5 only when the name is absent). */
function isTransferInterval(interval: Obj | null): boolean {
  if (!interval) return false;
  const name = text(pick(interval, 'leaseIntervalTypeName'));
  if (name) return name.toLowerCase() === 'transfer';
  return idStr(pickRef(interval, 'leaseIntervalTypeId')) === '5';
}

function spaceIds(lease: Obj): string[] {
  const ids = new Set<string>();
  const spaces = listOf(pick(lease, 'unitSpaces'), 'unitSpace');
  for (const s of spaces) ids.add(requiredId(s, 'unitSpaceId', true, 'unitSpaceId'));
  // r1 puts one space flat on the lease.
  const flat = pickRef(lease, 'unitSpaceId');
  if (!isBlank(flat)) ids.add(requiredId(lease, 'unitSpaceId', false, 'unitSpaceId'));
  return [...ids].sort(compareIds);
}

function normaliseCustomer(c: unknown, country: CountryCode): SnapshotCustomer {
  if (!isObj(c)) throw new LeaseProblem(`a customer entry is not an object: ${show(c)}`);
  const id = requiredId(c, 'customer id', true, 'id', 'customerId');
  const where = `customer ${id}`;
  const rawType = pick(c, 'customerType', 'customerTypeName');
  const type = customerTypeFromName(rawType);
  if (!type) {
    throw new LeaseProblem(
      isBlank(rawType) ? `${where}: no customerType` : `${where}: customerType ${show(rawType)} is not Primary, Co-Applicant, Guarantor or Occupant`,
    );
  }
  const rawStatus = pick(c, 'leaseCustomerStatus');
  const status = isBlank(rawStatus) ? null : leaseStatusFromName(rawStatus);
  if (!isBlank(rawStatus) && !status) throw new LeaseProblem(`${where}: leaseCustomerStatus ${show(rawStatus)} is not a lease status`);
  const email = customerEmail(c);
  const mobile = customerMobile(c, country);
  const problems = new Set<ContactProblem>([email.problem, mobile.problem].filter((p): p is ContactProblem => p !== null));
  return {
    id: asCustomerId(id),
    type,
    status,
    moveIn: optionalDate(c, 'moveInDate', `${where}: moveInDate`),
    moveOut: optionalDate(c, 'moveOutDate', `${where}: moveOutDate`),
    firstName: text(pick(c, 'firstName')),
    lastName: text(pick(c, 'lastName')),
    email: email.value,
    mobile: mobile.value,
    contactProblems: CONTACT_PROBLEMS.filter((p) => problems.has(p)),
  };
}

function customers(lease: Obj, country: CountryCode): SnapshotCustomer[] {
  // Only `customers.customer[]`: emergency contacts (`customerContacts`) are never customers (E1).
  const container = pick(lease, 'customers');
  const list = listOf(container, 'customer');
  if (list.length === 0) throw new LeaseProblem(isBlank(container) ? 'no customers' : 'customers holds no customer');
  const byId = new Map<string, SnapshotCustomer>();
  for (const raw of list) {
    const c = normaliseCustomer(raw, country);
    if (!byId.has(c.id)) byId.set(c.id, c);
  }
  return sortById([...byId.values()], (c) => c.id);
}

function build(lease: Obj, id: string, ctx: NormaliseContext): SnapshotLease {
  if (ctx.propertyId) {
    const prop = pickRef(lease, 'propertyId');
    if (!isBlank(prop) && idStr(prop) !== ctx.propertyId) throw new LeaseProblem(`belongs to property ${show(prop)}, not ${ctx.propertyId}`);
  }
  const status = leaseStatus(lease, ctx.statusById);
  const unitId = requiredId(lease, 'unitId', false, 'unitId');
  const moveIn = optionalDate(lease, 'moveInDate', 'moveInDate');
  if (!moveIn) throw new LeaseProblem('no moveInDate');
  const interval = currentInterval(lease);
  const rawParent = pickRef(lease, 'parentLeaseId');
  const parent = idStr(rawParent);
  if (!parent && !isBlank(rawParent) && text(rawParent) !== '0') throw new LeaseProblem(`parentLeaseId ${show(rawParent)} is not an id`);
  return {
    id: asLeaseId(id),
    status,
    unitId: asUnitId(unitId),
    spaceIds: spaceIds(lease).map(asSpaceId),
    moveIn,
    moveOut: optionalDate(lease, 'moveOutDate', 'moveOutDate'),
    leaseEnd: interval ? optionalDate(interval, 'endDate', 'current interval endDate') : null,
    // r1 `transferLeaseId` sits on the old lease and names the new one: it is not a parent link.
    parentLeaseId: parent ? asLeaseId(parent) : null,
    isTransfer: isTransferInterval(interval),
    customers: customers(lease, ctx.country),
  };
}

/** Normalises one lease node. Never throws: anything it cannot understand is quarantined with the reason. */
export function normaliseLease(raw: unknown, ctx: NormaliseContext): LeaseOutcome {
  const rawId = isObj(raw) ? pick(raw, 'id', 'leaseId') : undefined;
  const id = idStr(rawId);
  const quarantine = (reason: string): LeaseOutcome => ({ ok: false, quarantined: { leaseId: asLeaseId(id ?? ''), reason } });
  if (!isObj(raw)) return quarantine(`lease entry is not an object: ${show(raw)}`);
  if (!id) return quarantine(isBlank(rawId) ? 'lease without an id' : `lease id ${show(rawId)} is not an id`);
  try {
    return { ok: true, lease: build(raw, id, ctx) };
  } catch (e) {
    if (e instanceof LeaseProblem) return quarantine(e.message);
    return quarantine(`could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export interface LeaseBatch {
  leases: SnapshotLease[];
  quarantined: QuarantinedLease[];
}

/** Normalises many lease nodes, one outcome each, both lists sorted by id; duplicates by id keep the first. */
export function normaliseLeases(raws: readonly unknown[], ctx: NormaliseContext): LeaseBatch {
  const leases: SnapshotLease[] = [];
  const quarantined: QuarantinedLease[] = [];
  const seen = new Set<string>();
  for (const raw of raws) {
    const out = normaliseLease(raw, ctx);
    const id = out.ok ? out.lease.id : out.quarantined.leaseId;
    if (id && seen.has(id)) continue;
    if (id) seen.add(id);
    if (out.ok) leases.push(out.lease);
    else quarantined.push(out.quarantined);
  }
  return {
    leases: sortById(leases, (l) => l.id),
    quarantined: sortById(quarantined, (q) => q.leaseId),
  };
}
