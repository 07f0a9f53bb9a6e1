// One measured phase of the benchmark, in a process of its own (so its wall time, CPU time and peak
// RSS are Pebbles' alone): `floor` reads (fetches and parses) every page of every property and nothing
// else; `read` normalises the leases too; `sync` runs the real sync of every property. Prints one JSON
// line on stdout.
//   node bin/run-ts.js bench/phase.ts --url DB --phase floor|read|sync --concurrency N
import { performance } from 'node:perf_hooks';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../src/config/config.ts';
import { createSecretBox } from '../src/crypto/secrets.ts';
import type { DB } from '../src/db/schema.ts';
import { EntrataMeter, meteredClients } from '../src/jobs/entrata-meter.ts';
import { createLogger } from '../src/log/logger.ts';
import { syncProperty } from '../src/sync/sync-property.ts';

const arg = (name: string, dflt?: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const url = arg('url')!;
const phase = arg('phase')!;
const concurrency = Number(arg('concurrency', '8'));
/** Profiling aids: plan every property (no steady-state skip), and sync only the first N. */
const full = process.argv.includes('--full');
const limit = Number(arg('limit', '0'));

const config = loadConfig({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent' });
const secrets = createSecretBox(config.secretKey!);
const log = createLogger({ level: 'silent', format: 'json' });

// Counts the statements that write the outbox (the cold sync must queue its welcomes in batches).
const statements = { outboxInserts: 0, total: 0 };
/** --slow: the slowest statements on standard error (profiling). */
const slow: Array<{ ms: number; sql: string }> = [];
const pool = new pg.Pool({ connectionString: url, max: concurrency * 2 + 4, application_name: 'pebbles-bench' });
const db = new Kysely<DB>({
  dialect: new PostgresDialect({ pool }),
  log(event) {
    statements.total++;
    if (event.level === 'query' && /^insert into "outbox"/i.test(event.query.sql)) statements.outboxInserts++;
    if (process.argv.includes('--slow') && event.queryDurationMillis > 50)
      slow.push({ ms: Math.round(event.queryDurationMillis), sql: event.query.sql.replace(/\s+/g, ' ').slice(0, 300) });
  },
});

const meter = new EntrataMeter(null);
const clientFor = meteredClients(db, secrets, config, log, meter);
const properties = await db
  .selectFrom('property')
  .select(['id', 'account_id', 'entrata_id', 'name'])
  .where('enabled', '=', true)
  .orderBy('id')
  .limit(limit > 0 ? limit : 1_000_000)
  .execute();

async function eachProperty(fn: (p: (typeof properties)[number]) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < properties.length) await fn(properties[next++]!);
    }),
  );
}

const calls: Record<string, number> = {};
const statuses: Record<string, number> = {};
let planSkipped = 0;
const perSync: number[] = [];
const add = (c: Record<string, number>) => {
  for (const [s, n] of Object.entries(c)) calls[s] = (calls[s] ?? 0) + n;
  perSync.push(Object.values(c).reduce((a, b) => a + b, 0));
};

// Warm the module graph and the connection pool outside the measurement.
await db.selectFrom('property').select('id').limit(1).execute();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
if (phase === 'floor' || phase === 'read') {
  await eachProperty(async (p) => {
    const { calls: c } = await meter.track(async () => {
      const client = await clientFor(p.account_id);
      // floor: every page read and parsed, nothing else; read: the leases normalised too.
      if (phase === 'floor') await client.readPropertySnapshotNodes(p.entrata_id, { propertyName: p.name });
      else await client.readPropertySnapshot(p.entrata_id, { propertyName: p.name });
    });
    add(c);
  });
} else {
  await eachProperty(async (p) => {
    const { result, calls: c } = await meter.track(() =>
      syncProperty(
        { db, secrets, log, clientFor, now: () => new Date() },
        { propertyDbId: p.id, trigger: 'schedule', skipUnchanged: !full, lock: { wait: false } },
      ),
    );
    statuses[result.status] = (statuses[result.status] ?? 0) + 1;
    planSkipped += result.counts.planSkipped ?? 0;
    if (result.status === 'failed') process.stderr.write(`sync of ${p.entrata_id} failed: ${result.error?.message}\n`);
    add(c);
  });
}
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
await db.destroy();
for (const q of slow.sort((a, b) => b.ms - a.ms).slice(0, 25)) process.stderr.write(`${q.ms} ms  ${q.sql}\n`);
process.stdout.write(
  `${JSON.stringify({
    phase,
    properties: properties.length,
    concurrency,
    wallMs: Math.round(wallMs),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    calls,
    callsPerSync: { min: Math.min(...perSync), max: Math.max(...perSync), mean: perSync.reduce((a, b) => a + b, 0) / perSync.length },
    statuses,
    planSkipped,
    statements,
  })}\n`,
);
