// Safety of the sync under concurrency and crashes: two syncs of one property never overlap, and a
// process killed inside the apply transaction leaves the previous state intact (S1, N4).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { formatLocal } from '../../src/engine/local-time.ts';
import { syncProperty, type SyncDeps } from '../../src/sync/sync-property.ts';
import { testSeam } from '../../src/sync/test-seam.ts';
import { addLease, count, createHarness, liveRegistrations, outbox, runs, tableContents, TZ, type Harness } from './harness.ts';

const harnesses: Harness[] = [];
afterEach(() => {
  testSeam.beforeCommit = null;
});
afterAll(async () => {
  for (const h of harnesses) await h.close();
});

async function bench(start: string, leases: number) {
  const h = await createHarness({ start, properties: 1, units: leases + 4 });
  harnesses.push(h);
  const p = h.props[0]!;
  return { h, p };
}

describe('S1: two syncs of one property never overlap', () => {
  it('S1: two syncProperty calls started at once run one after the other; nothing is written twice', async () => {
    const { h, p } = await bench('2025-09-01 10:00', 8);
    const people = h
      .units(p)
      .slice(0, 8)
      .flatMap((u) => addLease(h, u, { moveIn: '2025-08-20', end: '2026-07-31' }).customerIds);
    // A clock that moves with real time, so the run rows can show the order.
    const base = h.now().getTime();
    const t0 = Date.now();
    const deps: SyncDeps = { ...h.deps, now: () => new Date(base + (Date.now() - t0)) };
    let inside = 0;
    let maxInside = 0;
    testSeam.beforeCommit = async () => {
      inside++;
      maxInside = Math.max(maxInside, inside);
      await new Promise((r) => setTimeout(r, 300));
      inside--;
    };
    const [a, b] = await Promise.all([
      syncProperty(deps, { propertyDbId: p.id, trigger: 'schedule' }),
      syncProperty(deps, { propertyDbId: p.id, trigger: 'command' }),
    ]);
    expect(maxInside).toBe(1);
    const rs = await runs(h.db, p.id);
    expect(rs.map((r) => r.id).sort()).toEqual([a.runId, b.runId].sort());
    const [first, second] = rs as [(typeof rs)[number], (typeof rs)[number]];
    expect(first.finished_at).not.toBeNull();
    expect(second.started_at.getTime()).toBeGreaterThanOrEqual(first.finished_at!.getTime() + 250);
    expect([first.status, second.status]).toEqual(['applied', 'unchanged']);
    for (const c of people) {
      expect((await liveRegistrations(h.db, c)).map((r) => r.state)).toEqual(['active']);
      expect((await outbox(h.db, c)).map((o) => o.kind)).toEqual(['welcome']);
    }
    expect(await count(h.db, 'registration')).toBe(people.length);
    expect(await count(h.db, 'psk')).toBe(people.length);
    expect(await count(h.db, 'outbox')).toBe(people.length);
  });
});

describe('U3: syncs of two properties of one account at the same time', () => {
  it('U3/S1: concurrent syncs of both sides of a cross-property transfer end in the same state as one after the other', async () => {
    const h = await createHarness({ start: '2025-09-01 10:00', properties: 2, units: 12 });
    harnesses.push(h);
    const [p1, p2] = h.props as [Harness['props'][number], Harness['props'][number]];
    const movers = h
      .units(p1)
      .slice(0, 6)
      .map((u) => addLease(h, u, { moveIn: '2025-08-15', end: '2026-07-31', people: 2 }));
    const stayers = h
      .units(p2)
      .slice(6, 10)
      .map((u) => addLease(h, u, { moveIn: '2025-08-15', end: '2026-07-31' }));
    const both = () => Promise.all([h.sync(p1), h.sync(p2)]);
    await both();
    for (const [i, m] of movers.entries()) h.sim.control.transfer({ leaseId: m.leaseId, toUnitId: h.units(p2)[i]!.id, moveInDate: '2025-09-10' });
    await both();
    for (const [when, expected] of [
      ['2025-09-10 09:00', [p1.id, p2.id]],
      ['2025-09-11 09:00', [p2.id]],
    ] as const) {
      h.setClock(when);
      const results = await both();
      for (const r of results) expect(r.status, JSON.stringify(r.error)).not.toBe('failed');
      // Each side may need the other's result once: a second round settles, a third changes nothing.
      await both();
      const settled = await tableContents(h.db);
      await both();
      expect(await tableContents(h.db)).toEqual(settled);
      for (const c of movers.flatMap((m) => m.customerIds)) {
        expect(
          (await liveRegistrations(h.db, c)).map((r) => [r.property_id, r.state]),
          `${when} ${c}`,
        ).toEqual(expected.map((p) => [p, 'active']));
        expect((await outbox(h.db, c)).map((o) => o.kind)).toEqual(['welcome', 'new-key']);
      }
    }
    for (const c of stayers.flatMap((s) => s.customerIds)) expect((await liveRegistrations(h.db, c)).map((r) => r.state)).toEqual(['active']);
    expect(await count(h.db, 'psk', 'current')).toBe(movers.length * 2 + stayers.length);
  });
});

