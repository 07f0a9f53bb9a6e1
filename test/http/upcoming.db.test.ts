import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../src/engine/local-time.ts';
import { asLocalDate } from '../../src/engine/snapshot.ts';
import type { PropertySettings } from '../../src/properties/properties.ts';
import { createApiBench, type ApiBench } from '../support/api-bench.ts';
import { addLease, auditOf, registrationsOf, simUnits, syncNow } from './property-support.ts';

let t: ApiBench;
let a: PropertySettings;
let b: PropertySettings;
let today: string;
/** Three people of property A: one moving in, one moving out, one transferring, all within the week. */
let arriving: ReturnType<typeof addLease>;
let leaving: ReturnType<typeof addLease>;
let moving: ReturnType<typeof addLease>;
let movingTo: string;
const day = (n: number) => addDays(asLocalDate(today), n);

beforeAll(async () => {
  t = await createApiBench();
  [a, b] = t.bench.props as [PropertySettings, PropertySettings];
  today = t.bench.sim.control.today();
  arriving = addLease(t, a, { days: 4, unitIndex: 0, firstName: 'Ada' });
  leaving = addLease(t, a, { days: -40, unitIndex: 1, firstName: 'Lea' });
  moving = addLease(t, a, { days: -40, unitIndex: 2, firstName: 'Tomas' });
  await syncNow(t, a);
  t.bench.sim.control.giveNotice({ leaseId: leaving.leaseId, moveOutDate: day(3) });
  movingTo = simUnits(t, a)[3]!.id;
  t.bench.sim.control.transfer({ leaseId: moving.leaseId, toUnitId: movingTo, moveInDate: day(6) });
  await syncNow(t, a);
}, 120_000);
afterAll(async () => t?.close());

const get = (url: string, headers = t.callers.as('employee', [a.id])) => t.app.inject({ method: 'GET', url, headers });
const execute = (payload: object, headers = t.callers.as('manager', [a.id]), id = a.entrataId) =>
  t.app.inject({ method: 'POST', url: `/api/properties/${id}/upcoming/execute`, headers, payload });

describe('GET /api/properties/:propertyId/upcoming', () => {
  it("lists the week's move-in, move-out and transfer with who, where, the local day and what will happen", async () => {
    const r = await get(`/api/properties/${a.entrataId}/upcoming?days=7`);
    expect(r.statusCode).toBe(200);
    const items = r.json().items as Array<Record<string, unknown>>;
    const of = (c: string) => items.filter((i) => i.customerId === c);
    expect(of(arriving.customerId)).toEqual([
      expect.objectContaining({
        kind: 'move-in',
        name: 'Ada Newcomer',
        unitId: arriving.unit.id,
        day: day(4),
        entrataDate: day(4),
        leaseIds: [arriving.leaseId],
        place: expect.stringMatching(new RegExp(`^unit ${arriving.unit.number}`)),
        says: expect.stringMatching(/^Ada Newcomer moves into unit .*: Wi-Fi access starts .* and the key is sent then$/),
      }),
    ]);
    expect(of(leaving.customerId)).toEqual([
      expect.objectContaining({
        kind: 'move-out',
        name: 'Lea Newcomer',
        day: day(3),
        entrataDate: day(3),
        says: expect.stringContaining(`Wi-Fi access ends after ${day(3)}`),
      }),
    ]);
    expect(of(moving.customerId)).toEqual([
      expect.objectContaining({
        kind: 'transfer',
        name: 'Tomas Newcomer',
        unitId: movingTo,
        day: day(6),
        fromPlace: expect.stringMatching(new RegExp(`^unit ${moving.unit.number}`)),
        says: expect.stringContaining('Tomas Newcomer moves from unit'),
      }),
    ]);
    // In the order they happen.
    const days = items.map((i) => i.at as string).map(Date.parse);
    expect(days).toEqual([...days].sort((x, y) => x - y));
  });

  it('?days bounds the horizon: the move-out in 3 days is within days=3, the move-in in 4 days is not', async () => {
    const items = (await get(`/api/properties/${a.entrataId}/upcoming?days=3`)).json().items as Array<{ customerId: string }>;
    expect(items.map((i) => i.customerId)).toContain(leaving.customerId);
    expect(items.map((i) => i.customerId)).not.toContain(arriving.customerId);
  });

  it('validation names the field; a property the caller may not see is 404', async () => {
    for (const q of ['days=400', 'days=soon', 'day=3']) {
      const r = await get(`/api/properties/${a.entrataId}/upcoming?${q}`);
      expect(r.statusCode, q).toBe(400);
      expect(r.json().message, q).toMatch(/days?\b/);
    }
    expect((await get(`/api/properties/${a.entrataId}/upcoming`, t.callers.as('owner', [b.id]))).statusCode).toBe(404);
    expect((await get('/api/properties/999999/upcoming', t.admin)).statusCode).toBe(404);
  });
});

