// U rules (and O4): where a resident's one home unit is at `now`, across every property of the account.

import { cmp } from './identity.ts';
import type { Instant, LeaseId, PropertyId, Registration, RegistrationId, RuleId, UnitId } from './types.ts';
import { isOpenAt, type LeaseWindow } from './windows.ts';

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

export function placePerson(view: PersonView, now: Instant): Placement {
  const current = currentHome(view, now);
  const since = current?.accessStart ?? -Infinity;
  const currentKey = current ? unitKey(current) : null;
  // U3 moves a resident away from a home that is still open. Once the home has closed, U4 decides, which is the same
  // choice U5 makes when that registration has already been ended: so the plans of two properties agree whichever
  // of them is applied first.
  const currentOpen = current != null && isUnitOpen(view, current, now);

  // Events newer than the current home move it (latest wins): O4 reassign, U3 transfer. Events from before the home
  // was established are already reflected in it, which is what keeps a pin "held" (O4) and a move from flapping back.
  const events: HomeEvent[] = [];
  for (const w of view.windows) {
    if (w.pinnedAt != null && w.pinnedAt <= now && w.pinnedAt > since && isOpenAt(w, now) && (w.canStart || unitKey(w) === currentKey)) {
      events.push({ unit: w, at: w.pinnedAt, rule: 'O4', leaseId: w.leaseId });
    }
    if (
      current &&
      currentOpen &&
      canStartNow(w, now) &&
      unitKey(w) !== currentKey &&
      w.opensAt > since &&
      (w.isTransfer || (w.parentLeaseId != null && current.leaseIds.includes(w.parentLeaseId)))
    ) {
      events.push({ unit: w, at: w.opensAt, rule: 'U3', leaseId: w.leaseId });
    }
  }
  events.sort((a, b) => b.at - a.at || cmp(a.leaseId, b.leaseId));
  const event = events[0];

  let home: UnitRef | null;
  let rule: RuleId;
  let leaseId: LeaseId | null = null;
  let dueAt = now;
  if (event && unitKey(event.unit) !== currentKey) {
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
  const candidates = view.live.filter(
    (r) =>
      r.propertyId !== home.propertyId &&
      isUnitOpen(view, r, now) &&
      transfers.some((w) => w.isTransfer || (w.parentLeaseId != null && r.leaseIds.includes(w.parentLeaseId))),
  );
  const kept = candidates.sort((a, b) => (b.accessStart ?? -Infinity) - (a.accessStart ?? -Infinity) || cmp(a.id, b.id))[0];
  return new Set(kept ? [kept.id] : []);
}

/** When the windows of a unit closed (the latest close that has passed), for dueAt; `now` when no date says. */
export function closedAt(view: PersonView, unit: UnitRef, now: Instant): Instant {
  const key = unitKey(unit);
  const closes = view.windows.filter((w) => unitKey(w) === key && Number.isFinite(w.closesAt) && w.closesAt <= now).map((w) => w.closesAt);
  return closes.length > 0 ? Math.max(...closes) : now;
}
