// One test per N, O, K and S rule: notifications, manager overrides, blocks, sync safety.
import { describe, expect, it } from 'vitest';
import { applyToState } from '../../src/engine/apply-to-state.ts';
import { plan } from '../../src/engine/plan.ts';
import { asRegistrationId, RULE_IDS, type Action, type RegistryState } from '../../src/engine/types.ts';
import { at, block, cid, customer, day, input, kinds, lease, live, ofKind, override, pid, property, sync, uid, syncAll, type World } from './builders.ts';

const C1 = () => [customer('C1')];

describe('N: notifications', () => {
  // By which channels (e-mail, and SMS when the property has it on and the resident a mobile) is chosen when it is sent: test/notifications/channels.test.ts.
  it('N1: access starting queues a welcome for every resident of the lease, with or without a mobile; a pending registration sends nothing', () => {
    const l = lease('L1', { status: 'future', moveIn: '2025-08-15', customers: [customer('C1'), customer('C2', { type: 'co-applicant', mobile: null })] });
    const w: World = { properties: [property('P1', { leases: [l] })] };
    const pre = sync(w, at('2025-08-01'));
    expect(ofKind(pre.plan, 'notify')).toEqual([]);
    const p = plan(input({ ...w, registry: pre.registry }, at('2025-08-15')));
    expect(ofKind(p, 'notify').map((a) => [a.customerId, a.notification, a.rule, a.unitId])).toEqual([
      ['C1', 'welcome', 'N1', 'U101'],
      ['C2', 'welcome', 'N1', 'U101'],
    ]);
    // The plan queues the welcome; the delivery states say when it is sent.
    expect(ofKind(p, 'notify').map((a) => a.reason)).toEqual(['welcome with network and key queued (N1)', 'welcome with network and key queued (N1)']);
  });

  it('N2: a move to another property sends the new key for that property', () => {
    const p1 = property('P1', { leases: [lease('L1', { unit: 'U1', status: 'notice', moveIn: '2025-01-10', leaseEnd: '2025-12-31', customers: C1() })] });
    const p2 = property('P2', { leases: [lease('L2', { unit: 'U7', moveIn: '2025-12-15', parent: 'L1', customers: C1() })] });
    const { registry } = syncAll({ properties: [p1, p2] }, at('2025-12-01'));
    const p = plan(input({ planned: 'P2', properties: [p1, p2], registry }, at('2025-12-15')));
    expect(ofKind(p, 'notify')).toEqual([
      expect.objectContaining({
        notification: 'new-key',
        rule: 'N2',
        customerId: 'C1',
        propertyId: 'P2',
        unitId: 'U7',
        reason: 'new key for this property queued (N2)',
      }),
    ]);
  });

  it('N5: a withdrawn pre-registration and a sync that changes nothing send nothing', () => {
    const w: World = { properties: [property('P1', { leases: [lease('L1', { customers: C1() })] })] };
    const s1 = sync(w, at('2025-09-01'));
    expect(plan(input({ ...w, registry: s1.registry }, at('2025-09-01 00:30'))).actions).toEqual([]);
    const pre = sync(
      { properties: [property('P1', { leases: [lease('L2', { status: 'future', moveIn: '2025-10-01', customers: [customer('C2')] })] })] },
      at('2025-09-01'),
    );
    const withdrawn = plan(
      input(
        {
          properties: [property('P1', { leases: [lease('L2', { status: 'cancelled', moveIn: '2025-10-01', customers: [customer('C2')] })] })],
          registry: pre.registry,
        },
        at('2025-09-02'),
      ),
    );
    expect(kinds(withdrawn)).toEqual(['withdraw']);
  });

  it('N6: the first sync of a new property registers current residents and sends their keys, unless the property suppresses first welcomes', () => {
    const leases = [lease('L1', { customers: C1() })];
    const welcomed = plan(input({ properties: [property('P1', { leases, policy: { isFirstSync: true, firstWelcome: true } })] }, at('2025-09-01')));
    expect(ofKind(welcomed, 'notify')).toEqual([expect.objectContaining({ notification: 'welcome', rule: 'N6' })]);
    const quiet = plan(input({ properties: [property('P1', { leases, policy: { isFirstSync: true, firstWelcome: false } })] }, at('2025-09-01')));
    expect(kinds(quiet)).toEqual(['upsert-resident', 'register', 'issue-key']);
  });
});

