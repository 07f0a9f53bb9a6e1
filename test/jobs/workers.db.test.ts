// Two `pebbles worker` processes on one PostgreSQL over 20 properties, with an Entrata simulator that
// adds latency to every call, and sync-now requests racing the schedule: no property is ever synced by
// two at once, no notification is queued twice, and killing a (third) worker in the middle of a sync
// loses no work: its job is retried by another worker.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount } from '../../src/accounts/accounts.ts';
import { createSecretBox } from '../../src/crypto/secrets.ts';
import { createBoss } from '../../src/jobs/queues.ts';
import { loadJobSettings } from '../../src/jobs/settings.ts';
import { requestSyncNow } from '../../src/jobs/sync-now.ts';
import { enableProperty, type PropertySettings } from '../../src/properties/properties.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PROPERTIES = 20;

interface Worker {
  name: string;
  proc: ChildProcess;
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnWorker(name: string, env: Record<string, string>): Worker {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin/pebbles.js'), 'worker', '--concurrency', '3'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return { name, proc, stderr, exited };
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('two worker processes on one PostgreSQL', () => {
  let t: TestDatabase;
  let sim: RunningSimulator;
  let props: PropertySettings[];
  const workers: Worker[] = [];
  let killedRunId: number | null = null;
  let sawPause = false;

  beforeAll(async () => {
    t = await createTestDatabase();
    sim = await startSimulator({ port: 0, seed: 'two-workers', properties: PROPERTIES, units: 6, latencyMs: 100, rateLimits: false });
    const key = randomBytes(32);
    const secrets = createSecretBox(key);
    await addAccount(t.db, secrets, { name: 'acme', subdomain: 'acme', baseUrl: sim.url, credential: { kind: 'apikey', apiKey: 'demo-key' } });
    props = [];
    const portfolio = sim.control.portfolio();
    for (const [i, p] of portfolio.properties.entries()) {
      props.push(await enableProperty(t.db, { accountName: 'acme', entrataId: p.id, timeZone: 'America/Denver', ssid: `Net-${i}`, syncIntervalMinutes: 1 }));
    }
    const env = {
      DATABASE_URL: t.url,
      PEBBLES_SECRET_KEY: key.toString('hex'),
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      PEBBLES_DEMO: 'off',
      PEBBLES_DISPATCH_SECONDS: '1',
      PEBBLES_SYNC_EXPIRE_SECONDS: '6',
      PEBBLES_SYNC_TIMEOUT_SECONDS: '5',
      PEBBLES_QUEUE_MAINTENANCE_SECONDS: '2',
    };
    workers.push(spawnWorker('A', env), spawnWorker('B', env));

    // Sync-now requests from "the API", many for the same properties, racing the schedule on both workers.
    const boss = createBoss({ url: t.url, settings: loadJobSettings({}), supervise: false, poolSize: 2 });
    await boss.start();
    await until('the queues', async () => !!(await boss.getQueue('pebbles-sync-now')), 60_000);
    let requesting = true;
    const requests = (async () => {
      for (let i = 0; requesting; i++) {
        const p = props[(i * 7) % props.length]!;
        // A resident of that property: a resident's sync is planned and applied in full (never steady), so it
        // commits, where the seam below stops worker C. An unknown id would be refused before any run.
        const leases = portfolio.leasesByProperty.get(p.entrataId) ?? [];
        const customerId = leases[i % Math.max(1, leases.length)]?.customers[0]?.customerId;
        const scopes = i % 4 === 3 && customerId ? [{ kind: 'customer' as const, customerId }] : [{ kind: 'property' as const }];
        await requestSyncNow(t.db, boss, { propertyId: p.id, scopes, staff: null, now: new Date() });
        await new Promise((r) => setTimeout(r, 120));
      }
    })();

    await until(
      'every property synced',
      async () => (await t.db.selectFrom('property').select('id').where('first_synced_at', 'is', null).execute()).length === 0,
      90_000,
    );
    await new Promise((r) => setTimeout(r, 5_000));

    // A third worker stops inside each of its syncs just before COMMIT (the sync's test seam): it is killed there.
    const c = spawnWorker('C', { ...env, PEBBLES_TEST_PAUSE_BEFORE_COMMIT_MS: '5000' });
    workers.push(c);
    const spawnedAt = Date.now();
    await until(
      'worker C to be inside a sync',
      async () => {
        const m = /pebbles-test: run (\d+) paused before commit/.exec(c.stderr.join(''));
        if (m) {
          killedRunId = Number(m[1]);
          sawPause = true;
          return true;
        }
        // Without the seam: after a while, at a moment when some sync is running.
        return Date.now() - spawnedAt > 20_000 && (await t.db.selectFrom('sync_run').select('id').where('status', '=', 'running').execute()).length > 0;
      },
      60_000,
    );
    c.proc.kill('SIGKILL');
    await c.exited;

    // The killed worker's job goes back to the queue after its expiry and another worker runs it.
    await until(
      'the killed job retried and done',
      async () => {
        const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from (select retry_count, state from pgboss.job union all select retry_count, state from pgboss.archive) j
        where retry_count >= 1 and state = 'completed'`.execute(t.db);
        return rows[0]!.n > 0;
      },
      120_000,
    ); // expiry, maintenance and a retry delay, on a machine busy with other test files
    requesting = false;
    await requests;
    await until(
      'the sync-now requests to be done',
      async () => {
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where name = 'pebbles-sync-now' and state < 'completed'`.execute(
          t.db,
        );
        return rows[0]!.n === 0;
      },
      60_000,
    );
    await boss.stop({ graceful: false });

    // A graceful stop: each survivor finishes its running syncs and exits cleanly.
    for (const w of workers.slice(0, 2)) w.proc.kill('SIGTERM');
    for (const w of workers.slice(0, 2)) {
      const exit = await Promise.race([w.exited, new Promise<null>((r) => setTimeout(() => r(null), 45_000))]);
      expect(exit).toEqual({ code: 0, signal: null });
    }
  }, 300_000);

  afterAll(async () => {
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
    await sim?.stop();
    await t?.drop();
  });

  it('never syncs one property in two places at once (run intervals never overlap)', async () => {
    const runs = await t.db
      .selectFrom('sync_run')
      .select(['id', 'property_id', 'started_at', 'finished_at', 'status'])
      .orderBy('property_id')
      .orderBy('started_at')
      .orderBy('id')
      .execute();
    expect(runs.filter((r) => r.finished_at === null || r.status === 'running')).toEqual([]);
    let overlaps = 0;
    for (let i = 1; i < runs.length; i++) {
      const [prev, cur] = [runs[i - 1]!, runs[i]!];
      if (prev.property_id === cur.property_id && cur.started_at.getTime() < prev.finished_at!.getTime()) overlaps++;
    }
    expect(overlaps).toBe(0);
    // And they were busy: many runs, from the schedule and from sync-now, on both workers.
    expect(runs.length).toBeGreaterThan(2 * PROPERTIES);
    for (const w of workers.slice(0, 2)) expect(w.stderr.join('').match(/"msg":"sync (applied|unchanged)"/g)?.length ?? 0).toBeGreaterThan(5);
    expect(new Set(runs.map((r) => r.property_id)).size).toBe(PROPERTIES);
  });

  it('queues every notification once', async () => {
    const dupes = await t.db
      .selectFrom('outbox')
      .select(['property_id', 'resident_id', 'kind', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy(['property_id', 'resident_id', 'kind'])
      .having((eb) => eb.fn.countAll(), '>', 1)
      .execute();
    expect(dupes).toEqual([]);
    const welcomes = await t.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'welcome')
      .executeTakeFirstOrThrow();
    expect(Number(welcomes.n)).toBeGreaterThan(PROPERTIES);
    // One home unit per resident (U1) held throughout.
    const twoHomes = await t.db
      .selectFrom('registration')
      .select(['resident_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('state', '=', 'active')
      .groupBy('resident_id')
      .having((eb) => eb.fn.countAll(), '>', 1)
      .execute();
    expect(twoHomes).toEqual([]);
  });

  it('loses no work when a worker is killed mid-sync', async () => {
    // Every property reached its first sync, and the killed run's property was synced again afterwards.
    const unsynced = await t.db.selectFrom('property').select('entrata_id').where('first_synced_at', 'is', null).execute();
    expect(unsynced).toEqual([]);
    if (sawPause && killedRunId !== null) {
      const killed = await t.db.selectFrom('sync_run').selectAll().where('id', '=', killedRunId).executeTakeFirstOrThrow();
      expect(killed.status).toBe('failed'); // closed as interrupted by the next sync of its property
      const after = await t.db
        .selectFrom('sync_run')
        .select(['id', 'status'])
        .where('property_id', '=', killed.property_id)
        .where('id', '>', killedRunId)
        .where('status', 'in', ['applied', 'unchanged'])
        .execute();
      expect(after.length).toBeGreaterThan(0);
      // Nothing of the killed run was committed: no registry row names it.
      const fromKilled = await t.db.selectFrom('outbox').select('id').where('run_id', '=', killedRunId).execute();
      expect(fromKilled).toEqual([]);
    }
    // No job was left behind: nothing active or waiting after the survivor stopped gracefully.
    const { rows } = await sql<{ state: string; n: number }>`
      select state::text as state, count(*)::int as n from pgboss.job where name like 'pebbles-%' and state in ('created', 'retry', 'active') group by 1`.execute(
      t.db,
    );
    expect(rows.filter((r) => r.state === 'active')).toEqual([]);
  });
});
