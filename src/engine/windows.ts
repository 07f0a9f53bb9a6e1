// W rules: the window of one lease for one customer, in instants, from local days and overrides.

import type { LeaseStatus, LocalDate, SnapshotCustomer } from './snapshot.ts';
import { cmp } from './identity.ts';
import { addDays, startOfLocalDay } from './local-time.ts';
import type { CustomerId, Instant, LeaseId, LeaseOverride, PropertyId, PropertyPolicy, RuleId, SnapshotLease, SpaceId, UnitId } from './types.ts';

/** Where plan() got this version of the lease: Entrata now, the mirror of a missing lease (S2), a quarantined lease's last good version (S4). */
export type LeaseSource = 'entrata' | 'missing' | 'quarantined';

export interface LeaseWindow {
  leaseId: LeaseId;
  propertyId: PropertyId;
  unitId: UnitId;
  spaceIds: SpaceId[];
  /** The customer entry on the lease, and the person it belongs to (E3). */
  customerId: CustomerId;
  personId: CustomerId;
  source: LeaseSource;
  /** W6: the customer's own status when present, else the lease's. */
  status: LeaseStatus;
  statusFromCustomer: boolean;
  moveIn: LocalDate;
  /** The day whose end closes the window (W3), or null. */
  closeDay: LocalDate | null;
  /** Infinity: never opens (W1, W5). */
  opensAt: number;
  /** Infinity: open-ended (W3). -Infinity: closed already, with no date (W4 Past without a move-out date, W5). */
  closesAt: number;
  openRule: RuleId;
  closeRule: RuleId;
  /** Only Future, Current and Notice leases Entrata still returns may start access; Past ones keep what exists (W4), missing ones too (S2). */
  canStart: boolean;
  parentLeaseId: LeaseId | null;
  isTransfer: boolean;
  /** O4: the manager reassigned the resident to this lease's unit at this instant. */
  pinnedAt: Instant | null;
}

/** Overrides for one (lease, person), several rows merged: earliest starts, latest late date, earliest move-out, latest pin. */
export interface MergedOverride {
  earlyStartAt: Instant | null;
  lateEndAt: Instant | null;
  moveInNowAt: Instant | null;
  moveOutNowAt: Instant | null;
  transferNowAt: Instant | null;
  pinnedAt: Instant | null;
}

const pick = (a: Instant | null, b: Instant | null | undefined, f: (x: number, y: number) => number): Instant | null =>
  b == null ? a : a == null ? b : f(a, b);

export function mergeOverrides(rows: readonly LeaseOverride[]): MergedOverride {
  let m: MergedOverride = {
    earlyStartAt: null,
    lateEndAt: null,
    moveInNowAt: null,
    moveOutNowAt: null,
    transferNowAt: null,
    pinnedAt: null,
  };
  for (const r of rows) {
    m = {
      earlyStartAt: pick(m.earlyStartAt, r.earlyStartAt, Math.min),
      lateEndAt: pick(m.lateEndAt, r.lateEndAt, Math.max),
      moveInNowAt: pick(m.moveInNowAt, r.moveInNowAt, Math.min),
      moveOutNowAt: pick(m.moveOutNowAt, r.moveOutNowAt, Math.min),
      transferNowAt: pick(m.transferNowAt, r.transferNowAt, Math.min),
      pinnedAt: pick(m.pinnedAt, r.pinnedAt, Math.max),
    };
  }
  return m;
}

const TERMINAL: ReadonlySet<LeaseStatus> = new Set<LeaseStatus>(['past', 'cancelled']);
/** Statuses whose windows may start access (W2); Past ones only keep it (W4). */
export const STARTING_STATUSES: ReadonlySet<LeaseStatus> = new Set<LeaseStatus>(['future', 'current', 'notice']);

/**
 * W6: the customer's own status decides, where present. Exception (the rules are silent on contradictions): a lease
 * that Entrata made Past or Cancelled ends for everyone on it, even if a customer row still says Current, so a stale
 * customer status can never keep access open forever.
 */
export function effectiveStatus(lease: SnapshotLease, customer: SnapshotCustomer): { status: LeaseStatus; fromCustomer: boolean } {
  const own = customer.status;
  if (own == null) return { status: lease.status, fromCustomer: false };
  if (TERMINAL.has(lease.status) && !TERMINAL.has(own)) return { status: lease.status, fromCustomer: false };
  return { status: own, fromCustomer: own !== lease.status };
}

export interface WindowContext {
  propertyId: PropertyId;
  timeZone: string;
  policy: Pick<PropertyPolicy, 'earlyMoveInDays' | 'lateMoveOutDays'>;
  source: LeaseSource;
  personId: CustomerId;
  override: MergedOverride | undefined;
  /** W4 needs it: a Past lease without a move-out date ends with its term only once the term's last day has come. */
  now: Instant;
}

