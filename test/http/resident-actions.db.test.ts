// The resident operations over HTTP (F-05..F-08, F-15, F-20): each route on the real API, database and
// simulator, as staff of each role call it; the same service as `pebbles resident …` underneath.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PropertySettings } from '../../src/properties/properties.ts';
import type { SimUnit } from '../../src/simulator/model.ts';
import { syncProperty } from '../../src/sync/sync-property.ts';
import { createApiBench, type ApiBench } from '../support/api-bench.ts';

let t: ApiBench;
let A: PropertySettings;
let B: PropertySettings;
let nextUnit = 0;

beforeAll(async () => {
  t = await createApiBench({ units: 24 });
  [A, B] = t.bench.props as [PropertySettings, PropertySettings];
}, 120_000);
afterAll(async () => t?.close());

// ── fixtures ─────────────────────────────────────────────────────────────────────────────────────

const today = () => t.bench.sim.control.today();
/** The simulator's local date `days` from today. */
function day(days: number): string {
  const d = new Date(`${today()}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
const unitsOf = (p: PropertySettings): SimUnit[] => t.bench.sim.control.portfolio().propertyById.get(p.entrataId)!.units;
/** Units handed out in turn, so each test's residents live apart (new leases overlap the generated ones). */
const unit = (p: PropertySettings = A) => unitsOf(p)[nextUnit++ % unitsOf(p).length]!;

let people = 0;
/** A new lease in Entrata (moving in `moveIn` days from today); answers its lease and customer ids. */
function lease(u: SimUnit, moveIn: number, customers?: Array<{ customerId: string }>) {
  const k = ++people;
  const r = t.bench.sim.control.addLease({
    unitId: u.id,
    moveInDate: day(moveIn),
    endDate: day(300),
    customers: customers ?? [{ firstName: `Api${k}`, lastName: 'Resident', email: `api${k}@example.com` }],
  });
  return { leaseId: r.createdLeaseIds[0]!, customerId: r.customerIds[0]! };
}

const sync = (p: PropertySettings) => syncProperty(t.bench.worker.deps, { propertyDbId: p.id, trigger: 'command' });

/** A resident living at the property now, with a key. */
async function resident(p: PropertySettings = A): Promise<string> {
  const { customerId } = lease(unit(p), -10);
  await sync(p);
  return customerId;
}

const url = (p: PropertySettings, customerId: string, action: string) => `/api/properties/${p.entrataId}/residents/${customerId}/${action}`;
const manager = (p: PropertySettings = A) => t.callers.as('manager', [p.id]);
const employee = (p: PropertySettings = A) => t.callers.as('employee', [p.id]);

async function post(p: PropertySettings, customerId: string, action: string, payload?: unknown, headers = manager(p), method: 'POST' | 'PUT' = 'POST') {
  // Time passes between what staff see and what they do (a pin is newer than the registration it moves).
  t.bench.clock.advance(1000);
  return t.app.inject({ method, url: url(p, customerId, action), headers, ...(payload === undefined ? {} : { payload: payload as object }) });
}

async function residentId(customerId: string): Promise<number> {
  return (await t.bench.db.selectFrom('resident').select('id').where('customer_id', '=', customerId).executeTakeFirstOrThrow()).id;
}
async function auditOf(customerId: string) {
  return t.bench.db
    .selectFrom('audit_event')
    .select(['actor', 'action', 'rule'])
    .where('resident_id', '=', await residentId(customerId))
    .orderBy('id')
    .execute();
}
async function registrationsOf(customerId: string) {
  return t.bench.db
    .selectFrom('registration')
    .select(['state', 'unit_entrata_id', 'rule'])
    .where('resident_id', '=', await residentId(customerId))
    .orderBy('id')
    .execute();
}
async function currentKey(customerId: string, p: PropertySettings = A) {
  const k = await t.bench.db
    .selectFrom('psk')
    .select(['id', 'secret_encrypted'])
    .where('resident_id', '=', await residentId(customerId))
    .where('property_id', '=', p.id)
    .where('current', '=', true)
    .executeTakeFirst();
  return k ? { id: k.id, key: t.bench.secrets.decrypt(k.secret_encrypted) } : null;
}

// ── one resident ─────────────────────────────────────────────────────────────────────────────────

describe('resend (N3, resident.sync)', () => {
  it('an employee sends the key again: one notification, audited with the caller as actor (O6)', async () => {
    const c = await resident();
    const r = await post(A, c, 'resend', undefined, employee());
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({
      customerId: c,
      action: 'resend',
      done: 'key queued to be sent again',
      notificationId: expect.any(Number),
      run: null,
      actions: [],
    });
    const n = await t.bench.db.selectFrom('outbox').select(['kind', 'rule', 'created_by']).where('id', '=', r.json().notificationId).executeTakeFirstOrThrow();
    expect(n).toEqual({ kind: 'resend', rule: 'N3', created_by: expect.stringMatching(/^token:test-employee-/) });
    expect((await auditOf(c)).filter((e) => e.action === 'resend')).toEqual([
      { actor: expect.stringMatching(/^token:test-employee-/), action: 'resend', rule: 'N3' },
    ]);
  });

  it('a body field it does not take, or a customer id that is not one, is refused naming it', async () => {
    const c = await resident();
    const bad = await post(A, c, 'resend', { unit: 5 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'invalid-request', message: expect.stringContaining('unit') });
    const badId = await post(A, 'abc', 'resend');
    expect(badId.statusCode).toBe(400);
    expect(badId.json().message).toContain('customerId');
  });

  it('a customer the property does not have answers 404; so does a resident of another property (no leak across properties)', async () => {
    const missing = await post(A, '987654321', 'resend');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'customer-not-found' });
    const ofB = await resident(B);
    const across = await post(A, ofB, 'resend', undefined, t.admin);
    expect(across.statusCode).toBe(404);
    expect(across.json()).toEqual({
      error: 'Not Found',
      code: 'customer-not-found',
      message: `customer ${ofB} is not a resident of property ${A.entrataId} (see \`pebbles residents --property ${A.entrataId}\`)`,
    });
    // Staff of B only do not see A at all.
    expect((await post(A, ofB, 'resend', undefined, manager(B))).json()).toMatchObject({ code: 'property-not-found' });
    expect(
      await t.bench.db
        .selectFrom('outbox')
        .select('id')
        .where('resident_id', '=', await residentId(ofB))
        .where('kind', '=', 'resend')
        .execute(),
    ).toEqual([]);
  });

  it('N3: a resident with no key yet (moving in later) is refused with 409 no-key', async () => {
    const { customerId } = lease(unit(), 40);
    await sync(A);
    const r = await post(A, customerId, 'resend');
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: 'no-key', message: `customer ${customerId} has no key at property ${A.entrataId}` });
  });
});

