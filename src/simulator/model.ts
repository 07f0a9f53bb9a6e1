// The simulator's domain: what Entrata holds, before any rendering into API shapes.
// Ids are numeric strings as Entrata shows them; dates are Day numbers (see dates.ts).
import type { Day } from './dates.ts';

export const LEASE_STATUS_NAMES = ['Applicant', 'Cancelled', 'Future', 'Current', 'Notice', 'Past'] as const;
export type LeaseStatusName = (typeof LEASE_STATUS_NAMES)[number];

export type CustomerType = 'Primary' | 'Co-Applicant' | 'Guarantor' | 'Occupant';
export type CustomerStatusName = LeaseStatusName;
export type IntervalType = 'Application' | 'Renewal' | 'Transfer';
export type Occupancy = 'Student' | 'Conventional';

export interface SimProperty {
  id: string;
  name: string;
  type: Occupancy;
  address: { street: string; city: string; state: string; postalCode: string };
  buildings: SimBuilding[];
  floorPlans: SimFloorPlan[];
  units: SimUnit[];
}

export interface SimBuilding {
  id: string;
  name: string;
}

export interface SimFloorPlan {
  id: string;
  name: string;
  unitTypeId: string;
  bedrooms: number;
  bathrooms: number;
  squareFeet: number;
}

export interface SimUnit {
  id: string;
  propertyId: string;
  buildingId: string;
  /** The unit number as staff write it ("406"); repeats across buildings of one property. */
  number: string;
  floorPlanId: string;
  spaces: SimSpace[];
  /** Set by the delete-unit event: the unit leaves getPropertyUnits answers. */
  deleted: boolean;
}

export interface SimSpace {
  id: string;
  /** "406-A" for a bedroom, or the bare unit number when the unit is one space. */
  label: string;
}

export interface SimPhone {
  /** As staff typed it: digits, dashes, dots or parentheses, sometimes garbage. */
  number: string;
  type: 'mobile' | 'personal' | 'work' | 'home';
  countryCode: number;
}

export interface SimContact {
  id: string;
  firstName: string;
  lastName: string;
  relationship: string;
  phone: string;
  hasAccessToUnit: boolean;
}

/** A person. Entrata keeps one customer id per person across leases and properties (rule E3). */
export interface SimCustomer {
  id: string;
  firstName: string;
  middleName: string | null;
  lastName: string;
  email: string | null;
  phones: SimPhone[];
  contacts: SimContact[];
}

/** A person's place on one lease, with their own dates (rule W6). */
export interface SimLeaseCustomer {
  customerId: string;
  type: CustomerType;
  relationship: string;
  /** Own move-in when it differs from the lease's (a roommate joining later); null = the lease's. */
  moveIn: Day | null;
  /** Own move-out (a roommate leaving mid-lease); null = none. */
  moveOut: Day | null;
  cancelled: boolean;
}

export interface SimInterval {
  id: string;
  type: IntervalType;
  start: Day;
  end: Day;
  applicationId: string;
  /** "2025/2026" or "Transfer 2025/2026" or "12 Months". */
  leaseTerm: string;
  /** Epoch seconds and microseconds of the application; approval follows a day or two later. */
  createdAt: number;
  createdMicros: number;
  approvedAt: number;
}

/**
 * `stage` is what no date can change: an unsigned application, a cancellation, or a signed lease whose
 * status follows its dates (status.ts). `forcedPast` is a scripted move-out that ignores the dates.
 */
export interface SimLease {
  id: string;
  propertyId: string;
  unitId: string;
  spaceIds: string[];
  occupancy: Occupancy;
  spaceConfiguration: 'Private' | 'Shared' | 'Conventional';
  stage: 'applicant' | 'signed' | 'cancelled';
  forcedPast: boolean;
  moveIn: Day;
  moveOut: Day | null;
  noticeDate: Day | null;
  moveOutReason: string | null;
  subStatus: 'Renewed' | null;
  parentLeaseId: string | null;
  transferLeaseId: string | null;
  transferPropertyId: string | null;
  transferDate: Day | null;
  intervals: SimInterval[];
  customers: SimLeaseCustomer[];
  /** Monthly rent in whole dollars. */
  rent: number;
  /** Set by the drop event: the lease vanishes from every answer, even asked for by id. */
  dropped: boolean;
}

export interface Portfolio {
  seed: string;
  /** The "today" the portfolio was generated around (not the simulator's current date). */
  generatedFor: Day;
  properties: SimProperty[];
  leases: SimLease[];
  propertyById: Map<string, SimProperty>;
  unitById: Map<string, SimUnit>;
  /** Every space's unit, so a lease's labels and building resolve without scanning. */
  unitBySpaceId: Map<string, SimUnit>;
  leaseById: Map<string, SimLease>;
  /** Each property's leases in ascending id order (the order answers list them). */
  leasesByProperty: Map<string, SimLease[]>;
  customerById: Map<string, SimCustomer>;
  ids: IdCounters;
}

/** Next free id of each kind; events draw from the same counters as the generator. */
export interface IdCounters {
  lease: number;
  interval: number;
  application: number;
  customer: number;
  contact: number;
}

export function nextId(ids: IdCounters, kind: keyof IdCounters): string {
  return String(ids[kind]++);
}