describe('O: manager overrides', () => {
  it('O1: access starts at the earlier of the property allowance and the per-lease early date', () => {
    const leases = [
      lease('L1', { status: 'future', moveIn: '2025-08-15', customers: C1() }),
      lease('L2', { unit: 'U2', status: 'future', moveIn: '2025-08-15', customers: [customer('C2')] }),
    ];
    const w: World = {
      properties: [property('P1', { leases, policy: { earlyMoveInDays: 2 } })],
      overrides: [override('L1', 'C1', { earlyStartAt: at('2025-08-10 09:00') }), override('L2', 'C2', { earlyStartAt: at('2025-08-14 09:00') })],
    };
    const p = plan(input(w, at('2025-08-01')));
    expect(ofKind(p, 'register').map((a) => [a.customerId, a.accessStart, a.rule])).toEqual([
      ['C1', at('2025-08-10 09:00'), 'O1'],
      ['C2', at('2025-08-13'), 'O1'],
    ]);
  });

  it('O2: access ends at the later of the property allowance and the per-lease late date', () => {
    const leases = [lease('L1', { moveOut: '2025-12-31', customers: C1() }), lease('L2', { unit: 'U2', moveOut: '2025-12-31', customers: [customer('C2')] })];
    const w: World = {
      properties: [property('P1', { leases, policy: { lateMoveOutDays: 1 } })],
      overrides: [override('L1', 'C1', { lateEndAt: at('2026-01-05 12:00') }), override('L2', 'C2', { lateEndAt: at('2025-12-31 12:00') })],
    };
    const s = sync(w, at('2025-09-01'));
    expect(ofKind(s.plan, 'register').map((a) => [a.customerId, a.accessEnd])).toEqual([
      ['C1', at('2026-01-05 12:00')],
      ['C2', at('2026-01-02')],
    ]);
    expect(ofKind(plan(input({ ...w, registry: s.registry }, at('2026-01-05 12:00'))), 'end').map((a) => [a.customerId, a.rule])).toEqual([
      ['C1', 'O2'],
      ['C2', 'W3'],
    ]);
  });

  it('O3: "move in now", "move out now" and "transfer now" take effect at once and later syncs respect them', () => {
    const t = at('2025-08-05 14:00');
    const moveIn: World = {
      properties: [property('P1', { leases: [lease('L1', { status: 'future', moveIn: '2025-08-15', customers: C1() })] })],
      overrides: [override('L1', 'C1', { moveInNowAt: t })],
    };
    expect(ofKind(plan(input(moveIn, t)), 'register')[0]).toMatchObject({ state: 'active', rule: 'O3', dueAt: t });

    // Move out now ends that lease; a later, different lease opens access again.
    const leases = [
      lease('L1', { unit: 'U1', moveIn: '2025-01-10', customers: C1() }),
      lease('L2', { unit: 'U2', status: 'future', moveIn: '2025-09-01', customers: C1() }),
    ];
    const out: World = { properties: [property('P1', { leases })], overrides: [override('L1', 'C1', { moveOutNowAt: t })] };
    const before = sync({ properties: out.properties }, at('2025-08-01')).registry;
    const s = sync({ ...out, registry: before }, t);
    expect(s.plan.actions.map((a) => [a.kind, a.rule])).toEqual([
      ['end', 'O3'],
      ['revoke-key', 'U6'],
    ]);
    expect(sync({ ...out, registry: s.registry }, at('2025-08-20')).plan.actions).toEqual([]);
    expect(ofKind(sync({ ...out, registry: s.registry }, at('2025-09-01')).plan, 'activate')).toHaveLength(1);

    // Transfer now: the pending transfer lease opens now, and U3 moves the registration.
    const tr: World = {
      properties: [
        property('P1', {
          leases: [
            lease('L1', { unit: 'U1', status: 'notice', moveIn: '2025-01-10', leaseEnd: '2025-12-31', customers: C1() }),
            lease('L3', { unit: 'U3', status: 'future', moveIn: '2025-10-01', parent: 'L1', customers: C1() }),
          ],
        }),
      ],
    };
    const reg = sync(tr, at('2025-08-01')).registry;
    const moved = plan(input({ ...tr, registry: reg, overrides: [override('L3', 'C1', { transferNowAt: t })] }, t));
    expect(ofKind(moved, 'move-home-unit')).toEqual([expect.objectContaining({ rule: 'U3', unitId: 'U3', dueAt: t })]);
  });

  it('O4: a manager reassigns a resident with several open windows: the previous registration ends at once and the choice holds until that lease closes', () => {
    const leases = [
      lease('L1', { unit: 'U1', moveIn: '2025-08-01', moveOut: '2026-05-31', customers: C1() }),
      lease('L2', { unit: 'U2', moveIn: '2025-08-20', moveOut: '2026-01-31', customers: C1() }),
    ];
    const w: World = { properties: [property('P1', { leases })] };
    const s1 = sync(w, at('2025-09-01'));
    expect(live(s1.registry, 'C1').map((r) => r.unitId)).toEqual(['U2']);
    const pinned: World = { ...w, overrides: [override('L1', 'C1', { pinnedAt: at('2025-09-10 11:00') })] };
    const s2 = sync({ ...pinned, registry: s1.registry }, at('2025-09-10 11:00'));
    expect(ofKind(s2.plan, 'move-home-unit')).toEqual([expect.objectContaining({ rule: 'O4', fromUnitId: 'U2', unitId: 'U1', leaseId: 'L1' })]);
    expect(sync({ ...pinned, registry: s2.registry }, at('2025-12-01')).plan.actions).toEqual([]);
    // When the pinned lease closes, the U rules apply again (U4: the other window is gone too, so U6).
    expect(sync({ ...pinned, registry: s2.registry }, at('2026-06-01')).plan.actions.map((a) => a.kind)).toEqual(['end', 'revoke-key']);
  });
});

