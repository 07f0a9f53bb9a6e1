// Who is a resident (E1) and which customer ids are the same person (E3).

import type { CustomerType, SnapshotCustomer } from './snapshot.ts';
import type { CustomerId, Resident } from './types.ts';

/** E1: only responsible residents are registered; guarantors and occupants never (emergency contacts never reach the snapshot). */
const ELIGIBLE_TYPES: ReadonlySet<CustomerType> = new Set<CustomerType>(['primary', 'co-applicant']);

export function isEligible(customer: Pick<SnapshotCustomer, 'type'>): boolean {
  return ELIGIBLE_TYPES.has(customer.type);
}

/**
 * E3: maps any customer id to the person it belongs to: the resident whose record lists it as its own id or as a
 * manager link. Ids nobody linked are their own person; two ids are never merged automatically.
 */
export function personResolver(residents: readonly Resident[]): (id: CustomerId) => CustomerId {
  const owner = new Map<CustomerId, CustomerId>();
  // Sorted so that a (mistaken) double link resolves the same way whatever the input order.
  const sorted = [...residents].sort((a, b) => cmp(a.customerId, b.customerId));
  for (const r of sorted) owner.set(r.customerId, r.customerId);
  for (const r of sorted) {
    for (const linked of [...r.linkedCustomerIds].sort(cmp)) {
      if (!owner.has(linked)) owner.set(linked, r.customerId);
    }
  }
  return (id) => owner.get(id) ?? id;
}

/** Plain code-unit order: deterministic and locale-free. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
