import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDateOf } from '../../src/engine/local-time.ts';
import { createApiBench, type ApiBench } from '../support/api-bench.ts';

// The property list, one property and its dashboard over the real API, on properties synced from the simulator.

let t: ApiBench;
let A: { entrataId: string; id: number; timeZone: string };
let B: { entrataId: string; id: number };

beforeAll(async () => {
  t = await createApiBench({ units: 12, property: { earlyMoveInDays: 3, lateMoveOutDays: 2 } });
  A = t.bench.props[0]!;
  B = t.bench.props[1]!;
}, 120_000);
afterAll(async () => t?.close());

const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });
const residentTotal = async (entrataId: string, state: string) =>
  (await get(`/api/properties/${entrataId}/residents?state=${state}&limit=1`, t.admin)).json().total as number;

describe('GET /api/properties', () => {
  it('lists only the properties the caller may see, with their role there, sync state and residents by state', async () => {
    const r = await get('/api/properties', t.callers.as('employee', [A.id]));
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect(body.total).toBe(1);
    expect(body.items).toHaveLength(1);
    const [p] = body.items;
    expect(p).toMatchObject({ entrataId: A.entrataId, account: 'acme', timeZone: A.timeZone, ssid: 'Pebbles-1', enabled: true, role: 'employee' });
    expect(p.sync.lastSuccessAt).not.toBeNull();
    expect(p.sync.lastError).toBeNull();
    for (const state of ['pending', 'active', 'blocked', 'ended']) expect(p.residents[state]).toBe(await residentTotal(A.entrataId, state));
    expect(p.residents.active).toBeGreaterThan(0);
  });

  it('an administrator sees every property; a caller with no property sees none; anonymous 401', async () => {
    const all = (await get('/api/properties', t.admin)).json();
    expect(all.items.map((p: { entrataId: string; role: string }) => [p.entrataId, p.role])).toEqual([
      [A.entrataId, 'admin'],
      [B.entrataId, 'admin'],
    ]);
    const none = await get('/api/properties', t.callers.as('manager', []));
    expect(none.json()).toEqual({ items: [], total: 0 });
    expect((await t.app.inject({ method: 'GET', url: '/api/properties' })).statusCode).toBe(401);
  });
});

describe('GET /api/properties/:propertyId', () => {
  it('shows settings, the early and late policy with its defaults, and the sync state', async () => {
    const r = await get(`/api/properties/${A.entrataId}`, t.callers.as('owner', [A.id]));
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({
      entrataId: A.entrataId,
      role: 'owner',
      policy: { earlyMoveInDays: 3, lateMoveOutDays: 2, defaultEarlyMoveInDays: 3, defaultLateMoveOutDays: 2 },
      settings: { syncIntervalMinutes: 30, smsEnabled: true, firstWelcome: true },
    });
    expect(r.json().sync.nextSyncAt).not.toBeNull();
  });

  it('answers 404 for an unknown and for a foreign property, 400 naming propertyId for a malformed one', async () => {
    const manager = t.callers.as('manager', [A.id]);
    const unknown = await get('/api/properties/999999', manager);
    expect(unknown.statusCode).toBe(404);
    const foreign = await get(`/api/properties/${B.entrataId}`, manager);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().code).toBe(unknown.json().code);
    const bad = await get('/api/properties/not%20an%20id', manager);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/propertyId/);
  });
});

describe('GET /api/properties/:propertyId/dashboard', () => {
  it('counts residents by state, keys, problems and the moves of the next eight weeks', async () => {
    const r = await get(`/api/properties/${A.entrataId}/dashboard`, t.callers.as('employee', [A.id]));
    expect(r.statusCode, r.body).toBe(200);
    const d = r.json();
    for (const state of ['pending', 'active', 'blocked', 'ended']) expect(d.residents[state]).toBe(await residentTotal(A.entrataId, state));
    const page = (await get(`/api/properties/${A.entrataId}/residents?limit=200`, t.admin)).json();
    expect(d.keysIssued).toBe(page.items.filter((i: { hasKey: boolean }) => i.hasKey).length);
    // Each problem's count is the residents page's count for that filter.
    for (const [problem, n] of Object.entries(d.problems.residents)) {
      expect(n, problem).toBe((await get(`/api/properties/${A.entrataId}/residents?problem=${problem}&limit=1`, t.admin)).json().total);
    }
    expect(d.problems).toMatchObject({
      openHolds: 0,
      leases: { missingInEntrata: 0, quarantined: 0 },
      units: { missing: 0, removed: 0 },
      notifications: { failed: 0 },
    });
    // 56 local days from today at the property.
    const today = localDateOf(t.bench.clock.now().getTime(), A.timeZone);
    expect(d.days).toHaveLength(56);
    expect(d.days[0].date).toBe(today);
    expect(d.days[55].date).toBe(addDays(today, 55));
  });

  it('move-ins per day are the leaseholders whose move-in day it is; access opens the early days before (O1)', async () => {
    const today = localDateOf(t.bench.clock.now().getTime(), A.timeZone);
    const last = addDays(today, 56);
    const expected = new Map<string, number>();
    const mirror = await t.bench.db.selectFrom('lease_mirror').select(['status', 'data']).where('property_id', '=', A.id).execute();
    for (const m of mirror.filter((x) => ['future', 'current', 'notice'].includes(x.status))) {
      const data = m.data as { moveIn: string; customers: Array<{ type: string; moveIn: string | null }> };
      for (const c of data.customers) {
        const day = c.moveIn ?? data.moveIn;
        if ((c.type === 'primary' || c.type === 'co-applicant') && day >= today && day < last) expected.set(day, (expected.get(day) ?? 0) + 1);
      }
    }
    expect(expected.size).toBeGreaterThan(0);
    const d = (await get(`/api/properties/${A.entrataId}/dashboard`, t.admin)).json();
    const shown = new Map(d.days.filter((x: { moveIns: number }) => x.moveIns > 0).map((x: { date: string; moveIns: number }) => [x.date, x.moveIns]));
    expect(shown).toEqual(expected);
    // A pending resident's access opens three days before their move-in day.
    const pending = await t.bench.db.selectFrom('registration').select('access_start').where('property_id', '=', A.id).where('state', '=', 'pending').execute();
    const starts = pending.filter((g) => g.access_start && localDateOf(g.access_start.getTime(), A.timeZone) < last).length;
    expect(d.days.reduce((n: number, x: { accessStarts: number }) => n + x.accessStarts, 0)).toBe(starts);
    expect(starts).toBeGreaterThan(0);
    for (const x of d.days.filter((y: { accessStarts: number }) => y.accessStarts > 0)) expect(shown.get(addDays(x.date, 3)), x.date).toBeGreaterThan(0);
  });

  it('answers 404 for a foreign property and 400 naming an unknown query field', async () => {
    expect((await get(`/api/properties/${B.entrataId}/dashboard`, t.callers.as('owner', [A.id]))).statusCode).toBe(404);
    const bad = await get(`/api/properties/${A.entrataId}/dashboard?weeks=4`, t.admin);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/weeks/);
  });
});
