import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { block } from '../../src/operations/operations.ts';
import { createApiBench, type ApiBench } from '../support/api-bench.ts';

// The residents page, a resident and a unit over the real API on a real database, synced from the simulator.

let t: ApiBench;
let A: { entrataId: string; id: number };
let B: { entrataId: string; id: number };
let manager: Record<string, string>;
type Row = {
  customerId: string;
  firstName: string;
  lastName: string;
  unit: string;
  building: string | null;
  spaces: string[];
  state: string;
  hasKey: boolean;
  problems: string[];
  hasEmail: boolean;
  hasMobile: boolean;
};

beforeAll(async () => {
  t = await createApiBench({ units: 12 });
  A = t.bench.props[0]!;
  B = t.bench.props[1]!;
  manager = t.callers.as('manager', [A.id]);
}, 120_000);
afterAll(async () => t?.close());

const get = (url: string, headers = manager) => t.app.inject({ method: 'GET', url, headers });
const residents = async (query = '', headers = manager) => {
  const r = await get(`/api/properties/${A.entrataId}/residents${query}`, headers);
  expect(r.statusCode, r.body).toBe(200);
  return r.json() as { items: Row[]; total: number; offset: number; limit: number };
};
/** Natural order of unit numbers: digit runs compared as numbers. */
const natural = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

