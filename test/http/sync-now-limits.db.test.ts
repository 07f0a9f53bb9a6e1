import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/http/server.ts';
import { QUEUES } from '../../src/jobs/queues.ts';
import { apiDepsOf, createApiBench, type ApiBench } from '../support/api-bench.ts';

// Twelve units a property: a quarter is three. Jobs are run by drain() (no worker polls), so the test
// counts what was queued before anything runs.
let t: ApiBench;
let a: { entrataId: string; id: number };
let units: string[];
let customers: string[];

beforeAll(async () => {
  // No limit here but in the test of the limit (test callers of one role share one name, so one allowance).
  t = await createApiBench({ units: 12, http: { syncNowPerMinute: 100_000 } });
  a = t.bench.props[0]!;
  const portfolio = t.bench.sim.control.portfolio();
  const leases = portfolio.leasesByProperty.get(a.entrataId) ?? [];
  units = [...new Set(leases.map((l) => portfolio.unitById.get(l.unitId)!.number))];
  customers = [...new Set(leases.flatMap((l) => l.customers.map((c) => c.customerId)))];
}, 120_000);
afterAll(async () => t?.close());
// Each test starts with an empty queue.
beforeEach(async () => {
  await t.bench.drain();
});

const entrataCalls = () => Object.values(t.bench.sim.control.calls()).reduce((n, c) => n + c, 0);
const openJobs = async () => (await t.bench.boss.getQueueSize(QUEUES.syncNow)) ?? 0;
const apiRuns = async () =>
  Number(
    (
      await t.bench.db
        .selectFrom('sync_run')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('trigger', '=', 'api')
        .executeTakeFirstOrThrow()
    ).n,
  );
const syncUrl = () => `/api/properties/${a.entrataId}/sync`;

/** What one request costs: the jobs it queues, then (run) the runs and Entrata calls they make. */
async function cost(send: () => Promise<unknown>) {
  const [calls0, runs0] = [entrataCalls(), await apiRuns()];
  await send();
  const jobs = await openJobs();
  await t.bench.drain();
  return { jobs, runs: (await apiRuns()) - runs0, entrataCalls: entrataCalls() - calls0 };
}

describe('one request cannot multiply Entrata calls', () => {
  it('500 unit numbers (duplicates included) of 12 units make one property sync: one job, one run, the calls of one property sync', async () => {
    const property = await cost(() => t.app.inject({ method: 'POST', url: syncUrl(), headers: t.callers.as('manager', [a.id]) }));
    const many = Array.from({ length: 500 }, (_, i) => (i % 3 === 0 ? { unit: units[i % units.length]! } : units[i % units.length]!));
    let answer: { scopes: unknown; coalesced: boolean } | undefined;
    const selection = await cost(async () => {
      const r = await t.app.inject({ method: 'POST', url: syncUrl(), headers: t.callers.as('manager', [a.id]), payload: { units: many } });
      expect(r.statusCode).toBe(202);
      answer = r.json();
    });
    expect(answer).toMatchObject({ scopes: [{ kind: 'property' }], coalesced: false });
    expect(selection).toEqual({ jobs: 1, runs: 1, entrataCalls: property.entrataCalls });
    expect(selection.entrataCalls).toBeLessThan(10);
  });

  it('500 entries naming two units (of 12) sync those two units once each', async () => {
    const two = Array.from({ length: 500 }, (_, i) => units[i % 2]!);
    let scopes: unknown;
    const c = await cost(async () => {
      const r = await t.app.inject({ method: 'POST', url: syncUrl(), headers: t.callers.as('manager', [a.id]), payload: { units: two } });
      scopes = r.json().scopes;
    });
    expect(scopes).toEqual([
      { kind: 'unit', unitNumber: units[0], building: null },
      { kind: 'unit', unitNumber: units[1], building: null },
    ]);
    expect(c.jobs).toBe(1);
    expect(c.runs).toBe(2);
  });

  it('a selection of more than a quarter of the residents is a property sync', async () => {
    const some = customers.slice(0, Math.floor(customers.length / 4) + 1);
    expect(some.length).toBeGreaterThan(1);
    const r = await t.app.inject({ method: 'POST', url: syncUrl(), headers: t.callers.as('manager', [a.id]), payload: { customers: [...some, ...some] } });
    expect(r.json().scopes).toEqual([{ kind: 'property' }]);
  });
});

