// Benchmark: 10,000 queued welcome e-mails (each with its key and QR code) delivered to a local SMTP
// server through the real delivery path (fan-out, claims with SKIP LOCKED, pooled SMTP, chunked
// result writes). Reports throughput (target: at least 200 per second), duplicates (must be 0) and
// peak RSS. Runs on DATABASE_URL (in a scratch database it drops afterwards) or on an embedded
// PostgreSQL in a temporary folder.
//
//   node bin/run-ts.js bench/notifications.ts [--count 10000] [--workers 1] [--json]
// bench/run.ts may import benchNotifications() and merge its figures.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { createSecretBox } from '../src/crypto/secrets.ts';
import { createKysely, type Db } from '../src/db/database.ts';
import { startEmbeddedServer, type EmbeddedServer } from '../src/db/embedded.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { generatePsk } from '../src/keys/generate.ts';
import { silentLogger } from '../src/log/logger.ts';
import { DEFAULT_POLICY, deliverDue, type DeliveryDeps } from '../src/notifications/deliver.ts';
import { smtpMailPort } from '../src/notifications/mail.ts';
import { outboxNotice } from '../src/notifications/payloads.ts';

export interface NotificationBenchOptions {
  count?: number;
  /** Delivery loops running at once, each with its own database pool and SMTP pool. */
  workers?: number;
  poolSize?: number;
  batchSize?: number;
}

export async function benchNotifications(opts: NotificationBenchOptions = {}): Promise<Record<string, unknown>> {
  const count = opts.count ?? 10_000;
  const workers = opts.workers ?? 1;
  const poolSize = opts.poolSize ?? 5;
  const batchSize = opts.batchSize ?? DEFAULT_POLICY.batchSize;
  const scratch = await scratchDatabase();
  const db = createKysely(scratch.url, 4);
  const smtp = await countingSmtp();
  const secrets = createSecretBox(randomBytes(32));
  const rssStart = process.memoryUsage().rss;
  let peakRss = rssStart;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  try {
    await migrateToLatest(db);
    const setupStart = performance.now();
    await seed(db, secrets, count);
    const setupMs = performance.now() - setupStart;

    const loops = Array.from({ length: workers }, (_, i) => {
      const wdb = createKysely(scratch.url, 4);
      const deps: DeliveryDeps = {
        db: wdb,
        secrets,
        log: silentLogger,
        mail: smtpMailPort({ host: '127.0.0.1', port: smtp.port, secure: false, user: null, password: null, poolSize, allowInsecure: true }),
        sms: null,
        mailFrom: 'Pebbles Wi-Fi <wifi@pebbles.example.com>',
        policy: { ...DEFAULT_POLICY, batchSize },
        workerId: `bench-${i}`,
      };
      return deps;
    });
    const start = performance.now();
    await Promise.all(
      loops.map(async (deps) => {
        for (;;) {
          const r = await deliverDue(deps, new Date());
          if (r.claimed === 0 && r.expanded === 0) break;
        }
      }),
    );
    const elapsedMs = performance.now() - start;
    for (const l of loops) {
      await l.mail?.close();
      await l.db.destroy();
    }
    const states = await db
      .selectFrom('delivery')
      .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    const sentRows = Number(states.find((s) => s.state === 'sent')?.n ?? 0);
    const got = await smtp.report();
    return {
      emails: count,
      workers,
      smtpPoolSize: poolSize,
      batchSize,
      seedSeconds: round(setupMs / 1000),
      deliverSeconds: round(elapsedMs / 1000),
      perSecond: round(count / (elapsedMs / 1000)),
      targetPerSecond: 200,
      received: got.received,
      distinctMessageIds: got.distinct,
      duplicates: got.duplicates,
      sentRows,
      lost: count - got.distinct,
      avgMessageBytes: Math.round(got.bytes / Math.max(1, got.received)),
      peakRssMB: round(Math.max(peakRss, process.memoryUsage().rss) / 1048576),
      startRssMB: round(rssStart / 1048576),
      database: scratch.kind,
    };
  } finally {
    clearInterval(sampler);
    await db.destroy();
    await smtp.stop();
    await scratch.drop();
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Residents with keys and one queued welcome each, inserted in bulk. */
async function seed(db: Db, secrets: ReturnType<typeof createSecretBox>, count: number) {
  const account = await db
    .insertInto('entrata_account')
    .values({ name: 'bench', subdomain: 'bench', base_url: null, credential_kind: 'apikey', credential_encrypted: secrets.encrypt('{}') })
    .returning('id')
    .executeTakeFirstOrThrow();
  const property = await db
    .insertInto('property')
    .values({
      account_id: account.id,
      entrata_id: 'B1',
      name: 'Benchmark Commons',
      time_zone: 'America/Chicago',
      ssid: 'Bench-WiFi',
      support_email: 'office@bench.example.com',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (let i = 0; i < count; i += 1000) {
    const n = Math.min(1000, count - i);
    const residents = await db
      .insertInto('resident')
      .values(
        Array.from({ length: n }, (_, j) => ({
          account_id: account.id,
          customer_id: String(100000 + i + j),
          first_name: `Res${i + j}`,
          last_name: 'Bench',
          email: `r${i + j}@bench.example.com`,
        })),
      )
      .returning('id')
      .execute();
    await db
      .insertInto('psk')
      .values(
        residents.map((r) => {
          const key = generatePsk();
          return {
            resident_id: r.id,
            property_id: property.id,
            secret_encrypted: secrets.encrypt(key),
            fingerprint: secrets.fingerprint(key, `property:${property.id}`),
            rule: 'P1',
          };
        }),
      )
      .execute();
    await db
      .insertInto('outbox')
      .values(
        residents.map((r) => ({
          property_id: property.id,
          resident_id: r.id,
          rule: 'N6',
          ...outboxNotice({ kind: 'welcome', payload: { ssid: 'Bench-WiFi', unitId: `U${r.id}`, leaseId: null } }),
          created_by: 'bench',
        })),
      )
      .execute();
  }
}

/**
 * A local SMTP server in a child process of its own (so it does not share the sender's event loop),
 * counting Message-IDs from the header block of each message.
 */
const SMTP_CHILD = `
import { SMTPServer } from 'smtp-server';
const seen = new Map(); let received = 0; let bytes = 0;
const server = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false,
  onData(stream, _s, cb) {
    let head = ''; let size = 0;
    stream.on('data', (c) => { size += c.length; if (head.length < 16384 && !head.includes('\\r\\n\\r\\n')) head += c.toString('latin1'); });
    stream.on('end', () => {
      const id = /^Message-ID:\\s*(<[^>]+>)/im.exec(head)?.[1] ?? 'none-' + received;
      seen.set(id, (seen.get(id) ?? 0) + 1); received++; bytes += size;
      cb(null, 'queued as B' + received);
    });
  } });
server.listen(0, '127.0.0.1', () => process.send({ port: server.server.address().port }));
process.on('message', () => {
  process.send({ received, bytes, distinct: seen.size, duplicates: [...seen.values()].filter((n) => n > 1).length });
  server.close(() => process.exit(0));
});
`;

async function countingSmtp() {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SMTP_CHILD], {
    cwd: path.resolve(import.meta.dirname ?? '.', '..'),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`SMTP child exited with ${code}`)));
  });
  return {
    port,
    async report(): Promise<{ received: number; bytes: number; distinct: number; duplicates: number }> {
      const r = new Promise<{ received: number; bytes: number; distinct: number; duplicates: number }>((resolve) =>
        child.once('message', (m) => resolve(m as never)),
      );
      child.send('report');
      return r;
    },
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill();
      }),
  };
}

