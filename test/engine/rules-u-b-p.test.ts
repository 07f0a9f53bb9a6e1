// One test per U, B and P rule: one home unit, spaces, keys.
import { describe, expect, it } from 'vitest';
import { applyToState } from '../../src/engine/apply-to-state.ts';
import { plan } from '../../src/engine/plan.ts';
import {
  at,
  cid,
  customer,
  emptyRegistry,
  input,
  key,
  kinds,
  lease,
  live,
  ofKind,
  pid,
  property,
  registration,
  resident,
  sync,
  syncAll,
  type World,
} from './builders.ts';

const C1 = () => [customer('C1')];

describe('U: one home unit at a time', () => {
  it('U1: a resident with open windows in two units has exactly one active registration, covering every space leased in it', () => {
    const leases = [
      lease('L1', { unit: 'U1', spaces: ['U1-A', 'U1-B'], moveIn: '2025-08-01', customers: C1() }),
      lease('L2', { unit: 'U2', moveIn: '2025-08-15', customers: C1() }),
    ];
    const { registry } = sync({ properties: [property('P1', { leases })] }, at('2025-09-01'));
    expect(live(registry, 'C1')).toEqual([expect.objectContaining({ unitId: 'U2', spaceIds: ['U2-A'], state: 'active' })]);
    expect(registry.registrations).toHaveLength(1);
  });

  it('U2: a resident whose second window opens in another unit stays registered where they are', () => {
    const leases = [
      lease('L1', { unit: 'U1', moveIn: '2025-01-10', customers: C1() }),
      lease('L2', { unit: 'U2', status: 'future', moveIn: '2025-09-01', customers: C1() }),
    ];
    const w: World = { properties: [property('P1', { leases })] };
    const first = sync(w, at('2025-08-20'));
    expect(ofKind(first.plan, 'register').map((a) => [a.unitId, a.state])).toEqual([
      ['U1', 'active'],
      ['U2', 'pending'],
    ]);
    const opened = plan(input({ ...w, registry: first.registry }, at('2025-09-01 08:00')));
    expect(opened.actions).toEqual([]);
  });

  it('U3: a transfer within the property moves the registration when the new window opens, though the old lease is still open; the key stays', () => {
    const leases = [
      lease('L1', { unit: 'U1', status: 'notice', moveIn: '2025-01-10', leaseEnd: '2025-12-31', customers: C1() }),
      lease('L2', { unit: 'U2', status: 'future', moveIn: '2025-10-01', parent: 'L1', isTransfer: true, customers: C1() }),
    ];
    const w: World = { properties: [property('P1', { leases })] };
    const s1 = sync(w, at('2025-09-15'));
    const home = ofKind(s1.plan, 'register').find((a) => a.state === 'active');
    expect(home).toMatchObject({ unitId: 'U1' });
    const s2 = sync({ ...w, registry: s1.registry }, at('2025-09-30 23:59'));
    expect(s2.plan.actions).toEqual([]);
    const s3 = sync({ ...w, registry: s2.registry }, at('2025-10-01'));
    expect(kinds(s3.plan)).toEqual(['move-home-unit']);
    expect(ofKind(s3.plan, 'move-home-unit')[0]).toMatchObject({
      rule: 'U3',
      leaseId: 'L2',
      fromUnitId: 'U1',
      unitId: 'U2',
      state: 'active',
      dueAt: at('2025-10-01'),
    });
    expect(live(s3.registry, 'C1').map((r) => r.unitId)).toEqual(['U2']);
    // The old lease's window closing later changes nothing more.
    expect(plan(input({ ...w, registry: s3.registry }, at('2026-01-01'))).actions).toEqual([]);
  });

  it('U3: a transfer to another property registers the resident at both from the new opening until the old window closes, each with its own key', () => {
    const p1 = property('P1', { leases: [lease('L1', { unit: 'U1', status: 'notice', moveIn: '2025-01-10', leaseEnd: '2025-12-31', customers: C1() })] });
    const p2 = property('P2', {
      leases: [lease('L2', { unit: 'U7', status: 'future', moveIn: '2025-12-15', parent: 'L1', isTransfer: true, customers: C1() })],
    });
    const start = syncAll({ properties: [p1, p2] }, at('2025-12-01')).registry;
    expect(live(start, 'C1').map((r) => r.propertyId)).toEqual(['P1']);

    const atP2 = plan(input({ planned: 'P2', properties: [p1, p2], registry: start }, at('2025-12-15')));
    expect(kinds(atP2)).toEqual(['activate', 'issue-key', 'notify']);
    expect(ofKind(atP2, 'activate')[0]).toMatchObject({ rule: 'U3', unitId: 'U7', leaseId: 'L2' });
    expect(ofKind(atP2, 'issue-key')[0]?.rule).toBe('P2');
    expect(ofKind(atP2, 'notify')[0]).toMatchObject({ notification: 'new-key', rule: 'N2' });
    expect(plan(input({ planned: 'P1', properties: [p1, p2], registry: start }, at('2025-12-15'))).actions).toEqual([]);

    const overlap = syncAll({ properties: [p1, p2], registry: start }, at('2025-12-15')).registry;
    expect(live(overlap, 'C1').map((r) => r.propertyId)).toEqual(['P1', 'P2']);
    expect(
      overlap.keys
        .filter((k) => !k.revoked)
        .map((k) => k.propertyId)
        .sort(),
    ).toEqual(['P1', 'P2']);

    const done = syncAll({ properties: [p1, p2], registry: overlap }, at('2026-01-01'));
    expect(done.plans[0]!.actions.map((a) => [a.kind, a.rule])).toEqual([
      ['end', 'W3'],
      ['revoke-key', 'U6'],
    ]);
    expect(done.plans[1]!.actions).toEqual([]);
    expect(live(done.registry, 'C1').map((r) => r.propertyId)).toEqual(['P2']);
  });

  it('U4: when the home window closes while others are open, the registration moves to the most recently started one (ties: lowest lease id)', () => {
    const leases = [
      lease('L1', { unit: 'U1', moveIn: '2025-01-10', moveOut: '2025-12-31', customers: C1() }),
      lease('L2', { unit: 'U2', moveIn: '2025-09-01', customers: C1() }),
      lease('L3', { unit: 'U3', moveIn: '2025-10-01', customers: C1() }),
      lease('L4', { unit: 'U4', moveIn: '2025-01-10', moveOut: '2025-12-31', customers: [customer('C2')] }),
      lease('L6', { unit: 'U6', moveIn: '2025-10-01', customers: [customer('C2')] }),
      lease('L5', { unit: 'U5', moveIn: '2025-10-01', customers: [customer('C2')] }),
    ];
    const registry = {
      ...emptyRegistry(),
      registrations: [
        registration('R1', { customerId: 'C1', unitId: 'U1', leaseIds: ['L1'], spaceIds: ['U1-A'], accessEnd: at('2026-01-01') }),
        registration('R2', { customerId: 'C2', unitId: 'U4', leaseIds: ['L4'], spaceIds: ['U4-A'], accessEnd: at('2026-01-01') }),
      ],
      keys: [key('C1'), key('C2')],
      residents: [resident('C1'), resident('C2')],
    };
    const p = plan(input({ properties: [property('P1', { leases })], registry }, at('2026-01-01')));
    expect(p.actions.map((a) => a.kind === 'move-home-unit' && [a.customerId, a.rule, a.fromUnitId, a.unitId, a.dueAt])).toEqual([
      ['C1', 'U4', 'U1', 'U3', at('2026-01-01')],
      ['C2', 'U4', 'U4', 'U5', at('2026-01-01')],
    ]);
  });

  it('U5: a resident with no registration and several open windows is registered in the most recently started one', () => {
    const leases = [
      lease('L1', { unit: 'U1', moveIn: '2025-08-01', customers: C1() }),
      lease('L2', { unit: 'U2', moveIn: '2025-08-20', customers: C1() }),
      lease('L3', { unit: 'U3', moveIn: '2025-08-10', customers: C1() }),
    ];
    const p = plan(input({ properties: [property('P1', { leases })] }, at('2025-09-01')));
    expect(ofKind(p, 'register')).toEqual([expect.objectContaining({ rule: 'U5', unitId: 'U2', leaseId: 'L2', state: 'active' })]);
  });

  it('U6: when no window is open any more the registration ends and the key is revoked; the resident record and history stay', () => {
    const w: World = { properties: [property('P1', { leases: [lease('L1', { moveOut: '2025-12-31', customers: C1() })] })] };
    const s1 = sync(w, at('2025-09-01'));
    const s2 = sync({ ...w, registry: s1.registry }, at('2026-01-01'));
    expect(s2.plan.actions.map((a) => [a.kind, a.rule])).toEqual([
      ['end', 'W3'],
      ['revoke-key', 'U6'],
    ]);
    expect(s2.registry.residents.map((r) => r.customerId)).toEqual(['C1']);
    expect(s2.registry.registrations.map((r) => r.state)).toEqual(['ended']);
    expect(s2.registry.keys.map((k) => k.revoked)).toEqual([true]);
  });
});

