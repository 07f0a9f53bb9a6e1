// A year in the life of two properties of one Entrata account, synced step by step as the simulated
// date moves: move-ins, transfers within and across properties, a roommate leaving, a cancellation,
// a renewal, a lease vanishing from Entrata, a mass Past glitch held for approval, and a term-end
// move-out that is not held. At every step the same sync run again must change nothing (S1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveHold } from '../../src/operations/operations.ts';
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
  tableContents,
  type Harness,
} from './harness.ts';

const STAFF = 'olga.owner@example.com';

describe("a property's year", () => {
  let h: Harness;
  let P1: Harness['props'][number];
  let P2: Harness['props'][number];
  const L: Record<string, { leaseId: string; customerIds: string[] }> = {};
  const who: Record<string, string> = {};
  let units1: ReturnType<Harness['units']>;
  let units2: ReturnType<Harness['units']>;
  const saved: Record<string, unknown> = {};

  beforeAll(async () => {
    h = await createHarness({ start: '2025-07-01 10:00', properties: 2, units: 20, seed: 'year' });
    [P1, P2] = h.props as [typeof P1, typeof P2];
    units1 = h.units(P1);
    units2 = h.units(P2);
    const term = { moveIn: '2025-08-15', end: '2026-07-31' };
    L.A = addLease(h, units1[0]!, { ...term, people: 2, guarantor: true });
    L.B = addLease(h, units1[1]!, term);
    L.C = addLease(h, units1[3]!, term);
    L.D = addLease(h, units1[4]!, { moveIn: '2025-08-20', end: '2026-07-31' });
    L.E = addLease(h, units1[5]!, term);
    L.F = addLease(h, units1[6]!, term);
    for (let i = 0; i < 10; i++) L[`G${i}`] = addLease(h, units1[7 + i]!, term);
    L.H = addLease(h, units2[1]!, term);
    for (const [k, l] of Object.entries(L)) who[k.length === 1 ? `${k}1` : k] = l.customerIds[0]!;
    who.A2 = L.A!.customerIds[1]!;
    who.Aguarantor = L.A!.customerIds[2]!;
  });
  afterAll(async () => h?.close());

  const Gs = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `G${from + i}`);

  /** Syncs both properties; then a second round must change no row of any registry table (S1). */
  async function syncAll(): Promise<Array<Awaited<ReturnType<Harness['sync']>>>> {
    const r = [await h.sync(P1), await h.sync(P2)];
    for (const x of r) expect(x.status, JSON.stringify(x.error)).not.toBe('failed');
    const before = await tableContents(h.db);
    const again = [await h.sync(P1), await h.sync(P2)];
    expect(
      again.flatMap((x) => x.actions),
      'S1: a second sync plans nothing',
    ).toEqual([]);
    expect(await tableContents(h.db), 'S1: a second sync writes nothing').toEqual(before);
    return r;
  }
  const live = async (name: string) =>
    (await liveRegistrations(h.db, who[name]!)).map((r) => [r.property_id === P1.id ? 'P1' : 'P2', r.unit_entrata_id, r.state]);
  const unit1 = (i: number) => units1[i]!.id;
  const unit2 = (i: number) => units2[i]!.id;

  it('2025-07-01, first sync before the term: everyone is pre-registered; no key, no message; guarantors are not residents (E1)', async () => {
    const [r1, r2] = await syncAll();
    for (const name of ['A1', 'A2', 'B1', 'C1', 'E1', 'F1', ...Gs(0, 10)]) expect(await live(name), name).toEqual([['P1', expect.any(String), 'pending']]);
    expect(await live('H1')).toEqual([['P2', unit2(1), 'pending']]);
    expect((await liveRegistrations(h.db, who.A1!))[0]).toMatchObject({ access_start: at('2025-08-15'), access_end: null, lease_ids: [L.A!.leaseId] });
    expect(await h.db.selectFrom('resident').select('id').where('customer_id', '=', who.Aguarantor!).execute()).toEqual([]);
    expect(await count(h.db, 'psk')).toBe(0);
    expect(await count(h.db, 'outbox')).toBe(0);
    expect(await count(h.db, 'network_key')).toBe(0);
    expect((await audit(h.db, who.A1!)).map((e) => [e.action, e.rule, e.lease_id, e.run_id])).toEqual([
      ['upsert-resident', 'E3', null, r1!.runId],
      ['register', 'W2', L.A!.leaseId, r1!.runId],
    ]);
    expect(r2!.runId).not.toBe(r1!.runId);
    expect((await h.property(P1)).firstSyncedAt).toEqual(at('2025-07-01 10:00'));
  });

  it('2025-08-10, W5/N5: a lease cancelled before move-in withdraws its pre-registration quietly', async () => {
    h.setClock('2025-08-10 10:00');
    h.sim.control.cancelLease({ leaseId: L.D!.leaseId });
    const [r] = await syncAll();
    expect(await live('D1')).toEqual([]);
    expect((await registrations(h.db, who.D1!))[0]).toMatchObject({ state: 'ended', rule: 'W5', ended_at: h.now() });
    expect((await audit(h.db, who.D1!)).at(-1)).toMatchObject({ action: 'withdraw', rule: 'W5', lease_id: L.D!.leaseId, run_id: r!.runId });
    expect(await outbox(h.db, who.D1!)).toEqual([]);
    expect(await count(h.db, 'outbox')).toBe(0);
  });

  it('2025-08-15, move-in day, W2/N1/P1: access starts, one key each, one welcome each', async () => {
    h.setClock('2025-08-15 09:00');
    const [r1, r2] = await syncAll();
    const p1People = ['A1', 'A2', 'B1', 'C1', 'E1', 'F1', ...Gs(0, 10)];
    for (const name of p1People) {
      expect(await live(name), name).toEqual([['P1', expect.any(String), 'active']]);
      const k = (await currentKey(h, who[name]!, P1.id))!;
      expect(k).toMatchObject({ rule: 'P1', current: true, created_at: h.now() });
      expect((await outbox(h.db, who[name]!)).map((o) => [o.kind, o.rule, o.run_id])).toEqual([['welcome', 'N1', r1!.runId]]);
      expect((await networkKeys(h.db, who[name]!)).map((n) => n.psk_id)).toEqual([k.id]);
    }
    expect(await live('A1')).toEqual([['P1', unit1(0), 'active']]);
    expect(await live('A2')).toEqual([['P1', unit1(0), 'active']]);
    expect((await outbox(h.db, who.H1!)).map((o) => [o.kind, o.rule, o.run_id, o.property_id])).toEqual([['welcome', 'N1', r2!.runId, P2.id]]);
    expect(await count(h.db, 'outbox')).toBe(p1People.length + 1);
    expect(await count(h.db, 'network_key')).toBe(p1People.length + 1);
    saved.keyB1 = (await currentKey(h, who.B1!, P1.id))!.id;
    saved.keyC1 = (await currentKey(h, who.C1!, P1.id))!;
  });

  it('2025-09-15, U3: transfers announced (within P1 and to P2) change nothing yet but pre-register the new units', async () => {
    h.setClock('2025-09-15 10:00');
    const outboxBefore = await count(h.db, 'outbox');
    L.B2 = {
      leaseId: h.sim.control.transfer({ leaseId: L.B!.leaseId, toUnitId: unit1(2), moveInDate: '2025-10-01' }).createdLeaseIds[0]!,
      customerIds: [who.B1!],
    };
    L.C2 = {
      leaseId: h.sim.control.transfer({ leaseId: L.C!.leaseId, toUnitId: unit2(0), moveInDate: '2025-11-01' }).createdLeaseIds[0]!,
      customerIds: [who.C1!],
    };
    await syncAll();
    expect(await live('B1')).toEqual([
      ['P1', unit1(1), 'active'],
      ['P1', unit1(2), 'pending'],
    ]);
    expect((await liveRegistrations(h.db, who.B1!))[0]!.access_end).toEqual(at('2025-10-02'));
    expect(await live('C1')).toEqual([
      ['P1', unit1(3), 'active'],
      ['P2', unit2(0), 'pending'],
    ]);
    expect(await keys(h, who.C1!, P2.id)).toEqual([]);
    expect((await currentKey(h, who.B1!, P1.id))!.id).toBe(saved.keyB1);
    expect(await count(h.db, 'outbox')).toBe(outboxBefore);
  });

  it('2025-10-01, U3/P2: the transfer within P1 moves the registration on the move day; the key stays; nothing is sent', async () => {
    h.setClock('2025-10-01 09:00');
    const outboxBefore = await count(h.db, 'outbox');
    const [r] = await syncAll();
    expect(await live('B1')).toEqual([['P1', unit1(2), 'active']]);
    const regs = await registrations(h.db, who.B1!);
    expect(regs.find((x) => x.unit_entrata_id === unit1(1))).toMatchObject({ state: 'ended', rule: 'U3' });
    const k = (await currentKey(h, who.B1!, P1.id))!;
    expect(k.id).toBe(saved.keyB1);
    expect((await keys(h, who.B1!)).length).toBe(1);
    expect(await networkKeys(h.db, who.B1!)).toEqual([expect.objectContaining({ psk_id: k.id, unit_entrata_id: unit1(2) })]);
    expect((await audit(h.db, who.B1!)).filter((e) => e.run_id === r!.runId).map((e) => [e.action, e.rule, e.lease_id])).toEqual([
      ['move-home-unit', 'U3', L.B2!.leaseId],
    ]);
    expect(await count(h.db, 'outbox')).toBe(outboxBefore);
  });

  it('2025-11-01, U3/P2/N2: the transfer to P2 registers at both properties on the move day, with a new key and one new-key message at P2', async () => {
    h.setClock('2025-11-01 09:00');
    const [, r2] = await syncAll();
    expect(await live('C1')).toEqual([
      ['P1', unit1(3), 'active'],
      ['P2', unit2(0), 'active'],
    ]);
    const k2 = (await currentKey(h, who.C1!, P2.id))!;
    const old = saved.keyC1 as { id: number; psk: string };
    expect(k2).toMatchObject({ rule: 'P2', current: true });
    expect(k2.psk).not.toBe(old.psk);
    expect((await currentKey(h, who.C1!, P1.id))!.id).toBe(old.id);
    expect((await outbox(h.db, who.C1!)).map((o) => [o.property_id, o.kind, o.rule])).toEqual([
      [P1.id, 'welcome', 'N1'],
      [P2.id, 'new-key', 'N2'],
    ]);
    expect((await outbox(h.db, who.C1!, P2.id))[0]).toMatchObject({
      run_id: r2!.runId,
      payload: expect.objectContaining({ ssid: 'Pebbles-2', leaseId: L.C2!.leaseId }),
    });
    expect((await networkKeys(h.db, who.C1!)).map((n) => [n.property_id, n.psk_id])).toEqual([
      [P1.id, old.id],
      [P2.id, k2.id],
    ]);
  });

  it('2025-11-02, U3/U6: once the old window closes the P1 registration ends and the P1 key is revoked', async () => {
    h.setClock('2025-11-02 09:00');
    const [r1] = await syncAll();
    expect(await live('C1')).toEqual([['P2', unit2(0), 'active']]);
    const old = (await registrations(h.db, who.C1!, P1.id)).at(-1)!;
    expect(old).toMatchObject({ state: 'ended', ended_at: at('2025-11-02') });
    expect(await currentKey(h, who.C1!, P1.id)).toBeNull();
    expect((await keys(h, who.C1!, P1.id))[0]).toMatchObject({ current: false, revoked_at: h.now() });
    expect((await networkKeys(h.db, who.C1!)).map((n) => n.property_id)).toEqual([P2.id]);
    const ev = (await audit(h.db, who.C1!, P1.id)).filter((e) => e.run_id === r1!.runId).map((e) => [e.action, e.rule]);
    // The old lease is Past now: its window closed at the end of the move-out day (W4).
    expect(ev).toEqual([
      ['end', 'W4'],
      ['revoke-key', 'U6'],
    ]);
    expect((await audit(h.db, who.C1!, P1.id)).find((e) => e.run_id === r1!.runId)).toMatchObject({ lease_id: L.C!.leaseId });
    expect((await outbox(h.db, who.C1!)).length).toBe(2);
  });

  it('2025-12, W6: a roommate leaving mid-lease loses access on their own move-out day; the other keeps it', async () => {
    h.setClock('2025-12-01 10:00');
    h.sim.control.customerMoveOut({ leaseId: L.A!.leaseId, customerId: who.A2!, moveOutDate: '2025-12-15' });
    await syncAll();
    expect((await liveRegistrations(h.db, who.A2!))[0]).toMatchObject({ state: 'active', access_end: at('2025-12-16') });
    expect((await liveRegistrations(h.db, who.A1!))[0]).toMatchObject({ state: 'active', access_end: null });

    h.setClock('2025-12-16 09:00');
    const [r] = await syncAll();
    expect(await live('A2')).toEqual([]);
    expect((await registrations(h.db, who.A2!))[0]).toMatchObject({ state: 'ended', rule: 'W6', ended_at: at('2025-12-16') });
    expect(await currentKey(h, who.A2!, P1.id)).toBeNull();
    expect((await audit(h.db, who.A2!)).filter((e) => e.run_id === r!.runId).map((e) => [e.action, e.rule, e.lease_id])).toEqual([
      ['end', 'W6', L.A!.leaseId],
      ['revoke-key', 'U6', null],
    ]);
    expect(await live('A1')).toEqual([['P1', unit1(0), 'active']]);
    expect((await outbox(h.db, who.A2!)).length).toBe(1);
  });

  it('2026-01-10, W7: a renewal changes nothing and sends nothing', async () => {
    h.setClock('2026-01-10 10:00');
    h.sim.control.renewLease({ leaseId: L.E!.leaseId, endDate: '2027-07-31' });
    const watched = ['registration', 'psk', 'outbox', 'audit_event', 'network_key', 'resident', 'hold'];
    const before = await tableContents(h.db, watched);
    const [r] = await syncAll();
    expect(r!.actions).toEqual([]);
    expect(h.sim.control.leaseView(L.E!.leaseId)).toMatchObject({ subStatus: 'Renewed' });
    expect(await tableContents(h.db, watched)).toEqual(before);
  });

  it('2026-01-20, S2: a lease Entrata no longer returns at all keeps its access and is shown as missing', async () => {
    h.setClock('2026-01-20 10:00');
    h.sim.control.dropLease({ leaseId: L.F!.leaseId });
    const watched = ['registration', 'psk', 'outbox', 'network_key'];
    const before = await tableContents(h.db, watched);
    const [r] = await syncAll();
    expect(r!.warnings).toContainEqual(expect.objectContaining({ code: 'missing-in-entrata', rule: 'S2', leaseId: L.F!.leaseId }));
    expect(await tableContents(h.db, watched)).toEqual(before);
    expect(await live('F1')).toEqual([['P1', unit1(6), 'active']]);
    const m = await h.db.selectFrom('lease_mirror').select(['missing_since', 'status']).where('lease_id', '=', L.F!.leaseId).executeTakeFirstOrThrow();
    expect(m).toEqual({ missing_since: h.now(), status: 'current' });
  });

  it('2026-02-01, S3: six residents flipped to Past without a scheduled move-out are held, access unchanged; approval ends it without a message', async () => {
    h.setClock('2026-02-01 10:00');
    const glitched = Gs(0, 6);
    h.sim.control.moveOut({ leaseIds: glitched.map((g) => L[g]!.leaseId), moveOutDate: null });
    const watched = ['registration', 'psk', 'outbox', 'network_key'];
    const before = await tableContents(h.db, watched);
    const [r] = await syncAll();
    expect(r!.held).toEqual({ holdId: expect.any(Number), endings: 6 });
    expect(await tableContents(h.db, watched)).toEqual(before);
    for (const g of glitched) expect(await live(g), g).toEqual([['P1', expect.any(String), 'active']]);
    const hold = await h.db.selectFrom('hold').selectAll().where('id', '=', r!.held!.holdId).executeTakeFirstOrThrow();
    expect(hold).toMatchObject({ state: 'open', opened_by_run: r!.runId, property_id: P1.id });
    expect((hold.endings as Array<{ customerId: string }>).map((e) => e.customerId).sort()).toEqual(glitched.map((g) => who[g]).sort());

    h.setClock('2026-02-01 11:00');
    const outboxBefore = await count(h.db, 'outbox');
    const approved = await approveHold(h.deps, hold.id, STAFF);
    expect(approved.status).toBe('applied');
    for (const g of glitched) {
      expect(await live(g), g).toEqual([]);
      expect((await registrations(h.db, who[g]!))[0]).toMatchObject({ state: 'ended', rule: 'W4', ended_at: h.now() });
      expect(await currentKey(h, who[g]!, P1.id)).toBeNull();
      expect((await audit(h.db, who[g]!)).filter((e) => e.run_id === approved.runId).map((e) => [e.action, e.actor])).toEqual([
        ['end', STAFF],
        ['revoke-key', STAFF],
      ]);
    }
    for (const g of Gs(6, 10)) expect(await live(g), g).toEqual([['P1', expect.any(String), 'active']]);
    expect(await count(h.db, 'outbox')).toBe(outboxBefore);
    expect(await h.db.selectFrom('hold').select(['state', 'decided_by']).where('id', '=', hold.id).executeTakeFirstOrThrow()).toEqual({
      state: 'approved',
      decided_by: STAFF,
    });
    await syncAll();
    for (const g of glitched) expect(await live(g), g).toEqual([]);
  });

  it("2026-05-01: notices for the term end and a returning resident's lease for next term", async () => {
    h.setClock('2026-05-01 10:00');
    const leaving = [L.A!.leaseId, L.B2!.leaseId, ...Gs(6, 10).map((g) => L[g]!.leaseId)];
    for (const leaseId of leaving) h.sim.control.giveNotice({ leaseId, moveOutDate: '2026-07-31' });
    L.A3 = addLease(h, units1[17]!, { moveIn: '2026-08-15', end: '2027-07-31', customers: [{ customerId: who.A1!, type: 'Primary' }] });
    await syncAll();
    for (const name of ['A1', 'B1', ...Gs(6, 10)]) {
      const regs = await liveRegistrations(h.db, who[name]!);
      expect(
        regs.find((r) => r.state === 'active'),
        name,
      ).toMatchObject({ access_end: at('2026-08-01') });
    }
    expect(await live('A1')).toEqual([
      ['P1', unit1(0), 'active'],
      ['P1', unit1(17), 'pending'],
    ]);
    saved.keyA1 = (await currentKey(h, who.A1!, P1.id))!;
  });

  it('2026-08-01, W9/W3/S3: the term-end move-out of six residents applies at midnight without an Entrata read, and is not held: their move-out dates were known', async () => {
    // W9: the last sync scheduled a re-plan for the end of the move-out day.
    h.setClock('2026-07-31 12:00');
    await syncAll();
    expect((await h.db.selectFrom('property').select('next_transition_at').where('id', '=', P1.id).executeTakeFirstOrThrow()).next_transition_at).toEqual(
      at('2026-08-01'),
    );
    h.setClock('2026-08-01 00:01');
    const outboxBefore = await count(h.db, 'outbox');
    const r = await h.sync(P1, { fromMirror: true, trigger: 'transition' });
    expect(r.held).toBeNull();
    expect(await count(h.db, 'hold', "state = 'open'")).toBe(0);
    for (const name of ['B1', ...Gs(6, 10)]) {
      expect(await live(name), name).toEqual([]);
      expect((await registrations(h.db, who[name]!)).at(-1), name).toMatchObject({ state: 'ended', rule: 'W3', ended_at: at('2026-08-01') });
      expect(await currentKey(h, who[name]!, P1.id)).toBeNull();
      expect((await audit(h.db, who[name]!)).filter((e) => e.run_id === r.runId).map((e) => [e.action, e.rule])).toEqual([
        ['end', 'W3'],
        ['revoke-key', 'U6'],
      ]);
    }
    // A1 has no open window until next term: the registration ends (U6), the next term's stays pending.
    expect(await live('A1')).toEqual([['P1', unit1(17), 'pending']]);
    expect(await currentKey(h, who.A1!, P1.id)).toBeNull();

    // Entrata read in the morning (the leases are Past now): nothing more changes.
    h.setClock('2026-08-01 09:00');
    const morning = await tableContents(h.db, ['registration', 'psk', 'outbox', 'network_key', 'hold']);
    await syncAll();
    expect(await tableContents(h.db, ['registration', 'psk', 'outbox', 'network_key', 'hold'])).toEqual(morning);
    // The renewed lease and the lease missing in Entrata keep their access.
    expect(await live('E1')).toEqual([['P1', unit1(5), 'active']]);
    expect(await live('F1')).toEqual([['P1', unit1(6), 'active']]);
    expect(await live('C1')).toEqual([['P2', unit2(0), 'active']]);
    expect(await count(h.db, 'outbox')).toBe(outboxBefore);
    expect(await count(h.db, 'network_key', `property_id = ${P1.id}`)).toBe(2);
  });

  it('2026-08-15, P1/N1: the returning resident moves in for next term with a new key and a welcome', async () => {
    h.setClock('2026-08-15 09:00');
    const [r] = await syncAll();
    expect(await live('A1')).toEqual([['P1', unit1(17), 'active']]);
    const k = (await currentKey(h, who.A1!, P1.id))!;
    const old = saved.keyA1 as { id: number; psk: string };
    expect(k.id).not.toBe(old.id);
    expect(k.psk).not.toBe(old.psk);
    expect((await outbox(h.db, who.A1!)).map((o) => [o.kind, o.rule, o.run_id])).toEqual([
      ['welcome', 'N1', expect.any(Number)],
      ['welcome', 'N1', r!.runId],
    ]);
    expect((await outbox(h.db, who.A1!)).at(-1)!.payload).toMatchObject({ leaseId: L.A3!.leaseId, unitId: unit1(17) });
  });
});
