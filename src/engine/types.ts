// The engine's vocabulary: what plan() reads, what it returns, and the registry state both speak of.
// The database schema and its apply() are built against these types; applyToState() is their executable meaning.

import type { Brand, ContactProblem, CustomerId, LeaseId, PropertyId, PropertySnapshot, SnapshotLease, SpaceId, UnitId } from './snapshot.ts';

export type { Brand, ContactProblem, CustomerId, LeaseId, PropertyId, PropertySnapshot, SnapshotLease, SpaceId, UnitId };

/** A moment in time as epoch milliseconds. The engine never reads a clock: every instant comes in. */
export type Instant = number;

export type RegistrationId = Brand<string, 'RegistrationId'>;
export type KeyId = Brand<string, 'KeyId'>;
export type BlockId = Brand<string, 'BlockId'>;
export type HoldId = Brand<string, 'HoldId'>;

export const asRegistrationId = (s: string) => s as RegistrationId;
export const asKeyId = (s: string) => s as KeyId;
export const asBlockId = (s: string) => s as BlockId;
export const asHoldId = (s: string) => s as HoldId;

/** Rule ids of docs/rules.md; every action cites one (S6). */
export const RULE_IDS = [
  'E1',
  'E2',
  'E3',
  'W1',
  'W2',
  'W3',
  'W4',
  'W5',
  'W6',
  'W7',
  'W8',
  'W9',
  'U1',
  'U2',
  'U3',
  'U4',
  'U5',
  'U6',
  'B1',
  'B2',
  'P1',
  'P2',
  'P3',
  'P4',
  'N1',
  'N2',
  'N3',
  'N4',
  'N5',
  'N6',
  'O1',
  'O2',
  'O3',
  'O4',
  'O5',
  'O6',
  'K1',
  'K2',
  'K3',
  'S1',
  'S2',
  'S3',
  'S4',
  'S5',
  'S6',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

// ───────────────────────────── input ─────────────────────────────

export interface PropertyPolicy {
  /** O1: access may start this many local days before the move-in day. */
  earlyMoveInDays: number;
  /** O2: access lasts this many local days after the move-out day. */
  lateMoveOutDays: number;
  /** N6: send welcomes on the property's first sync (off when residents already have keys another way). */
  firstWelcome: boolean;
  /** N6: this run is the first sync of a newly enabled property. */
  isFirstSync: boolean;
}

/** One enabled property of the account, with the lease data plan() may trust for it. */
export interface PropertyInput {
  id: PropertyId;
  /** IANA zone; local days (W2, W3, W8) are read in it. */
  timeZone: string;
  policy: PropertyPolicy;
  /** The latest good snapshot (S4: a failed read never gets here; the caller passes the last good one). */
  snapshot: PropertySnapshot;
  /** S2: last mirrored version of leases known open that Entrata no longer returns at all. */
  missingLeases: SnapshotLease[];
  /** S4: last good version of each lease listed in snapshot.quarantined. */
  quarantinedLeases: SnapshotLease[];
}

export interface Resident {
  /** E3: the resident's identity, an Entrata customer id within the account. */
  customerId: CustomerId;
  /** E3: other customer ids a manager linked to this person. */
  linkedCustomerIds: CustomerId[];
  firstName: string;
  lastName: string;
  email: string | null;
  mobile: string | null;
  /** E2: shown to managers as problems to fix in Entrata. */
  contactProblems: ContactProblem[];
}

/**
 * pending: a known lease, not (yet) the home (its window has not opened, or the resident stays elsewhere, U2).
 * active: the key works on the network. blocked: kept with its key, but the key does not work (K2).
 * ended: history; a withdrawn pre-registration (W5) is ended too.
 */
export type RegistrationState = 'pending' | 'active' | 'blocked' | 'ended';
export type LiveState = 'active' | 'blocked';

export interface Registration {
  id: RegistrationId;
  /** The resident's customerId (E3 canonical id). */
  customerId: CustomerId;
  propertyId: PropertyId;
  unitId: UnitId;
  /** B1: every space the resident leases in this unit. */
  spaceIds: SpaceId[];
  /** The leases (of this resident, in this unit) whose windows give or will give this registration. */
  leaseIds: LeaseId[];
  state: RegistrationState;
  /** Pending: when the window opens. Active/blocked: when access started (set at activation, never re-planned). */
  accessStart: Instant | null;
  /** When the window closes as planned now; null = open-ended (W3). */
  accessEnd: Instant | null;
}

/** The current PSK of a resident at a property (never the secret). Rotation (P4) changes keyId only. */
export interface KeyRecord {
  customerId: CustomerId;
  propertyId: PropertyId;
  keyId: KeyId;
  revoked: boolean;
}

/** K1: a rent block of a resident at a property, from an instant (now or scheduled). */
export interface Block {
  id: BlockId;
  customerId: CustomerId;
  propertyId: PropertyId;
  from: Instant;
  message: string;
  /** K3: set by the manager op that lifts it; a lifted block no longer applies. */
  liftedAt: Instant | null;
}

/** S3: one ending plan() did not apply because it belongs to an unexpected mass change. */
export interface HeldEnding {
  registrationId: RegistrationId;
  customerId: CustomerId;
  unitId: UnitId;
  leaseIds: LeaseId[];
  /** The rule the ending would have cited. */
  rule: RuleId;
  dueAt: Instant;
}

export interface OpenHold {
  id: HoldId;
  propertyId: PropertyId;
  endings: HeldEnding[];
}

/** Registry state plan() compares against. Registrations of every property of the account may be given. */
export interface RegistryState {
  residents: Resident[];
  registrations: Registration[];
  keys: KeyRecord[];
  blocks: Block[];
  /** Open (not yet approved or rejected) holds, at most one per property. */
  holds: OpenHold[];
}

/**
 * Manager overrides for one customer on one lease (O1..O4). Instants, not dates: the console turns a chosen
 * local date into the start (O1) or end (O2) of that day with startOfLocalDay().
 */
export interface LeaseOverride {
  leaseId: LeaseId;
  customerId: CustomerId;
  /** O1: access starts at the earlier of this and the property allowance. */
  earlyStartAt?: Instant | null;
  /** O2: access ends at the later of this and the property allowance. */
  lateEndAt?: Instant | null;
  /** O3 "move in now": like earlyStartAt, set to the moment of the request. */
  moveInNowAt?: Instant | null;
  /** O3 "move out now": this lease's window closes at this instant. */
  moveOutNowAt?: Instant | null;
  /** O3 "transfer now": the pending transfer lease opens at this instant; U3 does the rest. */
  transferNowAt?: Instant | null;
  /** O4 reassign: this lease's unit became the home at this instant; holds until this lease's window closes. */
  pinnedAt?: Instant | null;
}

export interface PlanInput {
  /** The property being planned; plan() emits actions for this property only. */
  propertyId: PropertyId;
  /** The planned property and every other enabled property of the same Entrata account (the U rules look across). */
  properties: PropertyInput[];
  /** The planned property's snapshot from the previous sync (S3); null when there is none. */
  previousSnapshot: PropertySnapshot | null;
  registry: RegistryState;
  overrides: LeaseOverride[];
  now: Instant | Date;
  /** S3: the open hold of this property was approved: its endings (and any new unexpected ones) apply. */
  releaseHold?: boolean;
}

// ───────────────────────────── output ─────────────────────────────

interface ResidentActionBase {
  /** The rule that caused this action (S6). */
  rule: RuleId;
  propertyId: PropertyId;
  /** The resident (E3 canonical id). */
  customerId: CustomerId;
  /** The lease behind the decision, when one is. */
  leaseId: LeaseId | null;
  /** One plain-English line for the audit trail (S6). */
  reason: string;
}

/** Create or refresh the resident record from Entrata (E3 identity, E2 contact problems). */
export interface UpsertResidentAction extends ResidentActionBase {
  kind: 'upsert-resident';
  firstName: string;
  lastName: string;
  email: string | null;
  mobile: string | null;
  contactProblems: ContactProblem[];
}

interface RegistrationFields {
  unitId: UnitId;
  spaceIds: SpaceId[];
  leaseIds: LeaseId[];
  /** Pending: the planned opening. Active/blocked: `now`, the instant access starts. */
  accessStart: Instant | null;
  /** The planned close; null = open-ended. */
  accessEnd: Instant | null;
  /** The instant the rule made this change due (a window boundary, a transfer, a pin); at most `now`. */
  dueAt: Instant;
}

/** Create a registration: pending (pre-registration), or active/blocked (access starts). */
export interface RegisterAction extends ResidentActionBase, RegistrationFields {
  kind: 'register';
  state: 'pending' | LiveState;
}

/** A pending registration becomes the home: access starts (N1 follows unless blocked or suppressed). */
export interface ActivateAction extends ResidentActionBase, RegistrationFields {
  kind: 'activate';
  registrationId: RegistrationId;
  state: LiveState;
}

/** Same property, another unit (U3/U4/O4): the old registration ends, the target becomes the home; the key stays (P2). */
export interface MoveHomeUnitAction extends ResidentActionBase, RegistrationFields {
  kind: 'move-home-unit';
  fromRegistrationId: RegistrationId;
  fromUnitId: UnitId;
  /** The target's pending registration, or null to create one. */
  toRegistrationId: RegistrationId | null;
  state: LiveState;
}

/** The planned access start/end of a registration changed (dates moved in Entrata, overrides). */
export interface SetWindowAction extends ResidentActionBase {
  kind: 'set-window';
  registrationId: RegistrationId;
  unitId: UnitId;
  accessStart: Instant | null;
  accessEnd: Instant | null;
}

/** The leases or spaces behind a registration changed (B1). */
export interface SetLeasesAction extends ResidentActionBase {
  kind: 'set-leases';
  registrationId: RegistrationId;
  unitId: UnitId;
  leaseIds: LeaseId[];
  spaceIds: SpaceId[];
}

/** Access through this registration ends (W3..W6, O3, U3 overlap over, U4/O4 moves elsewhere, E1). */
export interface EndAction extends ResidentActionBase {
  kind: 'end';
  registrationId: RegistrationId;
  unitId: UnitId;
  dueAt: Instant;
}

/** A pre-registration goes away quietly (W5, N5): no notification. */
export interface WithdrawAction extends ResidentActionBase {
  kind: 'withdraw';
  registrationId: RegistrationId;
  unitId: UnitId;
  dueAt: Instant;
}

/** K1: an active registration becomes blocked (a block took effect, possibly at a scheduled instant). */
export interface BlockAction extends ResidentActionBase {
  kind: 'block';
  registrationId: RegistrationId;
  unitId: UnitId;
  blockId: BlockId | null;
  dueAt: Instant;
}

/** P1/P2: generate a new PSK for this resident at this property (generation happens in apply). */
export interface IssueKeyAction extends ResidentActionBase {
  kind: 'issue-key';
}

/** U6: the resident no longer has access at this property: the key leaves the network for good. */
export interface RevokeKeyAction extends ResidentActionBase {
  kind: 'revoke-key';
  keyId: KeyId;
}

export type NotificationKind = 'welcome' | 'new-key';

/**
 * N1/N2/N6: tell the resident their network and key (the key current when it is sent). Whether and what to send
 * is decided here; by which channels is decided when it is sent, from the contact and SMS setting of that moment
 * (src/notifications/channels.ts): with no usable contact (E2) it ends undeliverable.
 */
export interface NotifyAction extends ResidentActionBase {
  kind: 'notify';
  notification: NotificationKind;
  unitId: UnitId;
}

/** S3: unexpected endings that are not applied; they wait for approval. */
export interface HoldAction {
  kind: 'hold';
  rule: 'S3';
  propertyId: PropertyId;
  /** Add to this open hold instead of opening a new one. */
  existingHoldId: HoldId | null;
  endings: HeldEnding[];
  /** Residents with active access at the property when planned, and how many of them would have lost it. */
  activeResidents: number;
  unexpectedResidents: number;
  reason: string;
}

/** S3: the hold was approved and this plan applies its endings; the hold closes. */
export interface ReleaseHoldAction {
  kind: 'release-hold';
  rule: 'S3';
  propertyId: PropertyId;
  holdId: HoldId;
  reason: string;
}

export type ResidentAction =
  | UpsertResidentAction
  | RegisterAction
  | ActivateAction
  | MoveHomeUnitAction
  | SetWindowAction
  | SetLeasesAction
  | EndAction
  | WithdrawAction
  | BlockAction
  | IssueKeyAction
  | RevokeKeyAction
  | NotifyAction;

export type Action = ResidentAction | HoldAction | ReleaseHoldAction;
export type ActionKind = Action['kind'];

export type WarningCode = 'missing-in-entrata' | 'quarantined' | 'unknown-lease' | 'unit-missing' | 'no-contact';

/** Something a manager should look at; it changes nothing by itself. */
export interface PlanWarning {
  code: WarningCode;
  rule: RuleId;
  propertyId: PropertyId;
  customerId: CustomerId | null;
  leaseId: LeaseId | null;
  unitId: UnitId | null;
  message: string;
}

export interface Plan {
  actions: Action[];
  /** W9: the earliest future instant at which a window opens or closes or a block starts; re-plan then. */
  nextTransitionAt: Instant | null;
  warnings: PlanWarning[];
}