describe('POST /api/properties/:propertyId/upcoming/execute (O3)', () => {
  it('validation names the field', async () => {
    const cases: Array<[object, RegExp]> = [
      [{ customerId: arriving.customerId, kind: 'moveIn' }, /kind/],
      [{ customerId: 'ada', kind: 'move-in' }, /customerId/],
      [{ kind: 'move-in' }, /customerId/],
      [{ customerId: arriving.customerId, kind: 'move-in', unit: '101' }, /unit/],
    ];
    for (const [payload, message] of cases) {
      const r = await execute(payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().message, JSON.stringify(payload)).toMatch(message);
    }
  });

  it('not found: a resident of another property or no one at all (404), a property the caller may not see (404); an employee may not (403)', async () => {
    const other = addLease(t, b, { days: 5, unitIndex: 0, firstName: 'Bea' });
    await syncNow(t, b);
    const foreign = await execute({ customerId: other.customerId, kind: 'move-in' });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().code).toBe('customer-not-found');
    expect((await registrationsOf(t, b, other.customerId)).map((g) => g.state)).toEqual(['pending']);
    expect((await execute({ customerId: '999999999', kind: 'move-in' })).statusCode).toBe(404);
    expect((await execute({ customerId: arriving.customerId, kind: 'move-in' }, t.callers.as('manager', [b.id]))).statusCode).toBe(404);
    expect((await execute({ customerId: arriving.customerId, kind: 'move-in' }, t.callers.as('employee', [a.id]))).statusCode).toBe(403);
    expect((await registrationsOf(t, a, arriving.customerId)).map((g) => g.state)).toEqual(['pending']);
  });

  it('O3: the move-in done early makes the resident active with a key and a welcome at once; the audit names the manager', async () => {
    const r = await execute({ customerId: arriving.customerId, kind: 'move-in' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ property: a.entrataId, customerId: arriving.customerId, kind: 'move-in', run: { status: 'applied' } });
    expect((await registrationsOf(t, a, arriving.customerId)).map((g) => [g.state, g.unit_entrata_id])).toEqual([['active', arriving.unit.id]]);
    const resident = await t.bench.db.selectFrom('resident').select('id').where('customer_id', '=', arriving.customerId).executeTakeFirstOrThrow();
    expect(await t.bench.db.selectFrom('psk').select('id').where('resident_id', '=', resident.id).where('current', '=', true).execute()).toHaveLength(1);
    expect((await t.bench.db.selectFrom('outbox').select('kind').where('resident_id', '=', resident.id).execute()).map((o) => o.kind)).toContain('welcome');
    expect((await auditOf(t, 'move-in-now')).map((e) => [e.actor, e.property_id])).toEqual([[expect.stringMatching(/^token:test-manager-/), a.id]]);
    // No longer upcoming.
    const items = (await get(`/api/properties/${a.entrataId}/upcoming?days=7`)).json().items as Array<{ customerId: string }>;
    expect(items.map((i) => i.customerId)).not.toContain(arriving.customerId);
  });

  it('O3: the transfer done early moves the resident to the new unit now; the move-out done early ends access now', async () => {
    const moved = await execute({ customerId: moving.customerId, kind: 'transfer' });
    expect(moved.statusCode).toBe(200);
    expect((await registrationsOf(t, a, moving.customerId)).filter((g) => g.state === 'active').map((g) => g.unit_entrata_id)).toEqual([movingTo]);

    const out = await execute({ customerId: leaving.customerId, kind: 'move-out', leaseId: leaving.leaseId });
    expect(out.statusCode).toBe(200);
    expect((await registrationsOf(t, a, leaving.customerId)).map((g) => [g.state, g.rule])).toEqual([['ended', 'O3']]);
  });

  it('a kind that does not fit the resident is refused with what to do', async () => {
    const r = await execute({ customerId: leaving.customerId, kind: 'transfer' });
    expect(r.statusCode).toBe(409);
    expect(r.json().message).toMatch(/no pending transfer lease/);
  });
});

