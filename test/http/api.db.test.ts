import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKysely } from '../../src/db/database.ts';
import { buildHttpServer } from '../../src/http/server.ts';
import { createMetrics } from '../../src/jobs/metrics.ts';
import { syncProperty } from '../../src/sync/sync-property.ts';
import { createJobBench, type JobBench } from '../jobs/support.ts';
import { apiDepsOf } from '../support/api-bench.ts';
import { testCallers } from '../support/callers.ts';

describe('HTTP: health, readiness, metrics and the sync API', () => {
  let bench: JobBench;
  let app: FastifyInstance;
  let entrataId: string;
  let units: string[];
  let customers: string[];
  const callers = testCallers(() => bench.db);
  let admin: Record<string, string>;

  beforeAll(async () => {
    // Real workers on the queues (sync-now runs as it would in `pebbles start`), latency on every Entrata call.
    bench = await createJobBench({ start: new Date(), timeZone: 'America/Denver', properties: 2, units: 6, work: true, latencyMs: 20 });
    app = await buildHttpServer({
      ...apiDepsOf(bench, callers),
      catcher: false,
      // More sync-now requests than a person makes: the limit itself is tested in sync-now-limits.db.test.ts.
      syncNowPerMinute: 1000,
    });
    admin = callers.as('admin');
    entrataId = bench.props[0]!.entrataId;
    const portfolio = bench.sim.control.portfolio();
    const leases = portfolio.leasesByProperty.get(entrataId) ?? [];
    units = [...new Set(leases.map((l) => portfolio.unitById.get(l.unitId)!.number))];
    customers = [...new Set(leases.flatMap((l) => l.customers.map((c) => c.customerId)))];
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await bench?.close();
  });

  it('GET /healthz says the process is alive', async () => {
    const r = await app.inject({ method: 'GET', url: '/healthz' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz checks the database and the queue', async () => {
    const r = await app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: 'ready', checks: { database: 'ok', queue: 'ok' } });
  });

  it('GET /readyz is 503 when the database does not answer', async () => {
    const dead = createKysely('postgres://nobody@127.0.0.1:1/none', 1);
    const down = await buildHttpServer({
      db: dead,
      boss: null,
      metrics: createMetrics(null, { defaultMetrics: false }),
      log: bench.log,
      now: () => new Date(),
      api: false,
      syncNowTimeoutMs: 1000,
      auth: callers,
      secrets: bench.secrets,
      catcher: false,
    });
    try {
      const r = await down.inject({ method: 'GET', url: '/readyz' });
      expect(r.statusCode).toBe(503);
      expect(r.json()).toEqual({ status: 'not-ready', checks: { database: 'unreachable: connect ECONNREFUSED 127.0.0.1:1', queue: 'absent' } });
      // A worker's metrics port has no API.
      expect((await down.inject({ method: 'POST', url: `/api/properties/${entrataId}/sync` })).statusCode).toBe(404);
    } finally {
      await down.close();
      await dead.destroy();
    }
  });

  it('POST /api/properties/:id/sync?wait=true syncs the whole property through the queue and returns the run', async () => {
    const r = await app.inject({ headers: admin, method: 'POST', url: `/api/properties/${entrataId}/sync?wait=true` });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({ state: 'done', property: entrataId, location: `/api/properties/${entrataId}/sync-requests/${body.jobId}`, coalesced: false });
    expect(body.result.runs).toHaveLength(1);
    expect(body.result.runs[0]).toMatchObject({ scope: { kind: 'property' }, status: 'applied', answeredBy: 'this-request', error: null });
    expect(body.result.runs[0].counts.entrataCalls).toBeUndefined(); // counted on the run record, after the result
    const runs = await app.inject({ headers: admin, method: 'GET', url: `/api/properties/${entrataId}/runs?limit=5` });
    expect(runs.statusCode).toBe(200);
    expect(runs.json().runs[0]).toMatchObject({ runId: body.result.runs[0].runId, trigger: 'api', status: 'applied' });
    expect(runs.json().runs[0].counts.entrataCalls).toBeGreaterThan(0);
  });

  it('syncs one unit, one resident, or a selection of either (O5); a selection of more than a quarter of the units syncs the property', async () => {
    const post = (payload: unknown) =>
      app.inject({ headers: admin, method: 'POST', url: `/api/properties/${entrataId}/sync?wait=true`, payload: payload as object });
    const unit = (await post({ unit: units[0] })).json();
    expect(unit.result.runs.map((x: { scope: unknown }) => x.scope)).toEqual([{ kind: 'unit', unitNumber: units[0], building: null }]);
    const one = (await post({ customer: customers[0] })).json();
    expect(one.result.runs.map((x: { scope: unknown }) => x.scope)).toEqual([{ kind: 'customer', customerId: customers[0] }]);
    const some = (await post({ customers: customers.slice(0, 3) })).json();
    expect(some.result.runs.map((x: { scope: { customerId: string } }) => x.scope.customerId)).toEqual(customers.slice(0, 3));
    // Two of six units: one property sync reads Entrata in fewer calls than two unit syncs.
    const many = (await post({ units: [units[0], { unit: units[1] }] })).json();
    expect(many.state).toBe('done');
    expect(many.scopes).toEqual([{ kind: 'property' }]);
    expect(many.result.runs.map((x: { scope: unknown }) => x.scope)).toEqual([{ kind: 'property' }]);
    expect(many.result.runs.every((x: { status: string }) => x.status !== 'failed')).toBe(true);
  });

  it('without wait, answers 202 with where to look, and the request is done within seconds', async () => {
    const r = await app.inject({ headers: admin, method: 'POST', url: `/api/properties/${entrataId}/sync`, payload: { customer: customers[1] } });
    expect(r.statusCode).toBe(202);
    const { location, state } = r.json();
    expect(state).toBe('queued');
    const started = Date.now();
    let s: { state: string } = { state: 'queued' };
    while (s.state !== 'done' && Date.now() - started < 10_000) {
      await new Promise((res) => setTimeout(res, 100));
      s = (await app.inject({ headers: admin, method: 'GET', url: location })).json();
    }
    expect(s.state).toBe('done');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a sync-now for a property already syncing is answered by that run', async () => {
    bench.sim.control.setLatency(400);
    try {
      const running = syncProperty(bench.worker.deps, { propertyDbId: bench.props[0]!.id, trigger: 'schedule' });
      let runId: number | undefined;
      while (runId === undefined) {
        runId = (await bench.db.selectFrom('sync_run').select('id').where('status', '=', 'running').executeTakeFirst())?.id;
        await new Promise((res) => setTimeout(res, 20));
      }
      const r = await app.inject({ headers: admin, method: 'POST', url: `/api/properties/${entrataId}/sync?wait=true` });
      const done = await running;
      expect(r.json().result.runs).toEqual([expect.objectContaining({ runId, answeredBy: 'running-sync', status: done.status })]);
    } finally {
      bench.sim.control.setLatency(20);
    }
  });

  it('refuses a unit or resident the property does not have before anything is queued or recorded: {error, code, message}', async () => {
    const runCount = async () =>
      Number(
        (
          await bench.db
            .selectFrom('sync_run')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await runCount();
    const missing = await app.inject({ headers: admin, method: 'POST', url: '/api/properties/999999/sync?wait=true', payload: { unit: units[0] } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'Not Found', code: 'property-not-found', message: 'no property 999999 that you may see' });
    const unit = await app.inject({ headers: admin, method: 'POST', url: `/api/properties/${entrataId}/sync?wait=true`, payload: { unit: '9999' } });
    expect(unit.statusCode).toBe(400);
    expect(unit.json()).toMatchObject({ error: 'Bad Request', code: 'unit-not-found' });
    expect(unit.json().message).toMatch(
      new RegExp(`^no unit 9999 at property ${entrataId} \\(\\d+ units, .+ to .+; see \`pebbles entrata units --property ${entrataId}\`\\)$`),
    );
    // One unknown unit in a selection refuses the whole selection: nothing of it is queued.
    const some = await app.inject({
      headers: admin,
      method: 'POST',
      url: `/api/properties/${entrataId}/sync?wait=true`,
      payload: { units: [units[0], '9999'] },
    });
    expect(some.statusCode).toBe(400);
    // A resident Pebbles has not seen may have a new lease: the worker asks Entrata, and answers without a run.
    const stranger = await app.inject({
      headers: admin,
      method: 'POST',
      url: `/api/properties/${entrataId}/sync?wait=true`,
      payload: { customer: '987654321' },
    });
    expect(stranger.statusCode).toBe(200);
    expect(stranger.json().result.runs).toEqual([
      expect.objectContaining({
        runId: null,
        status: 'refused',
        scope: { kind: 'customer', customerId: '987654321' },
        error: {
          kind: 'customer-not-found',
          message: expect.stringMatching(/^customer 987654321 has no lease at property \S+, in Entrata or in Pebbles/),
          entrataFailure: false,
        },
      }),
    ]);
    expect(await runCount()).toBe(before);
  });

  it('validates every request against its schema, naming the wrong field and what it expects', async () => {
    const post = (payload: unknown, query = '') =>
      app.inject({ headers: admin, method: 'POST', url: `/api/properties/${entrataId}/sync${query}`, payload: payload as object });
    const bad = await post({ unit: '101', customer: '5' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({
      error: 'Bad Request',
      code: 'invalid-request',
      message: 'body.customer: give one of unit, customer, customers or units, not both unit and customer',
    });
    expect((await post({ unit: 5 })).json()).toEqual({ error: 'Bad Request', code: 'invalid-request', message: 'body.unit: expected a unit number as text' });
    expect((await post({ customers: ['x'] })).json().message).toBe('body.customers[0]: expected an Entrata customer id (digits)');
    expect((await post({ units: ['101', { unit: 7 }] })).json().message).toBe('body.units[1].unit: expected a unit number as text');
    expect((await post({ unti: '101' })).json().message).toBe('body.unti: not a field of this request');
    expect((await post({ building: 'A' })).json().message).toBe('body.building: only with unit');
    expect((await post(undefined, '?wait=maybe')).json().message).toBe('query.wait: expected one of "0", "1", "true", "false"');
    expect((await app.inject({ headers: admin, method: 'POST', url: '/api/properties/999999/sync' })).statusCode).toBe(404);
    expect((await app.inject({ headers: admin, method: 'GET', url: '/api/properties/999999/runs' })).statusCode).toBe(404);
    const notUuid = await app.inject({ headers: admin, method: 'GET', url: `/api/properties/${entrataId}/sync-requests/not-a-uuid` });
    expect(notUuid.json()).toEqual({
      error: 'Bad Request',
      code: 'invalid-request',
      message: 'path.jobId: expected a job id (a UUID, from the location of POST .../sync)',
    });
    const unknown = await app.inject({ headers: admin, method: 'GET', url: `/api/properties/${entrataId}/sync-requests/6f1c1a52-8a0e-4b7e-9a53-1d1f1c1a5200` });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('sync-request-not-found');
  });

  it('GET /metrics serves Prometheus text: syncs, Entrata calls, queue, outbox, properties (a port without the API)', async () => {
    const metricsPort = await buildHttpServer({
      db: bench.db,
      boss: bench.boss,
      metrics: bench.worker.metrics,
      log: bench.log,
      now: bench.clock.now,
      api: false,
      syncNowTimeoutMs: 1000,
      auth: callers,
      secrets: bench.secrets,
      catcher: false,
    });
    const r = await metricsPort.inject({ method: 'GET', url: '/metrics' });
    await metricsPort.close();
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    const text = r.body;
    expect(text).toMatch(/pebbles_sync_runs_total\{trigger="api",status="applied"\} [1-9]/);
    expect(text).toMatch(/pebbles_sync_duration_seconds_bucket\{le="[^"]+",trigger="api",status="applied"\}/);
    expect(text).toMatch(/pebbles_entrata_calls_total\{service="leases",outcome="2xx"\} [1-9]/);
    expect(text).toMatch(/pebbles_outbox_messages\{state="queued"\} [1-9]/);
    expect(text).toMatch(/pebbles_properties\{state="ok"\} 2/);
    expect(text).toContain('# TYPE pebbles_queue_jobs gauge');
    expect(text).toContain('# TYPE pebbles_entrata_rate_limit_headroom_ratio gauge');
    expect(text).toContain('pebbles_process_resident_memory_bytes');
  });
});