describe('requests for a property already queued or running are answered by that sync', () => {
  it('305 requests at once from 305 callers (the issue: 305 in 2 s queued 305 jobs) queue one job: every answer carries its id', async () => {
    const c = await cost(async () => {
      const started = Date.now();
      const answers = await Promise.all(
        Array.from({ length: 305 }, () => t.app.inject({ method: 'POST', url: syncUrl(), headers: t.callers.as('employee', [a.id]) })),
      );
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(answers.map((r) => r.statusCode)).toEqual(Array(305).fill(202));
      const ids = new Set(answers.map((r) => r.json().jobId));
      expect(ids.size).toBe(1);
      expect(answers.filter((r) => r.json().coalesced).length).toBe(304);
    });
    expect(c).toMatchObject({ jobs: 1, runs: 1 });
  });

  it('a unit or resident request while a property sync is queued joins it; another unit while a unit sync is queued does not', async () => {
    const headers = t.callers.as('manager', [a.id]);
    const whole = (await t.app.inject({ method: 'POST', url: syncUrl(), headers })).json();
    const unit = (await t.app.inject({ method: 'POST', url: syncUrl(), headers, payload: { unit: units[0] } })).json();
    const resident = (await t.app.inject({ method: 'POST', url: syncUrl(), headers, payload: { customer: customers[0] } })).json();
    expect(unit).toMatchObject({ jobId: whole.jobId, coalesced: true, scopes: [{ kind: 'property' }] });
    expect(resident).toMatchObject({ jobId: whole.jobId, coalesced: true });
    await t.bench.drain();

    const first = (await t.app.inject({ method: 'POST', url: syncUrl(), headers, payload: { unit: units[0] } })).json();
    const same = (await t.app.inject({ method: 'POST', url: syncUrl(), headers, payload: { units: [units[0], units[0]] } })).json();
    const other = (await t.app.inject({ method: 'POST', url: syncUrl(), headers, payload: { unit: units[1] } })).json();
    expect(same).toMatchObject({ jobId: first.jobId, coalesced: true });
    expect(other.jobId).not.toBe(first.jobId);
    expect(await openJobs()).toBe(2);
  });

  it('a finished sync answers no new request: the next one queues a job of its own', async () => {
    const headers = t.callers.as('manager', [a.id]);
    const one = (await t.app.inject({ method: 'POST', url: syncUrl(), headers })).json();
    await t.bench.drain();
    const two = (await t.app.inject({ method: 'POST', url: syncUrl(), headers })).json();
    expect(two.jobId).not.toBe(one.jobId);
    expect(two.coalesced).toBe(false);
  });
});

describe('each caller has a rate limit', () => {
  it('305 requests from one caller: 10 are answered (one job), the rest 429 with Retry-After', async () => {
    const app = await buildHttpServer({ ...apiDepsOf(t.bench, t.callers), syncNowTimeoutMs: 5_000, catcher: false });
    const headers = t.callers.as('owner', [a.id]);
    const before = await openJobs();
    const answers = [];
    try {
      for (let i = 0; i < 305; i++) answers.push(await app.inject({ method: 'POST', url: syncUrl(), headers }));
    } finally {
      await app.close();
    }
    const ok = answers.filter((r) => r.statusCode === 202);
    const limited = answers.filter((r) => r.statusCode === 429);
    expect(ok.length).toBe(10);
    expect(limited.length).toBe(295);
    expect(new Set(ok.map((r) => r.json().jobId)).size).toBe(1);
    expect((await openJobs()) - before).toBe(1);
    const r = limited[0]!;
    expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(6);
    expect(r.json()).toEqual({
      error: 'Too Many Requests',
      code: 'rate-limited',
      message: expect.stringMatching(/^too many sync-now requests \(at most 10 a minute\): try again in \d s$/),
    });
    expect(r.body).not.toContain(headers.authorization!.slice(7));
  });

  it('another caller keeps its own allowance', async () => {
    const app = await buildHttpServer({ ...apiDepsOf(t.bench, t.callers), syncNowTimeoutMs: 5_000, catcher: false });
    try {
      const owner = t.callers.as('owner', [a.id]);
      for (let i = 0; i < 11; i++) await app.inject({ method: 'POST', url: syncUrl(), headers: owner });
      expect((await app.inject({ method: 'POST', url: syncUrl(), headers: owner })).statusCode).toBe(429);
      expect((await app.inject({ method: 'POST', url: syncUrl(), headers: t.callers.as('manager', [a.id]) })).statusCode).toBe(202);
    } finally {
      await app.close();
    }
  });
});

