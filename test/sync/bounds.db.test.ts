// A sync that Entrata keeps waiting gives up within its bound, changes nothing and frees the property
// (S4); an answer with no open lease where leases were open is applied (S2 keeps access) but flagged as
// suspicious, and counted towards failing when it repeats.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { entrataClients } from '../../src/accounts/entrata-clients.ts';
import { loadConfig } from '../../src/config/config.ts';
import { statusReport } from '../../src/jobs/status.ts';
import { runsOf } from '../../src/registry/views.ts';
import { syncProperty } from '../../src/sync/sync-property.ts';
import { addLease, count, createHarness, liveRegistrations, runs, tableContents, type Harness } from './harness.ts';
import { cleanEnv, runPebbles } from '../support/cli.ts';

const harnesses: Harness[] = [];
afterAll(async () => {
  for (const h of harnesses) await h.close();
});

async function bench(properties = 1) {
  const h = await createHarness({ start: '2025-09-01 10:00', properties, units: 8 });
  harnesses.push(h);
  return h;
}

/** Runs `node bin/pebbles.js ...args` against the harness's database; gives its exit code and output. */
async function pebbles(h: Harness, args: string[], env: Record<string, string> = {}) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pebbles-bounds-'));
  try {
    return await runPebbles(
      args,
      cleanEnv({
        DATABASE_URL: h.t.url,
        PEBBLES_SECRET_KEY: h.secretKeyHex,
        PEBBLES_DATA_DIR: dataDir,
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'warn',
        ...env,
      }),
    );
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

const status = async (h: Harness, propertyDbId: number) =>
  (await statusReport(h.db, { now: h.now(), rateLimitShare: 0.8, budgetReserve: 0.1 })).properties.find(
    (p) => p.property === h.props.find((x) => x.id === propertyDbId)!.entrataId,
  )!;

describe('S4: a sync gives up after its time bound', () => {
  it('S4: `pebbles sync` under 429s with a long Retry-After ends within PEBBLES_SYNC_TIMEOUT_SECONDS, records that it timed out, changes no access and frees the lock', async () => {
    const h = await bench();
    const p = h.props[0]!;
    const people = h
      .units(p)
      .slice(0, 3)
      .flatMap((u) => addLease(h, u, { moveIn: '2025-08-20', end: '2026-07-31' }).customerIds);
    expect((await h.sync(p)).status).toBe('applied');
    // A change the next sync would apply: one more resident moving in.
    const newcomer = addLease(h, h.units(p)[5]!, { moveIn: '2025-08-25', end: '2026-07-31' }).customerIds[0]!;
    const before = await tableContents(h.db);

    // Entrata answers every call with 429 and Retry-After: 50 minutes (within the client's one-hour wait limit).
    h.sim.control.injectFault({ method: '*', kind: 'http429', retryAfter: 3000, times: 'always' });
    const t0 = Date.now();
    const out = await pebbles(h, ['sync', '--property', p.entrataId], { PEBBLES_SYNC_TIMEOUT_SECONDS: '2' });
    const elapsed = Date.now() - t0;
    expect(out.code, out.stderr).toBe(1);
    expect(out.stdout).toMatch(/sync of property \S+( \([^)]*\))? failed: gave up after 2 s without a complete answer from Entrata.*\(access unchanged\)/);
    expect(elapsed).toBeLessThan(60_000); // the process's start included (slow on a loaded machine); the run's own time is checked below

    const run = (await runs(h.db, p.id)).at(-1)!;
    expect(run).toMatchObject({ status: 'failed', trigger: 'command', error: { kind: 'timed-out', entrataFailure: true } });
    expect(run.finished_at!.getTime() - run.started_at.getTime()).toBeLessThan(2_000 + 1_500);
    expect(await status(h, p.id)).toMatchObject({ consecutiveFailures: 1, lastError: { kind: 'timed-out' } });
    expect(await tableContents(h.db)).toEqual(before);

    // The lock is free: a sync that refuses to wait for it runs, and applies what the failed one could not.
    h.sim.control.clearFaults();
    const again = await h.sync(p, { lock: { wait: false } });
    expect(again.status).toBe('applied');
    expect((await liveRegistrations(h.db, newcomer)).map((r) => r.state)).toEqual(['active']);
    for (const c of people) expect((await liveRegistrations(h.db, c)).map((r) => r.state)).toEqual(['active']);
    expect((await status(h, p.id)).consecutiveFailures).toBe(0);
  }, 120_000);

  it('S4: short Retry-Afters that add up past the bound are cut in the middle of a wait, not after the retries', async () => {
    const h = await bench();
    const p = h.props[0]!;
    addLease(h, h.units(p)[0]!, { moveIn: '2025-08-20', end: '2026-07-31' });
    h.sim.control.injectFault({ method: 'getPropertyUnits', kind: 'http429', retryAfter: 2, times: 'always' });
    // The real client: real sleeps, four retries of 2 s each would take 8 s before failing as rate-limited.
    const deps = { ...h.deps, clientFor: entrataClients(h.db, h.secrets, loadConfig({}), h.log), syncTimeoutMs: 3_000 };
    const t0 = Date.now();
    const r = await syncProperty(deps, { propertyDbId: p.id, trigger: 'command' });
    const elapsed = Date.now() - t0;
    expect(r.status).toBe('failed');
    expect(r.error).toMatchObject({ kind: 'timed-out', entrataFailure: true, message: expect.stringMatching(/gave up after 3 s/) });
    expect(elapsed).toBeGreaterThanOrEqual(2_900);
    expect(elapsed).toBeLessThan(4_500);
    expect(await count(h.db, 'registration')).toBe(0);
  }, 30_000);
});