describe('rotate-key (P4) and reveal-key (P3)', () => {
  it('P4: a manager rotates the key; the answer never holds it; the old key stops being current; an employee may not (403)', async () => {
    const c = await resident();
    const before = (await currentKey(c))!;
    expect((await post(A, c, 'rotate-key', undefined, employee())).statusCode).toBe(403);
    const r = await post(A, c, 'rotate-key');
    expect(r.statusCode, r.body).toBe(200);
    const after = (await currentKey(c))!;
    expect(after.id).not.toBe(before.id);
    expect(r.body).not.toContain(after.key);
    expect(r.json()).toMatchObject({ done: 'key rotated; the new key is queued for the resident', notificationId: expect.any(Number), run: null });
    expect((await auditOf(c)).filter((e) => e.action === 'rotate-key')).toEqual([
      { actor: expect.stringMatching(/^token:test-manager-/), action: 'rotate-key', rule: 'P4' },
    ]);
  });

  it('P3: a manager reveals the key (no-store), and the reveal is audited with who asked; an employee gets 403 and nothing is recorded', async () => {
    const c = await resident();
    const denied = await post(A, c, 'reveal-key', undefined, employee());
    expect(denied.statusCode).toBe(403);
    expect(denied.body).not.toContain((await currentKey(c))!.key);
    const r = await post(A, c, 'reveal-key');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.json()).toEqual({ customerId: c, ssid: A.ssid, key: (await currentKey(c))!.key });
    expect((await auditOf(c)).filter((e) => e.action === 'reveal-key')).toEqual([
      { actor: expect.stringMatching(/^token:test-manager-/), action: 'reveal-key', rule: 'P3' },
    ]);
  });

  it('reveal-key: a resident of another property answers 404 and reveals nothing', async () => {
    const ofB = await resident(B);
    const r = await post(A, ofB, 'reveal-key', undefined, t.admin);
    expect(r.statusCode).toBe(404);
    expect(r.body).not.toContain((await currentKey(ofB, B))!.key);
    expect((await auditOf(ofB)).filter((e) => e.action === 'reveal-key')).toEqual([]);
  });

  it('reveal-key refuses a body', async () => {
    const r = await post(A, await resident(), 'reveal-key', { leaseId: '1' });
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toContain('leaseId');
  });
});