describe('S1/N4: a sync killed inside its transaction leaves the previous state intact', () => {
  it('S1/N4: SIGKILL of `pebbles sync` paused before COMMIT: no partial rows; the next sync closes the dead run and completes', async () => {
    // The child runs the real CLI with the real clock: the bench's clock is set to now as well.
    const { h, p } = await bench(formatLocal(Date.now(), TZ), 10);
    const today = h.now();
    const day = (offset: number) => formatLocal(today.getTime() + offset * 86_400_000, TZ).slice(0, 10);
    const units = h.units(p);
    const early = units.slice(0, 4).map((u) => addLease(h, u, { moveIn: day(-40), end: day(300) }));
    expect((await h.sync(p)).status).toBe('applied');
    // Changes the next sync will apply: new residents moving in, one moved out, one more pre-registered.
    const later = units.slice(4, 9).map((u) => addLease(h, u, { moveIn: day(-3), end: day(300), people: 2 }));
    h.sim.control.giveNotice({ leaseId: early[0]!.leaseId, moveOutDate: day(-1) });
    addLease(h, units[9]!, { moveIn: day(20), end: day(300) });
    const before = await tableContents(h.db);

    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pebbles-kill-'));
    const child = spawn(process.execPath, ['bin/pebbles.js', 'sync', '--property', p.entrataId, '--account', h.accountName], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: h.t.url,
        PEBBLES_SECRET_KEY: h.secretKeyHex,
        PEBBLES_DATA_DIR: dataDir,
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'warn',
        PEBBLES_TEST_PAUSE_BEFORE_COMMIT_MS: '120000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let runningId = -1;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the child did not pause: ${stderr}`)), 25_000);
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (/paused before commit/.test(stderr)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on('exit', () => reject(new Error(`the child exited early: ${stderr}`)));
      });
      // Inside the child's open transaction everything is written; outside, nothing shows.
      const running = (await runs(h.db, p.id)).at(-1)!;
      expect(running).toMatchObject({ status: 'running', finished_at: null, trigger: 'command' });
      runningId = running.id;
      const { rows: writers } = await sql<{
        n: string;
      }>`select count(*) as n from pg_stat_activity where datname = current_database() and state = 'idle in transaction'`.execute(h.db);
      expect(Number(writers[0]!.n)).toBeGreaterThanOrEqual(1);
      expect(await tableContents(h.db)).toEqual(before);

      child.kill('SIGKILL');
      expect(await exited).toMatchObject({ signal: 'SIGKILL' });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
    expect(await tableContents(h.db)).toEqual(before);

    // The next sync waits for the dead session's lock to go, marks its run, and applies everything.
    h.setClock(new Date(Date.now()));
    const r = await h.sync(p);
    expect(r.status).toBe('applied');
    const rs = await runs(h.db, p.id);
    const dead = rs.find((x) => x.id === runningId)!;
    expect(dead).toMatchObject({ status: 'failed', error: expect.objectContaining({ kind: 'interrupted' }) });
    expect(dead.finished_at).not.toBeNull();
    for (const c of later.flatMap((l) => l.customerIds)) {
      expect((await liveRegistrations(h.db, c)).map((x) => x.state)).toEqual(['active']);
      expect((await outbox(h.db, c)).map((o) => [o.kind, o.run_id])).toEqual([['welcome', r.runId]]);
    }
    expect(await liveRegistrations(h.db, early[0]!.customerIds[0]!)).toEqual([]);
    expect(await count(h.db, 'outbox')).toBe(4 + 10);
    const settled = await tableContents(h.db);
    expect((await h.sync(p)).status).toBe('unchanged');
    expect(await tableContents(h.db)).toEqual(settled);
  }, 60_000);
});
