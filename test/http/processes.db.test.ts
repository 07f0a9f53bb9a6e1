// The production processes as an operator starts them: `pebbles web`, `pebbles worker --metrics-port`,
// and `pebbles status --json`, on one PostgreSQL.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobBench, type JobBench } from '../jobs/support.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

interface Proc {
  proc: ChildProcess;
  stderr: string[];
  stdout: string[];
  url: Promise<string>;
  exited: Promise<number | null>;
}

function start(args: string[], env: Record<string, string>): Proc {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin/pebbles.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  const stdout: string[] = [];
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => stdout.push(d));
  const url = new Promise<string>((resolve, reject) => {
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr.push(d);
      const m = /"url":"(http:\/\/[^"]+)","api":(true|false)/.exec(stderr.join(''));
      if (m) resolve(m[1]!);
    });
    proc.on('exit', () => reject(new Error(`exited early: ${stderr.join('')}`)));
  });
  url.catch(() => undefined);
  return { proc, stderr, stdout, url, exited: new Promise((r) => proc.on('exit', (code) => r(code))) };
}

const METRICS_TOKEN = 'scrape-0123456789abcdef0123456789';

describe('pebbles web, pebbles worker --metrics-port, pebbles status', () => {
  let bench: JobBench;
  let env: Record<string, string>;
  const procs: Proc[] = [];

  beforeAll(async () => {
    bench = await createJobBench({ start: new Date(), timeZone: 'America/Denver', properties: 2, units: 4 });
    await bench.step();
    // Nothing scheduled while these processes run: the worker's only job is the sync-now queued below.
    await bench.db
      .updateTable('property')
      .set({ next_sync_at: new Date(Date.now() + 86_400_000) })
      .execute();
    env = {
      DATABASE_URL: bench.t.url,
      PEBBLES_SECRET_KEY: bench.secretKeyHex,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      PEBBLES_DEMO: 'off',
      PEBBLES_HOST: '127.0.0.1',
      PORT: '0',
      PEBBLES_METRICS_TOKEN: METRICS_TOKEN,
    };
  }, 120_000);
  afterAll(async () => {
    for (const p of procs) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
    await bench?.close();
  });

  it('pebbles web serves health, readiness, metrics and the API (to the first administrator it prints), and stops on SIGTERM', async () => {
    const web = start(['web'], env);
    procs.push(web);
    const url = await web.url;
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    // On the API's port, /metrics exists only for the scraper's token.
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    expect(await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text()).toContain('pebbles_outbox_messages');
    const runsUrl = `${url}/api/properties/${bench.props[0]!.entrataId}/runs`;
    expect((await fetch(runsUrl)).status).toBe(401);
    // No staff user yet: an administrator was created, its one-time password printed on the terminal, never logged.
    const deadline = Date.now() + 10_000;
    while (!/password: (\S+)/.test(web.stdout.join('')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const printed = web.stdout.join('');
    expect(printed).toContain(`address:  ${url}`);
    const email = /e-mail: +(\S+)/.exec(printed)![1]!;
    const password = /password: (\S+)/.exec(printed)![1]!;
    expect(email).toBe('admin@pebbles.localhost');
    expect(web.stderr.join('')).not.toContain(password);
    const signIn = await fetch(`${url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    expect(signIn.status).toBe(200);
    const { csrfToken, mustChangePassword } = await signIn.json();
    expect(mustChangePassword).toBe(true);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const headers = { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
    expect((await fetch(runsUrl, { headers })).status).toBe(403);
    const changed = await fetch(`${url}/api/session/password`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ currentPassword: password, newPassword: 'the administrator passphrase' }),
    });
    expect(changed.status).toBe(200);
    const runs = await (await fetch(runsUrl, { headers })).json();
    expect(runs.runs.length).toBeGreaterThan(0);
    // No worker runs here: the request waits in the queue, and the caller is told where to look.
    const queued = await fetch(`${url}/api/properties/${bench.props[0]!.entrataId}/sync`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(queued.status).toBe(202);
    web.proc.kill('SIGTERM');
    expect(await web.exited).toBe(0);
    expect(web.stderr.join('')).not.toContain('the administrator passphrase');
  });

  it('pebbles worker --metrics-port serves health, readiness and metrics only, and runs the queued request', async () => {
    const worker = start(['worker', '--metrics-port', '0'], env);
    procs.push(worker);
    const url = await worker.url;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready', checks: { database: 'ok', queue: 'ok' } });
    expect((await fetch(`${url}/api/properties/1/runs`)).status).toBe(404);
    // It picks up the sync-now the web process queued.
    const deadline = Date.now() + 20_000;
    let done = false;
    while (!done && Date.now() < deadline) {
      done = !!(await bench.db.selectFrom('sync_run').select('id').where('trigger', '=', 'api').where('status', '!=', 'running').executeTakeFirst());
      if (!done) await new Promise((r) => setTimeout(r, 200));
    }
    expect(done).toBe(true);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/pebbles_sync_runs_total\{trigger="api",status="(applied|unchanged)"\} 1/);
    worker.proc.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });

  it('pebbles status --json lists every property with its schedule and each account with its budget', async () => {
    const { stdout } = await run(process.execPath, [path.join(ROOT, 'bin/pebbles.js'), 'status', '--json'], { cwd: ROOT, env: { ...process.env, ...env } });
    const s = JSON.parse(stdout);
    expect(s.properties.map((p: { property: string }) => p.property).sort()).toEqual(bench.props.map((p) => p.entrataId).sort());
    expect(s.properties[0]).toMatchObject({ account: 'acme', enabled: true, intervalMinutes: 30, failing: false, consecutiveFailures: 0, syncing: false });
    expect(s.properties[0].lastSyncAt).not.toBeNull();
    expect(s.accounts).toEqual([expect.objectContaining({ account: 'acme', properties: 2, stretchedToMinutes: null })]);
    // This simulator sends no rate-limit headers: Entrata has answered, and there is no limit to show.
    expect(s.accounts[0]).toMatchObject({ rateLimitsKnown: true, rateLimits: [] });
    const text = await run(process.execPath, [path.join(ROOT, 'bin/pebbles.js'), 'status'], { cwd: ROOT, env: { ...process.env, ...env } });
    expect(text.stdout).toMatch(/property\s+interval\s+lastSync\s+nextSync\s+health/);
    expect(text.stdout).toContain('(Entrata sends no rate limits)');
  });
});
