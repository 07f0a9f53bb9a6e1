// U rules (and O4): where a resident's one home unit is at `now`, across every property of the account.

import { cmp } from './identity.ts';
import type { Instant, LeaseId, PropertyId, Registration, RegistrationId, RuleId, UnitId } from './types.ts';
import { isNotClosedAt, isOpenAt, type LeaseWindow } from './windows.ts';

export interface UnitRef {
  propertyId: PropertyId;
  unitId: UnitId;
}

export const unitKey = (u: UnitRef): string => `${u.propertyId}\u0000${u.unitId}`;

export interface Placement {
  /** The home unit at `now`, or null when no window is open (U6). */
  home: UnitRef | null;
  /** Why the home is there: U2 stays, U3 transfer, U4 move-out with other leases, U5 first choice, O4 reassign, a W/O rule for a plain move-in, U6 none. */
  rule: RuleId;
  leaseId: LeaseId | null;
  /** When that decision became due (a window boundary, a transfer opening, a pin); at most `now`. */
  dueAt: Instant;
  /** The registration that is the home now, before this plan. */
  current: Registration | null;
  /** U3: registrations kept active at the old property until the old window closes. */
  overlap: ReadonlySet<RegistrationId>;
}

export interface PersonView {
  /** The person's eligible windows at every property, sorted. */
  windows: readonly LeaseWindow[];
  /** The person's active and blocked registrations at enabled properties, sorted by id. */
  live: readonly Registration[];
  /** Units whose registration rests on leases nobody returns or mirrors (S2: they keep their access). */
  unknownSupport: ReadonlySet<string>;
}

/** A unit keeps an existing registration while any of the person's windows there is open (any status, any source). */
export function isUnitOpen(view: PersonView, unit: UnitRef, now: Instant): boolean {
  const key = unitKey(unit);
  return view.unknownSupport.has(key) || view.windows.some((w) => unitKey(w) === key && isOpenAt(w, now));
}

/** A window that may start access now (W2; not Past, W4; not missing, S2). */
const canStartNow = (w: LeaseWindow, now: Instant) => w.canStart && isOpenAt(w, now);

interface HomeEvent {
  unit: UnitRef;
  at: Instant;
  rule: RuleId;
  leaseId: LeaseId;
}

/** Where the home is (or is about to be) when looking for events that move it, and what counts as "from" there. */
interface Origin {
  unit: UnitRef;
  /** The leases a transfer may name as its parent: the registration's leases and the person's live leases in the unit. */
  leases: ReadonlySet<LeaseId>;
  open: boolean;
}

const originAt = (view: PersonView, unit: UnitRef, leaseIds: readonly LeaseId[], open: boolean, now: Instant): Origin => {
  const key = unitKey(unit);
  const leases = new Set(leaseIds);
  for (const w of view.windows) if (unitKey(w) === key && isNotClosedAt(w, now)) leases.add(w.leaseId);
  return { unit, leases, open };
};

/**
 * The time of the event that holds the home in `unit`, by the events' own times (never by when Pebbles recorded the
 * registration): the latest opening of a transfer lease into the unit, or the latest manager pin (O4) on one of its
 * leases, among the windows open now. A plain move-in holds nothing (-Infinity): any open transfer away from it is new.
 */
export function heldSince(view: PersonView, unit: UnitRef, now: Instant): Instant {
  const key = unitKey(unit);
  let t = -Infinity;
  for (const w of view.windows) {
    if (unitKey(w) !== key || !isOpenAt(w, now)) continue;
    if (w.isTransfer || w.parentLeaseId != null) t = Math.max(t, w.opensAt);
    if (w.pinnedAt != null && w.pinnedAt <= now) t = Math.max(t, w.pinnedAt);
  }
  return t;
}

/**
 * The event that moves the home away from `from` now, if any (latest wins, ties lowest lease id):
 * - O4: a manager pin not yet reflected (made after the registration became the home, `pinsAfter`, both Pebbles'
 *   own instants) and newer than the event that holds the current home;
 * - U3: an open transfer away from the home (it names one of the home's leases as parent, or is a Transfer interval)
 *   that opened after the event that holds the home (`heldSince`), so an older transfer never pulls a resident back
 *   and a manager's later reassignment holds.
 */
function nextEvent(view: PersonView, from: Origin | null, pinsAfter: Instant, now: Instant): HomeEvent | null {
  const fromKey = from ? unitKey(from.unit) : null;
  const since = from ? heldSince(view, from.unit, now) : -Infinity;
  const events: HomeEvent[] = [];
  for (const w of view.windows) {
    if (w.pinnedAt != null && w.pinnedAt <= now && w.pinnedAt > pinsAfter && w.pinnedAt > since && isOpenAt(w, now) && (w.canStart || unitKey(w) === fromKey)) {
      events.push({ unit: w, at: w.pinnedAt, rule: 'O4', leaseId: w.leaseId });
    }
    if (
      from?.open &&
      canStartNow(w, now) &&
      unitKey(w) !== fromKey &&
      w.opensAt > since &&
      (w.isTransfer || (w.parentLeaseId != null && from.leases.has(w.parentLeaseId)))
    ) {
      events.push({ unit: w, at: w.opensAt, rule: 'U3', leaseId: w.leaseId });
    }
  }
  events.sort((a, b) => b.at - a.at || cmp(a.leaseId, b.leaseId) || cmp(a.unit.propertyId, b.unit.propertyId));
  const event = events[0];
  return event && unitKey(event.unit) !== fromKey ? event : null;
}

/**
 * Where the home is at `now`. Whether an event is already reflected in the home comes from the registry (a pin made
 * before the registration became the home) and from the events' own times (`heldSince`), never from comparing an
 * Entrata date with the moment Pebbles recorded a registration: a transfer whose move-in date Entrata moved earlier,
 * a property enabled mid-transfer and a sync missed for a day all end in the home that syncs at every step would reach.
 */
