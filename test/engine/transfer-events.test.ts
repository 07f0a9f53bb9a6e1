// U3 is judged by what happened, not by when Pebbles happened to record the old registration: transfers whose window
// opened before the old unit was registered (a move-in date moved earlier, a property enabled mid-transfer, a sync
// missed while Entrata failed) move the home at the next sync; a manager's reassignment back holds (O4).
import { describe, expect, it } from 'vitest';
import { plan } from '../../src/engine/plan.ts';
import type { PropertyInput, RegistryState } from '../../src/engine/types.ts';
import { at, customer, input, kinds, lease, live, ofKind, override, property, sync, syncAll } from './builders.ts';

const C1 = () => [customer('C1')];
const homes = (r: RegistryState) =>
  live(r, 'C1')
    .map((x) => `${x.propertyId}/${x.unitId}`)
    .sort();

/** L1: unit A, on notice until the end of October; L2: the transfer to unit C (parent L1), moving in on `moveIn`. */
const sameProperty = (moveIn: string): PropertyInput[] => [
  property('P1', {
    leases: [
      lease('L1', { unit: 'A', status: 'notice', moveIn: '2025-01-10', leaseEnd: '2025-10-31', customers: C1() }),
      lease('L2', { unit: 'C', status: 'future', moveIn, parent: 'L1', customers: C1() }),
    ],
  }),
];

