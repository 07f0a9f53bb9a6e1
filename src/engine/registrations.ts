// The registrations one resident should have at the planned property, and the actions that get them there
// (register, activate, move, end, withdraw, block, set-window, set-leases). Keys and messages follow in plan.ts.

import { effectiveBlock, type EngineContext } from './context.ts';
import type { EndingCandidate } from './holds.ts';
import { isUnitOpen, placePerson, unitKey, type PersonView, type Placement, type UnitRef } from './home-unit.ts';
import { cmp } from './identity.ts';
import { formatLocal } from './local-time.ts';
import type { CustomerId, Instant, LeaseId, LiveState, Registration, RegistrationId, ResidentAction, RuleId, SpaceId, UnitId } from './types.ts';
import { isNotClosedAt, isUpcomingAt, STARTING_STATUSES, type LeaseWindow } from './windows.ts';

type Desired = { kind: 'live'; state: LiveState; role: 'home' | 'overlap' } | { kind: 'pending' } | { kind: 'none' };

export interface PersonDraft {
  person: CustomerId;
  view: PersonView;
  placement: Placement;
  /** Active/blocked registrations at enabled properties. */
  live: Registration[];
  /** Non-ended registrations at the planned property. */
  here: Registration[];
  regActions: ResidentAction[];
  endings: EndingCandidate[];
  /** Units of the planned property that are live (home or U3 overlap) or pending once the plan applies. */
  liveUnits: Set<string>;
  pendingUnits: Set<string>;
}

export const isLive = (r: Registration) => r.state === 'active' || r.state === 'blocked';