describe('B: spaces', () => {
  it('B1: several spaces of one unit, on one lease or several, make one registration covering them all', () => {
    const leases = [
      lease('L1', { unit: 'U1', spaces: ['U1-A', 'U1-B'], customers: C1() }),
      lease('L2', { unit: 'U1', spaces: ['U1-C'], moveIn: '2025-09-01', customers: C1() }),
    ];
    const p = plan(input({ properties: [property('P1', { leases })] }, at('2025-09-10')));
    expect(ofKind(p, 'register')).toEqual([
      expect.objectContaining({ unitId: 'U1', spaceIds: ['U1-A', 'U1-B', 'U1-C'], leaseIds: ['L1', 'L2'], state: 'active' }),
    ]);
    expect(ofKind(p, 'issue-key')).toHaveLength(1);
  });

  it('B2: spaces in different units never share a registration', () => {
    const leases = [
      lease('L1', { unit: 'U1', spaces: ['U1-A'], moveIn: '2025-08-01', customers: C1() }),
      lease('L2', { unit: 'U2', spaces: ['U2-B'], moveIn: '2025-08-01', customers: C1() }),
    ];
    const { registry } = sync({ properties: [property('P1', { leases })] }, at('2025-09-10'));
    expect(registry.registrations.map((r) => [r.unitId, r.spaceIds, r.state])).toEqual([['U1', ['U1-A'], 'active']]);
  });
});

