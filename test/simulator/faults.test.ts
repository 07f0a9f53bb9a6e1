import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { call, control, getLeases } from './helpers.ts';

const ALL = '1,2,3,4,5,6';
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ seed: 'faults', properties: 1, units: 80, today: '2026-11-27' });
});
afterAll(() => sim.stop());
beforeEach(() => {
  sim.control.clearFaults();
  sim.control.resetRateLimits();
});

const leases = (extra = {}) => getLeases(sim, { propertyId: 100001, leaseStatusTypeIds: ALL }, extra);

describe('fault injection', () => {
  it('latency delays the hit call only, for `times` calls', async () => {
    // A long injected delay, so a busy machine's own slowness cannot pass for it (or hide its absence).
    sim.control.injectFault({ method: 'getLeases', kind: 'latency', latencyMs: 1500 });
    let started = performance.now();
    await leases();
    expect(performance.now() - started).toBeGreaterThanOrEqual(1490);
    started = performance.now();
    await leases();
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('the global latencyMs option delays every call', async () => {
    const slow = await startSimulator({ properties: 1, units: 5, today: '2026-11-27', latencyMs: 60 });
    try {
      const started = performance.now();
      await call(slow, { service: 'status', method: 'getStatus' });
      await call(slow, { service: 'status', method: 'getStatus' });
      expect(performance.now() - started).toBeGreaterThanOrEqual(115);
    } finally {
      await slow.stop();
    }
  });

  it('timeout never answers; the client aborts and the next call works', async () => {
    sim.control.injectFault({ method: 'getLeases', kind: 'timeout' });
    await expect(leases({ signal: AbortSignal.timeout(150) })).rejects.toThrow();
    expect((await leases()).result.status).toBe(200);
  });

  it('stop() closes hung and keep-alive connections promptly', async () => {
    const other = await startSimulator({ properties: 1, units: 5, today: '2026-11-27' });
    other.control.injectFault({ method: '*', kind: 'timeout', times: 'always' });
    const hung = call(other, { service: 'status', method: 'getStatus' }).then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await other.stop();
    expect(performance.now() - started).toBeLessThan(500);
    expect(await hung).toBe('failed');
  });

  it('http500 and http503 answer those statuses', async () => {
    sim.control.injectFault({ method: 'getLeases', kind: 'http500' });
    const r500 = await leases();
    expect(r500.result.status).toBe(500);
    expect(r500.result.json.response.error.code).toBe(500);
    sim.control.injectFault({ method: 'getLeases', kind: 'http503', retryAfter: 3 });
    const r503 = await leases();
    expect(r503.result.status).toBe(503);
    expect(r503.result.headers.get('retry-after')).toBe('3');
    expect(r503.result.json).toBeUndefined();
  });

  it('http429 answers 429 with Retry-After and exhausted rate-limit headers', async () => {
    sim.control.injectFault({ method: 'getLeases', kind: 'http429', retryAfter: 7 });
    const res = await leases();
    expect(res.result.status).toBe(429);
    expect(res.result.headers.get('retry-after')).toBe('7');
    expect(res.result.headers.get('x-ratelimit-remaining')).toMatch(/\/HOUR;0\/MINUTE$/);
  });

  it('error420 and error301 answer HTTP 200 with response.error', async () => {
    sim.control.injectFault({ method: 'getLeases', kind: 'error420' });
    const r420 = await leases();
    expect(r420.result.status).toBe(200);
    expect(r420.result.json.response.error).toEqual({ code: 420, message: expect.stringMatching(/agreement/i) });
    sim.control.injectFault({ method: 'getLeases', kind: 'error301' });
    const r301 = await leases();
    expect(r301.result.status).toBe(200);
    expect(r301.result.json.response.error.code).toBe(301);
  });

  it('malformedJson and truncatedBody answer 200 with a body that does not parse', async () => {
    for (const kind of ['malformedJson', 'truncatedBody'] as const) {
      sim.control.injectFault({ method: 'getLeases', kind });
      const res = await leases();
      expect(res.result.status).toBe(200);
      expect(() => JSON.parse(res.result.text)).toThrow();
    }
    expect((await leases()).result.json.response.code).toBe(200);
  });

  it('shortPage (alias truncatedPage) answers valid JSON with fewer leases than the page holds', async () => {
    const full = await leases({ query: { per_page: 20 } });
    expect(full.leases).toHaveLength(20);
    for (const kind of ['shortPage', 'truncatedPage'] as const) {
      sim.control.injectFault({ method: 'getLeases', kind });
      const short = await leases({ query: { per_page: 20 } });
      expect(short.result.json.response.code).toBe(200);
      expect(short.leases).toHaveLength(10);
    }
  });

  it('emptyLeases answers a 200 with no leases', async () => {
    sim.control.injectFault({ method: 'getLeases', kind: 'emptyLeases' });
    const res = await leases();
    expect(res.result.json.response.code).toBe(200);
    expect(res.leases).toEqual([]);
  });

  it("matches by method or '*', counts `times`, and 'always' lasts until cleared", async () => {
    sim.control.injectFault({ method: 'getProperties', kind: 'http500' });
    expect((await leases()).result.status).toBe(200);
    sim.control.injectFault({ method: '*', kind: 'http500', times: 2 });
    expect((await call(sim, { service: 'status', method: 'getStatus' })).status).toBe(500);
    expect((await leases()).result.status).toBe(500);
    expect((await leases()).result.status).toBe(200);
    sim.control.injectFault({ method: 'getLeases', kind: 'error420', times: 'always' });
    for (let i = 0; i < 3; i++) expect((await leases()).result.json.response.error.code).toBe(420);
    sim.control.clearFaults();
    expect((await leases()).result.json.response.code).toBe(200);
  });

  it('is driven over HTTP too: POST and DELETE /_control/faults', async () => {
    const added = await control(sim, 'POST', 'faults', { method: 'getLeases', kind: 'http503', times: 'always' });
    expect(added.status).toBe(200);
    expect(added.json).toMatchObject({ kind: 'http503', remaining: 'always' });
    expect((await leases()).result.status).toBe(503);
    expect((await control(sim, 'GET', 'faults')).json.faults).toHaveLength(1);
    expect((await control(sim, 'DELETE', 'faults')).json).toEqual({ cleared: 1 });
    expect((await leases()).result.status).toBe(200);
    const bad = await control(sim, 'POST', 'faults', { method: 'getLeases', kind: 'explode' });
    expect(bad.status).toBe(400);
  });
});