/** A database of its own: on DATABASE_URL's server, or an embedded server in a temporary folder. */
async function scratchDatabase(): Promise<{ url: string; kind: string; drop(): Promise<void> }> {
  let server: EmbeddedServer | null = null;
  let dir: string | null = null;
  let admin = process.env.DATABASE_URL;
  if (!admin) {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pebbles-bench-'));
    await chmod(dir, 0o755);
    server = await startEmbeddedServer({ dataDir: dir });
    admin = server.url('postgres');
  }
  const name = `pebbles_bench_notify_${randomBytes(4).toString('hex')}`;
  const q = async (text: string) => {
    const c = new pg.Client(admin);
    await c.connect();
    try {
      await c.query(text);
    } finally {
      await c.end();
    }
  };
  await q(`create database ${name}`);
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    kind: server ? 'embedded' : 'DATABASE_URL',
    async drop() {
      await q(`drop database if exists ${name} with (force)`).catch(() => undefined);
      await server?.release();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

// Run on its own: node bin/run-ts.js bench/notifications.ts [--count N] [--workers N] [--json]
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const result = await benchNotifications({
    count: arg('--count') ? Number(arg('--count')) : undefined,
    workers: arg('--workers') ? Number(arg('--workers')) : undefined,
    poolSize: arg('--pool') ? Number(arg('--pool')) : undefined,
    batchSize: arg('--batch') ? Number(arg('--batch')) : undefined,
  });
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    process.stdout.write('notifications benchmark\n');
    for (const [k, v] of Object.entries(result)) process.stdout.write(`  ${k.padEnd(20)} ${String(v)}\n`);
    const ok = result.duplicates === 0 && result.lost === 0 && Number(result.perSecond) >= 200;
    process.stdout.write(ok ? '  OK: at least 200 per second, no duplicates, nothing lost\n' : '  BELOW TARGET\n');
    if (!ok) process.exitCode = 1;
  }
}
