// Lease, interval and customer status as Entrata would show them on a given day.
// Status is derived from dates at answer time, so advancing the simulated date moves leases along.
import type { Day } from './dates.ts';
import type { CustomerStatusName, LeaseStatusName, SimInterval, SimLease, SimLeaseCustomer } from './model.ts';

export function leaseStatus(lease: SimLease, today: Day): LeaseStatusName {
  if (lease.stage === 'cancelled') return 'Cancelled';
  if (lease.stage === 'applicant') return 'Applicant';
  if (lease.forcedPast) return 'Past';
  if (today < lease.moveIn) return 'Future';
  if (lease.moveOut === null) return 'Current';
  // The move-out day itself is still a Notice day: the resident leaves at its end.
  return today <= lease.moveOut ? 'Notice' : 'Past';
}

/** The interval Entrata reports as the lease's current one: the latest that has started, else the first. */
export function activeInterval(lease: SimLease, today: Day): SimInterval {
  let active = lease.intervals[0]!;
  for (const interval of lease.intervals) if (interval.start <= today) active = interval;
  return active;
}

export function intervalStatus(lease: SimLease, interval: SimInterval, today: Day): LeaseStatusName {
  const status = leaseStatus(lease, today);
  if (status === 'Cancelled' || status === 'Applicant' || status === 'Past') return status;
  const active = activeInterval(lease, today);
  if (interval === active) return status;
  // A renewal waiting to start is Future; an interval replaced by a later one is Past.
  return interval.start > today ? 'Future' : 'Past';
}

/** Rule W6: a customer's own dates and cancellation override the lease's status for that person. */
export function customerStatus(lease: SimLease, link: SimLeaseCustomer, today: Day): CustomerStatusName {
  const status = leaseStatus(lease, today);
  if (link.cancelled) return 'Cancelled';
  if (status === 'Applicant' || status === 'Cancelled' || status === 'Past') return status;
  if (link.moveOut !== null) {
    if (today > link.moveOut) return 'Past';
    if (today >= (link.moveIn ?? lease.moveIn)) return 'Notice';
  }
  if (link.moveIn !== null && today < link.moveIn) return 'Future';
  return status;
}

/** A holdover: a Current lease past its term with no move-out rolls month to month. */
export function isMonthToMonth(lease: SimLease, today: Day): boolean {
  return leaseStatus(lease, today) === 'Current' && activeInterval(lease, today).end < today;
}

export type StatusTypeIds = Record<LeaseStatusName, number>;

/** The ids of the one real getLeasePickList capture (docs/entrata.md §3.1). Clients must not hard-code them. */
export const DEFAULT_STATUS_TYPE_IDS: StatusTypeIds = {
  Applicant: 1,
  Cancelled: 2,
  Future: 3,
  Current: 4,
  Notice: 5,
  Past: 6,
};

export const STATUS_TYPE_KIND: Record<LeaseStatusName, 'NA' | 'Active' | 'Completed'> = {
  Applicant: 'NA',
  Cancelled: 'NA',
  Future: 'NA',
  Current: 'Active',
  Notice: 'Active',
  Past: 'Completed',
};

export function resolveStatusTypeIds(overrides: Partial<StatusTypeIds> | undefined): StatusTypeIds {
  const ids = { ...DEFAULT_STATUS_TYPE_IDS, ...overrides };
  const values = Object.values(ids);
  if (new Set(values).size !== values.length) throw new Error(`status type ids must be distinct: ${JSON.stringify(ids)}`);
  return ids;
}

export function statusByTypeId(ids: StatusTypeIds): Map<number, LeaseStatusName> {
  const byId = new Map<number, LeaseStatusName>();
  for (const [name, id] of Object.entries(ids) as [LeaseStatusName, number][]) byId.set(id, name);
  return byId;
}