describe('GET /api/properties/:propertyId/sync-requests and .../sync-requests/:jobId', () => {
  it('lists queued, running and recent requests with their state, newest first; each can be read where its location says', async () => {
    const headers = t.callers.as('manager', [a.id]);
    const done = (await t.app.inject({ method: 'POST', url: syncUrl(), headers, payload: { unit: units[2] } })).json();
    await t.bench.drain();
    const queued = (await t.app.inject({ method: 'POST', url: syncUrl(), headers, payload: { customer: customers[1] } })).json();
    const r = await t.app.inject({ method: 'GET', url: `/api/properties/${a.entrataId}/sync-requests?limit=5`, headers: t.callers.as('employee', [a.id]) });
    expect(r.statusCode).toBe(200);
    const items = r.json().items;
    expect(r.json().property).toBe(a.entrataId);
    expect(items[0]).toMatchObject({
      jobId: queued.jobId,
      state: 'queued',
      scopes: [{ kind: 'customer', customerId: customers[1] }],
      startedAt: null,
      finishedAt: null,
    });
    expect(items[1]).toMatchObject({ jobId: done.jobId, state: 'done', scopes: [{ kind: 'unit', unitNumber: units[2], building: null }] });
    expect(items[1].result.runs[0]).toMatchObject({ scope: { kind: 'unit', unitNumber: units[2] }, answeredBy: 'this-request' });
    expect(items[1].finishedAt).not.toBeNull();
    expect(items.length).toBeLessThanOrEqual(5);
    const one = await t.app.inject({ method: 'GET', url: items[1].location, headers });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ jobId: done.jobId, state: 'done' });
  });

  it('a request of another property, or of a property the caller may not see, answers 404', async () => {
    const b = t.bench.props[1]!;
    const ofB = (await t.app.inject({ method: 'POST', url: `/api/properties/${b.entrataId}/sync`, headers: t.admin })).json();
    // Named under A: not found, though it exists under B.
    const crossed = await t.app.inject({ method: 'GET', url: `/api/properties/${a.entrataId}/sync-requests/${ofB.jobId}`, headers: t.admin });
    expect(crossed.statusCode).toBe(404);
    expect(crossed.json().code).toBe('sync-request-not-found');
    const hidden = await t.app.inject({ method: 'GET', url: `/api/properties/${b.entrataId}/sync-requests`, headers: t.callers.as('manager', [a.id]) });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().code).toBe('property-not-found');
  });

  it('validation names the field', async () => {
    const r = await t.app.inject({ method: 'GET', url: `/api/properties/${a.entrataId}/sync-requests?limit=0`, headers: t.admin });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({ error: 'Bad Request', code: 'invalid-request', message: 'query.limit: expected at least 1' });
    const runs = await t.app.inject({ method: 'GET', url: `/api/properties/${a.entrataId}/runs?limit=501&order=asc`, headers: t.admin });
    expect(runs.json()).toEqual({
      error: 'Bad Request',
      code: 'invalid-request',
      message: 'query.limit: expected at most 500; query.order: not a field of this request',
    });
  });
});
