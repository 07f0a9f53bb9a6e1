// The audit trail over the API (F-23, O6): newest first, filtered by who, resident, kind and date,
// paged with a total; each entry in words, with its details and no secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordKeyReveal } from '../../src/notifications/staff.ts';
import { createApiBench, type ApiBench } from '../support/api-bench.ts';

let t: ApiBench;
let a: { entrataId: string; id: number };
let b: { entrataId: string; id: number };
let manager: Record<string, string>;
let resident: { id: number; customerId: string; name: string };
let syncedAt: Date;
let later: Date;

beforeAll(async () => {
  t = await createApiBench();
  a = t.bench.props[0]!;
  b = t.bench.props[1]!;
  manager = t.callers.as('manager', [a.id]);
  syncedAt = t.bench.clock.now();
  const r = await t.bench.db
    .selectFrom('registration as g')
    .innerJoin('resident as x', 'x.id', 'g.resident_id')
    .select(['x.id', 'x.customer_id', 'x.first_name', 'x.last_name'])
    .where('g.property_id', '=', a.id)
    .where('g.state', '=', 'active')
    .orderBy('x.id')
    .executeTakeFirstOrThrow();
  resident = { id: r.id, customerId: r.customer_id, name: `${r.first_name} ${r.last_name}` };

  // A day later: a manager writes to the resident, and someone reveals their key.
  later = t.bench.clock.advance(24 * 3600_000);
  const sent = await t.app.inject({
    method: 'POST',
    url: `/api/properties/${a.entrataId}/messages`,
    headers: manager,
    payload: { subject: 'Hello', body: 'Welcome!', customerIds: [resident.customerId] },
  });
  expect(sent.statusCode).toBe(201);
  await recordKeyReveal(t.bench.db, {
    propertyDbId: a.id,
    residentId: resident.id,
    staff: 'user:owner@example.com',
    now: later,
    details: { pskId: 1, secret: 'must-not-show' },
  });
}, 120_000);
afterAll(async () => t?.close());

type Entry = {
  id: number;
  at: string;
  actor: string;
  action: string;
  rule: string | null;
  customerId: string | null;
  name: string | null;
  text: string;
  details: Record<string, unknown>;
};

async function audit(query: string, headers = manager) {
  const r = await t.app.inject({ method: 'GET', url: `/api/properties/${a.entrataId}/audit${query}`, headers });
  expect(r.statusCode).toBe(200);
  return r.json() as { items: Entry[]; total: number; offset: number; limit: number };
}

