// Moves between properties: each property's plan does its own half, and the result does not depend on which
// property is synced first (cases found by the property tests, kept as examples).
import { describe, expect, it } from 'vitest';
import { applyToState } from '../../src/engine/apply-to-state.ts';
import { plan } from '../../src/engine/plan.ts';
import type { RegistryState } from '../../src/engine/types.ts';
import { at, customer, emptyRegistry, input, lease, live, property, syncAll, type World } from './builders.ts';

/** Syncs the properties in the given order at `now`. */
function syncInOrder(w: World, order: string[], now: number): RegistryState {
  let registry = w.registry ?? emptyRegistry();
  for (const id of order) registry = applyToState(registry, plan(input({ ...w, planned: id, registry }, now)).actions);
  return registry;
}
const homes = (r: RegistryState) =>
  live(r, 'C1')
    .map((x) => `${x.propertyId}/${x.unitId}`)
    .sort();

describe('moves across properties', () => {
  it('U4: when the home closes and the open window is at another property, either sync order ends with the same one home', () => {
    const p1 = property('P1', { leases: [lease('L1', { unit: 'U1', moveIn: '2025-01-10', moveOut: '2025-12-31', customers: [customer('C1')] })] });
    const p2 = property('P2', { leases: [lease('L2', { unit: 'U7', moveIn: '2025-11-01', customers: [customer('C1')] })] });
    const first = syncAll({ properties: [p1, p2] }, at('2025-10-15')).registry;
    const w: World = { properties: [p1, p2], registry: syncAll({ properties: [p1, p2], registry: first }, at('2025-11-15')).registry };
    expect(homes(w.registry!)).toEqual(['P1/U1']);
    expect(homes(syncInOrder(w, ['P1', 'P2'], at('2026-01-01')))).toEqual(['P2/U7']);
    expect(homes(syncInOrder(w, ['P2', 'P1'], at('2026-01-01')))).toEqual(['P2/U7']);
  });

  it('U3: a transfer interval to another property keeps the old side until its window closes, whichever property is synced first', () => {
    // The new lease is a Transfer interval whose parent is not the registered lease (Entrata re-linked it).
    const p1 = property('P1', {
      leases: [lease('L1', { unit: 'U1', status: 'notice', moveIn: '2025-01-10', leaseEnd: '2025-12-31', customers: [customer('C1')] })],
    });
    const p2 = property('P2', {
      leases: [lease('L2', { unit: 'U7', status: 'future', moveIn: '2025-12-15', isTransfer: true, parent: 'L0', customers: [customer('C1')] })],
    });
    const w: World = { properties: [p1, p2], registry: syncAll({ properties: [p1, p2] }, at('2025-12-01')).registry };
    for (const order of [
      ['P1', 'P2'],
      ['P2', 'P1'],
    ]) {
      const overlap = syncInOrder(w, order, at('2025-12-15'));
      expect(homes(overlap)).toEqual(['P1/U1', 'P2/U7']);
      expect(homes(syncInOrder({ ...w, registry: overlap }, order, at('2026-01-01')))).toEqual(['P2/U7']);
    }
  });

  it('U3: after a chain of transfers only the most recent former home is kept alongside the new one (U1)', () => {
    const p1 = property('P1', {
      leases: [lease('L1', { unit: 'U1', status: 'notice', moveIn: '2025-01-10', leaseEnd: '2026-03-31', customers: [customer('C1')] })],
    });
    const p2 = property('P2', {
      leases: [lease('L2', { unit: 'U2', moveIn: '2026-01-01', leaseEnd: '2026-06-30', status: 'notice', parent: 'L1', customers: [customer('C1')] })],
    });
    const p3 = property('P3', { leases: [lease('L3', { unit: 'U3', moveIn: '2026-02-01', parent: 'L2', customers: [customer('C1')] })] });
    const props = [p1, p2, p3];
    let registry = syncAll({ properties: props }, at('2025-12-01')).registry;
    registry = syncAll({ properties: props, registry }, at('2026-01-01')).registry;
    expect(homes(registry)).toEqual(['P1/U1', 'P2/U2']);
    registry = syncAll({ properties: props, registry }, at('2026-02-01')).registry;
    expect(homes(registry)).toEqual(['P2/U2', 'P3/U3']);
    registry = syncAll({ properties: props, registry }, at('2026-07-01')).registry;
    expect(homes(registry)).toEqual(['P3/U3']);
  });
});