export function placePerson(view: PersonView, now: Instant): Placement {
  const current = currentHome(view, now);
  // U3 moves a resident away from a home that is still open. Once the home has closed, U4 decides, which is the same
  // choice U5 makes when that registration has already been ended: so the plans of two properties agree whichever
  // of them is applied first.
  const currentOpen = current != null && isUnitOpen(view, current, now);
  const origin = current ? originAt(view, current, current.leaseIds, currentOpen, now) : null;
  const event = nextEvent(view, origin, current?.accessStart ?? -Infinity, now);

  let home: UnitRef | null;
  let rule: RuleId;
  let leaseId: LeaseId | null = null;
  let dueAt = now;
  if (event) {
    home = event.unit;
    rule = event.rule;
    leaseId = event.leaseId;
    dueAt = event.at;
  } else if (current && currentOpen) {
    home = current; // U2: stays where registered.
    rule = 'U2';
    leaseId = [...current.leaseIds].sort(cmp)[0] ?? null;
  } else {
    const open = view.windows.filter((w) => canStartNow(w, now));
    // U4/U5: the most recently started window; ties: lowest lease id.
    const chosen = [...open].sort((a, b) => b.opensAt - a.opensAt || cmp(a.leaseId, b.leaseId) || cmp(a.propertyId, b.propertyId))[0];
    if (chosen) {
      home = chosen;
      leaseId = chosen.leaseId;
      if (current) {
        rule = 'U4';
        dueAt = closedAt(view, current, now);
      } else {
        const openUnits = new Set(open.map(unitKey));
        rule = openUnits.size > 1 ? 'U5' : chosen.openRule;
        dueAt = chosen.opensAt;
      }
    } else {
      home = null;
      rule = 'U6';
      if (current) dueAt = closedAt(view, current, now);
    }
  }
  // A transfer away from the unit just chosen that is newer than what put the home there is followed in this same
  // plan: syncs at every step would have made that move too (a first sync mid-transfer goes straight to the new unit),
  // and planning again after applying finds nothing to do (S1). Each step needs a strictly newer event, so it ends.
  if (home && rule !== 'U2') {
    const seen = new Set([unitKey(home)]);
    for (let next = nextEvent(view, originAt(view, home, [], true, now), now, now); next && !seen.has(unitKey(next.unit)); ) {
      seen.add(unitKey(next.unit));
      home = next.unit;
      rule = next.rule;
      leaseId = next.leaseId;
      dueAt = Math.min(now, Math.max(dueAt, next.at));
      next = nextEvent(view, originAt(view, home, [], true, now), now, now);
    }
  }
  if (home) home = { propertyId: home.propertyId, unitId: home.unitId };

  return { home, rule, leaseId, dueAt, current, overlap: overlapKept(view, home, now) };
}

/**
 * The registration that is the home now. Normally the only active/blocked one; with several (the U3 overlap, or a
 * hand-over another property's plan has done first) prefer one whose unit is open, then a transfer's new side, then
 * the most recently started, then the lowest id.
 */
function currentHome(view: PersonView, now: Instant): Registration | null {
  if (view.live.length <= 1) return view.live[0] ?? null;
  const rank = (r: Registration) => ({
    open: isUnitOpen(view, r, now) ? 1 : 0,
    child: isTransferChild(view, r, now) ? 1 : 0,
    start: r.accessStart ?? -Infinity,
  });
  return (
    [...view.live].sort((a, b) => {
      const ra = rank(a);
      const rb = rank(b);
      return rb.open - ra.open || rb.child - ra.child || rb.start - ra.start || cmp(a.id, b.id);
    })[0] ?? null
  );
}

function isTransferChild(view: PersonView, r: Registration, now: Instant): boolean {
  const key = unitKey(r);
  return view.windows.some(
    (w) =>
      unitKey(w) === key &&
      isOpenAt(w, now) &&
      (w.isTransfer || view.live.some((o) => o.id !== r.id && w.parentLeaseId != null && o.leaseIds.includes(w.parentLeaseId))),
  );
}

/**
 * U3 across properties: the old registration stays active until the old window closes. One old side at most (U1):
 * after a chain of transfers, the most recent former home (latest accessStart, then lowest id).
 */
function overlapKept(view: PersonView, home: UnitRef | null, now: Instant): Set<RegistrationId> {
  if (!home) return new Set();
  const homeKey = unitKey(home);
  const transfers = view.windows.filter((w) => unitKey(w) === homeKey && isOpenAt(w, now) && (w.isTransfer || w.parentLeaseId != null));
  // The same test as the U3 event, so a transfer that moved the home always keeps the old side while it is open.
  const candidates = view.live.filter((r) => {
    if (r.propertyId === home.propertyId || !isUnitOpen(view, r, now)) return false;
    const from = originAt(view, r, r.leaseIds, true, now);
    return transfers.some((w) => w.isTransfer || (w.parentLeaseId != null && from.leases.has(w.parentLeaseId)));
  });
  const kept = candidates.sort((a, b) => (b.accessStart ?? -Infinity) - (a.accessStart ?? -Infinity) || cmp(a.id, b.id))[0];
  return new Set(kept ? [kept.id] : []);
}

/** When the windows of a unit closed (the latest close that has passed), for dueAt; `now` when no date says. */
export function closedAt(view: PersonView, unit: UnitRef, now: Instant): Instant {
  const key = unitKey(unit);
  const closes = view.windows.filter((w) => unitKey(w) === key && Number.isFinite(w.closesAt) && w.closesAt <= now).map((w) => w.closesAt);
  return closes.length > 0 ? Math.max(...closes) : now;
}
