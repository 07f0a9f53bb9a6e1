// Manager operations through the service functions, against the database and the simulator: each
// changes access as its rule says, survives later syncs, and records its staff member (O6).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  block,
  confirmUnitRemoved,
  link,
  moveInNow,
  moveOutNow,
  OperationError,
  reassign,
  resend,
  revealKey,
  rotateKey,
  setDates,
  transferNow,
  unblock,
} from '../../src/operations/operations.ts';
import { explainResident } from '../../src/operations/explain.ts';
import { notificationsOf } from '../../src/notifications/staff.ts';
import {
  addLease,
  at,
  audit,
  count,
  createHarness,
  currentKey,
  keys,
  liveRegistrations,
  networkKeys,
  outbox,
  registrations,
  runs,
  tableContents,
  type Harness,
} from './harness.ts';

const STAFF = 'sam.staff@example.com';

describe('manager operations', () => {
  let h: Harness;
  let P1: Harness['props'][number];
  let P2: Harness['props'][number];
  let nextUnit = 0;
  const unit = () => h.units(P1)[nextUnit++]!;
  const target = (customerId: string, extra: { leaseId?: string; propertyDbId?: number } = {}) => ({ propertyDbId: P1.id, customerId, staff: STAFF, ...extra });

  beforeAll(async () => {
    h = await createHarness({ start: '2025-09-01 10:00', properties: 2, units: 24, seed: 'ops' });
    [P1, P2] = h.props as [typeof P1, typeof P2];
    await h.sync(P1);
    await h.sync(P2);
  });
  afterAll(async () => h?.close());

  /** Staff operations and the re-plans they cause, as the audit trail shows them for one resident. */
  const staffTrail = async (customerId: string) => (await audit(h.db, customerId)).filter((e) => e.actor === STAFF).map((e) => [e.action, e.rule]);

  /** After the operation a full sync, and another one, keep its effect (S1, K1). */
  async function fullSyncKeeps(customerId: string) {
    const mine = async () => ({ regs: await registrations(h.db, customerId), keys: await keys(h, customerId), outbox: await outbox(h.db, customerId) });
    const before = await mine();
    await h.sync(P1);
    await h.sync(P2);
    expect(await mine()).toEqual(before);
  }

  it('O3: move in now: an upcoming resident gets access, a key and a welcome at once; later syncs keep it', async () => {
    const L = addLease(h, unit(), { moveIn: '2025-09-20', end: '2026-07-31' });
    const c = L.customerIds[0]!;
    await h.sync(P1);
    expect((await liveRegistrations(h.db, c))[0]).toMatchObject({ state: 'pending', access_start: at('2025-09-20') });
    h.setClock('2025-09-01 11:00');
    const r = await moveInNow(h.deps, target(c));
    expect(r.status).toBe('applied');
    expect((await liveRegistrations(h.db, c))[0]).toMatchObject({ state: 'active', access_start: h.now(), rule: 'O3' });
    expect(await currentKey(h, c, P1.id)).not.toBeNull();
    expect((await outbox(h.db, c)).map((o) => [o.kind, o.rule, o.created_by, o.run_id])).toEqual([['welcome', 'N1', STAFF, r.runId]]);
    expect(await staffTrail(c)).toEqual([
      ['move-in-now', null],
      ['activate', 'O3'],
      ['issue-key', 'P1'],
      ['notify', 'N1'],
    ]);
    expect((await audit(h.db, c)).find((e) => e.action === 'move-in-now')).toMatchObject({
      lease_id: L.leaseId,
      details: { move_in_now_at: h.now().toISOString() },
    });
    expect((await runs(h.db, P1.id)).at(-1)).toMatchObject({ id: r.runId, trigger: 'manual', actor: STAFF });
    await fullSyncKeeps(c);
  });

  it('O3: move out now: access ends at once and the key is revoked; a later sync does not restore it', async () => {
    const L = addLease(h, unit(), { moveIn: '2025-08-15', end: '2026-07-31' });
    const c = L.customerIds[0]!;
    await h.sync(P1);
    const key = (await currentKey(h, c, P1.id))!;
    h.setClock('2025-09-01 12:00');
    await moveOutNow(h.deps, target(c));
    expect(await liveRegistrations(h.db, c)).toEqual([]);
    expect((await registrations(h.db, c))[0]).toMatchObject({ state: 'ended', rule: 'O3', ended_at: h.now() });
    expect((await keys(h, c)).map((k) => [k.id, k.current, k.revoked_at])).toEqual([[key.id, false, h.now()]]);
    expect(await networkKeys(h.db, c)).toEqual([]);
    expect(await staffTrail(c)).toEqual([
      ['move-out-now', null],
      ['end', 'O3'],
      ['revoke-key', 'U6'],
    ]);
    expect((await outbox(h.db, c)).map((o) => o.kind)).toEqual(['welcome']);
    await fullSyncKeeps(c);
  });

  it('O3/U3/P2: transfer now: the pending transfer opens at once, the registration moves, the key stays', async () => {
    const L = addLease(h, unit(), { moveIn: '2025-08-15', end: '2026-07-31' });
    const c = L.customerIds[0]!;
    const to = unit();
    h.sim.control.transfer({ leaseId: L.leaseId, toUnitId: to.id, moveInDate: '2025-10-01' });
    await h.sync(P1);
    const key = (await currentKey(h, c, P1.id))!;
    expect((await liveRegistrations(h.db, c)).map((r) => [r.unit_entrata_id, r.state])).toEqual([
      [expect.any(String), 'active'],
      [to.id, 'pending'],
    ]);
    h.setClock('2025-09-01 13:00');
    await transferNow(h.deps, target(c));
    expect((await liveRegistrations(h.db, c)).map((r) => [r.unit_entrata_id, r.state])).toEqual([[to.id, 'active']]);
    expect((await currentKey(h, c, P1.id))!.id).toBe(key.id);
    expect(await networkKeys(h.db, c)).toEqual([expect.objectContaining({ psk_id: key.id, unit_entrata_id: to.id })]);
    expect(await staffTrail(c)).toEqual([
      ['transfer-now', null],
      ['move-home-unit', 'U3'],
    ]);
    expect((await outbox(h.db, c)).map((o) => o.kind)).toEqual(['welcome']);
    await fullSyncKeeps(c);
  });

  it("O4: reassign moves a resident with two open windows to the other unit at once; the choice holds until that lease's window closes (then U4)", async () => {
    h.setClock('2025-09-01 14:00');
    const ua = unit();
    const ub = unit();
    const first = addLease(h, ua, { moveIn: '2025-08-10', end: '2026-07-31' });
    const c = first.customerIds[0]!;
    const second = addLease(h, ub, { moveIn: '2025-08-20', end: '2026-07-31', customers: [{ customerId: c, type: 'Primary' }] });
    await h.sync(P1);
    const home = (await liveRegistrations(h.db, c)).find((r) => r.state === 'active')!;
    const other = home.unit_entrata_id === ua.id ? ub : ua;
    const otherLease = other === ua ? first : second;
    const key = (await currentKey(h, c, P1.id))!;
    h.setClock('2025-09-01 14:05');
    await reassign(h.deps, target(c), { number: other.number });
    const after = await liveRegistrations(h.db, c);
    expect(after.filter((r) => r.state === 'active').map((r) => r.unit_entrata_id)).toEqual([other.id]);
    expect((await registrations(h.db, c)).find((r) => r.id === home.id)).toMatchObject({ state: 'ended', ended_at: h.now() });
    expect((await currentKey(h, c, P1.id))!.id).toBe(key.id);
    expect(await staffTrail(c)).toEqual(
      expect.arrayContaining([
        ['reassign', null],
        ['move-home-unit', 'O4'],
      ]),
    );
    await fullSyncKeeps(c);

    // The pinned lease ends: the resident goes back to the other open window (U4), without a gap.
    h.sim.control.giveNotice({ leaseId: otherLease.leaseId, moveOutDate: '2025-09-10' });
    h.setClock('2025-09-11 09:00');
    await h.sync(P1);
    expect((await liveRegistrations(h.db, c)).filter((r) => r.state === 'active').map((r) => r.unit_entrata_id)).toEqual([home.unit_entrata_id]);
    expect((await currentKey(h, c, P1.id))!.id).toBe(key.id);
  });

  describe('K: blocks', () => {
    it('K1/K3: a block takes the key off the network at once and survives syncs; unblocking restores access while the window is open', async () => {
      h.setClock('2025-09-12 10:00');
      const L = addLease(h, unit(), { moveIn: '2025-08-15', end: '2026-07-31' });
      const c = L.customerIds[0]!;
      await h.sync(P1);
      const key = (await currentKey(h, c, P1.id))!;
      expect(await networkKeys(h.db, c)).toHaveLength(1);

      await block(h.deps, target(c), { message: 'Rent is overdue: please see the office.' });
      expect((await liveRegistrations(h.db, c)).map((r) => r.state)).toEqual(['blocked']);
      expect(await networkKeys(h.db, c)).toEqual([]);
      expect((await currentKey(h, c, P1.id))!.id).toBe(key.id);
      expect((await outbox(h.db, c)).at(-1)).toMatchObject({
        kind: 'block',
        rule: 'K1',
        created_by: STAFF,
        payload: expect.objectContaining({ message: 'Rent is overdue: please see the office.' }),
      });
      expect(await staffTrail(c)).toEqual([
        ['block', 'K1'],
        ['block', 'K1'],
      ]);
      await expect(block(h.deps, target(c), { message: 'again' })).rejects.toBeInstanceOf(OperationError);

      // No sync restores access (K1), not even days later.
      h.setClock('2025-09-14 10:00');
      await h.sync(P1);
      await h.sync(P1, { fromMirror: true, trigger: 'transition' });
      expect((await liveRegistrations(h.db, c)).map((r) => r.state)).toEqual(['blocked']);
      expect(await networkKeys(h.db, c)).toEqual([]);

      await unblock(h.deps, target(c));
      expect((await liveRegistrations(h.db, c)).map((r) => r.state)).toEqual(['active']);
      expect(await networkKeys(h.db, c)).toEqual([expect.objectContaining({ psk_id: key.id })]);
      expect((await outbox(h.db, c)).at(-1)).toMatchObject({ kind: 'unblock', rule: 'K3', created_by: STAFF });
      expect((await audit(h.db, c)).filter((e) => e.action === 'unblock').map((e) => [e.actor, e.rule])).toEqual([[STAFF, 'K3']]);
      await expect(unblock(h.deps, target(c))).rejects.toBeInstanceOf(OperationError);
      await fullSyncKeeps(c);
      expect((await liveRegistrations(h.db, c)).map((r) => r.state)).toEqual(['active']);
    });

    it('K1/W9/K2: a block at a chosen time takes effect then through a re-plan; a move-out while blocked still ends the registration; unblocking after it restores nothing', async () => {
      h.setClock('2025-09-15 10:00');
      const L = addLease(h, unit(), { moveIn: '2025-08-15', end: '2026-07-31' });
      const c = L.customerIds[0]!;
      await h.sync(P1);
      const from = at('2025-09-17 12:00');
      await block(h.deps, target(c), { message: 'Rent block', at: from });
      expect((await liveRegistrations(h.db, c)).map((r) => r.state)).toEqual(['active']);
      expect((await outbox(h.db, c)).at(-1)).toMatchObject({ kind: 'block', not_before: from });
      // W9: the re-plan after the block scheduled the next one for the moment it starts.
      expect((await h.db.selectFrom('property').select('next_transition_at').where('id', '=', P1.id).executeTakeFirstOrThrow()).next_transition_at).toEqual(
        from,
      );

      h.setClock('2025-09-16 10:00');
      await h.sync(P1);
      expect((await liveRegistrations(h.db, c)).map((r) => r.state)).toEqual(['active']);

      h.setClock('2025-09-17 12:01');
      const r = await h.sync(P1, { fromMirror: true, trigger: 'transition' });
      expect((await liveRegistrations(h.db, c)).map((x) => x.state)).toEqual(['blocked']);
      expect(await networkKeys(h.db, c)).toEqual([]);
      expect((await audit(h.db, c)).filter((e) => e.run_id === r.runId).map((e) => [e.action, e.rule, (e.details as { dueAt: number }).dueAt])).toEqual([
        ['block', 'K1', from.getTime()],
      ]);
      await h.sync(P1);
      expect((await liveRegistrations(h.db, c)).map((x) => x.state)).toEqual(['blocked']);

      // K2: the lease lifecycle goes on underneath.
      h.sim.control.giveNotice({ leaseId: L.leaseId, moveOutDate: '2025-09-20' });
      await h.sync(P1);
      expect((await liveRegistrations(h.db, c))[0]).toMatchObject({ state: 'blocked', access_end: at('2025-09-21') });
      h.setClock('2025-09-21 09:00');
      await h.sync(P1);
      expect(await liveRegistrations(h.db, c)).toEqual([]);
      expect((await registrations(h.db, c))[0]).toMatchObject({ state: 'ended', ended_at: at('2025-09-21') });
      expect(await currentKey(h, c, P1.id)).toBeNull();
      // K3: lifting the block now restores nothing: no window is open.
      await unblock(h.deps, target(c));
      expect(await liveRegistrations(h.db, c)).toEqual([]);
      expect(await networkKeys(h.db, c)).toEqual([]);
    });
  });

  it('O1/O2: per-lease early and late dates move the access start and end; the late date keeps access after the move-out day', async () => {
    h.setClock('2025-09-21 10:00');
    const up = addLease(h, unit(), { moveIn: '2025-10-01', end: '2026-07-31' });
    const now = addLease(h, unit(), { moveIn: '2025-08-15', end: '2026-07-31' });
    h.sim.control.giveNotice({ leaseId: now.leaseId, moveOutDate: '2025-09-30' });
    await h.sync(P1);
    const a = up.customerIds[0]!;
    const b = now.customerIds[0]!;
    expect((await liveRegistrations(h.db, a))[0]).toMatchObject({ state: 'pending', access_start: at('2025-10-01') });
    expect((await liveRegistrations(h.db, b))[0]).toMatchObject({ state: 'active', access_end: at('2025-10-01') });

    await setDates(h.deps, target(a), { early: '2025-09-25' });
    expect((await liveRegistrations(h.db, a))[0]).toMatchObject({ state: 'pending', access_start: at('2025-09-25') });
    await setDates(h.deps, target(b), { late: '2025-10-05' });
    expect((await liveRegistrations(h.db, b))[0]).toMatchObject({ state: 'active', access_end: at('2025-10-06') });
    expect((await audit(h.db, b)).filter((e) => e.actor === STAFF).map((e) => [e.action, e.rule])).toEqual([
      ['set-dates', null],
      ['set-window', 'O2'],
    ]);
    expect((await audit(h.db, a)).filter((e) => e.actor === STAFF).map((e) => [e.action, e.rule])).toEqual([
      ['set-dates', null],
      ['set-window', 'O1'],
    ]);
    await expect(setDates(h.deps, target(a), { early: '25/09/2025' })).rejects.toBeInstanceOf(OperationError);

    h.setClock('2025-09-25 08:00');
    await h.sync(P1);
    expect((await liveRegistrations(h.db, a))[0]).toMatchObject({ state: 'active', rule: 'O1' });
    h.setClock('2025-10-02 09:00');
    await h.sync(P1);
    expect((await liveRegistrations(h.db, b)).map((r) => r.state)).toEqual(['active']);
    h.setClock('2025-10-06 00:30');
    await h.sync(P1);
    expect(await liveRegistrations(h.db, b)).toEqual([]);
    expect((await registrations(h.db, b))[0]).toMatchObject({ state: 'ended', rule: 'O2', ended_at: at('2025-10-06') });
  });

  it('N3/P4: resend queues the current key again; rotate issues a new one; both by the staff member', async () => {
    h.setClock('2025-10-06 10:00');
    const L = addLease(h, unit(), { moveIn: '2025-09-01', end: '2026-07-31' });
    const c = L.customerIds[0]!;
    await h.sync(P1);
    const before = await tableContents(h.db, ['registration', 'psk', 'network_key']);
    await resend(h.deps, target(c));
    expect(await tableContents(h.db, ['registration', 'psk', 'network_key'])).toEqual(before);
    expect((await outbox(h.db, c)).map((o) => [o.kind, o.rule, o.created_by])).toEqual([
      ['welcome', 'N1', 'sync'],
      ['resend', 'N3', STAFF],
    ]);
    await rotateKey(h.deps, target(c));
    expect((await outbox(h.db, c)).at(-1)).toMatchObject({ kind: 'new-key', created_by: STAFF });
    expect(await staffTrail(c)).toEqual([
      ['resend', 'N3'],
      ['rotate-key', 'P4'],
    ]);
    const stranger = addLease(h, unit(), { moveIn: '2025-12-01', end: '2026-07-31' }).customerIds[0]!;
    await h.sync(P1);
    await expect(resend(h.deps, target(stranger))).rejects.toThrow(/no key/);
    await expect(rotateKey(h.deps, target(stranger))).rejects.toThrow(/no key/);
  });

  it('O6: every manager action is in the audit trail with who, what and when, including a key reveal (P3)', async () => {
    h.setClock('2025-10-07 09:15');
    const L = addLease(h, unit(), { moveIn: '2025-09-01', end: '2026-07-31' });
    const c = L.customerIds[0]!;
    await h.sync(P1);
    const other = 'someone-else';
    const when = h.now();
    await setDates(h.deps, target(c), { late: '2026-08-05' });
    await resend(h.deps, { ...target(c), staff: other });
    const shown = await revealKey(h.deps, target(c));
    expect(shown.key).toBe((await currentKey(h, c, P1.id))?.psk);
    const trail = (await audit(h.db, c)).filter((e) => e.actor === STAFF || e.actor === other);
    const mine = trail
      .filter((e) => ['set-dates', 'resend', 'reveal-key'].includes(e.action))
      .map((e) => ({ action: e.action, actor: e.actor, at: new Date(e.at).toISOString() }));
    expect(mine).toEqual([
      { action: 'set-dates', actor: STAFF, at: when.toISOString() },
      { action: 'resend', actor: other, at: when.toISOString() },
      { action: 'reveal-key', actor: STAFF, at: when.toISOString() },
    ]);
  });

  it('E3: link makes a customer id Entrata re-created at another property one resident with the first: one history (found under either id), no second resident or key', async () => {
    h.setClock('2025-10-07 10:00');
    const old = addLease(h, unit(), { moveIn: '2025-08-15', end: '2026-07-31' });
    const x = old.customerIds[0]!;
    await h.sync(P1);
    const xKey = (await currentKey(h, x, P1.id))!;
    h.sim.control.giveNotice({ leaseId: old.leaseId, moveOutDate: '2025-10-08' });
    // The same person, entered again at P2 under a new customer id.
    const again = addLease(h, h.units(P2)[5]!, { moveIn: '2025-10-09', end: '2026-07-31' });
    const y = again.customerIds[0]!;
    h.setClock('2025-10-09 10:00');
    await h.sync(P1);
    await h.sync(P2);
    expect(await liveRegistrations(h.db, x)).toEqual([]);
    const xId = (await h.db.selectFrom('resident').select('id').where('customer_id', '=', x).executeTakeFirstOrThrow()).id;
    const yId = (await h.db.selectFrom('resident').select('id').where('customer_id', '=', y).executeTakeFirstOrThrow()).id;
    const yKey = (await currentKey(h, y, P2.id))!;
    await link(h.deps, target(x, { propertyDbId: P2.id }), y);
    expect(await h.db.selectFrom('resident').select(['id', 'linked_to']).where('id', 'in', [xId, yId]).orderBy('id').execute()).toEqual([
      { id: xId, linked_to: null },
      { id: yId, linked_to: xId },
    ]);
    // y's registration and key now belong to x (resident rows resolve through the link).
    expect((await liveRegistrations(h.db, x)).map((r) => [r.property_id, r.state])).toEqual([[P2.id, 'active']]);
    expect((await currentKey(h, x, P2.id))!.id).toBe(yKey.id);
    // One key history: the old P1 key (revoked at move-out) and the P2 key, both under x.
    expect((await keys(h, x)).map((k) => [k.id, k.property_id, k.current])).toEqual([
      [xKey.id, P1.id, false],
      [yKey.id, P2.id, true],
    ]);
    expect(await count(h.db, 'registration', `resident_id = ${yId}`)).toBe(0);
    expect(await count(h.db, 'psk', `resident_id = ${yId}`)).toBe(0);
    expect((await audit(h.db, x)).filter((e) => e.action === 'link').map((e) => [e.actor, e.rule, e.details])).toEqual([[STAFF, 'E3', { alias: y }]]);
    // Later syncs of both properties keep one resident: nothing new is created for y.
    h.setClock('2025-10-10 10:00');
    await h.sync(P1);
    await h.sync(P2);
    expect(await count(h.db, 'registration', `resident_id = ${yId}`)).toBe(0);
    expect(await count(h.db, 'psk', `resident_id = ${yId}`)).toBe(0);
    expect((await liveRegistrations(h.db, x)).map((r) => [r.property_id, r.state])).toEqual([[P2.id, 'active']]);
    expect((await currentKey(h, x, P2.id))!.id).toBe(yKey.id);
    expect((await outbox(h.db, x)).map((o) => [o.property_id, o.kind])).toEqual([
      [P1.id, 'welcome'],
      [P2.id, 'welcome'],
    ]);
    expect(await networkKeys(h.db, x)).toEqual([expect.objectContaining({ property_id: P2.id, psk_id: yKey.id })]);
    expect(await count(h.db, 'network_key', `resident_id = ${yId}`)).toBe(0);
    // Asked under the alias, the person's history answers: their notifications and recorded changes.
    expect([...new Set((await notificationsOf(h.db, P2.id, { customerId: y })).map((n) => n.kind))]).toEqual(['welcome']);
    expect((await explainResident(h.deps, y, P2.id)).join('\n')).toMatch(/ link \[E3\] by sam\.staff@example\.com/);
    await fullSyncKeeps(x);
  });

  it('S5: a unit Entrata deleted shows as missing; removing it is refused while residents are registered, and allowed after they are moved out', async () => {
    h.setClock('2025-10-11 10:00');
    const u = unit();
    const L = addLease(h, u, { moveIn: '2025-08-15', end: '2026-07-31' });
    const c = L.customerIds[0]!;
    await h.sync(P1);
    await expect(confirmUnitRemoved(h.deps, P1.id, u.id, STAFF)).rejects.toThrow(/still listed/);
    h.sim.control.deleteUnit({ unitId: u.id });
    const r = await h.sync(P1);
    const row = await h.db.selectFrom('unit').selectAll().where('property_id', '=', P1.id).where('entrata_id', '=', u.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ missing_since: h.now(), removed_at: null });
    expect(r.warnings).toContainEqual(expect.objectContaining({ code: 'unit-missing', rule: 'S5', unitId: u.id }));
    expect((await liveRegistrations(h.db, c)).map((x) => x.state)).toEqual(['active']);
    await expect(confirmUnitRemoved(h.deps, P1.id, u.id, STAFF)).rejects.toThrow(/registrations/);

    await moveOutNow(h.deps, target(c));
    await confirmUnitRemoved(h.deps, P1.id, u.id, STAFF);
    expect(await h.db.selectFrom('unit').select(['removed_at', 'removed_by']).where('id', '=', row.id).executeTakeFirstOrThrow()).toEqual({
      removed_at: h.now(),
      removed_by: STAFF,
    });
    expect(await h.db.selectFrom('audit_event').select(['actor', 'rule', 'details']).where('action', '=', 'confirm-unit-removed').execute()).toEqual([
      { actor: STAFF, rule: 'S5', details: { unit: u.number, unitId: u.id } },
    ]);
    // Later syncs leave the removed unit removed.
    await h.sync(P1);
    expect((await h.db.selectFrom('unit').select('removed_at').where('id', '=', row.id).executeTakeFirstOrThrow()).removed_at).toEqual(h.now());
  });

  it('O5: sync now of one unit or one resident reads just that; the rest waits for the next full sync', async () => {
    h.setClock('2025-10-12 10:00');
    const [ux, uy, uz] = [unit(), unit(), unit()];
    const X = addLease(h, ux, { moveIn: '2025-08-15', end: '2026-07-31' });
    const Y = addLease(h, uy, { moveIn: '2025-08-15', end: '2026-07-31' });
    await h.sync(P1);
    // In Entrata: X moved out yesterday, Y too, and Z is a new resident who moved in last week.
    h.sim.control.giveNotice({ leaseId: X.leaseId, moveOutDate: '2025-10-11' });
    h.sim.control.giveNotice({ leaseId: Y.leaseId, moveOutDate: '2025-10-11' });
    const Z = addLease(h, uz, { moveIn: '2025-10-05', end: '2026-07-31' });
    const [x, y, z] = [X.customerIds[0]!, Y.customerIds[0]!, Z.customerIds[0]!];

    const ru = await h.sync(P1, { scope: { kind: 'unit', unitNumber: ux.number }, staff: STAFF, trigger: 'manual' });
    expect(ru.status).toBe('applied');
    expect(await liveRegistrations(h.db, x)).toEqual([]);
    expect((await liveRegistrations(h.db, y)).map((r) => r.state)).toEqual(['active']);
    expect(await registrations(h.db, z)).toEqual([]);
    expect((await audit(h.db, x)).filter((e) => e.run_id === ru.runId).map((e) => [e.action, e.actor])).toEqual([
      ['end', STAFF],
      ['revoke-key', STAFF],
    ]);

    const rc = await h.sync(P1, { scope: { kind: 'customer', customerId: z }, staff: STAFF, trigger: 'manual' });
    expect((await liveRegistrations(h.db, z)).map((r) => r.state)).toEqual(['active']);
    expect((await outbox(h.db, z)).map((o) => [o.kind, o.run_id])).toEqual([['welcome', rc.runId]]);
    expect((await liveRegistrations(h.db, y)).map((r) => r.state)).toEqual(['active']);

    await h.sync(P1);
    expect(await liveRegistrations(h.db, y)).toEqual([]);
    expect((await h.sync(P1)).status).toBe('unchanged');
  });

  it('W1/O3: move in now refuses an application that is not signed, and a lease that is not upcoming', async () => {
    h.setClock('2025-10-13 10:00');
    const A = addLease(h, unit(), { moveIn: '2025-11-01', end: '2026-07-31', stage: 'applicant' });
    const c = A.customerIds[0]!;
    // The resident's own sync reads every status, the application included.
    await h.sync(P1, { scope: { kind: 'customer', customerId: c }, trigger: 'manual', staff: STAFF });
    expect(await h.db.selectFrom('lease_mirror').select('status').where('lease_id', '=', A.leaseId).executeTakeFirstOrThrow()).toEqual({ status: 'applicant' });
    await expect(moveInNow(h.deps, target(c))).rejects.toThrow(/not yet signed.*W1/);
    await expect(moveInNow(h.deps, target(c, { leaseId: A.leaseId }))).rejects.toThrow(/not yet signed.*W1/);
    expect(await count(h.db, 'lease_override', `lease_id = '${A.leaseId}'`)).toBe(0);
    const B = addLease(h, unit(), { moveIn: '2025-08-15', end: '2026-07-31' });
    await h.sync(P1);
    await expect(moveInNow(h.deps, target(B.customerIds[0]!, { leaseId: B.leaseId }))).rejects.toThrow(/current in Entrata, not a upcoming lease/);
    expect(await count(h.db, 'audit_event', "action = 'move-in-now'")).toBe(1);
  });
});
