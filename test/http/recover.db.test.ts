// Processes and the database they depend on, as an operator meets them: `pebbles migrate` brings up
// the job queue too; running web and worker processes come back by themselves after the database is
// dropped, created again and migrated; a process started before its database is reachable waits.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addAccount } from '../../src/accounts/accounts.ts';
import { createSecretBox } from '../../src/crypto/secrets.ts';
import { createKysely } from '../../src/db/database.ts';
import { localDateOf } from '../../src/engine/local-time.ts';
import { QUEUE_SCHEMA_VERSION } from '../../src/jobs/queue-schema.ts';
import { createBoss, QUEUES } from '../../src/jobs/queues.ts';
import { loadJobSettings } from '../../src/jobs/settings.ts';
import { enableProperty } from '../../src/properties/properties.ts';
import { generatePortfolio, startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { adminQuery, withDatabase } from '../support/db-global-setup.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/pebbles.js');
const run = promisify(execFile);
const ZONE = 'America/Denver';

interface Proc {
  proc: ChildProcess;
  /** Everything written to standard error so far. */
  err(): string;
  url: Promise<string>;
  exited: Promise<number | null>;
}

function start(args: string[], env: Record<string, string>): Proc {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const chunks: string[] = [];
  const url = new Promise<string>((resolve, reject) => {
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
      chunks.push(d);
      const m = /"url":"(http:\/\/[^"]+)","api":(true|false)/.exec(chunks.join(''));
      if (m) resolve(m[1]!);
    });
    proc.on('exit', () => reject(new Error(`exited early: ${chunks.join('')}`)));
  });
  url.catch(() => undefined);
  return { proc, err: () => chunks.join(''), url, exited: new Promise((r) => proc.on('exit', (code) => r(code))) };
}

/** The JSON log lines of a process whose message matches. */
const lines = (p: Proc, msg: RegExp) =>
  p
    .err()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string; time: number; level: number })
    .filter((l) => msg.test(l.msg));

async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function readyz(url: string): Promise<{ status: number; body: { status: string; checks: { database: string; queue: string } } }> {
  const r = await fetch(`${url}/readyz`);
  return { status: r.status, body: await r.json() };
}

const pebbles = (args: string[], env: Record<string, string>) => run(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });

