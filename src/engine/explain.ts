// F-11: why a resident has or lacks access, in plain English with rule ids, from the same inputs as plan().

import { buildContext, effectiveBlock, overrideKey, type EngineContext } from './context.ts';
import { cmp } from './identity.ts';
import { formatLocal } from './local-time.ts';
import { plan } from './plan.ts';
import { draftPerson, transferOpenedAt } from './registrations.ts';
import type { CustomerId, PlanInput, PropertyId, ResidentAction, SpaceId, UnitId } from './types.ts';
import { isOpenAt, isUpcomingAt, type LeaseWindow } from './windows.ts';

export function explain(input: PlanInput, customerId: CustomerId): string[] {
  const ctx = buildContext(input);
  const person = ctx.personOf(customerId);
  const now = ctx.now;
  const tzOf = (p: PropertyId) => ctx.properties.get(p)?.timeZone ?? 'UTC';
  const at = (t: number, p: PropertyId) => (t === Infinity ? 'never' : t === -Infinity ? 'at once' : `${formatLocal(t, tzOf(p))} (${tzOf(p)})`);
  // Places as staff know them (unit number, building, bedroom, property name); ids stay for leases and registrations.
  const where = (propertyId: PropertyId, unitId: UnitId, spaceIds?: readonly SpaceId[]) =>
    ctx.names.describe({ propertyId, unitId, spaceIds }, { property: true });
  const prop = (p: PropertyId) => ctx.names.property(p);
  const lines: string[] = [];

  const record = ctx.residents.get(person);
  const named = record ?? ctx.latestCustomer.get(person);
  const name = named ? `${named.firstName} ${named.lastName}` : 'unknown name';
  const links = record?.linkedCustomerIds.length ? `; manager-linked ids ${[...record.linkedCustomerIds].sort(cmp).join(', ')}` : '';
  lines.push(
    person === customerId
      ? `${name}: resident identified by Entrata customer id ${person}${links} (E3).`
      : `Customer id ${customerId} is linked by a manager to resident ${person} (${name}) (E3).`,
  );
  lines.push(`As of ${at(now, ctx.plannedId)}.`);

  const windows = ctx.windows.get(person) ?? [];
  const ineligible = ctx.ineligible.get(person) ?? [];
  if (windows.length === 0 && ineligible.length === 0) lines.push('No lease of any enabled property names this resident.');
  for (const e of ineligible) {
    const unitId = ctx.leases.get(e.leaseId)?.lease.unitId;
    lines.push(
      `Lease ${e.leaseId} (${unitId ? where(e.propertyId, unitId) : prop(e.propertyId)}): customer ${e.customerId} is a ${e.type}: never registered, never notified (E1).`,
    );
  }
  for (const w of windows) lines.push(windowLine(ctx, w, at, where));

  const { placement, live } = draftPerson(ctx, person);
  if (placement.home) {
    const h = placement.home;
    const why: Record<string, string> = {
      U2: 'stays where registered while that window is open (U2)',
      U3: `transfer: lease ${placement.leaseId} opened ${at(transferOpenedAt(placement, windows), h.propertyId)} (U3)`,
      U4: `the previous home's window closed; lease ${placement.leaseId} is the most recently started open window (U4)`,
      U5: `several windows are open; lease ${placement.leaseId} started most recently (U5)`,
      O4: `reassigned by a manager at ${at(placement.dueAt, h.propertyId)} to lease ${placement.leaseId}; holds until that lease's window closes (O4)`,
    };
    lines.push(`Home unit: ${where(h.propertyId, h.unitId)}: ${why[placement.rule] ?? `lease ${placement.leaseId} window is open (${placement.rule})`}.`);
  } else {
    lines.push('No home unit: no window of this resident is open at any enabled property (U6).');
  }
  for (const id of [...placement.overlap].sort(cmp)) {
    const r = live.find((x) => x.id === id);
    if (r)
      lines.push(
        `Registration ${r.id} (${where(r.propertyId, r.unitId, r.spaceIds)}) stays active until the old lease's window closes: cross-property transfer overlap (U3).`,
      );
  }

  const allRegs = input.registry.registrations.filter((r) => ctx.personOf(r.customerId) === person).sort((a, b) => cmp(a.id, b.id));
  for (const r of allRegs) {
    const window = `${r.accessStart != null ? `from ${at(r.accessStart, r.propertyId)}` : ''}${r.accessEnd != null ? ` until ${at(r.accessEnd, r.propertyId)}` : r.state === 'ended' ? '' : ', open-ended'}`;
    lines.push(
      `Registration ${r.id}: ${r.state} in ${where(r.propertyId, r.unitId, [...r.spaceIds].sort(cmp))} (leases ${[...r.leaseIds].sort(cmp).join(', ') || 'none'}) ${window}.`.replace(
        / \./,
        '.',
      ),
    );
  }

  for (const b of ctx.blocks.filter((x) => ctx.personOf(x.customerId) === person)) {
    if (b.liftedAt != null && b.liftedAt <= now) lines.push(`Block ${b.id} at ${prop(b.propertyId)} was lifted at ${at(b.liftedAt, b.propertyId)} (K3).`);
    else if (b.from > now) lines.push(`Block ${b.id} at ${prop(b.propertyId)} takes effect at ${at(b.from, b.propertyId)}: "${b.message}" (K1).`);
    else if (effectiveBlock(ctx, person, b.propertyId)?.id === b.id) {
      lines.push(
        `Blocked at ${prop(b.propertyId)} since ${at(b.from, b.propertyId)}: "${b.message}". The registration and key are kept but the key does not work (K1, K2).`,
      );
    }
  }
  for (const h of [...input.registry.holds].sort((a, b) => cmp(a.id, b.id))) {
    for (const e of [...h.endings].filter((x) => ctx.personOf(x.customerId) === person).sort((a, b) => cmp(a.registrationId, b.registrationId))) {
      lines.push(`The end of registration ${e.registrationId} (${e.rule}) is held in hold ${h.id} at ${prop(h.propertyId)}, waiting for approval (S3).`);
    }
  }
  for (const k of input.registry.keys.filter((x) => ctx.personOf(x.customerId) === person).sort((a, b) => cmp(a.keyId, b.keyId))) {
    lines.push(`Key ${k.keyId} at ${prop(k.propertyId)}: ${k.revoked ? 'revoked' : 'current'} (P1).`);
  }

  const result = plan(input);
  const mine = result.actions.filter((a): a is ResidentAction => a.kind !== 'hold' && a.kind !== 'release-hold' && ctx.personOf(a.customerId) === person);
  const held = result.actions.flatMap((a) => (a.kind === 'hold' ? a.endings.filter((e) => ctx.personOf(e.customerId) === person) : []));
  if (mine.length === 0 && held.length === 0) lines.push(`A sync of ${prop(ctx.plannedId)} now changes nothing for this resident.`);
  for (const a of mine) lines.push(`A sync of ${prop(ctx.plannedId)} now would: ${a.kind} [${a.rule}${a.leaseId ? `, lease ${a.leaseId}` : ''}]: ${a.reason}.`);
  for (const e of held) lines.push(`A sync now would hold the end of registration ${e.registrationId} for approval (S3).`);

  const next = windows
    .flatMap((w) => (w.opensAt < w.closesAt ? [w.opensAt, w.closesAt] : []))
    .filter((t) => Number.isFinite(t) && t > now)
    .sort((a, b) => a - b)[0];
  if (next !== undefined) lines.push(`Next change of a window: ${at(next, ctx.plannedId)} (W9).`);
  return lines;
}

