import { z } from 'zod';
import { ROLES } from '../auth/permissions.ts';
import { MAX_PAGE, RESIDENT_PROBLEMS, RESIDENT_STATES } from '../registry/resident-search.ts';

/** Request and answer shapes of the read routes (properties, residents, units, dashboard). */

export const EntrataId = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'an Entrata id such as 100123');
export const CustomerId = z.string().regex(/^\d{1,20}$/, 'an Entrata customer id (digits)');

export const PropertyParams = z.object({ propertyId: EntrataId });
export const ResidentParams = z.object({ propertyId: EntrataId, customerId: CustomerId });
export const UnitParams = z.object({ propertyId: EntrataId, unit: z.string().min(1).max(40) });

/** `?account=NAME` picks the Entrata account when two accounts have the same property id. */
const account = { account: z.string().min(1).max(100).optional() };
export const AccountQuery = z.object(account).strict();
export const UnitQuery = z.object({ ...account, building: z.string().min(1).max(100).optional() }).strict();

export const ResidentsQuery = z
  .object({
    ...account,
    q: z.string().trim().max(100, 'at most 100 characters').optional(),
    state: z.enum(RESIDENT_STATES).optional(),
    problem: z.enum(RESIDENT_PROBLEMS).optional(),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
  })
  .strict();

const Iso = z.string().nullable();
const StateCounts = z.object({ pending: z.number(), active: z.number(), blocked: z.number(), ended: z.number() });
const SyncState = z.object({
  lastSyncAt: Iso,
  lastSuccessAt: Iso,
  lastError: z.unknown(),
  consecutiveFailures: z.number(),
  nextSyncAt: Iso,
  nextTransitionAt: Iso,
});

export const PropertySummary = z.object({
  entrataId: z.string(),
  name: z.string(),
  account: z.string(),
  timeZone: z.string(),
  ssid: z.string(),
  enabled: z.boolean(),
  sync: SyncState,
  residents: StateCounts,
  role: z.enum(ROLES as [string, ...string[]]),
});
export const PropertyList = z.object({ items: z.array(PropertySummary), total: z.number() });

export const PropertyDetail = PropertySummary.extend({
  settings: z.object({
    syncIntervalMinutes: z.number(),
    effectiveIntervalMinutes: z.number().nullable(),
    budgetNote: z.string().nullable(),
    smsEnabled: z.boolean(),
    firstWelcome: z.boolean(),
    mailSenderName: z.string().nullable(),
    supportEmail: z.string().nullable(),
    supportPhone: z.string().nullable(),
  }),
  policy: z.object({ earlyMoveInDays: z.number(), lateMoveOutDays: z.number(), defaultEarlyMoveInDays: z.number(), defaultLateMoveOutDays: z.number() }),
});

export const ResidentRow = z.object({
  customerId: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  unit: z.string().nullable(),
  building: z.string().nullable(),
  spaces: z.array(z.string()),
  state: z.enum(RESIDENT_STATES),
  hasKey: z.boolean(),
  accessStart: Iso,
  accessEnd: Iso,
  hasEmail: z.boolean(),
  hasMobile: z.boolean(),
  contactProblems: z.array(z.string()),
  problems: z.array(z.enum(RESIDENT_PROBLEMS)),
});
export const ResidentPage = z.object({ items: z.array(ResidentRow), total: z.number(), offset: z.number(), limit: z.number() });

const LeaseView = z.object({
  leaseId: z.string(),
  status: z.string(),
  unit: z.string(),
  building: z.string().nullable(),
  spaces: z.array(z.string()),
  moveIn: z.string(),
  moveOut: z.string().nullable(),
  leaseEnd: z.string().nullable(),
  isTransfer: z.boolean(),
  as: z
    .object({ customerId: z.string(), type: z.string(), status: z.string().nullable(), moveIn: z.string().nullable(), moveOut: z.string().nullable() })
    .nullable(),
  quarantineReason: z.string().nullable(),
  missingSince: Iso,
});
const RegistrationView = z.object({
  registrationId: z.number(),
  state: z.string(),
  unit: z.string(),
  building: z.string().nullable(),
  spaces: z.array(z.string()),
  accessStart: Iso,
  accessEnd: Iso,
  endedAt: Iso,
  rule: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const Notification = z.object({
  id: z.number(),
  deliveryId: z.number().nullable(),
  kind: z.string(),
  rule: z.string().nullable(),
  customerId: z.string().nullable(),
  name: z.string().nullable(),
  channel: z.enum(['email', 'sms']).nullable(),
  recipient: z.string().nullable(),
  state: z.string(),
  maybeTwice: z.boolean(),
  attempts: z.number(),
  subject: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  dueAt: Iso,
  sentAt: Iso,
  providerId: z.string().nullable(),
  error: z.string().nullable(),
});

export const ResidentDetail = z.object({
  customerId: z.string(),
  customerIds: z.array(z.string()),
  firstName: z.string(),
  lastName: z.string(),
  email: z.string().nullable(),
  mobile: z.string().nullable(),
  contactProblems: z.array(z.string()),
  leases: z.array(LeaseView),
  registrations: z.array(RegistrationView),
  keys: z.array(z.object({ keyId: z.number(), key: z.string(), current: z.boolean(), issuedAt: z.string(), revokedAt: Iso, rule: z.string().nullable() })),
  blocks: z.array(
    z.object({
      blockId: z.number(),
      startsAt: z.string(),
      message: z.string().nullable(),
      createdBy: z.string(),
      createdAt: z.string(),
      liftedAt: Iso,
      liftedBy: z.string().nullable(),
    }),
  ),
  notifications: z.array(Notification),
  audit: z.array(
    z.object({
      at: z.string(),
      actor: z.string(),
      action: z.string(),
      rule: z.string().nullable(),
      leaseId: z.string().nullable(),
      runId: z.number().nullable(),
      details: z.unknown(),
    }),
  ),
  explanation: z.array(z.string()),
});

export const UnitView = z.object({
  entrataId: z.string(),
  number: z.string(),
  building: z.string().nullable(),
  spaces: z.array(z.object({ id: z.string(), label: z.string() })),
  missingSince: Iso,
  removedAt: Iso,
  registrations: z.array(RegistrationView.extend({ customerId: z.string(), firstName: z.string(), lastName: z.string() })),
  residents: z.array(z.object({ customerId: z.string(), firstName: z.string(), lastName: z.string(), registered: z.boolean() })),
  leases: z.array(LeaseView),
});

export const Dashboard = z.object({
  property: z.string(),
  residents: StateCounts,
  keysIssued: z.number(),
  problems: z.object({
    residents: z.record(z.enum(RESIDENT_PROBLEMS), z.number()),
    notifications: z.object({ failed: z.number(), maybeTwice: z.number() }),
    sync: z.object({ lastError: z.unknown(), consecutiveFailures: z.number(), failedRunsLast7Days: z.number() }),
    openHolds: z.number(),
    leases: z.object({ missingInEntrata: z.number(), quarantined: z.number() }),
    units: z.object({ missing: z.number(), removed: z.number() }),
  }),
  sync: z.object({ lastSyncAt: Iso, lastSuccessAt: Iso, nextSyncAt: Iso, nextTransitionAt: Iso }),
  days: z.array(z.object({ date: z.string(), moveIns: z.number(), moveOuts: z.number(), accessStarts: z.number(), accessEnds: z.number() })),
});