describe('block and unblock (K1, K3)', () => {
  it('K1: a block planned more than a year ahead is refused naming at; nothing is recorded', async () => {
    const c = await resident();
    const far = new Date(t.bench.clock.now().getTime() + 400 * 86_400_000).toISOString();
    const r = await post(A, c, 'block', { message: 'Rent', at: far });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'block-too-far', message: expect.stringMatching(/^at: /) });
    expect((await auditOf(c)).filter((e) => e.action === 'block')).toEqual([]);
  });

  it('K1/K3: a block takes access away at once, with the message queued; unblocking gives it back while the window is open', async () => {
    const c = await resident();
    const r = await post(A, c, 'block', { message: 'Please see the office about your account.' });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ done: 'blocked', run: { status: 'applied' } });
    expect(r.json().actions).toContainEqual(expect.objectContaining({ kind: 'block', rule: 'K1', customerId: c, place: expect.stringMatching(/^unit /) }));
    expect((await registrationsOf(c)).at(-1)).toMatchObject({ state: 'blocked' });
    const message = await t.bench.db.selectFrom('outbox').select('payload').where('id', '=', r.json().notificationId).executeTakeFirstOrThrow();
    expect(message.payload).toMatchObject({ message: 'Please see the office about your account.' });

    const again = await post(A, c, 'block', { message: 'twice' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('blocked-already');

    const u = await post(A, c, 'unblock');
    expect(u.statusCode, u.body).toBe(200);
    expect(u.json()).toMatchObject({ done: 'unblocked' });
    expect((await registrationsOf(c)).at(-1)).toMatchObject({ state: 'active', rule: 'K3' });
    expect((await auditOf(c)).filter((e) => e.actor.startsWith('token:test-manager-')).map((e) => [e.action, e.rule])).toEqual(
      expect.arrayContaining([
        ['block', 'K1'],
        ['unblock', 'K3'],
      ]),
    );
  });

  it('a block needs a message and a time with its offset: the error names the field', async () => {
    const c = await resident();
    const none = await post(A, c, 'block', {});
    expect(none.statusCode).toBe(400);
    expect(none.json().message).toContain('message');
    const badAt = await post(A, c, 'block', { message: 'x', at: 'tomorrow' });
    expect(badAt.statusCode).toBe(400);
    expect(badAt.json().message).toContain('at');
  });

  it('K1: a block at a later time is scheduled, and access stays until then', async () => {
    const c = await resident();
    const at = new Date(t.bench.clock.now().getTime() + 3 * 86_400_000).toISOString();
    const r = await post(A, c, 'block', { message: 'From Friday.', at });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().done).toBe(`block scheduled for ${at}`);
    expect((await registrationsOf(c)).at(-1)).toMatchObject({ state: 'active' });
  });

  it('unblock of a resident who is not blocked answers 409 not-blocked; an unknown resident 404', async () => {
    const c = await resident();
    expect((await post(A, c, 'unblock')).json()).toMatchObject({ code: 'not-blocked' });
    expect((await post(A, '987654321', 'unblock')).statusCode).toBe(404);
  });
});

