// A worker stopped (SIGTERM) while a sync waits on Entrata's rate limit: the wait ends at once, the
// process exits cleanly, and the job goes back to the queue, not recorded as an Entrata failure (S4);
// another worker then runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { addAccount } from '../../src/accounts/accounts.ts';
import { createSecretBox } from '../../src/crypto/secrets.ts';
import { enableProperty } from '../../src/properties/properties.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Worker {
  proc: ChildProcess;
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnWorker(env: Record<string, string>): Worker {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin/pebbles.js'), 'worker', '--concurrency', '2'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return { proc, stderr, exited };
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('a stopping worker releases a sync waiting on the rate limit', () => {
  let t: TestDatabase;
  let sim: RunningSimulator;
  const workers: Worker[] = [];

  afterAll(async () => {
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
    await sim?.stop();
    await t?.drop();
  });

  it('S4: SIGTERM ends the wait at once; the job goes back to the queue with no failure recorded, and another worker runs it', async () => {
    t = await createTestDatabase();
    sim = await startSimulator({ port: 0, seed: 'stop-waiting', properties: 1, units: 4, rateLimits: false });
    const key = randomBytes(32);
    await addAccount(t.db, createSecretBox(key), { name: 'acme', subdomain: 'acme', baseUrl: sim.url, credential: { kind: 'apikey', apiKey: 'demo-key' } });
    const entrataId = sim.control.portfolio().properties[0]!.id;
    const p = await enableProperty(t.db, { accountName: 'acme', entrataId, timeZone: 'America/Denver', ssid: 'Net' });
    // Entrata asks every lease read to come back in 100 s (a worker accepts waits up to 120 s).
    sim.control.injectFault({ method: 'getLeases', kind: 'http429', retryAfter: 100, times: 'always' });
    const env = {
      DATABASE_URL: t.url,
      PEBBLES_SECRET_KEY: key.toString('hex'),
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      PEBBLES_DEMO: 'off',
      PEBBLES_DISPATCH_SECONDS: '1',
      PEBBLES_QUEUE_MAINTENANCE_SECONDS: '2',
    };

    const a = spawnWorker(env);
    workers.push(a);
    await until('the sync to wait on the rate limit', () => /Entrata call failed; retrying/.test(a.stderr.join('')), 90_000);
    const waiting = a.stderr
      .join('')
      .split('\n')
      .find((l) => l.includes('Entrata call failed; retrying'))!;
    expect(JSON.parse(waiting)).toMatchObject({ delayMs: 100_000 });
    expect((await t.db.selectFrom('sync_run').select('status').where('property_id', '=', p.id).execute()).map((r) => r.status)).toEqual(['running']);

    const t0 = Date.now();
    a.proc.kill('SIGTERM');
    const exit = await Promise.race([a.exited, new Promise<null>((r) => setTimeout(() => r(null), 60_000))]);
    const took = Date.now() - t0;
    const log = a.stderr.join('');
    expect(exit, log.slice(-3000)).toEqual({ code: 0, signal: null });
    expect(took).toBeLessThan(15_000); // the wait had 100 s to go; the old stop waited 30 s for it, then went on without a database
    expect(log).not.toMatch(/driver has already been destroyed/);
    expect(log.slice(log.indexOf('"msg":"stopping"'))).not.toMatch(/"level":(50|60)/); // no error line once stopping
    const stoppedAt = log.indexOf('worker stopped');
    expect(stoppedAt).toBeGreaterThan(-1);
    expect(
      log
        .slice(stoppedAt)
        .split('\n')
        .filter((l) => l.trim() !== '').length,
    ).toBe(1);

    // The job is back in the queue; the run says it was stopped; the property records no failure.
    const { rows: jobs } = await sql<{ state: string }>`select state from pgboss.job where name = 'pebbles-sync'`.execute(t.db);
    expect(jobs.map((j) => j.state)).toEqual(['retry']);
    const run = await t.db.selectFrom('sync_run').selectAll().where('property_id', '=', p.id).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'failed', error: { kind: 'stopped', entrataFailure: false } });
    const prop = await t.db
      .selectFrom('property')
      .select(['consecutive_failures', 'last_error', 'first_synced_at'])
      .where('id', '=', p.id)
      .executeTakeFirstOrThrow();
    expect(prop).toMatchObject({ consecutive_failures: 0, last_error: null, first_synced_at: null });

    // Entrata answers again: another worker takes the job back from the queue and syncs the property.
    sim.control.clearFaults();
    const b = spawnWorker({ ...env, PEBBLES_DISPATCH_SECONDS: '60' });
    workers.push(b);
    await until(
      'the handed-back job done by another worker',
      async () => {
        const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from (select name, retry_count, state from pgboss.job union all select name, retry_count, state from pgboss.archive) j
        where name = 'pebbles-sync' and retry_count >= 1 and state = 'completed'`.execute(t.db);
        return rows[0]!.n > 0;
      },
      90_000,
    );
    const synced = await t.db.selectFrom('property').select(['first_synced_at', 'consecutive_failures']).where('id', '=', p.id).executeTakeFirstOrThrow();
    expect(synced.first_synced_at).not.toBeNull();
    expect(synced.consecutive_failures).toBe(0);
    b.proc.kill('SIGTERM');
    expect(await b.exited).toEqual({ code: 0, signal: null });
  }, 240_000);
});
