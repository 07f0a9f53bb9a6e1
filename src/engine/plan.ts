// plan(): desired state against current state for one property, as a list of actions that each cite a rule.
// Pure: everything, `now` included, comes in through PlanInput.

import type { SnapshotCustomer } from './snapshot.ts';
import { buildContext, personPropertyKey, type EngineContext } from './context.ts';
import { decideHold, isUnexpectedEnding } from './holds.ts';
import { unitKey } from './home-unit.ts';
import { cmp } from './identity.ts';
import { draftPerson, isLive, sameList, type PersonDraft } from './registrations.ts';
import type { Action, CustomerId, Instant, LeaseId, Plan, PlanInput, PlanWarning, RegistrationId, ResidentAction, RuleId } from './types.ts';

export function plan(input: PlanInput): Plan {
  const ctx = buildContext(input);
  const persons = relevantPersons(ctx);
  const drafts = persons.map((p) => draftPerson(ctx, p));

  const activeResidents = drafts.filter((d) => d.live.some((r) => r.propertyId === ctx.plannedId)).length;
  const byPerson = new Map(drafts.map((d) => [d.person, d]));
  const decision = decideHold(
    ctx,
    drafts.flatMap((d) => d.endings),
    (c) => isUnexpectedEnding(ctx, c.person, { propertyId: ctx.plannedId, unitId: c.action.unitId }, byPerson.get(c.person)!.view.windows),
    activeResidents,
    ctx.releaseHold,
  );

  const release = decision.actions.filter((a) => a.kind === 'release-hold');
  const holds = decision.actions.filter((a) => a.kind === 'hold');
  const actions: Action[] = [...release, ...drafts.flatMap((d) => finishPerson(ctx, d, decision.frozen)), ...holds];

  return {
    actions,
    nextTransitionAt: nextTransition(ctx, persons),
    warnings: warningsFor(ctx, drafts),
  };
}

/** Everyone plan() must look at for the planned property: a window there, a registration there, or a live key there. */
function relevantPersons(ctx: EngineContext): CustomerId[] {
  const set = new Set<CustomerId>();
  for (const [person, ws] of ctx.windows) if (ws.some((w) => w.propertyId === ctx.plannedId)) set.add(person);
  for (const [person, regs] of ctx.registrations) if (regs.some((r) => r.propertyId === ctx.plannedId)) set.add(person);
  for (const k of ctx.keys.values()) if (k.propertyId === ctx.plannedId) set.add(ctx.personOf(k.customerId));
  return [...set].sort(cmp);
}

// ───────────────────────────── keys, notifications, resident record ─────────────────────────────

const KIND_ORDER: Record<ResidentAction['kind'], number> = {
  'upsert-resident': 0,
  withdraw: 1,
  end: 2,
  'move-home-unit': 3,
  register: 4,
  activate: 5,
  'set-leases': 6,
  'set-window': 7,
  block: 8,
  'revoke-key': 9,
  'issue-key': 10,
  notify: 11,
};

function finishPerson(ctx: EngineContext, d: PersonDraft, frozen: ReadonlySet<RegistrationId>): ResidentAction[] {
  const P = ctx.plannedId;
  const policy = ctx.planned.policy;
  const person = d.person;
  // S3: a held registration is left exactly as it is, and so is anything else planned for its unit.
  const frozenHere = d.here.filter((r) => frozen.has(r.id));
  const frozenUnits = new Set(frozenHere.map((r) => r.unitId as string));
  const touches = (a: ResidentAction): string[] => (a.kind === 'move-home-unit' ? [a.unitId, a.fromUnitId] : 'unitId' in a ? [a.unitId] : []);
  const regActions = d.regActions
    .filter((a) => !touches(a).some((u) => frozenUnits.has(u)))
    .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || cmp(touches(a)[0] ?? '', touches(b)[0] ?? ''));

  const liveAfter = [...d.liveUnits].filter((k) => !frozenHere.some((r) => unitKey(r) === k)).length + frozenHere.filter(isLive).length;
  const pendingAfter = d.pendingUnits.size;
  const hadLiveHere = d.live.some((r) => r.propertyId === P);
  const liveElsewhere = d.live.some((r) => r.propertyId !== P);
  const key = ctx.keys.get(personPropertyKey(person, P));
  const base = (rule: RuleId, leaseId: LeaseId | null, reason: string) => ({ rule, propertyId: P, customerId: person, leaseId, reason });
  const out: ResidentAction[] = [];

  // A resident with access needs a record: from Entrata's fresh data, else (no record yet) from a kept version.
  const entrata = ctx.latestCustomer.get(person) ?? (ctx.residents.has(person) ? undefined : ctx.keptCustomer.get(person));
  const record = ctx.residents.get(person);
  if ((liveAfter > 0 || pendingAfter > 0) && entrata && !sameResident(record, entrata)) {
    out.push({
      kind: 'upsert-resident',
      ...base(
        record ? 'E2' : 'E3',
        null,
        record ? 'name or contact details changed in Entrata (E2)' : `new resident, identified by Entrata customer id ${person} (E3)`,
      ),
      firstName: entrata.firstName,
      lastName: entrata.lastName,
      email: entrata.email,
      mobile: entrata.mobile,
      contactProblems: [...entrata.contactProblems].sort(cmp),
    });
  }
  out.push(...regActions);

  const needsKey = liveAfter > 0;
  if (!needsKey && key) {
    out.push({ kind: 'revoke-key', ...base('U6', null, 'no access at this property any more: the key is revoked (U6)'), keyId: key.keyId });
  }
  if (needsKey && !key) {
    out.push({
      kind: 'issue-key',
      ...base(
        liveElsewhere ? 'P2' : 'P1',
        d.placement.leaseId,
        liveElsewhere ? 'moving from another property: a new key for this property (P2)' : 'a key for this property network (P1)',
      ),
    });
  }

  const start = regActions.find((a) => (a.kind === 'register' || a.kind === 'activate') && a.state === 'active');
  if (start && 'unitId' in start && !hadLiveHere && !(policy.isFirstSync && !policy.firstWelcome)) {
    const notification = liveElsewhere ? 'new-key' : 'welcome';
    const rule: RuleId = liveElsewhere ? 'N2' : policy.isFirstSync ? 'N6' : 'N1';
    out.push({
      kind: 'notify',
      ...base(rule, start.leaseId, notification === 'new-key' ? `new key for this property queued (${rule})` : `welcome with network and key queued (${rule})`),
      notification,
      unitId: start.unitId,
    });
  }
  return out;
}

