// S3: unexpected mass endings are held for approval instead of applied.

import { isEligible } from './identity.ts';
import { overrideKey, type EngineContext } from './context.ts';
import { unitKey, type UnitRef } from './home-unit.ts';
import type { CustomerId, EndAction, LeaseId, HeldEnding, HoldAction, ReleaseHoldAction, RegistrationId } from './types.ts';
import { isOpenAt, leaseWindow, type LeaseWindow } from './windows.ts';

/** S3 thresholds: more than this share of the property's active residents... */
export const HOLD_SHARE = 0.1;
/** ...and at least this many of them. */
export const HOLD_MIN_RESIDENTS = 5;

/** An `end` plan() would emit at the planned property, with what S3 needs to judge it. */
export interface EndingCandidate {
  action: EndAction;
  person: CustomerId;
  leaseIds: HeldEnding['leaseIds'];
  /** The registration ends because its unit's windows closed (not a move elsewhere, not a manager op). */
  closing: boolean;
}

/**
 * True when the previous snapshot had not scheduled this end: with the previous versions of the unit's leases (same
 * policy, overrides and `now`) the person's window there would still be open. A status flipped to Past or Cancelled
 * without an earlier move-out, a move-out newly set in the past, a customer dropped from the lease: all unexpected.
 * A term or move-out day that simply arrived (W9) evaluates the same either way, so it is never held.
 */
export function isUnexpectedEnding(ctx: EngineContext, person: CustomerId, unit: UnitRef, current: readonly LeaseWindow[]): boolean {
  const prev = ctx.previousSnapshot;
  if (!prev || unit.propertyId !== ctx.plannedId) return false;
  const key = unitKey(unit);
  const prevById = ctx.previousLeases;
  const checked = new Set<LeaseId>();
  const prevWindows: LeaseWindow[] = [];
  const windowFromPrevious = (leaseId: LeaseId): LeaseWindow | null => {
    const lease = prevById.get(leaseId);
    if (!lease) return null;
    const customer = lease.customers.find((c) => ctx.personOf(c.id) === person && isEligible(c));
    if (!customer) return null;
    return leaseWindow(lease, customer, {
      propertyId: ctx.plannedId,
      timeZone: ctx.planned.timeZone,
      policy: ctx.planned.policy,
      source: 'entrata',
      personId: person,
      override: ctx.overrides.get(overrideKey(lease.id, person)),
      now: ctx.now,
    });
  };
  for (const w of current) {
    if (unitKey(w) !== key) continue;
    checked.add(w.leaseId);
    // A lease the previous snapshot did not have is judged as it is now: nothing changed that we could have seen.
    prevWindows.push(prevById.has(w.leaseId) ? (windowFromPrevious(w.leaseId) ?? w) : w);
  }
  // Leases that gave this unit before but no longer give the person a window (dropped, now a guarantor, moved unit).
  for (const lease of prev.leases) {
    if (checked.has(lease.id) || lease.unitId !== unit.unitId) continue;
    const w = windowFromPrevious(lease.id);
    if (w) prevWindows.push(w);
  }
  return prevWindows.some((w) => isOpenAt(w, ctx.now));
}

export interface HoldDecision {
  /** Registrations whose actions are not applied this time (held now, or already in the open hold). */
  frozen: ReadonlySet<RegistrationId>;
  actions: (HoldAction | ReleaseHoldAction)[];
}

export function decideHold(
  ctx: EngineContext,
  candidates: readonly EndingCandidate[],
  unexpected: (c: EndingCandidate) => boolean,
  activeResidents: number,
  releaseHold: boolean,
): HoldDecision {
  const open = ctx.hold;
  if (releaseHold) {
    // Approval re-plans against the newest data: everything applies, and the hold closes.
    const actions: ReleaseHoldAction[] = open
      ? [{ kind: 'release-hold', rule: 'S3', propertyId: ctx.plannedId, holdId: open.id, reason: `hold ${open.id} approved: its endings apply (S3)` }]
      : [];
    return { frozen: new Set(), actions };
  }

  // Endings already in the open hold stay frozen whatever the data says now, until approval.
  const alreadyHeld = new Set(open?.endings.map((e) => e.registrationId) ?? []);
  const fresh = candidates.filter((c) => !alreadyHeld.has(c.action.registrationId) && c.closing && unexpected(c));
  const residents = new Set(fresh.map((c) => c.person)).size;
  const massive = residents > HOLD_SHARE * activeResidents && residents >= HOLD_MIN_RESIDENTS;

  if (fresh.length === 0 || (!open && !massive)) return { frozen: alreadyHeld, actions: [] };

  const endings: HeldEnding[] = fresh.map((c) => ({
    registrationId: c.action.registrationId,
    customerId: c.person,
    unitId: c.action.unitId,
    leaseIds: c.leaseIds,
    rule: c.action.rule,
    dueAt: c.action.dueAt,
  }));
  const hold: HoldAction = {
    kind: 'hold',
    rule: 'S3',
    propertyId: ctx.plannedId,
    existingHoldId: open?.id ?? null,
    endings,
    activeResidents,
    unexpectedResidents: residents,
    reason: open
      ? `${residents} more unexpected ending(s) added to open hold ${open.id} (S3)`
      : `${residents} of ${activeResidents} active residents would lose access without a scheduled move-out (S3): held for approval`,
  };
  return { frozen: new Set([...alreadyHeld, ...fresh.map((c) => c.action.registrationId)]), actions: [hold] };
}
