// Finding leases by what a test needs ("a current lease with a co-applicant"), and plain JSON views
// of domain records with ISO dates and derived statuses, for tests and the HTTP control API.
import { isoOf, type Day } from './dates.ts';
import type { CustomerType, LeaseStatusName, Occupancy, Portfolio, SimLease } from './model.ts';
import { activeInterval, customerStatus, intervalStatus, leaseStatus } from './status.ts';

export interface LeaseCriteria {
  propertyId?: string | number;
  status?: LeaseStatusName | LeaseStatusName[];
  /** Has a (not cancelled) customer of this type. */
  customerType?: CustomerType;
  occupancy?: Occupancy;
  spaceConfiguration?: SimLease['spaceConfiguration'];
  /** More than one space on the lease. */
  multiSpace?: boolean;
  /** The new lease of a transfer (has parentLeaseId). */
  transfer?: boolean;
  /** The new lease of a transfer whose parent is at another property. */
  crossPropertyTransfer?: boolean;
  /** An old lease that a transfer left (has transferLeaseId). */
  transferredAway?: boolean;
  renewed?: boolean;
  /** A co-applicant with their own move-out date. */
  roommateMoveOut?: boolean;
  /** A customer with emergency contacts. */
  withContacts?: boolean;
  includeDropped?: boolean;
  /** Anything else. */
  where?: (lease: SimLease, status: LeaseStatusName) => boolean;
}

export function findLeases(portfolio: Portfolio, today: Day, criteria: LeaseCriteria, limit = Infinity): SimLease[] {
  const statuses = criteria.status === undefined ? null : new Set(Array.isArray(criteria.status) ? criteria.status : [criteria.status]);
  const source = criteria.propertyId !== undefined ? (portfolio.leasesByProperty.get(String(criteria.propertyId)) ?? []) : portfolio.leases;
  const found: SimLease[] = [];
  for (const lease of source) {
    if (found.length >= limit) break;
    if (lease.dropped && !criteria.includeDropped) continue;
    const status = leaseStatus(lease, today);
    if (statuses && !statuses.has(status)) continue;
    if (criteria.customerType && !lease.customers.some((c) => c.type === criteria.customerType && !c.cancelled)) continue;
    if (criteria.occupancy && lease.occupancy !== criteria.occupancy) continue;
    if (criteria.spaceConfiguration && lease.spaceConfiguration !== criteria.spaceConfiguration) continue;
    if (criteria.multiSpace !== undefined && lease.spaceIds.length > 1 !== criteria.multiSpace) continue;
    if (criteria.transfer !== undefined && (lease.parentLeaseId !== null) !== criteria.transfer) continue;
    if (criteria.crossPropertyTransfer !== undefined) {
      const parent = lease.parentLeaseId === null ? undefined : portfolio.leaseById.get(lease.parentLeaseId);
      if ((parent !== undefined && parent.propertyId !== lease.propertyId) !== criteria.crossPropertyTransfer) continue;
    }
    if (criteria.transferredAway !== undefined && (lease.transferLeaseId !== null) !== criteria.transferredAway) continue;
    if (criteria.renewed !== undefined && (lease.subStatus === 'Renewed') !== criteria.renewed) continue;
    if (criteria.roommateMoveOut !== undefined && lease.customers.some((c) => c.type === 'Co-Applicant' && c.moveOut !== null) !== criteria.roommateMoveOut)
      continue;
    if (
      criteria.withContacts !== undefined &&
      lease.customers.some((c) => (portfolio.customerById.get(c.customerId)?.contacts.length ?? 0) > 0) !== criteria.withContacts
    )
      continue;
    if (criteria.where && !criteria.where(lease, status)) continue;
    found.push(lease);
  }
  return found;
}

const iso = (day: Day | null) => (day === null ? null : isoOf(day));

/** A lease as plain JSON: ISO dates, statuses as of `today`, customers with their names. */
export function leaseView(portfolio: Portfolio, lease: SimLease, today: Day) {
  const unit = portfolio.unitById.get(lease.unitId);
  return {
    id: lease.id,
    propertyId: lease.propertyId,
    unitId: lease.unitId,
    unitNumber: unit?.number ?? null,
    spaceIds: [...lease.spaceIds],
    spaceLabels: lease.spaceIds.map((id) => unit?.spaces.find((s) => s.id === id)?.label ?? id),
    status: leaseStatus(lease, today),
    stage: lease.stage,
    forcedPast: lease.forcedPast,
    dropped: lease.dropped,
    occupancy: lease.occupancy,
    spaceConfiguration: lease.spaceConfiguration,
    moveIn: isoOf(lease.moveIn),
    moveOut: iso(lease.moveOut),
    noticeDate: iso(lease.noticeDate),
    leaseEnd: isoOf(activeInterval(lease, today).end),
    subStatus: lease.subStatus,
    parentLeaseId: lease.parentLeaseId,
    transferLeaseId: lease.transferLeaseId,
    transferDate: iso(lease.transferDate),
    intervals: lease.intervals.map((i) => ({ id: i.id, type: i.type, start: isoOf(i.start), end: isoOf(i.end), status: intervalStatus(lease, i, today) })),
    customers: lease.customers.map((c) => {
      const person = portfolio.customerById.get(c.customerId);
      return {
        customerId: c.customerId,
        type: c.type,
        relationship: c.relationship,
        status: customerStatus(lease, c, today),
        moveIn: iso(c.moveIn),
        moveOut: iso(c.moveOut),
        cancelled: c.cancelled,
        firstName: person?.firstName ?? null,
        lastName: person?.lastName ?? null,
        email: person?.email ?? null,
        phones: person?.phones.map((p) => ({ ...p })) ?? [],
      };
    }),
  };
}

export type LeaseView = ReturnType<typeof leaseView>;