function sameResident(
  r: { firstName: string; lastName: string; email: string | null; mobile: string | null; contactProblems: readonly string[] } | undefined,
  c: SnapshotCustomer,
): boolean {
  return (
    !!r &&
    r.firstName === c.firstName &&
    r.lastName === c.lastName &&
    r.email === c.email &&
    r.mobile === c.mobile &&
    sameList([...r.contactProblems].sort(cmp), [...c.contactProblems].sort(cmp))
  );
}

// ───────────────────────────── W9, warnings ─────────────────────────────

/** W9: the earliest future instant at which any relevant window opens or closes, a block starts or a pin applies. */
function nextTransition(ctx: EngineContext, persons: readonly CustomerId[]): Instant | null {
  let next = Infinity;
  const consider = (t: number | null) => {
    if (t != null && Number.isFinite(t) && t > ctx.now && t < next) next = t;
  };
  for (const person of persons) {
    for (const w of ctx.windows.get(person) ?? []) {
      if (w.opensAt < w.closesAt) {
        consider(w.opensAt);
        consider(w.closesAt);
      }
      consider(w.pinnedAt);
    }
  }
  // K1: a block scheduled for later takes effect then, unless it is lifted before it starts.
  for (const b of ctx.blocks) if (b.propertyId === ctx.plannedId && (b.liftedAt == null || b.liftedAt > b.from)) consider(b.from);
  return Number.isFinite(next) ? next : null;
}

function warningsFor(ctx: EngineContext, drafts: readonly PersonDraft[]): PlanWarning[] {
  const P = ctx.plannedId;
  const out: PlanWarning[] = [];
  const w = (x: Omit<PlanWarning, 'propertyId'>) => out.push({ propertyId: P, ...x });
  for (const l of [...ctx.planned.missingLeases].sort((a, b) => cmp(a.id, b.id))) {
    if (ctx.leases.get(l.id)?.source !== 'missing') continue;
    w({
      code: 'missing-in-entrata',
      rule: 'S2',
      customerId: null,
      leaseId: l.id,
      unitId: l.unitId,
      message: `lease ${l.id} is missing in Entrata: it keeps the access it gave until a manager confirms (S2)`,
    });
  }
  for (const q of [...ctx.planned.snapshot.quarantined].sort((a, b) => cmp(a.leaseId, b.leaseId))) {
    const inEffect = ctx.leases.get(q.leaseId)?.source === 'quarantined';
    w({
      code: 'quarantined',
      rule: 'S4',
      customerId: null,
      leaseId: q.leaseId,
      unitId: null,
      message: `lease ${q.leaseId} could not be understood (${q.reason}): ${inEffect ? 'its last good version stays in effect' : 'no good version is known'} (S4)`,
    });
  }
  const knownUnits = new Set(ctx.planned.snapshot.units.map((u) => u.id));
  for (const d of drafts) {
    for (const r of d.here) {
      for (const id of r.leaseIds.filter((id) => !ctx.leases.has(id))) {
        w({
          code: 'unknown-lease',
          rule: 'S2',
          customerId: d.person,
          leaseId: id,
          unitId: r.unitId,
          message: `registration ${r.id} rests on lease ${id}, which Entrata no longer returns: access is kept (S2)`,
        });
      }
      if (isLive(r) && knownUnits.size > 0 && !knownUnits.has(r.unitId)) {
        w({
          code: 'unit-missing',
          rule: 'S5',
          customerId: d.person,
          leaseId: null,
          unitId: r.unitId,
          message: `${ctx.names.describe({ propertyId: P, unitId: r.unitId })} is no longer in Entrata; a manager must confirm before it is removed (S5)`,
        });
      }
    }
    const c = ctx.latestCustomer.get(d.person);
    if ((d.liveUnits.size > 0 || d.pendingUnits.size > 0) && c && !c.email && !c.mobile) {
      w({
        code: 'no-contact',
        rule: 'E2',
        customerId: d.person,
        leaseId: null,
        unitId: null,
        message: `no e-mail and no mobile in Entrata: registered anyway; fix the contact in Entrata (E2)`,
      });
    }
  }
  return out;
}