describe('GET /api/properties/:propertyId/residents', () => {
  it('answers the residents with the documented shape, sorted by unit (2 before 10) then name, with the total', async () => {
    const page = await residents('?limit=200');
    expect(page.total).toBeGreaterThan(10);
    expect(page.items).toHaveLength(page.total);
    expect(page).toMatchObject({ offset: 0, limit: 200 });
    for (const item of page.items) {
      expect(Object.keys(item)).toEqual(expect.arrayContaining(['customerId', 'firstName', 'lastName', 'unit', 'building', 'spaces', 'state', 'hasKey']));
      expect(['pending', 'active', 'blocked', 'ended']).toContain(item.state);
    }
    const units = page.items.map((i) => i.unit);
    expect(units).toEqual([...units].sort(natural));
    // Within a unit, by last then first name.
    for (let i = 1; i < page.items.length; i++) {
      const [a, b] = [page.items[i - 1]!, page.items[i]!];
      if (a.unit === b.unit) expect(a.lastName.localeCompare(b.lastName, 'en') <= 0 || a.lastName.toLowerCase() === b.lastName.toLowerCase()).toBe(true);
    }
    // The same residents the CLI's view lists (one entry per resident).
    const ids = new Set(page.items.map((i) => i.customerId));
    expect(ids.size).toBe(page.total);
    // Keys: every active resident has one after the first sync.
    expect(page.items.filter((i) => i.state === 'active').every((i) => i.hasKey)).toBe(true);
  });

  it('finds residents by a name fragment: part of a last name, "first last", any case, accents ignored', async () => {
    const all = (await residents('?limit=200')).items;
    const someone = all.find((i) => i.lastName.length >= 4)!;
    const fragment = someone.lastName.slice(1, 4).toUpperCase();
    const found = await residents(`?q=${encodeURIComponent(fragment)}`);
    expect(found.items.map((i) => i.customerId)).toContain(someone.customerId);
    for (const i of found.items)
      expect(`${i.firstName} ${i.lastName}`.toLowerCase().includes(fragment.toLowerCase()) || i.unit.toLowerCase().startsWith(fragment.toLowerCase())).toBe(
        true,
      );
    expect(found.total).toBe(found.items.length);
    expect(found.total).toBeLessThan(all.length);

    const full = await residents(`?q=${encodeURIComponent(`${someone.firstName} ${someone.lastName}`)}`);
    expect(full.items.map((i) => i.customerId)).toContain(someone.customerId);
    const reversed = await residents(`?q=${encodeURIComponent(`${someone.lastName}, ${someone.firstName}`)}`);
    expect(reversed.items.map((i) => i.customerId)).toContain(someone.customerId);

    // A name with accents, as Entrata may send it: found by the letters without them.
    await t.bench.db.updateTable('resident').set({ last_name: 'Núñez-Gómez' }).where('customer_id', '=', someone.customerId).execute();
    const accented = await residents('?q=nunez-gom');
    expect(accented.items.map((i) => [i.customerId, i.lastName])).toEqual([[someone.customerId, 'Núñez-Gómez']]);
    // Words too short for the trigram index ("Jo", "O'B") still find by reading the property.
    expect((await residents(`?q=${encodeURIComponent('NÚ')}&limit=200`)).items.map((i) => i.customerId)).toContain(someone.customerId);
    const apostrophe = await residents(`?q=${encodeURIComponent(`${someone.firstName.slice(0, 1)}'${someone.lastName.slice(0, 1)}`)}`);
    expect(apostrophe.total).toBe(0);
    // LIKE's wildcards are plain characters in a search.
    expect((await residents('?q=%25')).total).toBe(0);
    expect((await residents('?q=_')).total).toBe(0);
  });

  it('finds residents by the start of a unit number', async () => {
    const all = (await residents('?limit=200')).items;
    const unit = all[all.length - 1]!.unit;
    const exact = await residents(`?q=${encodeURIComponent(unit)}`);
    expect(exact.items.length).toBeGreaterThan(0);
    expect(
      exact.items
        .filter((i) => i.unit === unit)
        .map((i) => i.customerId)
        .sort(),
    ).toEqual(
      all
        .filter((i) => i.unit === unit)
        .map((i) => i.customerId)
        .sort(),
    );
    const prefix = unit.slice(0, -1);
    const byPrefix = await residents(`?q=${encodeURIComponent(prefix)}&limit=200`);
    const expected = all.filter((i) => i.unit.toLowerCase().startsWith(prefix.toLowerCase())).map((i) => i.customerId);
    expect(byPrefix.items.map((i) => i.customerId)).toEqual(expect.arrayContaining(expected));
  });

  it('pages with offset and limit: the same total on every page, pages that join into the whole list', async () => {
    const all = await residents('?limit=200');
    const seen: string[] = [];
    for (let offset = 0; offset < all.total; offset += 5) {
      const page = await residents(`?offset=${offset}&limit=5`);
      expect(page.total).toBe(all.total);
      expect(page.items.length).toBe(Math.min(5, all.total - offset));
      seen.push(...page.items.map((i) => i.customerId));
    }
    expect(seen).toEqual(all.items.map((i) => i.customerId));
    const past = await residents(`?offset=${all.total + 10}&limit=5`);
    expect(past).toMatchObject({ items: [], total: all.total });
    expect((await residents()).limit).toBe(50);
  });

  it('filters by state and by problem: blocked (K1), unreachable (E2), no key', async () => {
    const all = (await residents('?limit=200')).items;
    const [x, y] = all.filter((i) => i.state === 'active');
    await block(t.bench.worker.deps, { propertyDbId: A.id, customerId: x!.customerId, staff: 'user:test@example.com' }, { message: 'Please see the office' });
    const blocked = await residents('?state=blocked');
    expect(blocked.items.map((i) => i.customerId)).toEqual([x!.customerId]);
    expect(blocked.items[0]!.problems).toContain('blocked');
    expect((await residents('?problem=blocked')).items.map((i) => i.customerId)).toEqual([x!.customerId]);
    const active = await residents('?state=active&limit=200');
    expect(active.items.every((i) => i.state === 'active')).toBe(true);
    expect(active.items.map((i) => i.customerId)).not.toContain(x!.customerId);

    // E2: no e-mail and no mobile: still a resident, shown as a problem to fix in Entrata.
    await t.bench.db
      .updateTable('resident')
      .set({ email: null, mobile: null, contact_problems: ['no-email', 'no-mobile'] })
      .where('customer_id', '=', y!.customerId)
      .execute();
    const unreachable = await residents('?problem=unreachable');
    expect(unreachable.items.map((i) => i.customerId)).toContain(y!.customerId);
    expect(unreachable.items.every((i) => !i.hasEmail && !i.hasMobile && i.problems.includes('unreachable'))).toBe(true);
    expect((await residents('?problem=contact&limit=200')).items.map((i) => i.customerId)).toContain(y!.customerId);

    // An active resident without a current key.
    await t.bench.db
      .updateTable('psk')
      .set({ current: false, revoked_at: new Date() })
      .where('property_id', '=', A.id)
      .where('resident_id', '=', t.bench.db.selectFrom('resident').select('id').where('customer_id', '=', y!.customerId))
      .execute();
    const noKey = await residents('?problem=no-key');
    expect(noKey.items.map((i) => [i.customerId, i.hasKey])).toEqual([[y!.customerId, false]]);
  });

  it('shows a failed notification and a quarantined lease (S4) as problems, on the page and on the dashboard', async () => {
    const all = (await residents('?state=active&limit=200')).items.filter((i) => i.problems.length === 0);
    const [x, y] = all;
    const db = t.bench.db;
    const rid = (cid: string) => db.selectFrom('resident').select('id').where('customer_id', '=', cid);
    // The welcome queued by the sync was tried and failed for good (the delivery worker's last state).
    const welcome = await db
      .selectFrom('outbox')
      .select('id')
      .where('resident_id', '=', rid(x!.customerId))
      .where('property_id', '=', A.id)
      .executeTakeFirstOrThrow();
    await db
      .insertInto('delivery')
      .values({ outbox_id: welcome.id, channel: 'email', state: 'failed', recipient: 'someone@example.org', attempts: 5, last_error: 'mailbox unavailable' })
      .execute();
    const failed = await residents('?problem=notification-failed');
    expect(failed.items.map((i) => i.customerId)).toEqual([x!.customerId]);
    // Entrata sent the lease in a form that cannot be understood: the last good version is kept and shown.
    await db
      .updateTable('lease_mirror')
      .set({ quarantine_reason: 'moveInDate is not a date' })
      .where('property_id', '=', A.id)
      .where(sql<boolean>`${y!.customerId} = any(customer_ids)`)
      .execute();
    const troubled = await residents('?problem=lease-trouble');
    expect(troubled.items.map((i) => i.customerId)).toContain(y!.customerId);
    const detail = (await get(`/api/properties/${A.entrataId}/residents/${y!.customerId}`)).json();
    expect(detail.leases.map((l: { quarantineReason: string | null }) => l.quarantineReason)).toContain('moveInDate is not a date');
    const dash = (await get(`/api/properties/${A.entrataId}/dashboard`)).json();
    expect(dash.problems.notifications.failed).toBe(1);
    expect(dash.problems.residents['notification-failed']).toBe(1);
    expect(dash.problems.leases.quarantined).toBeGreaterThan(0);
    expect(dash.problems.residents['lease-trouble']).toBe(troubled.total);
  });

  it('names the wrong field in a bad request', async () => {
    const tooMany = await get(`/api/properties/${A.entrataId}/residents?limit=500`);
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json()).toMatchObject({ code: 'invalid-request' });
    expect(tooMany.json().message).toMatch(/limit/);
    const state = await get(`/api/properties/${A.entrataId}/residents?state=gone`);
    expect(state.statusCode).toBe(400);
    expect(state.json().message).toMatch(/state/);
    const unknown = await get(`/api/properties/${A.entrataId}/residents?sort=name`);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/sort/);
  });

  it('answers 404 for an unknown property and for a property the caller may not see', async () => {
    const none = await get('/api/properties/999999/residents');
    expect(none.statusCode).toBe(404);
    expect(none.json()).toMatchObject({ code: 'property-not-found' });
    const foreign = await get(`/api/properties/${B.entrataId}/residents`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().code).toBe(none.json().code);
  });
});