/** The window of `lease` for `customer` (an eligible one: E1 is checked by the caller). */
export function leaseWindow(lease: SnapshotLease, customer: SnapshotCustomer, ctx: WindowContext): LeaseWindow {
  const { status, fromCustomer } = effectiveStatus(lease, customer);
  const ov = ctx.override;
  const moveIn = customer.moveIn ?? lease.moveIn;
  const ownDates = customer.moveOut != null && customer.moveOut !== lease.moveOut;
  const moveOut = customer.moveOut ?? lease.moveOut;
  // W3: the notice date is never used; a Notice lease without a move-out ends with its current interval.
  const closeDay = moveOut ?? (status === 'notice' ? lease.leaseEnd : null);

  const window = (opensAt: number, closesAt: number, openRule: RuleId, closeRule: RuleId, canStart: boolean): LeaseWindow => ({
    leaseId: lease.id,
    propertyId: ctx.propertyId,
    unitId: lease.unitId,
    spaceIds: [...lease.spaceIds].sort(cmp),
    customerId: customer.id,
    personId: ctx.personId,
    source: ctx.source,
    status,
    statusFromCustomer: fromCustomer,
    moveIn,
    closeDay,
    opensAt,
    closesAt,
    openRule,
    closeRule,
    canStart,
    parentLeaseId: lease.parentLeaseId,
    isTransfer: lease.isTransfer,
    pinnedAt: ov?.pinnedAt ?? null,
  });

  if (status === 'applicant') return window(Infinity, -Infinity, 'W1', 'W1', false);
  if (status === 'cancelled') return window(Infinity, -Infinity, 'W5', 'W5', false);

  // W2 + O1: start of the local move-in day, moved earlier by the allowance or a per-lease date, whichever is earlier.
  const early = Math.max(0, ctx.policy.earlyMoveInDays);
  let opensAt = startOfLocalDay(addDays(moveIn, -early), ctx.timeZone);
  let openRule: RuleId = early > 0 ? 'O1' : customer.moveIn != null && customer.moveIn !== lease.moveIn ? 'W6' : 'W2';
  if (ov?.earlyStartAt != null && ov.earlyStartAt < opensAt) [opensAt, openRule] = [ov.earlyStartAt, 'O1'];
  if (ov?.moveInNowAt != null && ov.moveInNowAt < opensAt) [opensAt, openRule] = [ov.moveInNowAt, 'O3'];
  if (ov?.transferNowAt != null && ov.transferNowAt < opensAt) [opensAt, openRule] = [ov.transferNowAt, 'O3'];

  // W3/W4 + O2: end of the local move-out day, moved later by the allowance or a per-lease date, whichever is later.
  const late = Math.max(0, ctx.policy.lateMoveOutDays);
  let closesAt: number;
  let closeRule: RuleId;
  if (closeDay != null) {
    closesAt = startOfLocalDay(addDays(closeDay, 1 + late), ctx.timeZone);
    closeRule = ownDates ? 'W6' : status === 'past' ? 'W4' : 'W3';
  } else if (status === 'past' && lease.leaseEnd != null && startOfLocalDay(lease.leaseEnd, ctx.timeZone) <= ctx.now) {
    // W4 + O2: a Past lease without a move-out date whose term has ended moved out on the term's last day
    // (Entrata often leaves the date out when it equals the term end), so the late allowance still applies.
    closesAt = startOfLocalDay(addDays(lease.leaseEnd, 1 + late), ctx.timeZone);
    closeRule = fromCustomer ? 'W6' : 'W4';
  } else if (status === 'past') {
    closesAt = -Infinity; // W4: Past before its term ended, with no date: access for this lease ends now.
    closeRule = fromCustomer ? 'W6' : 'W4';
  } else {
    closesAt = Infinity; // W3: Current (or Future) with no move-out: open-ended, even past the lease end.
    closeRule = 'W3';
  }
  if (ov?.lateEndAt != null && ov.lateEndAt > closesAt) [closesAt, closeRule] = [ov.lateEndAt, 'O2'];
  if (ov?.moveOutNowAt != null && ov.moveOutNowAt < closesAt) [closesAt, closeRule] = [ov.moveOutNowAt, 'O3'];

  return window(opensAt, closesAt, openRule, closeRule, STARTING_STATUSES.has(status) && ctx.source !== 'missing');
}

/** Open at `now`: from its opening instant (inclusive) to its closing instant (exclusive). */
export const isOpenAt = (w: Pick<LeaseWindow, 'opensAt' | 'closesAt'>, now: Instant): boolean => w.opensAt <= now && now < w.closesAt;

/** Will open later and has not been closed by a date or an override. */
export const isUpcomingAt = (w: Pick<LeaseWindow, 'opensAt' | 'closesAt'>, now: Instant): boolean =>
  now < w.opensAt && w.opensAt < w.closesAt && w.opensAt !== Infinity;

/** Still counts for a registration: open now, or a Future/Current/Notice window yet to open. */
export const isNotClosedAt = (w: LeaseWindow, now: Instant): boolean => isOpenAt(w, now) || (STARTING_STATUSES.has(w.status) && isUpcomingAt(w, now));