describe('U3: a transfer is an event of its own, whenever Pebbles registered the old unit', () => {
  it('U3: a transfer whose move-in date Entrata moved earlier moves the home at the next sync', () => {
    // Registered in A at 10:00; L2 was to move in on October 10.
    const first = sync({ properties: sameProperty('2025-10-10') }, at('2025-09-30 10:00'));
    expect(homes(first.registry)).toEqual(['P1/A']);
    // At 16:00 Entrata says L2 moved in yesterday: its window opened before Pebbles registered A.
    const moved = sameProperty('2025-09-29');
    const s = sync({ properties: moved, registry: first.registry }, at('2025-09-30 16:00'));
    expect(kinds(s.plan)).toEqual(['move-home-unit']);
    expect(ofKind(s.plan, 'move-home-unit')[0]).toMatchObject({ rule: 'U3', leaseId: 'L2', fromUnitId: 'A', unitId: 'C', dueAt: at('2025-09-29') });
    expect(homes(s.registry)).toEqual(['P1/C']);
    // The key stays (P2), and nothing moves the resident back while L1 is still on notice, nor when it ends.
    expect(s.registry.keys.filter((k) => !k.revoked)).toHaveLength(1);
    expect(plan(input({ properties: moved, registry: s.registry }, at('2025-09-30 16:00'))).actions).toEqual([]);
    expect(plan(input({ properties: moved, registry: s.registry }, at('2025-10-15'))).actions).toEqual([]);
    expect(plan(input({ properties: moved, registry: s.registry }, at('2025-11-01'))).actions).toEqual([]);
  });

  it('U3: a sync missed for a day while Entrata failed: the next good sync moves the home to the transfer unit', () => {
    const first = sync({ properties: sameProperty('2025-10-03') }, at('2025-09-30 10:00'));
    // October 1: Entrata fails; the sync plans from the last good snapshot (S4) and nothing changes.
    const failed = sync({ properties: sameProperty('2025-10-03'), registry: first.registry }, at('2025-10-01 10:00'));
    expect(failed.plan.actions).toEqual([]);
    // Meanwhile Entrata moved L2's move-in to September 30, the day of the first sync (before it ran).
    const s = sync({ properties: sameProperty('2025-09-30'), registry: failed.registry }, at('2025-10-02 10:00'));
    expect(ofKind(s.plan, 'move-home-unit')).toEqual([expect.objectContaining({ rule: 'U3', unitId: 'C', dueAt: at('2025-09-30') })]);
    expect(homes(s.registry)).toEqual(['P1/C']);
  });

  it('U3/U5: the first plan ever of a property enabled mid-transfer registers the resident straight in the transfer unit', () => {
    // The usual order: L2 opened after L1, so U5's choice (the most recently started window) is already L2.
    const usual = plan(input({ properties: sameProperty('2025-10-01') }, at('2025-10-05')));
    expect(ofKind(usual, 'register').map((a) => [a.unitId, a.state])).toEqual([['C', 'active']]);
    // Entrata's dates say the transfer lease started before its parent (L1 renewed into a new lease in A on
    // October 2): U5 alone would pick A, and a sync on each day would have moved the resident to C by U3 on October 2.
    const odd = [
      property('P1', {
        leases: [
          lease('L1', { unit: 'A', status: 'notice', moveIn: '2025-10-02', leaseEnd: '2025-10-31', customers: C1() }),
          lease('L2', { unit: 'C', status: 'current', moveIn: '2025-10-01', parent: 'L1', customers: C1() }),
        ],
      }),
    ];
    const first = sync({ properties: odd }, at('2025-10-05'));
    expect(ofKind(first.plan, 'register')).toEqual([
      expect.objectContaining({
        rule: 'U3',
        unitId: 'C',
        leaseId: 'L2',
        state: 'active',
        dueAt: at('2025-10-02'),
        reason: expect.stringContaining('transfer lease L2 opened 2025-10-01 00:00 (U3)'),
      }),
    ]);
    expect(plan(input({ properties: odd, registry: first.registry }, at('2025-10-05'))).actions).toEqual([]);
  });

  it('U3: a property enabled after the transfer began: the new side starts and the old side is kept until its window closes', () => {
    const p1 = property('P1', { leases: [lease('L1', { unit: 'A', status: 'notice', moveIn: '2025-01-10', leaseEnd: '2025-12-31', customers: C1() })] });
    const p2 = property('P2', { leases: [lease('L2', { unit: 'C', status: 'current', moveIn: '2025-12-09', parent: 'L1', customers: C1() })] });
    // P1 alone is enabled: the resident is registered in A at 10:00 on December 10, after L2's window opened.
    const before = sync({ properties: [p1] }, at('2025-12-10 10:00')).registry;
    expect(homes(before)).toEqual(['P1/A']);
    // P2 is enabled at 14:00: its first sync starts access in C (a new key, N2) and P1 keeps A (U3 overlap).
    const atP2 = plan(input({ planned: 'P2', properties: [p1, p2], registry: before }, at('2025-12-10 14:00')));
    expect(atP2.actions.map((a) => [a.kind, a.rule])).toEqual([
      ['register', 'U3'],
      ['issue-key', 'P2'],
      ['notify', 'N2'],
    ]);
    const both = syncAll({ properties: [p1, p2], registry: before }, at('2025-12-10 14:00')).registry;
    expect(homes(both)).toEqual(['P1/A', 'P2/C']);
    expect(
      both.keys
        .filter((k) => !k.revoked)
        .map((k) => k.propertyId)
        .sort(),
    ).toEqual(['P1', 'P2']);
    expect(homes(syncAll({ properties: [p1, p2], registry: both }, at('2025-12-20')).registry)).toEqual(['P1/A', 'P2/C']);
    expect(homes(syncAll({ properties: [p1, p2], registry: both }, at('2026-01-01')).registry)).toEqual(['P2/C']);
  });

  it('U3: across properties, a move-in date moved earlier registers the resident at both, each with its key, until the old window closes', () => {
    const p1 = property('P1', { leases: [lease('L1', { unit: 'A', status: 'notice', moveIn: '2025-01-10', leaseEnd: '2025-12-31', customers: C1() })] });
    const p2 = (moveIn: string) => property('P2', { leases: [lease('L2', { unit: 'C', status: 'future', moveIn, parent: 'L1', customers: C1() })] });
    const start = syncAll({ properties: [p1, p2('2025-12-20')] }, at('2025-12-10 10:00')).registry;
    expect(homes(start)).toEqual(['P1/A']);
    // Entrata moves L2's move-in to December 9; either property may be synced first.
    for (const order of [
      ['P1', 'P2'],
      ['P2', 'P1'],
    ]) {
      let registry = start;
      for (const id of order) registry = sync({ planned: id, properties: [p1, p2('2025-12-09')], registry }, at('2025-12-10 16:00')).registry;
      expect(homes(registry)).toEqual(['P1/A', 'P2/C']);
      expect(
        registry.keys
          .filter((k) => !k.revoked)
          .map((k) => k.propertyId)
          .sort(),
      ).toEqual(['P1', 'P2']);
      const done = syncAll({ properties: [p1, p2('2025-12-09')], registry }, at('2026-01-01'));
      expect(homes(done.registry)).toEqual(['P2/C']);
    }
  });

  it('O4: a manager who reassigns the resident back to the old unit after the transfer moved them: the transfer does not move them again', () => {
    const props = sameProperty('2025-10-01');
    const s1 = sync({ properties: props }, at('2025-09-20'));
    const s2 = sync({ properties: props, registry: s1.registry }, at('2025-10-01 08:00'));
    expect(ofKind(s2.plan, 'move-home-unit')).toEqual([expect.objectContaining({ rule: 'U3', unitId: 'C' })]);
    const pinned = [override('L1', 'C1', { pinnedAt: at('2025-10-03 11:00') })];
    const s3 = sync({ properties: props, overrides: pinned, registry: s2.registry }, at('2025-10-03 11:05'));
    expect(ofKind(s3.plan, 'move-home-unit')).toEqual([expect.objectContaining({ rule: 'O4', fromUnitId: 'C', unitId: 'A', leaseId: 'L1' })]);
    // The choice holds while L1 is open, through later syncs and a move-in date Entrata moves earlier still.
    for (const [data, when] of [
      [props, at('2025-10-03 11:05')],
      [props, at('2025-10-20')],
      [sameProperty('2025-09-25'), at('2025-10-21')],
    ] as const) {
      expect(plan(input({ properties: data, overrides: pinned, registry: s3.registry }, when)).actions).toEqual([]);
    }
    // When L1's window closes, U4 takes the resident back to C.
    const end = sync({ properties: props, overrides: pinned, registry: s3.registry }, at('2025-11-01'));
    expect(ofKind(end.plan, 'move-home-unit')).toEqual([expect.objectContaining({ rule: 'U4', unitId: 'C' })]);
  });

  it("U3/O4: an office that corrects a reversed transfer's move-in to after the reassignment moves the resident on that day", () => {
    const s1 = sync({ properties: sameProperty('2025-10-01') }, at('2025-09-20'));
    const s2 = sync({ properties: sameProperty('2025-10-01'), registry: s1.registry }, at('2025-10-01 08:00'));
    // The resident had not moved yet: the manager puts them back in A on October 3.
    const pinned = [override('L1', 'C1', { pinnedAt: at('2025-10-03 11:00') })];
    const s3 = sync({ properties: sameProperty('2025-10-01'), overrides: pinned, registry: s2.registry }, at('2025-10-03 11:05'));
    expect(homes(s3.registry)).toEqual(['P1/A']);
    // They really move on October 5, and the office corrects L2's move-in: the transfer is the newer event.
    const s4 = sync({ properties: sameProperty('2025-10-05'), overrides: pinned, registry: s3.registry }, at('2025-10-05 09:00'));
    expect(ofKind(s4.plan, 'move-home-unit')).toEqual([expect.objectContaining({ rule: 'U3', unitId: 'C', dueAt: at('2025-10-05') })]);
  });

  it('U3: a transfer that opens after a manager reassignment beats it; one that opened before does not', () => {
    // Two open windows, A (L1) and B (L3); the manager pins A on October 3; L2 is a transfer from A to C.
    const props = (moveIn: string) => [
      property('P1', {
        leases: [
          lease('L1', { unit: 'A', status: 'notice', moveIn: '2025-01-10', leaseEnd: '2025-12-31', customers: C1() }),
          lease('L3', { unit: 'B', status: 'current', moveIn: '2025-06-01', customers: C1() }),
          lease('L2', { unit: 'C', status: 'future', moveIn, parent: 'L1', customers: C1() }),
        ],
      }),
    ];
    const pinned = [override('L1', 'C1', { pinnedAt: at('2025-10-03 11:00') })];
    const s1 = sync({ properties: props('2025-11-01') }, at('2025-09-20'));
    expect(homes(s1.registry)).toEqual(['P1/B']);
    const s2 = sync({ properties: props('2025-11-01'), overrides: pinned, registry: s1.registry }, at('2025-10-03 11:05'));
    expect(homes(s2.registry)).toEqual(['P1/A']);
    // Newer than the pin: the transfer moves the resident on November 1.
    const later = sync({ properties: props('2025-11-01'), overrides: pinned, registry: s2.registry }, at('2025-11-01'));
    expect(ofKind(later.plan, 'move-home-unit')).toEqual([expect.objectContaining({ rule: 'U3', unitId: 'C' })]);
    // Moved by Entrata to before the pin: the manager's later choice holds (O4).
    const earlier = sync({ properties: props('2025-10-01'), overrides: pinned, registry: s2.registry }, at('2025-10-10'));
    expect(ofKind(earlier.plan, 'move-home-unit')).toEqual([]);
    expect(homes(earlier.registry)).toEqual(['P1/A']);
  });
});