describe('P: keys', () => {
  it('P1: a resident who needs a key at a property gets one; one who returns after their registration there ended gets a new one', () => {
    const w: World = { properties: [property('P1', { leases: [lease('L1', { moveOut: '2025-12-31', customers: C1() })] })] };
    const s1 = sync(w, at('2025-09-01'));
    expect(ofKind(s1.plan, 'issue-key')).toEqual([expect.objectContaining({ rule: 'P1', customerId: 'C1', propertyId: 'P1' })]);
    const s2 = sync({ ...w, registry: s1.registry }, at('2026-01-01'));
    expect(s2.registry.keys.every((k) => k.revoked)).toBe(true);

    const back: World = {
      properties: [
        property('P1', {
          leases: [lease('L1', { moveOut: '2025-12-31', customers: C1() }), lease('L9', { unit: 'U9', moveIn: '2026-08-15', customers: C1() })],
        }),
      ],
    };
    const s3 = sync({ ...back, registry: s2.registry }, at('2026-08-15'));
    expect(kinds(s3.plan)).toEqual(['register', 'issue-key', 'notify']);
    expect(ofKind(s3.plan, 'notify')[0]?.notification).toBe('welcome');
    expect(s3.registry.keys.filter((k) => !k.revoked)).toHaveLength(1);
  });

  it('P2: a move within the property keeps the key; a move to another property issues a new key and notifies (N2)', () => {
    const leases = [
      lease('L1', { unit: 'U1', moveIn: '2025-01-10', moveOut: '2025-12-31', customers: C1() }),
      lease('L2', { unit: 'U2', moveIn: '2025-11-01', customers: C1() }),
    ];
    const base = {
      ...emptyRegistry(),
      residents: [resident('C1')],
      registrations: [registration('R1', { customerId: 'C1', unitId: 'U1', leaseIds: ['L1'], spaceIds: ['U1-A'], accessEnd: at('2026-01-01') })],
      keys: [key('C1')],
    };
    const same = plan(input({ properties: [property('P1', { leases })], registry: base }, at('2026-01-01')));
    expect(kinds(same)).toEqual(['move-home-unit']);

    const p1 = property('P1', { leases: [leases[0]!] });
    const p2 = property('P2', { leases: [lease('L2', { unit: 'U2', moveIn: '2025-11-01', customers: C1() })] });
    const other = plan(input({ planned: 'P2', properties: [p1, p2], registry: base }, at('2026-01-01')));
    expect(other.actions.map((a) => [a.kind, a.rule])).toEqual([
      ['register', 'U4'],
      ['issue-key', 'P2'],
      ['notify', 'N2'],
    ]);
  });

  it('P4: a key a manager rotated is the current key: a sync never re-issues it', () => {
    const l = lease('L1', { customers: C1() });
    const { registry } = sync({ properties: [property('P1', { leases: [l] })] }, at('2025-09-01'));
    // The manager rotated: the old key is revoked, a new one is current.
    const rotated = applyToState(registry, [
      { kind: 'issue-key', rule: 'P4', propertyId: pid('P1'), customerId: cid('C1'), leaseId: null, reason: 'rotated by a manager (P4)' },
    ]);
    expect(rotated.keys.map((k) => k.revoked)).toEqual([true, false]);
    expect(plan(input({ properties: [property('P1', { leases: [l] })], registry: rotated }, at('2025-09-02'))).actions).toEqual([]);
  });
});