describe('K: blocks', () => {
  const w: World = { properties: [property('P1', { leases: [lease('L1', { moveOut: '2025-12-31', customers: C1() })] })] };
  const active = () => sync(w, at('2025-09-01')).registry;
  const withBlock = (r: RegistryState, b: ReturnType<typeof block>): RegistryState => ({ ...r, blocks: [b] });

  it('K1: a block scheduled for a later moment takes effect at that moment and no sync restores access', () => {
    const from = at('2025-10-01 09:00');
    const registry = withBlock(active(), block('B1', 'C1', from));
    const early = plan(input({ ...w, registry }, at('2025-09-20')));
    expect(early.actions).toEqual([]);
    expect(early.nextTransitionAt).toBe(from);
    const s = sync({ ...w, registry }, from);
    expect(s.plan.actions).toEqual([expect.objectContaining({ kind: 'block', rule: 'K1', blockId: 'B1', dueAt: from })]);
    expect(s.registry.registrations[0]?.state).toBe('blocked');
    expect(plan(input({ ...w, registry: s.registry }, at('2025-11-01'))).actions).toEqual([]);
  });

  it('K2: a blocked registration keeps its key, and a move-out while blocked still ends it', () => {
    const blocked = applyToState(withBlock(active(), block('B1', 'C1', at('2025-09-02'))), [
      {
        kind: 'block',
        rule: 'K1',
        propertyId: pid('P1'),
        customerId: cid('C1'),
        leaseId: null,
        reason: 'blocked by a manager (K1)',
        registrationId: asRegistrationId('applied-reg-1'),
        unitId: uid('U101'),
        blockId: null,
        dueAt: 0,
      },
    ]);
    expect(plan(input({ ...w, registry: blocked }, at('2025-12-31 12:00'))).actions).toEqual([]);
    const p = plan(input({ ...w, registry: blocked }, at('2026-01-01')));
    expect(p.actions.map((a) => [a.kind, a.rule])).toEqual([
      ['end', 'W3'],
      ['revoke-key', 'U6'],
    ]);
  });

  it('K3: once a manager lifts the block the registration is active again and syncs leave it active while the window is open', () => {
    const lifted = withBlock(active(), block('B1', 'C1', at('2025-09-02'), { liftedAt: at('2025-09-05') }));
    expect(lifted.registrations[0]?.state).toBe('active');
    expect(plan(input({ ...w, registry: lifted }, at('2025-09-06'))).actions).toEqual([]);
  });
});