describe('move in, move out, transfer now (O3) and reassign (O4)', () => {
  it("O3: move in now starts an upcoming resident's access at once, in plain words", async () => {
    const { customerId } = lease(unit(), 20);
    await sync(A);
    expect((await registrationsOf(customerId)).at(-1)).toMatchObject({ state: 'pending' });
    const r = await post(A, customerId, 'move-in-now', {});
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ done: 'access started', run: { runId: expect.any(Number), status: 'applied' } });
    expect(r.json().actions).toContainEqual(
      expect.objectContaining({ kind: 'activate', rule: 'O3', place: expect.stringMatching(/^unit /), reason: expect.any(String) }),
    );
    expect((await registrationsOf(customerId)).at(-1)).toMatchObject({ state: 'active', rule: 'O3' });
  });

  it('O3: move in now of a resident living here already is refused: no upcoming lease (409)', async () => {
    const c = await resident();
    const r = await post(A, c, 'move-in-now');
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: 'no-eligible-lease', message: `customer ${c} has no upcoming lease` });
  });

  it('O3: move out now ends access at once and revokes the key; a leaseId not theirs is 404, a malformed one 400', async () => {
    const c = await resident();
    expect((await post(A, c, 'move-out-now', { leaseId: '999999999' })).json()).toMatchObject({ code: 'lease-not-found' });
    const bad = await post(A, c, 'move-out-now', { leaseId: 'L-1' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('leaseId');
    const r = await post(A, c, 'move-out-now');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().done).toBe('access ended');
    expect(r.json().actions.map((a: { kind: string; rule: string }) => [a.kind, a.rule])).toEqual(
      expect.arrayContaining([
        ['end', 'O3'],
        ['revoke-key', expect.any(String)],
      ]),
    );
    expect(await currentKey(c)).toBeNull();
  });

  it('O3/U3: transfer now moves the resident to the pending transfer unit at once', async () => {
    const { leaseId, customerId } = lease(unit(), -30);
    const to = unit();
    t.bench.sim.control.transfer({ leaseId, toUnitId: to.id, moveInDate: day(25) });
    await sync(A);
    const r = await post(A, customerId, 'transfer-now', {});
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().done).toBe('transferred');
    expect((await registrationsOf(customerId)).filter((g) => g.state === 'active').map((g) => g.unit_entrata_id)).toEqual([to.id]);
  });

  it('O4: reassign makes the other leased unit the home at once; an unknown unit is 404, a missing unit field 400', async () => {
    const [ua, ub] = [unit(), unit()];
    const first = lease(ua, -20);
    lease(ub, -5, [{ customerId: first.customerId }]);
    await sync(A);
    const c = first.customerId;
    const home = (await registrationsOf(c)).find((g) => g.state === 'active')!;
    const other = home.unit_entrata_id === ua.id ? ub : ua;
    const otherUnit = await t.bench.db
      .selectFrom('unit')
      .select(['number', 'building'])
      .where('property_id', '=', A.id)
      .where('entrata_id', '=', other.id)
      .executeTakeFirstOrThrow();

    const missingField = await post(A, c, 'reassign', { building: 'x' });
    expect(missingField.statusCode).toBe(400);
    expect(missingField.json().message).toContain('unit');
    expect((await post(A, c, 'reassign', { unit: 'Z-999' })).json()).toMatchObject({ code: 'unit-not-found' });

    const r = await post(A, c, 'reassign', { unit: otherUnit.number, ...(otherUnit.building ? { building: otherUnit.building } : {}) });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().done).toMatch(new RegExp(`^home unit is now ${otherUnit.number}`));
    expect(r.json().actions).toContainEqual(expect.objectContaining({ kind: 'move-home-unit', rule: 'O4' }));
    expect((await registrationsOf(c)).filter((g) => g.state === 'active').map((g) => g.unit_entrata_id)).toEqual([other.id]);
  });
});