describe('GET /api/properties/:propertyId/residents/:customerId', () => {
  it('shows leases, registrations, keys (masked), notifications, audit and the explanation', async () => {
    const someone = (await residents('?state=active')).items.find((i) => i.hasKey)!;
    const r = await get(`/api/properties/${A.entrataId}/residents/${someone.customerId}`);
    expect(r.statusCode, r.body).toBe(200);
    const d = r.json();
    expect(d).toMatchObject({ customerId: someone.customerId, firstName: someone.firstName, lastName: someone.lastName });
    expect(d.leases.length).toBeGreaterThan(0);
    expect(d.leases[0]).toMatchObject({ unit: someone.unit, as: { customerId: someone.customerId } });
    expect(d.registrations[0]).toMatchObject({ state: 'active', unit: someone.unit });
    expect(d.keys.filter((k: { current: boolean }) => k.current)).toHaveLength(1);
    expect(d.keys[0].key).toBe('••••••••');
    // The welcome with the key was queued by the sync.
    expect(d.notifications.length).toBeGreaterThan(0);
    expect(d.audit.length).toBeGreaterThan(0);
    expect(d.explanation.join('\n')).toMatch(/lease/i);
    // Never the key itself, in any form.
    const secrets = await t.bench.db.selectFrom('psk').select('secret_encrypted').where('property_id', '=', A.id).execute();
    for (const s of secrets) expect(r.body).not.toContain(t.bench.secrets.decrypt(s.secret_encrypted));
  });

  it('a change recorded for the resident at another property stays out of what staff of this one see (F-19)', async () => {
    const someone = (await residents('?state=active')).items.find((i) => i.hasKey)!;
    const rid = (await t.bench.db.selectFrom('resident').select('id').where('customer_id', '=', someone.customerId).executeTakeFirstOrThrow()).id;
    // As if the person had lived at B before (one Entrata account: one customer id across its properties, E3).
    await t.bench.db
      .insertInto('audit_event')
      .values({
        at: new Date(),
        property_id: B.id,
        resident_id: rid,
        actor: 'user:someone@b.example',
        action: 'move-out-now',
        rule: 'O3',
        lease_id: 'L-AT-B',
        details: '{}',
      })
      .execute();
    const seenFromA = (await get(`/api/properties/${A.entrataId}/residents/${someone.customerId}`)).json();
    expect(seenFromA.explanation.join('\n')).not.toContain('L-AT-B');
    expect(JSON.stringify(seenFromA)).not.toContain('someone@b.example');
    // The command line (an operator with the server's shell) still tells the whole history.
    const { explainResident } = await import('../../src/operations/explain.ts');
    expect((await explainResident({ db: t.bench.db, now: t.bench.clock.now }, someone.customerId, A.id)).join('\n')).toContain('L-AT-B');
  });

  it('answers 404 for a resident of another property and for an unknown id; 400 naming customerId for a malformed one', async () => {
    const other = (await get(`/api/properties/${B.entrataId}/residents?limit=1`, t.admin)).json().items[0] as Row;
    const foreign = await get(`/api/properties/${A.entrataId}/residents/${other.customerId}`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toMatchObject({ code: 'resident-not-found' });
    const unknown = await get(`/api/properties/${A.entrataId}/residents/123456789`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'resident-not-found' });
    const bad = await get(`/api/properties/${A.entrataId}/residents/abc`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/customerId/);
  });
});

