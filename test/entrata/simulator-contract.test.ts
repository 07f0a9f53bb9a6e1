// End to end against the Entrata simulator (src/simulator) over real HTTP, in both auth styles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEntrataClient, EntrataError, type EntrataAccountConfig } from '../../src/entrata/index.ts';
import type { PropertySnapshot } from '../../src/engine/snapshot.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';

const TODAY = '2026-01-15';
const APIKEY = { kind: 'apikey', apiKey: 'demo-key' } as const;
const BASIC = { kind: 'basic', username: 'demo', password: 'demo' } as const;
const fast = { sleep: async () => {}, random: () => 0 };

function client(sim: RunningSimulator, credential: EntrataAccountConfig['credential'], over: Partial<EntrataAccountConfig> = {}) {
  return createEntrataClient({ subdomain: 'acme', baseUrl: sim.url, credential, ...over }, fast);
}

function expectSorted(snap: PropertySnapshot) {
  const numeric = (ids: string[]) => expect(ids).toEqual([...ids].sort((a, b) => Number(a) - Number(b)));
  numeric(snap.units.map((u) => u.id));
  numeric(snap.leases.map((l) => l.id));
  for (const l of snap.leases) {
    numeric(l.customers.map((c) => c.id));
    numeric(l.spaceIds);
  }
}

describe('a simulated property read end to end', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 'entrata-contract', properties: 2, units: 40, rateLimits: false, today: TODAY });
  });
  afterAll(() => sim.stop());

  it('the API key (gateway) and basic auth (legacy host) read the same snapshot', async () => {
    const viaKey = await client(sim, APIKEY).readPropertySnapshot('100001');
    const viaBasic = await client(sim, BASIC).readPropertySnapshot('100001');
    expect(viaBasic).toEqual(viaKey);
    expect(viaKey.leases.length).toBeGreaterThan(20);
  });

  it('every simulated lease is understood: nothing quarantined, statuses Future/Current/Notice, arrays sorted by id', async () => {
    const snap = await client(sim, APIKEY).readPropertySnapshot('100002');
    expect(snap.property.id).toBe('100002');
    expect(snap.property.name).not.toBe('');
    expect(snap.quarantined).toEqual([]);
    expect(new Set(snap.leases.map((l) => l.status))).toEqual(new Set(['future', 'current', 'notice']));
    const unitIds = new Set(snap.units.map((u) => u.id));
    for (const l of snap.leases) expect(unitIds.has(l.unitId)).toBe(true);
    expectSorted(snap);
  });

  it('getStatus and getProperties answer through both auth styles', async () => {
    for (const cred of [APIKEY, BASIC]) {
      const c = client(sim, cred);
      expect((await c.getStatus()).ok).toBe(true);
      expect((await c.getProperties()).map((p) => p.id)).toEqual(['100001', '100002']);
    }
  });

  it('leases that left the snapshot are read by id with their new status (S2)', async () => {
    const c = client(sim, APIKEY);
    const past = await c.getLeases('100001', { statuses: ['past', 'cancelled'] });
    expect(past.leases.length).toBeGreaterThan(0);
    const ids = past.leases.map((l) => l.id);
    const byId = await c.readLeasesByIds('100001', ids);
    expect(byId.leases.map((l) => [l.id, l.status])).toEqual(past.leases.map((l) => [l.id, l.status]));
  });

  it('wrong credentials are an auth error in both styles', async () => {
    await expect(client(sim, { kind: 'apikey', apiKey: 'nope' }).getStatus()).rejects.toMatchObject({ kind: 'auth' });
    await expect(client(sim, { kind: 'basic', username: 'demo', password: 'wrong' }).getStatus()).rejects.toMatchObject({ kind: 'auth' });
  });

  it('injected faults: a 503 is retried through, error 420 is not-permitted', async () => {
    const c = client(sim, APIKEY);
    sim.control.injectFault({ method: 'getStatus', kind: 'http503', times: 1 });
    expect((await c.getStatus()).ok).toBe(true);
    sim.control.injectFault({ method: 'getProperties', kind: 'error420', times: 1 });
    const d = await c.discoverProperties();
    expect(d.permitted).toBe(false);
    sim.control.clearFaults();
  });

  it('malformed and truncated answers are typed malformed errors', async () => {
    const c = client(sim, APIKEY);
    for (const kind of ['malformedJson', 'truncatedBody'] as const) {
      sim.control.injectFault({ method: 'getStatus', kind, times: 1 });
      const e = await c.getStatus().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(EntrataError);
      expect((e as EntrataError).isEntrataFailure).toBe(true);
    }
    sim.control.clearFaults();
  });
});

describe('the simulator in its harder modes', () => {
  it('capped mode (500 cap, paging ignored) reads the same snapshot as paged mode', async () => {
    const opts = { port: 0, seed: 'cap', properties: 1, units: 260, rateLimits: false as const, today: TODAY };
    const paged = await startSimulator({ ...opts, capMode: 'paged' });
    const capped = await startSimulator({ ...opts, capMode: 'capped' });
    try {
      const a = await client(paged, APIKEY).readPropertySnapshot('100001');
      const b = await client(capped, APIKEY).readPropertySnapshot('100001');
      expect(a.leases.length).toBeGreaterThan(500);
      expect(b).toEqual(a);
    } finally {
      await paged.stop();
      await capped.stop();
    }
  });

  it('other status ids in the pick list (never hard-coded), even when they change under a running client', async () => {
    const sim = await startSimulator({ port: 0, seed: 'ids', properties: 1, units: 30, rateLimits: false, today: TODAY });
    try {
      const c = client(sim, APIKEY);
      const before = await c.readPropertySnapshot('100001');
      sim.control.setStatusTypeIds({ Applicant: 11, Cancelled: 12, Future: 13, Current: 14, Notice: 15, Past: 16 });
      const after = await c.readPropertySnapshot('100001');
      expect(after.quarantined).toEqual([]);
      expect(after).toEqual(before);
    } finally {
      await sim.stop();
    }
  });

  it("with the simulator's rate limits on, the budget readings are exposed per service", async () => {
    const sim = await startSimulator({ port: 0, seed: 'rl', properties: 1, units: 10, today: TODAY });
    try {
      const c = client(sim, APIKEY);
      await c.readPropertySnapshot('100001');
      const state = c.rateLimitState();
      expect(state.map((s) => s.service)).toEqual(['leases', 'propertyunits']);
      expect(state[0]!.windows.map((w) => w.name)).toEqual(['DAY', 'HOUR', 'MINUTE']);
    } finally {
      await sim.stop();
    }
  });
});