describe('processes and a database that goes away', { timeout: 180_000 }, () => {
  const adminUrl = inject('adminUrl');
  const name = `pebbles_rec_${randomBytes(5).toString('hex')}`;
  const url = withDatabase(adminUrl, name);
  const key = randomBytes(32);
  const procs: Proc[] = [];
  let sim: RunningSimulator;
  let propertyId: string;
  let env: Record<string, string>;

  /** What a restored backup would hold: the account and its property (not due: no scheduled sync runs). */
  async function seed() {
    const db = createKysely(url, 2);
    try {
      await addAccount(db, createSecretBox(key), { name: 'acme', subdomain: 'acme', baseUrl: sim.url, credential: { kind: 'apikey', apiKey: 'demo-key' } });
      await enableProperty(db, { accountName: 'acme', entrataId: propertyId, timeZone: ZONE, ssid: 'Pebbles-1' });
      await db
        .updateTable('property')
        .set({ next_sync_at: new Date(Date.now() + 86_400_000) })
        .execute();
    } finally {
      await db.destroy();
    }
  }

  beforeAll(async () => {
    const today = localDateOf(Date.now(), ZONE);
    const portfolio = generatePortfolio({ seed: 'pebbles-recover', properties: 1, unitsPerProperty: 3, today });
    sim = await startSimulator({ port: 0, portfolio, today, rateLimits: false });
    propertyId = portfolio.properties[0]!.id;
    env = {
      DATABASE_URL: url,
      PEBBLES_SECRET_KEY: key.toString('hex'),
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      PEBBLES_DEMO: 'off',
      PEBBLES_HOST: '127.0.0.1',
      PORT: '0',
      PEBBLES_DATABASE_CHECK_SECONDS: '1',
    };
  });
  afterAll(async () => {
    for (const p of procs) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
    await sim?.stop();
    await adminQuery(adminUrl, `drop database if exists ${name} with (force)`);
  });

  it("pebbles migrate creates the job queue's schema and queues, and says so", async () => {
    await adminQuery(adminUrl, `create database ${name}`);
    const first = await pebbles(['migrate'], env);
    expect(first.stderr).toContain('"msg":"database migrated"');
    expect(first.stderr).toContain(
      `job queue: created schema pgboss (version ${QUEUE_SCHEMA_VERSION}); created queues pebbles-sync, pebbles-transition, pebbles-sync-now`,
    );
    const db = createKysely(url, 1);
    try {
      const queues = (await db
        .selectFrom('pgboss.queue' as never)
        .select('name' as never)
        .execute()) as Array<{ name: string }>;
      expect(queues.map((q) => q.name).sort()).toEqual(Object.values(QUEUES).sort());
    } finally {
      await db.destroy();
    }
    const again = await pebbles(['migrate'], env);
    expect(again.stderr).toContain(`job queue: schema pgboss is up to date (version ${QUEUE_SCHEMA_VERSION})`);
    expect(again.stderr).not.toContain('database migrated');
  });

  it('a running web process and worker recover after the database is dropped, created again and migrated, without a restart', async () => {
    await seed();
    const web = start(['web'], env);
    const worker = start(['worker', '--metrics-port', '0'], env);
    procs.push(web, worker);
    const [webUrl, workerUrl] = await Promise.all([web.url, worker.url]);
    expect((await readyz(webUrl)).status).toBe(200);

    await adminQuery(adminUrl, `drop database ${name} with (force)`);
    await adminQuery(adminUrl, `create database ${name}`);
    // Both say what is missing and what to do.
    const missing = {
      status: 'not-ready',
      checks: { database: 'missing tables (no migration has run): run pebbles migrate', queue: 'missing schema pgboss: run pebbles migrate' },
    };
    expect(await until('web not ready', async () => (await readyz(webUrl)).status === 503 && (await readyz(webUrl)))).toMatchObject({ body: missing });
    expect(await readyz(workerUrl)).toEqual({ status: 503, body: missing });
    // A few checks go by while nobody has run migrate.
    await until('the worker waits', async () => lines(worker, /^waiting for the database/).length >= 3);

    const migrated = await pebbles(['migrate'], env);
    expect(migrated.stderr).toContain('job queue: created schema pgboss');
    await until('web ready', async () => (await readyz(webUrl)).status === 200);
    await until('worker ready', async () => (await readyz(workerUrl)).status === 200);

    // The data comes back (as from a backup); a sync-now goes through the web process's queue to the worker.
    await seed();
    const created = await pebbles(['token', 'create', '--name', 'recover', '--role', 'admin'], env);
    const token = created.stdout.trim().split('\n').at(-1)!;
    const r = await fetch(`${webUrl}/api/properties/${propertyId}/sync?wait=true`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const body = await r.json();
    expect(r.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ state: 'done', property: propertyId });
    expect(body.result.runs[0].status).toBe('applied');

    for (const p of [web, worker]) {
      const waiting = lines(p, /^waiting for the database/);
      expect(waiting.length).toBeGreaterThan(0);
      expect(waiting.at(-1)!.msg).toMatch(/queue: missing schema pgboss: run pebbles migrate\); checking again in 1 s$/);
      // Once per interval (here 1 s), not at every failed query.
      for (let i = 1; i < waiting.length; i++) expect(waiting[i]!.time - waiting[i - 1]!.time).toBeGreaterThanOrEqual(900);
      // /readyz checks afresh; the watch says so at its own next check, which may come a moment later.
      await until('the watch to see the database back', async () => lines(p, /^database and job queue ready again/).length > 0);
      expect(lines(p, /^database and job queue ready again/)).toHaveLength(1);
      expect(p.err()).not.toContain('"msg":"job queue error"');
    }
  });

  it('the running processes re-create a queue that is missing once the schema is there (one, or both at the same moment: the creation is idempotent)', async () => {
    const [web, worker] = procs as [Proc, Proc];
    const boss = createBoss({ url, settings: loadJobSettings({}), supervise: false, poolSize: 1 });
    boss.on('error', () => undefined);
    await boss.start();
    try {
      // A queue goes only with its jobs (the request above left one).
      await adminQuery(url, `delete from pgboss.job where name = '${QUEUES.syncNow}'`);
      await boss.deleteQueue(QUEUES.syncNow);
      const recreated = () => [web, worker].flatMap((p) => lines(p, /^job queue: re-created queues pebbles-sync-now$/));
      await until('the queue re-created', async () => recreated().length > 0);
      expect(await boss.getQueue(QUEUES.syncNow)).toMatchObject({ name: QUEUES.syncNow, policy: 'standard' });
      for (const p of [web, worker]) expect((await readyz(await p.url)).status).toBe(200);
      expect(recreated().length).toBeGreaterThanOrEqual(1);
      expect(recreated().length).toBeLessThanOrEqual(2);
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
    for (const p of [web, worker]) {
      p.proc.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    }
  });

  it('a web process started before its database server listens, and before its database exists, waits and then starts', async () => {
    const admin = new URL(adminUrl);
    // A port nobody listens on yet; later a plain TCP relay to the test server opens there.
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const late = `pebbles_late_${randomBytes(5).toString('hex')}`;
    const via = new URL(adminUrl);
    via.hostname = '127.0.0.1';
    via.port = String(port);
    via.pathname = `/${late}`;
    const web = start(['web'], { ...env, DATABASE_URL: via.toString() });
    procs.push(web);
    await until('connection refused said', async () => lines(web, /ECONNREFUSED/).length >= 2);

    // One-shot commands do not wait: one line, non-zero.
    const oneShot = await pebbles(['account', 'list'], { ...env, DATABASE_URL: via.toString() }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(oneShot?.code).toBe(1);
    expect(oneShot?.stderr).toBe(
      `pebbles: the database at 127.0.0.1:${port}/${late} cannot be used (connect ECONNREFUSED 127.0.0.1:${port}): start it, or check DATABASE_URL\n`,
    );

    const relay = net.createServer((c) => {
      const up = net.connect(Number(admin.port || 5432), admin.hostname);
      c.pipe(up).pipe(c);
      c.on('error', () => up.destroy());
      up.on('error', () => c.destroy());
    });
    await new Promise<void>((r) => relay.listen(port, '127.0.0.1', () => r()));
    try {
      await until('no such database said', async () => lines(web, /does not exist/).length >= 1);
      await adminQuery(adminUrl, `create database ${late}`);
      const url = await web.url;
      expect((await readyz(url)).status).toBe(200);

      const waiting = lines(web, /^waiting for the database/);
      expect(waiting[0]!.msg).toBe(`waiting for the database at 127.0.0.1:${port}/${late}: connect ECONNREFUSED 127.0.0.1:${port}; retrying in 1 s`);
      expect(waiting.at(-1)!.msg).toBe(`waiting for the database at 127.0.0.1:${port}/${late}: database "${late}" does not exist; retrying in 1 s`);
      for (let i = 1; i < waiting.length; i++) expect(waiting[i]!.time - waiting[i - 1]!.time).toBeGreaterThanOrEqual(900);
      // Log lines only: no stack trace, no password.
      expect(
        web
          .err()
          .split('\n')
          .filter((l) => l && !l.startsWith('{')),
      ).toEqual([]);
      expect(web.err()).not.toContain('    at ');
      if (admin.password) expect(web.err()).not.toContain(admin.password);
      web.proc.kill('SIGTERM');
      expect(await web.exited).toBe(0);
    } finally {
      relay.close();
      await adminQuery(adminUrl, `drop database if exists ${late} with (force)`);
    }
  });
});