describe('GET /api/properties/:propertyId/units/:unit', () => {
  it('shows the unit: bedrooms, registrations, residents and leases', async () => {
    const all = (await residents('?limit=200')).items;
    const someone = all.find((i) => i.state === 'active')!;
    const r = await get(`/api/properties/${A.entrataId}/units/${encodeURIComponent(someone.unit)}`);
    expect(r.statusCode, r.body).toBe(200);
    const u = r.json();
    expect(u).toMatchObject({ number: someone.unit, building: someone.building });
    expect(u.registrations.map((g: { customerId: string }) => g.customerId)).toContain(someone.customerId);
    expect(u.residents.map((p: { customerId: string }) => p.customerId)).toEqual(
      expect.arrayContaining(all.filter((i) => i.unit === someone.unit).map((i) => i.customerId)),
    );
    expect(u.leases.length).toBeGreaterThan(0);
    expect(u.leases.every((l: { unit: string }) => l.unit === someone.unit)).toBe(true);
    // The unit of property A, not B's unit of the same number.
    const own = await t.bench.db
      .selectFrom('unit')
      .select('entrata_id')
      .where('property_id', '=', A.id)
      .where('number', '=', someone.unit)
      .executeTakeFirstOrThrow();
    expect(u.entrataId).toBe(own.entrata_id);
  });

  it('picks the unit by building with ?building=, and answers 404 for another building', async () => {
    const u = await t.bench.db
      .selectFrom('unit')
      .select(['number', 'building'])
      .where('property_id', '=', A.id)
      .where('building', 'is not', null)
      .executeTakeFirstOrThrow();
    const ok = await get(`/api/properties/${A.entrataId}/units/${encodeURIComponent(u.number)}?building=${encodeURIComponent(u.building!)}`);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ number: u.number, building: u.building });
    const other = await get(`/api/properties/${A.entrataId}/units/${encodeURIComponent(u.number)}?building=nowhere`);
    expect(other.statusCode).toBe(404);
    expect(other.json()).toMatchObject({ code: 'unit-not-found' });
  });

  it("answers 404 for a unit the property does not have (another property's), 400 naming the field for a bad one", async () => {
    const ofB = await t.bench.db.selectFrom('unit').select('number').where('property_id', '=', B.id).execute();
    const ofA = new Set((await t.bench.db.selectFrom('unit').select('number').where('property_id', '=', A.id).execute()).map((u) => u.number));
    const onlyB = ofB.map((u) => u.number).find((n) => !ofA.has(n)) ?? 'no-such-unit';
    const r = await get(`/api/properties/${A.entrataId}/units/${encodeURIComponent(onlyB)}`);
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ code: 'unit-not-found' });
    const bad = await get(`/api/properties/${A.entrataId}/units/${'9'.repeat(41)}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/unit/);
    const badQuery = await get(`/api/properties/${A.entrataId}/units/101?bldg=1`);
    expect(badQuery.statusCode).toBe(400);
    expect(badQuery.json().message).toMatch(/bldg/);
  });
});

describe('unit order', () => {
  it('sorts unit numbers as people count: 2 before 10, A2 before A10, 1-9 before 1-10', async () => {
    const numbers = ['10', '2', 'A10', 'a2', '1-10', '1-9', '100', '99', 'B1', '12345678901', '0042'];
    const { rows } = await sql<{ n: string }>`select n from unnest(${sql.val(numbers)}::text[]) n order by pebbles_natural_key(n), n`.execute(t.bench.db);
    expect(rows.map((r) => r.n)).toEqual(['1-9', '1-10', '2', '10', '0042', '99', '100', '12345678901', 'a2', 'A10', 'B1']);
  });
});