describe('dates (O1, O2) and link (E3)', () => {
  it('O2: a late move-out date keeps access to the end of that day; null clears it', async () => {
    const { leaseId, customerId: c } = lease(unit(), -10);
    t.bench.sim.control.giveNotice({ leaseId, moveOutDate: day(30) });
    await sync(A);
    const r = await post(A, c, 'dates', { late: day(40) }, manager(), 'PUT');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().done).toBe('dates set');
    expect(r.json().actions).toContainEqual(expect.objectContaining({ kind: 'set-window', rule: 'O2' }));
    const cleared = await post(A, c, 'dates', { late: null }, manager(), 'PUT');
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json().actions).toContainEqual(expect.objectContaining({ kind: 'set-window' }));
  });

  it('dates: an empty body, a malformed date and a day that does not exist are refused naming the field', async () => {
    const c = await resident();
    const none = await post(A, c, 'dates', {}, manager(), 'PUT');
    expect(none.statusCode).toBe(400);
    expect(none.json().message).toContain('early');
    const malformed = await post(A, c, 'dates', { early: '1/2/2026' }, manager(), 'PUT');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().message).toContain('early');
    const impossible = await post(A, c, 'dates', { late: '2026-02-30' }, manager(), 'PUT');
    expect(impossible.statusCode).toBe(400);
    expect(impossible.json()).toMatchObject({ code: 'invalid-request', message: 'body.late: a date as YYYY-MM-DD (a day that exists)' });
    const month13 = await post(A, c, 'dates', { early: '2026-13-01' }, manager(), 'PUT');
    expect(month13.json()).toMatchObject({ code: 'invalid-request', message: 'body.early: a date as YYYY-MM-DD (a day that exists)' });
    expect((await post(A, c, 'dates', { late: day(3) })).statusCode).toBe(404); // POST is not the method
  });

  it('E3: link makes another customer id an alias of the resident; one that lives where the caller may not act is 404', async () => {
    const c = await resident();
    const alias = '880000001';
    const r = await post(A, c, 'link', { customerId: alias });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().done).toBe(`${alias} linked to ${c}`);
    const rows = await t.bench.db.selectFrom('resident').select(['customer_id', 'linked_to']).where('customer_id', '=', alias).execute();
    expect(rows).toEqual([{ customer_id: alias, linked_to: await residentId(c) }]);

    const ofB = await resident(B);
    const foreign = await post(A, await resident(), 'link', { customerId: ofB });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toMatchObject({ code: 'customer-not-found', message: `no customer ${ofB} that you may see` });
    expect((await t.bench.db.selectFrom('resident').select('linked_to').where('customer_id', '=', ofB).executeTakeFirstOrThrow()).linked_to).toBeNull();

    const self = await post(A, c, 'link', { customerId: c });
    expect(self.statusCode).toBe(400);
    expect(self.json().code).toBe('link-to-self');
    const noId = await post(A, c, 'link', {});
    expect(noId.statusCode).toBe(400);
    expect(noId.json().message).toContain('customerId');
  });
});

// ── bulk ─────────────────────────────────────────────────────────────────────────────────────────