export function draftPerson(ctx: EngineContext, person: CustomerId): PersonDraft {
  const now = ctx.now;
  const P = ctx.plannedId;
  const tz = ctx.planned.timeZone;
  const when = (t: number) => (Number.isFinite(t) ? formatLocal(t, tz) : t > 0 ? 'open-ended' : 'at once');
  // Units as staff know them; one at another property (a U3/U4 move across) names that property too.
  const place = (unitId: UnitId, spaceIds?: readonly SpaceId[], propertyId = P) =>
    ctx.names.describe({ propertyId, unitId, spaceIds }, { property: propertyId !== P });

  const windows = ctx.windows.get(person) ?? [];
  const regs = ctx.registrations.get(person) ?? [];
  const live = regs.filter(isLive);
  // S2: a lease no snapshot returns and no mirror holds keeps the access it gave.
  const unknownLeases = new Map<RegistrationId, LeaseId[]>();
  const unknownSupport = new Set<string>();
  for (const r of regs) {
    const unknown = r.leaseIds.filter((id) => !ctx.leases.has(id));
    if (unknown.length > 0) {
      unknownLeases.set(r.id, unknown);
      unknownSupport.add(unitKey(r));
    }
  }
  const view: PersonView = { windows, live, unknownSupport };
  const placement = placePerson(view, now);
  const current = placement.current;
  const homeKey = placement.home ? unitKey(placement.home) : null;

  const block = effectiveBlock(ctx, person, P);
  // K1/K2: blocked stays blocked; a block in effect applies to any live registration here, a move keeps it.
  const liveState: LiveState = block || live.some((r) => r.propertyId === P && r.state === 'blocked') ? 'blocked' : 'active';

  const here = regs.filter((r) => r.propertyId === P);
  const unitIds = new Set<UnitId>([...windows.filter((w) => w.propertyId === P).map((w) => w.unitId), ...here.map((r) => r.unitId)]);

  interface UnitDraft {
    unit: UnitRef;
    key: string;
    ws: LeaseWindow[];
    primary: Registration | null;
    extras: Registration[];
    desired: Desired;
  }
  const units: UnitDraft[] = [...unitIds].sort(cmp).map((unitId) => {
    const unit = { propertyId: P, unitId };
    const key = unitKey(unit);
    const ws = windows.filter((w) => w.propertyId === P && w.unitId === unitId);
    // B1: one registration per unit; the current home first, then live ones, then the lowest id.
    const atUnit = here
      .filter((r) => r.unitId === unitId)
      .sort((a, b) => Number(b.id === current?.id) - Number(a.id === current?.id) || Number(isLive(b)) - Number(isLive(a)) || cmp(a.id, b.id));
    const primary = atUnit[0] ?? null;
    let desired: Desired;
    if (key === homeKey) desired = { kind: 'live', state: liveState, role: 'home' };
    else if (primary && isLive(primary) && placement.overlap.has(primary.id)) desired = { kind: 'live', state: liveState, role: 'overlap' };
    else {
      const keepable = ws.some((w) => STARTING_STATUSES.has(w.status) && isNotClosedAt(w, now)) || unknownSupport.has(key);
      const creatable = ws.some((w) => w.canStart && isUpcomingAt(w, now));
      desired = (primary?.state === 'pending' && keepable) || creatable ? { kind: 'pending' } : { kind: 'none' };
    }
    return { unit, key, ws, primary, extras: atUnit.slice(1), desired };
  });

  const regActions: ResidentAction[] = [];
  const endings: EndingCandidate[] = [];
  const base = (rule: RuleId, leaseId: LeaseId | null, reason: string) => ({ rule, propertyId: P, customerId: person, leaseId, reason });

  /** Why a unit gives nothing any more: the window that closed last (closing with no date counts as now). */
  const closingCause = (u: UnitDraft): { rule: RuleId; leaseId: LeaseId | null; dueAt: Instant; text: string } => {
    const past = u.ws.filter((w) => !isUpcomingAt(w, now));
    const key = (w: LeaseWindow) => (w.closesAt === -Infinity ? now : w.closesAt);
    const w = [...past].sort((a, b) => key(b) - key(a) || cmp(a.leaseId, b.leaseId))[0];
    if (!w) {
      const inel = (ctx.ineligible.get(person) ?? []).find((e) => e.propertyId === P && ctx.leases.get(e.leaseId)?.lease.unitId === u.unit.unitId);
      return inel
        ? { rule: 'E1', leaseId: inel.leaseId, dueAt: now, text: `customer is a ${inel.type} on lease ${inel.leaseId}, not a primary or co-applicant` }
        : { rule: 'U6', leaseId: null, dueAt: now, text: 'no lease gives this unit any more' };
    }
    const dueAt = Number.isFinite(w.closesAt) && w.closesAt <= now ? w.closesAt : now;
    return { rule: w.closeRule, leaseId: w.leaseId, dueAt, text: closeText(w, when) };
  };

  /** Why a live registration ends: its unit closed, or the home went elsewhere (U3/U4/O4), or it duplicates (U1). */
  const endCause = (u: UnitDraft) => {
    if (!isUnitOpen(view, u.unit, now)) return { ...closingCause(u), closing: true };
    const moved = placement.rule === 'U3' || placement.rule === 'U4' || placement.rule === 'O4';
    return {
      rule: moved ? placement.rule : ('U1' as RuleId),
      leaseId: placement.leaseId,
      dueAt: placement.dueAt,
      text:
        moved && placement.home
          ? `home moved to ${place(placement.home.unitId, undefined, placement.home.propertyId)} (${placement.rule})`
          : 'the resident has one home unit (U1)',
      closing: false,
    };
  };

  const supportOf = (u: UnitDraft, kind: 'live' | 'pending') => {
    const unknown = u.primary ? (unknownLeases.get(u.primary.id) ?? []) : [];
    const ws = u.ws.filter((w) => isNotClosedAt(w, now) && (kind === 'live' || STARTING_STATUSES.has(w.status)));
    const leaseIds = uniqSorted([...ws.map((w) => w.leaseId), ...unknown]);
    const spaceIds = uniqSorted<SpaceId>([...ws.flatMap((w) => w.spaceIds), ...(unknown.length > 0 && u.primary ? u.primary.spaceIds : [])]);
    const endW = [...ws].sort((a, b) => b.closesAt - a.closesAt || cmp(a.leaseId, b.leaseId))[0];
    const startW = [...ws].sort((a, b) => a.opensAt - b.opensAt || cmp(a.leaseId, b.leaseId))[0];
    const computedEnd = endW && Number.isFinite(endW.closesAt) ? endW.closesAt : null;
    const computedStart = startW ? startW.opensAt : (u.primary?.accessStart ?? null);
    return {
      leaseIds,
      spaceIds,
      // S2: with an unknown lease behind it, the planned end is unknown too: keep what was recorded.
      accessEnd: unknown.length > 0 ? (u.primary?.accessEnd ?? null) : computedEnd,
      accessStart: computedStart,
      endRule: endW?.closeRule ?? ('W3' as RuleId),
      startRule: startW?.openRule ?? ('W2' as RuleId),
      endW,
      startW,
    };
  };

  // U3/U4/O4 within the property: the home registration moves to another unit; the key stays (P2).
  const homeUnit = units.find((u) => u.key === homeKey);
  const movingFrom =
    homeUnit && current && current.propertyId === P && unitKey(current) !== homeKey && (!homeUnit.primary || homeUnit.primary.state === 'pending')
      ? current
      : null;

  const liveUnits = new Set<string>();
  const pendingUnits = new Set<string>();

  for (const u of units) {
    const { primary, desired } = u;

    for (const extra of u.extras) {
      const text = `a second registration for ${place(u.unit.unitId)}: one registration per unit (B1)`;
      if (isLive(extra)) {
        const a = { kind: 'end' as const, ...base('B1', null, text), registrationId: extra.id, unitId: u.unit.unitId, dueAt: now };
        regActions.push(a);
        endings.push({ action: a, person, leaseIds: uniqSorted(extra.leaseIds), closing: false });
      } else regActions.push({ kind: 'withdraw', ...base('B1', null, text), registrationId: extra.id, unitId: u.unit.unitId, dueAt: now });
    }

    if (desired.kind === 'live') {
      liveUnits.add(u.key);
      const s = supportOf(u, 'live');
      const fields = { unitId: u.unit.unitId, spaceIds: s.spaceIds, leaseIds: s.leaseIds, accessStart: now, accessEnd: s.accessEnd, dueAt: placement.dueAt };
      if (desired.role === 'home' && movingFrom) {
        const rule = placement.rule;
        regActions.push({
          kind: 'move-home-unit',
          ...base(
            rule,
            placement.leaseId,
            `moves from ${place(movingFrom.unitId, movingFrom.spaceIds)} to ${place(u.unit.unitId, s.spaceIds)}: ${homeText(placement, windows, when)}; the key stays (P2)`,
          ),
          fromRegistrationId: movingFrom.id,
          fromUnitId: movingFrom.unitId,
          toRegistrationId: primary?.id ?? null,
          state: desired.state,
          ...fields,
        });
      } else if (!primary || primary.state === 'pending') {
        const rule = placement.rule;
        const text = `access starts in ${place(u.unit.unitId, s.spaceIds)}: ${homeText(placement, windows, when)}${desired.state === 'blocked' ? '; blocked (K1)' : ''}`;
        if (!primary) regActions.push({ kind: 'register', ...base(rule, placement.leaseId, text), state: desired.state, ...fields });
        else regActions.push({ kind: 'activate', ...base(rule, placement.leaseId, text), registrationId: primary.id, state: desired.state, ...fields });
      } else {
        if (primary.state === 'active' && desired.state === 'blocked') {
          regActions.push({
            kind: 'block',
            ...base(
              'K1',
              null,
              `blocked by a manager${block ? ` from ${when(block.from)}: "${block.message}"` : ''} (K1); the key stays but stops working (K2)`,
            ),
            registrationId: primary.id,
            unitId: u.unit.unitId,
            blockId: block?.id ?? null,
            dueAt: block ? block.from : now,
          });
        }
        pushUpdates(u.unit.unitId, primary, s, false);
      }
    } else if (desired.kind === 'pending') {
      pendingUnits.add(u.key);
      const s = supportOf(u, 'pending');
      if (primary && primary.state === 'pending') pushUpdates(u.unit.unitId, primary, s, true);
      else {
        if (primary && isLive(primary) && primary.id !== movingFrom?.id) pushEnd(u, primary);
        regActions.push({
          kind: 'register',
          ...base(
            s.startRule,
            s.startW?.leaseId ?? null,
            `pre-registered in ${place(u.unit.unitId, s.spaceIds)}: window opens ${when(s.accessStart ?? Infinity)} (${s.startRule})`,
          ),
          state: 'pending',
          unitId: u.unit.unitId,
          spaceIds: s.spaceIds,
          leaseIds: s.leaseIds,
          accessStart: s.accessStart,
          accessEnd: s.accessEnd,
          dueAt: now,
        });
      }
    } else if (primary) {
      if (primary.state === 'pending') {
        const c = closingCause(u);
        regActions.push({
          kind: 'withdraw',
          ...base(c.rule, c.leaseId, `pre-registration in ${place(u.unit.unitId, primary.spaceIds)} withdrawn quietly: ${c.text} (N5)`),
          registrationId: primary.id,
          unitId: u.unit.unitId,
          dueAt: c.dueAt,
        });
      } else if (primary.id !== movingFrom?.id) pushEnd(u, primary);
    }
  }

  function pushEnd(u: UnitDraft, r: Registration) {
    const c = endCause(u);
    const a = {
      kind: 'end' as const,
      ...base(c.rule, c.leaseId, `access in ${place(u.unit.unitId, r.spaceIds)} ends: ${c.text}`),
      registrationId: r.id,
      unitId: u.unit.unitId,
      dueAt: c.dueAt,
    };
    regActions.push(a);
    endings.push({ action: a, person, leaseIds: uniqSorted(r.leaseIds), closing: c.closing });
  }

  function pushUpdates(unitId: UnitId, r: Registration, s: ReturnType<typeof supportOf>, pending: boolean) {
    if (!sameList(r.leaseIds, s.leaseIds) || !sameList(r.spaceIds, s.spaceIds)) {
      regActions.push({
        kind: 'set-leases',
        ...base('B1', null, `covers leases ${s.leaseIds.join(', ') || 'none'} in ${place(unitId, s.spaceIds)} (B1)`),
        registrationId: r.id,
        unitId,
        leaseIds: s.leaseIds,
        spaceIds: s.spaceIds,
      });
    }
    const startChanged = pending && r.accessStart !== s.accessStart;
    if (r.accessEnd !== s.accessEnd || startChanged) {
      const rule = r.accessEnd !== s.accessEnd ? s.endRule : s.startRule;
      const leaseId = (r.accessEnd !== s.accessEnd ? s.endW : s.startW)?.leaseId ?? null;
      regActions.push({
        kind: 'set-window',
        ...base(rule, leaseId, `window ${pending ? `opens ${when(s.accessStart ?? Infinity)}, ` : ''}closes ${when(s.accessEnd ?? Infinity)} (${rule})`),
        registrationId: r.id,
        unitId,
        accessStart: pending ? s.accessStart : r.accessStart,
        accessEnd: s.accessEnd,
      });
    }
  }

  return { person, view, placement, live, here, regActions, endings, liveUnits, pendingUnits };
}