describe('S5: units missing in Entrata', () => {
  it('a deleted unit is listed with who is still registered; confirming is refused until they are moved out, then it is removed', async () => {
    // A unit none of the tests above uses, where nobody is about to move in (a pending registration can only
    // be cleared by Entrata, not by moving someone out).
    const pending = new Set(
      (await t.bench.db.selectFrom('registration').select('unit_entrata_id').where('property_id', '=', a.id).where('state', '=', 'pending').execute()).map(
        (g) => g.unit_entrata_id,
      ),
    );
    const unitIndex = simUnits(t, a).findIndex((u, i) => i >= 4 && !pending.has(u.id));
    const unit = simUnits(t, a)[unitIndex]!;
    const stays = addLease(t, a, { days: -20, unitIndex, firstName: 'Sam' });
    await syncNow(t, a);
    const live = await t.bench.db
      .selectFrom('registration as g')
      .innerJoin('resident as r', 'r.id', 'g.resident_id')
      .select('r.customer_id')
      .where('g.property_id', '=', a.id)
      .where('g.unit_entrata_id', '=', unit.id)
      .where('g.state', 'in', ['active', 'blocked', 'pending'])
      .orderBy('r.customer_id')
      .execute();
    expect(live.map((x) => x.customer_id)).toContain(stays.customerId);
    t.bench.sim.control.deleteUnit({ unitId: unit.id });
    await syncNow(t, a);

    const list = await get(`/api/properties/${a.entrataId}/units/missing`);
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toEqual([
      expect.objectContaining({
        unitId: unit.id,
        number: unit.number,
        registered: expect.arrayContaining([{ customerId: stays.customerId, name: 'Sam Newcomer', state: 'active' }]),
        says: expect.stringMatching(/still registered .*: move them out before confirming it removed \(S5\)$/),
      }),
    ]);
    expect(list.json().items[0].registered).toHaveLength(live.length);

    const confirm = (headers = t.callers.as('manager', [a.id]), unitId = unit.id, id = a.entrataId) =>
      t.app.inject({ method: 'POST', url: `/api/properties/${id}/units/${unitId}/confirm-removed`, headers });
    const refused = await confirm();
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toMatch(/move those residents out first \(S5\)/);

    // Foreign and unknown units, a property the caller may not see, an employee.
    const bUnit = simUnits(t, b)[0]!.id;
    expect((await confirm(undefined, bUnit)).json().code).toBe('unit-not-found');
    expect((await confirm(undefined, '999999')).statusCode).toBe(404);
    expect((await confirm(t.callers.as('manager', [b.id]))).statusCode).toBe(404);
    expect((await confirm(t.callers.as('employee', [a.id]))).statusCode).toBe(403);
    expect((await confirm(undefined, 'not an id!')).statusCode).toBe(400);

    for (const { customer_id } of live) expect((await execute({ customerId: customer_id, kind: 'move-out' })).statusCode, customer_id).toBe(200);
    const ok = await confirm();
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ property: a.entrataId, unitId: unit.id, removed: true });
    expect((await get(`/api/properties/${a.entrataId}/units/missing`)).json().items).toEqual([]);
    expect((await auditOf(t, 'confirm-unit-removed')).map((e) => [e.actor, e.rule])).toEqual([[expect.stringMatching(/^token:test-manager-/), 'S5']]);
  });

  it('not found: the list of a property the caller may not see is 404', async () => {
    expect((await get(`/api/properties/${a.entrataId}/units/missing`, t.callers.as('employee', [b.id]))).statusCode).toBe(404);
    expect((await get(`/api/properties/${a.entrataId}/units/missing?acount=acme`)).statusCode).toBe(400);
  });
});
