// Lease-level operations shared by the generator and the scripted events, so a transfer or renewal
// made at generation time has exactly the shape of one scripted later.
import { ymdOf, addMonths, type Day } from './dates.ts';
import { nextId, type IntervalType, type Portfolio, type SimInterval, type SimLease, type SimLeaseCustomer, type SimProperty, type SimUnit } from './model.ts';
import { activeInterval } from './status.ts';

export interface Stamp {
  /** Epoch seconds of the application behind an interval. */
  createdAt: number;
  createdMicros: number;
  approvedAt: number;
}

/** "2025/2026" for a student term, "12 Months" otherwise; transfers prefix "Transfer" (docs/entrata.md §3.5). */
export function leaseTermLabel(start: Day, end: Day, type: IntervalType, student: boolean): string {
  const startYear = ymdOf(start).year;
  const months = Math.max(1, Math.round((end - start + 1) / 30.44));
  const base = student ? `${startYear}/${startYear + 1}` : `${months} Months`;
  return type === 'Transfer' ? `Transfer ${base}` : base;
}

export function makeInterval(portfolio: Portfolio, type: IntervalType, start: Day, end: Day, student: boolean, stamp: Stamp): SimInterval {
  return {
    id: nextId(portfolio.ids, 'interval'),
    type,
    start,
    end,
    applicationId: nextId(portfolio.ids, 'application'),
    leaseTerm: leaseTermLabel(start, end, type, student),
    createdAt: stamp.createdAt,
    createdMicros: stamp.createdMicros,
    approvedAt: stamp.approvedAt,
  };
}

export interface LeaseSpec {
  unit: SimUnit;
  spaceIds: string[];
  stage: SimLease['stage'];
  moveIn: Day;
  start: Day;
  end: Day;
  intervalType: IntervalType;
  customers: SimLeaseCustomer[];
  rent: number;
  stamp: Stamp;
  parentLeaseId?: string | null;
  spaceConfiguration?: SimLease['spaceConfiguration'];
}

export function createLease(portfolio: Portfolio, property: SimProperty, spec: LeaseSpec): SimLease {
  const student = property.type === 'Student';
  const lease: SimLease = {
    id: nextId(portfolio.ids, 'lease'),
    propertyId: property.id,
    unitId: spec.unit.id,
    spaceIds: spec.spaceIds,
    occupancy: property.type,
    spaceConfiguration:
      spec.spaceConfiguration ??
      (student ? (spec.spaceIds.length > 1 && spec.spaceIds.length === spec.unit.spaces.length ? 'Shared' : 'Private') : 'Conventional'),
    stage: spec.stage,
    forcedPast: false,
    moveIn: spec.moveIn,
    moveOut: null,
    noticeDate: null,
    moveOutReason: null,
    subStatus: null,
    parentLeaseId: spec.parentLeaseId ?? null,
    transferLeaseId: null,
    transferPropertyId: null,
    transferDate: null,
    intervals: [],
    customers: spec.customers,
    rent: spec.rent,
    dropped: false,
  };
  lease.intervals.push(makeInterval(portfolio, spec.intervalType, spec.start, spec.end, student, spec.stamp));
  registerLease(portfolio, lease);
  return lease;
}

/** Ids only grow, so pushing keeps each property's list in ascending id order. */
export function registerLease(portfolio: Portfolio, lease: SimLease): void {
  portfolio.leases.push(lease);
  portfolio.leaseById.set(lease.id, lease);
  let list = portfolio.leasesByProperty.get(lease.propertyId);
  if (!list) portfolio.leasesByProperty.set(lease.propertyId, (list = []));
  list.push(lease);
}

/**
 * A renewal is a new interval on the same lease (docs/entrata.md §3.5): same lease id, sub-status "Renewed",
 * and any notice is withdrawn because the resident stays.
 */
export function renewLease(portfolio: Portfolio, lease: SimLease, end: Day | null, stamp: Stamp): SimInterval {
  const last = lease.intervals[lease.intervals.length - 1]!;
  const start = last.end + 1;
  const student = lease.occupancy === 'Student';
  const interval = makeInterval(portfolio, 'Renewal', start, end ?? addMonths(start, 12) - 1, student, stamp);
  lease.intervals.push(interval);
  lease.subStatus = 'Renewed';
  lease.moveOut = null;
  lease.noticeDate = null;
  lease.moveOutReason = null;
  return interval;
}

export interface TransferSpec {
  from: SimLease;
  toProperty: SimProperty;
  toUnit: SimUnit;
  toSpaceIds: string[];
  /** The move day: the old lease's move-out and the new lease's move-in, so access overlaps (rule U3). */
  date: Day;
  end: Day | null;
  noticeDate: Day;
  /** Who moves; by default everyone on the old lease, keeping their customer ids (rule E3). */
  customerIds?: string[];
  stamp: Stamp;
}

/** Entrata's transfer: a new linked lease (Future until the move day) and the old lease on Notice (docs/entrata.md §3.5). */
export function transferLease(portfolio: Portfolio, spec: TransferSpec): SimLease {
  const { from } = spec;
  const moving = spec.customerIds ? new Set(spec.customerIds) : null;
  const customers = from.customers
    .filter((c) => !c.cancelled && (moving === null || moving.has(c.customerId)))
    .map((c) => ({ ...c, moveIn: null, moveOut: null }));
  if (!customers.some((c) => c.type === 'Primary')) {
    const first = customers.find((c) => c.type === 'Co-Applicant');
    if (first) {
      first.type = 'Primary';
      first.relationship = 'Primary';
    }
  }
  const oldEnd = activeInterval(from, spec.date).end;
  const end = spec.end ?? Math.max(oldEnd, addMonths(spec.date, 6));
  const lease = createLease(portfolio, spec.toProperty, {
    unit: spec.toUnit,
    spaceIds: spec.toSpaceIds,
    stage: 'signed',
    moveIn: spec.date,
    start: spec.date,
    end,
    intervalType: 'Transfer',
    customers,
    rent: from.rent,
    stamp: spec.stamp,
    parentLeaseId: from.id,
  });
  const stayers = from.customers.filter(
    (c) => !c.cancelled && moving !== null && !moving.has(c.customerId) && (c.type === 'Primary' || c.type === 'Co-Applicant'),
  );
  if (stayers.length > 0) {
    // Only some roommates move: they leave the old lease on their own date, the lease itself stays.
    for (const link of from.customers) if (moving!.has(link.customerId)) link.moveOut = spec.date;
  } else {
    from.moveOut = spec.date;
    from.noticeDate = spec.noticeDate;
    from.moveOutReason = 'Transfer';
  }
  from.transferLeaseId = lease.id;
  from.transferPropertyId = spec.toProperty.id;
  from.transferDate = spec.date;
  return lease;
}