describe('S2: an empty lease list where leases were open is a suspicious answer', () => {
  it('S2/S4: flagged on the run and the property with access kept; three in a row make the property failing; a good answer clears it', async () => {
    const h = await bench(2);
    const [p, vacant] = h.props as [Harness['props'][number], Harness['props'][number]];
    const people = h
      .units(p)
      .slice(0, 3)
      .flatMap((u) => addLease(h, u, { moveIn: '2025-08-20', end: '2026-07-31' }).customerIds);
    expect((await h.sync(p)).suspicious).toBeNull();
    // A property that has no lease from its first sync on is not suspicious.
    for (let i = 0; i < 2; i++) expect((await h.sync(vacant)).suspicious).toBeNull();

    h.sim.control.injectFault({ method: 'getLeases', kind: 'emptyLeases', times: 'always' });
    for (let i = 1; i <= 3; i++) {
      h.setClock(`2025-09-01 1${i}:00`);
      const r = await h.sync(p, { trigger: 'schedule', skipUnchanged: true });
      expect(r.status).not.toBe('failed');
      expect(r.suspicious).toMatch(/no Future, Current or Notice lease where 3 were open/);
      expect((await runsOf(h.db, p.id))[0]!.suspicious).toBe(r.suspicious);
      const s = await status(h, p.id);
      expect(s).toMatchObject({ suspiciousAnswer: r.suspicious, consecutiveFailures: i, failing: i >= 3 });
      for (const c of people) expect((await liveRegistrations(h.db, c)).map((x) => x.state)).toEqual(['active']);
    }
    expect(await status(h, vacant.id)).toMatchObject({ suspiciousAnswer: null, consecutiveFailures: 0, failing: false });

    // What staff see: `pebbles status`, `status --json` and `pebbles runs`.
    const table = await pebbles(h, ['status']);
    expect(table.stdout).toMatch(new RegExp(`${p.entrataId}.*FAILING x3`));
    expect(table.stdout).toContain(`${p.entrataId}: suspicious answer: Entrata answered with no Future, Current or Notice lease where 3 were open`);
    const json = JSON.parse((await pebbles(h, ['status', '--json'])).stdout) as {
      properties: Array<{ property: string; failing: boolean; suspiciousAnswer: string | null }>;
    };
    expect(json.properties.find((x) => x.property === p.entrataId)).toMatchObject({
      failing: true,
      suspiciousAnswer: expect.stringMatching(/where 3 were open/),
    });
    expect((await pebbles(h, ['runs', '--property', p.entrataId])).stdout).toMatch(/Entrata answered with no Future, Current or Notice lease/);

    h.sim.control.clearFaults();
    const good = await h.sync(p, { trigger: 'schedule', skipUnchanged: true });
    expect(good.suspicious).toBeNull();
    expect(await status(h, p.id)).toMatchObject({ suspiciousAnswer: null, consecutiveFailures: 0, failing: false });
  }, 180_000);

  it('S2: not suspicious when Entrata, asked by id, says every open lease ended (all cancelled)', async () => {
    const h = await bench();
    const p = h.props[0]!;
    const leases = h
      .units(p)
      .slice(0, 2)
      .map((u) => addLease(h, u, { moveIn: '2025-09-20', end: '2026-07-31' }));
    expect((await h.sync(p)).status).toBe('applied');
    for (const l of leases) h.sim.control.cancelLease({ leaseId: l.leaseId });
    const r = await h.sync(p);
    expect(r.status).toBe('applied');
    expect(r.suspicious).toBeNull();
    expect(await status(h, p.id)).toMatchObject({ suspiciousAnswer: null, consecutiveFailures: 0 });
  });
});