describe('audit trail', () => {
  it('lists every entry of the property newest first, paged with the total', async () => {
    const all = await audit('?limit=500');
    const rows = await t.bench.db.selectFrom('audit_event').select('id').where('property_id', '=', a.id).execute();
    expect(all.total).toBe(rows.length);
    expect(all.items).toHaveLength(rows.length);
    const times = all.items.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(
      all.items
        .slice(0, 2)
        .map((e) => e.action)
        .sort(),
    ).toEqual(['message', 'reveal-key']);
    const page = await audit('?offset=3&limit=4');
    expect(page).toMatchObject({ total: rows.length, offset: 3, limit: 4 });
    expect(page.items.map((e) => e.id)).toEqual(all.items.slice(3, 7).map((e) => e.id));
  });

  it('says what happened in words: the engine its own reason (S6), staff actions phrased with the resident (O6)', async () => {
    const all = (await audit('?limit=500')).items;
    const reveal = all.find((e) => e.action === 'reveal-key')!;
    expect(reveal).toMatchObject({
      actor: 'user:owner@example.com',
      customerId: resident.customerId,
      name: resident.name,
      text: `revealed the key of ${resident.name} [P3]`,
      details: { pskId: 1 },
    });
    const message = all.find((e) => e.action === 'message')!;
    expect(message).toMatchObject({ actor: expect.stringMatching(/^token:test-manager-/), text: 'sent a personal message "Hello" to 1 resident [F-17]' });
    const engine = all.filter((e) => e.actor === 'sync');
    expect(engine.length).toBeGreaterThan(0);
    const stored = await t.bench.db
      .selectFrom('audit_event')
      .select(['id', 'details'])
      .where(
        'id',
        'in',
        engine.map((e) => e.id),
      )
      .execute();
    for (const e of engine) expect(e.text.startsWith((stored.find((s) => s.id === e.id)!.details as { reason: string }).reason)).toBe(true);
    // Units are named as staff know them, not by Entrata id: a welcome says where.
    const welcome = engine.find((e) => e.action === 'notify')!;
    const unit = await t.bench.db
      .selectFrom('unit')
      .select(['number', 'building'])
      .where('property_id', '=', a.id)
      .where('entrata_id', '=', welcome.details.unitId as string)
      .executeTakeFirstOrThrow();
    expect(welcome.text).toBe(`welcome with network and key queued (N6), unit ${unit.number} (building ${unit.building})`);
    expect(engine.every((e) => !e.text.includes('Entrata id'))).toBe(true);
  });

  it('never shows a secret, even one recorded by mistake', async () => {
    const r = await t.app.inject({ method: 'GET', url: `/api/properties/${a.entrataId}/audit?limit=500`, headers: manager });
    expect(r.body).not.toContain('must-not-show');
  });

  it('filters by person, resident, kind and date', async () => {
    const byActor = await audit('?actor=test-manager');
    expect(byActor.total).toBe(1);
    expect(byActor.items[0]!.action).toBe('message');
    expect((await audit('?actor=user:owner@example.com')).items.map((e) => e.action)).toEqual(['reveal-key']);
    // LIKE wildcards are taken literally.
    expect((await audit('?actor=%25')).total).toBe(0);

    const mine = await audit(`?customerId=${resident.customerId}&limit=500`);
    expect(mine.total).toBeGreaterThan(1);
    expect(mine.items.every((e) => e.customerId === resident.customerId)).toBe(true);
    expect(mine.items.map((e) => e.action)).toContain('reveal-key');
    expect(mine.items.map((e) => e.action)).toContain('issue-key');

    const keys = await audit('?action=issue-key&limit=500');
    expect(keys.total).toBeGreaterThan(0);
    expect(keys.items.every((e) => e.action === 'issue-key' && e.actor === 'sync')).toBe(true);

    const fromLater = await audit(`?from=${encodeURIComponent(later.toISOString())}`);
    expect(fromLater.items.map((e) => e.action).sort()).toEqual(['message', 'reveal-key']);
    const untilLater = await audit(`?to=${encodeURIComponent(later.toISOString())}&limit=500`);
    expect(untilLater.total).toBe((await audit('?limit=1')).total - 2);
    expect(untilLater.items.every((e) => Date.parse(e.at) < later.getTime())).toBe(true);
    const day = syncedAt.toISOString().slice(0, 10);
    expect((await audit(`?from=${day}&to=${day}`)).total).toBe(0);
  });

  it('refuses a bad filter naming it; 404 for a property the caller may not see; 403 for an employee', async () => {
    for (const [query, field] of [
      ['?from=yesterday', /from/],
      ['?limit=0', /limit/],
      ['?customerId=abc', /customerId/],
      ['?action=DROP%20TABLE', /action/],
    ] as const) {
      const r = await t.app.inject({ method: 'GET', url: `/api/properties/${a.entrataId}/audit${query}`, headers: manager });
      expect(r.statusCode).toBe(400);
      expect(r.json().message).toMatch(field);
    }
    expect((await t.app.inject({ method: 'GET', url: `/api/properties/${a.entrataId}/audit`, headers: t.callers.as('manager', [b.id]) })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/api/properties/999999/audit', headers: t.admin })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/api/properties/${a.entrataId}/audit`, headers: t.callers.as('employee', [a.id]) })).statusCode).toBe(
      403,
    );
  });
});