describe('bulk', () => {
  const bulk = (payload: unknown, headers = manager(), p: PropertySettings = A) =>
    t.app.inject({ method: 'POST', url: `/api/properties/${p.entrataId}/residents/bulk`, headers, payload: payload as object });

  it('resend to a selection with one unknown id and one of another property: the others are sent, each answered on its own', async () => {
    const [x, y] = [await resident(), await resident()];
    const ofB = await resident(B);
    const r = await bulk({ action: 'resend', customerIds: [x, '987654321', y, x, ofB] });
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect({ ok: body.ok, failed: body.failed }).toEqual({ ok: 2, failed: 2 });
    expect(body.results.map((i: { customerId: string; ok: boolean; code?: string }) => [i.customerId, i.ok, i.code ?? null])).toEqual([
      [x, true, null],
      ['987654321', false, 'customer-not-found'],
      [y, true, null],
      [ofB, false, 'customer-not-found'],
    ]);
    expect(body.results[0]).toMatchObject({ done: 'key queued to be sent again', notificationId: expect.any(Number) });
    // One audit entry per resident, none for the refused.
    for (const c of [x, y]) expect((await auditOf(c)).filter((e) => e.action === 'resend')).toHaveLength(1);
    expect((await auditOf(ofB)).filter((e) => e.action === 'resend')).toEqual([]);
  });

  it('O3: move out now over a selection: one re-plan, each resident answered with their own changes; one without a current lease fails alone', async () => {
    const [x, y] = [await resident(), await resident()];
    const { customerId: later } = lease(unit(), 30);
    await sync(A);
    const r = await bulk({ action: 'move-out-now', customerIds: [x, later, y] });
    expect(r.statusCode, r.body).toBe(200);
    const [rx, rl, ry] = r.json().results;
    expect(rl).toMatchObject({ customerId: later, ok: false, code: 'no-eligible-lease' });
    for (const [item, c] of [
      [rx, x],
      [ry, y],
    ] as const) {
      expect(item).toMatchObject({ customerId: c, ok: true, done: 'access ended' });
      expect(item.actions.length).toBeGreaterThan(0);
      expect(item.actions.every((a: { customerId: string }) => a.customerId === c)).toBe(true);
      expect(await currentKey(c)).toBeNull();
    }
    expect(rx.run.runId).toBe(ry.run.runId);
  });

  it('N3: an employee resends to a selection through bulk/resend (resident.sync); the general bulk form needs resident.act', async () => {
    const [x, y] = [await resident(), await resident()];
    const r = await t.app.inject({
      method: 'POST',
      url: `/api/properties/${A.entrataId}/residents/bulk/resend`,
      headers: employee(),
      payload: { customerIds: [x, y, x] },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ ok: 2, failed: 0 });
    for (const c of [x, y]) expect((await auditOf(c)).filter((e) => e.action === 'resend')).toHaveLength(1);
    expect((await bulk({ action: 'resend', customerIds: [x] }, employee())).statusCode).toBe(403);
    const extra = await t.app.inject({
      method: 'POST',
      url: `/api/properties/${A.entrataId}/residents/bulk/resend`,
      headers: employee(),
      payload: { customerIds: [x], action: 'rotate-key' },
    });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().message).toMatch(/action/);
  });

  it('the selection is 1..500 ids, the action one of the bulk actions; errors name the field', async () => {
    const empty = await bulk({ action: 'resend', customerIds: [] });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toContain('customerIds');
    const tooMany = await bulk({ action: 'resend', customerIds: Array.from({ length: 501 }, (_, i) => String(1000 + i)) });
    expect(tooMany.statusCode).toBe(400);
    const link = await bulk({ action: 'link', customerIds: ['1'], customerId: '2' });
    expect(link.statusCode).toBe(400);
    expect(link.json().message).toContain('action');
    const noMessage = await bulk({ action: 'block', customerIds: ['1'] });
    expect(noMessage.statusCode).toBe(400);
    expect(noMessage.json().message).toContain('message');
  });

  it('an employee may not run bulk operations (403); a property the caller may not see is 404', async () => {
    expect((await bulk({ action: 'resend', customerIds: ['1'] }, employee())).statusCode).toBe(403);
    expect((await bulk({ action: 'resend', customerIds: ['1'] }, manager(B))).statusCode).toBe(404);
  });
});
