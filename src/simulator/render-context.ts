// What every renderer needs to turn domain records into one answer on one simulated day.
import type { Day } from './dates.ts';
import type { Portfolio, SimCustomer, SimLease } from './model.ts';
import type { StatusTypeIds } from './status.ts';
import { unitHash } from './prng.ts';
import { STREETS, TOWNS } from './names.ts';
import type { Wire } from './quirks.ts';

export interface RenderContext {
  portfolio: Portfolio;
  today: Day;
  wire: Wire;
  statusIds: StatusTypeIds;
  /** getLeases includeLeaseHistory=1: every interval, not only the active one. */
  includeHistory: boolean;
}

export const INTERVAL_TYPE_IDS = { Application: 1, Renewal: 3, Transfer: 5 } as const;

/** Home addresses are derived from the customer id, not stored: they matter to no rule, only to realism. */
export function homeAddress(customer: SimCustomer): { street: string; city: string; state: string; postalCode: string } | null {
  if (unitHash(customer.id, 31) >= 0.6) return null;
  const town = TOWNS[Math.floor(unitHash(customer.id, 32) * TOWNS.length)]!;
  const street = STREETS[Math.floor(unitHash(customer.id, 33) * STREETS.length)]!;
  return { street: `${100 + Math.floor(unitHash(customer.id, 34) * 9000)} ${street}`, city: town[0], state: town[1], postalCode: town[2] };
}

/** The labels of a lease's spaces, in the lease's order. */
export function spaceLabels(portfolio: Portfolio, lease: SimLease): { id: string; label: string }[] {
  const unit = portfolio.unitById.get(lease.unitId);
  return lease.spaceIds.map((id) => ({ id, label: unit?.spaces.find((s) => s.id === id)?.label ?? id }));
}

/** Some leases copy the lease's move-out onto each customer, some leave it on the lease only (rule W3 fallback). */
export function customerMoveOutMirrors(lease: SimLease): boolean {
  return unitHash(lease.id, 41) < 0.7;
}