function windowLine(
  ctx: EngineContext,
  w: LeaseWindow,
  at: (t: number, p: PropertyId) => string,
  where: (p: PropertyId, u: UnitId, s: readonly SpaceId[]) => string,
): string {
  const now = ctx.now;
  const p = ctx.properties.get(w.propertyId);
  const source =
    w.source === 'missing'
      ? '; missing in Entrata, last known version kept (S2)'
      : w.source === 'quarantined'
        ? '; quarantined, last good version kept (S4)'
        : '';
  const status = `status ${w.status}${w.statusFromCustomer ? " (the customer's own status, W6)" : ''}${source}`;
  const transfer = w.isTransfer || w.parentLeaseId ? ` (transfer${w.parentLeaseId ? ` from lease ${w.parentLeaseId}` : ''})` : '';
  const head = `Lease ${w.leaseId}, ${where(w.propertyId, w.unitId, w.spaceIds)}${transfer}: ${status}.`;
  if (w.openRule === 'W1') return `${head} Not signed yet: no window (W1).`;
  if (w.openRule === 'W5') return `${head} Cancelled: the window never opens (W5).`;
  const early = p && p.policy.earlyMoveInDays > 0 ? `, ${p.policy.earlyMoveInDays} early day(s) allowed` : '';
  const late = p && p.policy.lateMoveOutDays > 0 ? `, ${p.policy.lateMoveOutDays} late day(s) allowed` : '';
  const opens = `opens ${at(w.opensAt, w.propertyId)} (move-in day ${w.moveIn}${early}; ${w.openRule})`;
  const closes =
    w.closesAt === Infinity
      ? 'stays open: no move-out date (W3)'
      : `closes ${at(w.closesAt, w.propertyId)} (${w.closeDay ? `move-out day ${w.closeDay}${late}; ` : ''}${w.closeRule})`;
  const o = ctx.overrides.get(overrideKey(w.leaseId, w.personId));
  const overrides = o
    ? [
        o.earlyStartAt != null ? `early start ${at(o.earlyStartAt, w.propertyId)} (O1)` : null,
        o.moveInNowAt != null ? `moved in now at ${at(o.moveInNowAt, w.propertyId)} (O3)` : null,
        o.transferNowAt != null ? `transferred now at ${at(o.transferNowAt, w.propertyId)} (O3)` : null,
        o.lateEndAt != null ? `late end ${at(o.lateEndAt, w.propertyId)} (O2)` : null,
        o.moveOutNowAt != null ? `moved out now at ${at(o.moveOutNowAt, w.propertyId)} (O3)` : null,
        o.pinnedAt != null ? `reassigned here at ${at(o.pinnedAt, w.propertyId)} (O4)` : null,
      ].filter((x): x is string => x != null)
    : [];
  const state = isOpenAt(w, now)
    ? w.canStart
      ? 'open now'
      : `open now, but it can only keep access that exists (${w.source === 'missing' ? 'S2' : 'W4'})`
    : isUpcomingAt(w, now)
      ? 'not open yet'
      : w.opensAt >= w.closesAt
        ? w.status === 'past'
          ? 'a Past lease seen closed: opens nothing (W4)'
          : 'empty: it closes before it opens'
        : 'closed';
  return `${head} Window ${opens}, ${closes}${overrides.length ? `; manager overrides: ${overrides.join(', ')}` : ''}. Now: ${state}.`;
}