function homeText(p: Placement, windows: readonly LeaseWindow[], when: (t: number) => string): string {
  switch (p.rule) {
    case 'U3':
      return `transfer lease ${p.leaseId} opened ${when(transferOpenedAt(p, windows))} (U3)`;
    case 'U4':
      return `the home unit's window closed ${when(p.dueAt)}; lease ${p.leaseId} is the most recently started open window (U4)`;
    case 'U5':
      return `several open windows; lease ${p.leaseId} started most recently (U5)`;
    case 'O4':
      return `reassigned by a manager ${when(p.dueAt)} to lease ${p.leaseId} (O4)`;
    default:
      return `lease ${p.leaseId} window opened ${when(p.dueAt)} (${p.rule})`;
  }
}

/** When the transfer lease of a U3 placement opened, from the person's windows (the move may fall due later, U4). */
export function transferOpenedAt(p: Placement, windows: readonly LeaseWindow[]): Instant {
  return windows.find((w) => w.leaseId === p.leaseId)?.opensAt ?? p.dueAt;
}

function closeText(w: LeaseWindow, when: (t: number) => string): string {
  switch (w.closeRule) {
    case 'W1':
      return `lease ${w.leaseId} is an application, not signed (W1)`;
    case 'W5':
      return `lease ${w.leaseId} was cancelled (W5)`;
    case 'O3':
      return `a manager moved the resident out of lease ${w.leaseId} ${when(w.closesAt)} (O3)`;
    case 'O2':
      return `the late move-out date of lease ${w.leaseId} ended ${when(w.closesAt)} (O2)`;
    case 'W6':
      return `the customer's own ${w.statusFromCustomer ? `status (${w.status}) and ` : ''}move-out day ${w.closeDay ?? ''} on lease ${w.leaseId} ended ${when(w.closesAt)} (W6)`;
    case 'W4':
      return `lease ${w.leaseId} is Past; its window ${w.closeDay ? `closed ${when(w.closesAt)} after move-out day ${w.closeDay}` : 'closes at once (no move-out date)'} (W4)`;
    default:
      return `the move-out day ${w.closeDay ?? ''} of lease ${w.leaseId} ended ${when(w.closesAt)} (W3)`;
  }
}

function uniqSorted<T extends string>(xs: readonly T[]): T[] {
  return [...new Set(xs)].sort(cmp);
}

export function sameList(a: readonly string[], b: readonly string[]): boolean {
  const sa = [...a].sort(cmp);
  const sb = [...b].sort(cmp);
  return sa.length === sb.length && sa.every((x, i) => x === sb[i]);
}