describe('S: sync safety', () => {
  it('S2: a lease missing from Entrata keeps the access it gave; a pending registration that rests only on a missing lease does not activate', () => {
    const l1 = lease('L1', { customers: C1() });
    const l2 = lease('L2', { unit: 'U2', status: 'future', moveIn: '2025-10-01', customers: [customer('C2')] });
    const s = sync({ properties: [property('P1', { leases: [l1, l2] })] }, at('2025-09-01'));
    const missing: World = { properties: [property('P1', { leases: [], missing: [l1, l2] })], registry: s.registry };
    const p = plan(input(missing, at('2025-10-02')));
    expect(p.actions).toEqual([]);
    expect(p.warnings.filter((x) => x.code === 'missing-in-entrata').map((x) => [x.leaseId, x.rule])).toEqual([
      ['L1', 'S2'],
      ['L2', 'S2'],
    ]);
    // Not even mirrored: still not a move-out.
    const gone = plan(input({ properties: [property('P1', { leases: [] })], registry: s.registry }, at('2025-10-02')));
    expect(gone.actions).toEqual([]);
    expect(gone.warnings.map((x) => x.code)).toContain('unknown-lease');
  });

  it('S4: a resident whose only lease is a quarantined one (its last good version) gets a record with the access it gives; a kept version never overwrites a record', () => {
    const l1 = lease('L1', { customers: [customer('C1', { email: 'kept@example.com' })] });
    const p = plan(input({ properties: [property('P1', { leases: [], quarantined: [l1] })] }, at('2025-09-01')));
    expect(ofKind(p, 'upsert-resident').map((a) => [a.customerId, a.rule, a.email])).toEqual([['C1', 'E3', 'kept@example.com']]);
    expect(ofKind(p, 'register').map((a) => a.customerId)).toEqual(['C1']);
    // Once the record exists, a kept version with other contacts does not change it (only fresh Entrata data does).
    const registry = applyToState({ residents: [], registrations: [], keys: [], blocks: [], holds: [] }, p.actions);
    const changed = lease('L1', { customers: [customer('C1', { email: 'old@example.com' })] });
    expect(
      ofKind(plan(input({ properties: [property('P1', { leases: [], quarantined: [changed] })], registry }, at('2025-09-02'))), 'upsert-resident'),
    ).toEqual([]);
  });

  const tenants = (n: number) =>
    Array.from({ length: n }, (_, i) => lease(`L${i + 10}`, { unit: `U${i + 10}`, moveIn: '2025-01-10', customers: [customer(`C${i + 10}`)] }));

  it('S3: unexpected mass endings are held for approval, scheduled move-outs are not; later syncs add to the open hold; approval applies them', () => {
    const before = tenants(20);
    const w: World = { properties: [property('P1', { leases: before })] };
    const registry = sync(w, at('2025-09-01')).registry;
    // Six leases flip to Past with a move-out date in the past that the previous snapshot did not have,
    // and one had a move-out scheduled for yesterday already.
    const flipped = before.map((l, i) => (i < 6 ? { ...l, status: 'past' as const, moveOut: day('2025-09-01') } : l));
    const scheduledBefore = before.map((l, i) => (i === 19 ? { ...l, moveOut: day('2025-09-09') } : l));
    const now = at('2025-09-10 08:00');
    const next: World = {
      properties: [property('P1', { leases: flipped.map((l, i) => (i === 19 ? scheduledBefore[19]! : l)) })],
      previous: property('P1', { leases: scheduledBefore }).snapshot,
      registry,
    };
    const p = plan(input(next, now));
    const hold = ofKind(p, 'hold');
    expect(hold).toHaveLength(1);
    expect(hold[0]).toMatchObject({ rule: 'S3', existingHoldId: null, activeResidents: 20, unexpectedResidents: 6 });
    expect(hold[0]!.endings.map((e) => [e.customerId, e.rule])).toEqual(['C10', 'C11', 'C12', 'C13', 'C14', 'C15'].map((c) => [c, 'W4']));
    expect(ofKind(p, 'end').map((a) => a.customerId)).toEqual(['C29']);
    expect(ofKind(p, 'revoke-key').map((a) => a.customerId)).toEqual(['C29']);

    // Applied: planning again holds the same endings without a new hold, even with the previous snapshot caught up.
    const held = applyToState(registry, p.actions);
    expect(plan(input({ ...next, registry: held, previous: property('P1', { leases: flipped }).snapshot }, now)).actions).toEqual([]);
    // One more unexpected ending joins the open hold.
    const more = flipped.map((l, i) => (i === 6 ? { ...l, status: 'cancelled' as const } : l));
    const p2 = plan(
      input({ ...next, properties: [property('P1', { leases: more })], registry: held, previous: property('P1', { leases: flipped }).snapshot }, now),
    );
    expect(ofKind(p2, 'hold')).toEqual([
      expect.objectContaining({ existingHoldId: 'applied-hold-1', endings: [expect.objectContaining({ customerId: 'C16', rule: 'W5' })] }),
    ]);
    // Approval: re-plan with the hold released; its endings apply and the hold closes.
    const approved = plan(input({ ...next, properties: [property('P1', { leases: flipped })], registry: held, releaseHold: true }, now));
    expect(approved.actions[0]).toEqual(expect.objectContaining({ kind: 'release-hold', holdId: 'applied-hold-1' }));
    expect(ofKind(approved, 'end').map((a) => a.customerId)).toEqual(['C10', 'C11', 'C12', 'C13', 'C14', 'C15']);
    const after = applyToState(held, approved.actions);
    expect(after.holds).toEqual([]);
    expect(plan(input({ ...next, properties: [property('P1', { leases: flipped })], registry: after, releaseHold: true }, now)).actions).toEqual([]);
  });

  it('S3: below the threshold (10% and at least 5) unexpected endings apply at once', () => {
    const before = tenants(60);
    const registry = sync({ properties: [property('P1', { leases: before })] }, at('2025-09-01')).registry;
    const flipped = before.map((l, i) => (i < 6 ? { ...l, status: 'cancelled' as const } : l));
    const p = plan(
      input({ properties: [property('P1', { leases: flipped })], previous: property('P1', { leases: before }).snapshot, registry }, at('2025-09-10')),
    );
    expect(ofKind(p, 'hold')).toEqual([]);
    expect(ofKind(p, 'end')).toHaveLength(6);
  });

  it('S6: every action says why: a known rule id, the resident, and the lease where one is behind it', () => {
    const p1 = property('P1', {
      leases: [
        lease('L1', { unit: 'U1', status: 'notice', moveIn: '2025-01-10', leaseEnd: '2025-12-31', customers: C1() }),
        lease('L2', { unit: 'U2', status: 'future', moveIn: '2025-12-15', parent: 'L1', customers: C1() }),
        lease('L3', { unit: 'U3', moveOut: '2025-12-01', customers: [customer('C3'), customer('C4', { type: 'guarantor' })] }),
      ],
    });
    const first = sync({ properties: [p1] }, at('2025-11-01'));
    const second = sync({ properties: [p1], registry: first.registry }, at('2025-12-15'));
    const all: Action[] = [...first.plan.actions, ...second.plan.actions];
    expect(all.length).toBeGreaterThan(5);
    for (const a of all) {
      expect(RULE_IDS).toContain(a.rule);
      expect(a.reason.length).toBeGreaterThan(10);
    }
    for (const a of all.filter((x) => x.kind === 'register' || x.kind === 'activate' || x.kind === 'end' || x.kind === 'move-home-unit')) {
      expect(a.leaseId).not.toBeNull();
      expect(a.reason).toContain(a.rule);
    }
  });
});
