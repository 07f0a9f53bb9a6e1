// The normalised snapshot of one property: what the Entrata client produces and plan() consumes.
// `pebbles entrata leases --json` prints exactly this shape (arrays sorted by id).

declare const brand: unique symbol;
/** A string with a compile-time tag, so a lease id cannot be passed where a customer id is wanted. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type PropertyId = Brand<string, 'PropertyId'>;
export type UnitId = Brand<string, 'UnitId'>;
export type SpaceId = Brand<string, 'SpaceId'>;
export type LeaseId = Brand<string, 'LeaseId'>;
export type CustomerId = Brand<string, 'CustomerId'>;

export const asPropertyId = (s: string) => s as PropertyId;
export const asUnitId = (s: string) => s as UnitId;
export const asSpaceId = (s: string) => s as SpaceId;
export const asLeaseId = (s: string) => s as LeaseId;
export const asCustomerId = (s: string) => s as CustomerId;

/** A calendar day as Entrata means it (W8): YYYY-MM-DD, read in the property's time zone. */
export type LocalDate = Brand<string, 'LocalDate'>;
export const asLocalDate = (s: string) => s as LocalDate;

export const LEASE_STATUSES = ['applicant', 'future', 'current', 'notice', 'past', 'cancelled'] as const;
export type LeaseStatus = (typeof LEASE_STATUSES)[number];

export const CUSTOMER_TYPES = ['primary', 'co-applicant', 'guarantor', 'occupant'] as const;
export type CustomerType = (typeof CUSTOMER_TYPES)[number];

export const CONTACT_PROBLEMS = ['no-email', 'invalid-email', 'no-mobile', 'invalid-phone'] as const;
export type ContactProblem = (typeof CONTACT_PROBLEMS)[number];

export interface SnapshotSpace {
  id: SpaceId;
  label: string;
}

export interface SnapshotUnit {
  id: UnitId;
  number: string;
  building: string | null;
  spaces: SnapshotSpace[];
}

export interface SnapshotCustomer {
  id: CustomerId;
  type: CustomerType;
  /** The customer's own status on this lease (W6); null when Entrata gives none. */
  status: LeaseStatus | null;
  moveIn: LocalDate | null;
  moveOut: LocalDate | null;
  firstName: string;
  lastName: string;
  email: string | null;
  /** E.164, or null when absent or not valid. */
  mobile: string | null;
  contactProblems: ContactProblem[];
}

export interface SnapshotLease {
  id: LeaseId;
  status: LeaseStatus;
  unitId: UnitId;
  spaceIds: SpaceId[];
  moveIn: LocalDate;
  moveOut: LocalDate | null;
  /** End date of the current lease interval (W3 uses it for Notice leases without a move-out). */
  leaseEnd: LocalDate | null;
  parentLeaseId: LeaseId | null;
  /** The current interval is of type Transfer (U3). */
  isTransfer: boolean;
  customers: SnapshotCustomer[];
}

export interface QuarantinedLease {
  leaseId: LeaseId;
  reason: string;
}

export interface PropertySnapshot {
  property: { id: PropertyId; name: string };
  units: SnapshotUnit[];
  leases: SnapshotLease[];
  quarantined: QuarantinedLease[];
}
