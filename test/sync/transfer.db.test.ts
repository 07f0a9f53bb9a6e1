// U3 through the whole sync (Entrata simulator over HTTP, real PostgreSQL): a transfer Entrata enters with a move-in
// day that has already begun, after Pebbles registered the old unit that morning, moves the home at the next sync.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addLease, createHarness, currentKey, liveRegistrations, type Harness } from './harness.ts';

describe('U3: a transfer is judged by what happened, not by when Pebbles registered the old unit', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ start: '2025-09-01 09:00', properties: 1, units: 4 });
  });
  afterAll(async () => h?.close());

  it('U3: a transfer entered for today, after the morning sync registered the old unit, moves the home at the next sync', async () => {
    const p1 = h.props[0]!;
    const [a, c] = h.units(p1);
    const L1 = addLease(h, a!, { moveIn: '2025-08-10', end: '2026-07-31' });
    const person = L1.customerIds[0]!;
    await h.sync(p1);
    const [home] = await liveRegistrations(h.db, person);
    expect(home).toMatchObject({ unit_entrata_id: a!.id, state: 'active' });
    const key = await currentKey(h, person, p1.id);

    // At 10:00 the office enters the transfer to unit C with today's move-in: L2's window opened at midnight,
    // before Pebbles registered unit A; L1 stays on notice until the end of today.
    h.setClock('2025-09-01 10:00');
    const t = h.sim.control.transfer({ leaseId: L1.leaseId, toUnitId: c!.id, moveInDate: '2025-09-01' });
    const r = await h.sync(p1);
    expect(r.actions.filter((x) => x.kind === 'move-home-unit')).toEqual([
      expect.objectContaining({ rule: 'U3', leaseId: t.createdLeaseIds[0], unitId: c!.id }),
    ]);
    expect((await liveRegistrations(h.db, person)).map((x) => [x.unit_entrata_id, x.state])).toEqual([[c!.id, 'active']]);
    // Within the property the key stays (P2), and a second sync changes nothing (S1).
    expect((await currentKey(h, person, p1.id))?.id).toBe(key?.id);
    expect((await h.sync(p1)).actions).toEqual([]);
  });
});
