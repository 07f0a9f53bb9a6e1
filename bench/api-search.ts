// `npm run bench` (also alone: node bin/run-ts.js bench/api-search.ts): the residents page at portfolio
// scale. 100,000 residents over 100 properties (units, registrations, keys, leases in the mirror,
// notifications) are generated in SQL, then the real route GET /api/properties/:id/residents is called
// through app.inject (in process: the time is the server's, from request to serialised answer):
//   name   - a name fragment (3 to 5 letters of a first or last name, or "first last")
//   unit   - the start of a unit number
//   page   - a page of 50 residents at a random offset, no search
// on the embedded PostgreSQL and on the machine's PostgreSQL 15. Prints a table, the query plans, and
// writes both under bench/results/.
//
//   node bin/run-ts.js bench/api-search.ts [-- --properties 100 --residents 1000 --requests 300 --db both|embedded|pg15 --pg-url URL --keep]
// --keep leaves the PostgreSQL 15 database pebbles_bench_search in place (to read plans by hand).
import { admin, arg, ROOT } from './support.ts';
import { FIRST_NAMES, LAST_NAMES } from '../src/simulator/names.ts';
import { createSecretBox, generateKey } from '../src/crypto/secrets.ts';
import { mkdtempSync, chmodSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { ApiTokenId, Caller } from '../src/auth/caller.ts';
import type { PropertyRole } from '../src/auth/permissions.ts';
import { createKysely, type Db } from '../src/db/database.ts';
import { startEmbeddedServer } from '../src/db/embedded.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createMetrics } from '../src/jobs/metrics.ts';
import { createLogger } from '../src/log/logger.ts';
import { buildHttpServer } from '../src/http/server.ts';
import { residentSearchQuery } from '../src/registry/resident-search.ts';

const PROPERTIES = Number(arg('properties', '100'));
const PER_PROPERTY = Number(arg('residents', '1000'));
const UNITS = Number(arg('units', '460'));
const REQUESTS = Number(arg('requests', '300'));
const WHICH = arg('db', 'both');
const PG_URL = arg('pg-url', 'postgres://postgres@127.0.0.1:5432/postgres');
const KEEP = process.argv.includes('--keep');
const DB_NAME = KEEP ? 'pebbles_bench_search' : `pebbles_bench_search_${process.pid}`;
const TARGETS = { name: 50, unit: 50, page: 30 } as const;
type Kind = keyof typeof TARGETS;

// Names as a portfolio has them: common and less common, some with accents and hyphens.
// The simulator's name lists: the benchmark's residents look like the demo's.
const FIRST = FIRST_NAMES;
const LAST = LAST_NAMES;

function pgArray(xs: readonly string[]): string {
  return `ARRAY[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}]::text[]`;
}

/**
 * The portfolio, straight into the registry: per property UNITS units (numbered 1..UNITS, up to four
 * bedrooms), PER_PROPERTY residents spread over them (about two per unit), their registrations
 * (active 80%, pending 8%, blocked 2%, ended 10%; one in twenty also has an older registration
 * from a move within the property), current keys for those with access, one lease per occupied unit
 * in the mirror, a welcome per resident with access (1% failed), 10% without a mobile, 2% without e-mail.
 */
async function generate(db: Db): Promise<void> {
  const n = PROPERTIES * PER_PROPERTY;
  const step = async (what: string, q: ReturnType<typeof sql>) => {
    const t0 = performance.now();
    await q.execute(db);
    process.stderr.write(`  ${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  };
  await step(
    'account and properties',
    sql`
    with a as (insert into entrata_account (name, subdomain, credential_kind, credential_encrypted) values ('bench', 'bench', 'apikey', 'x') returning id)
    insert into property (account_id, entrata_id, name, time_zone, ssid, last_sync_at, last_success_at, first_synced_at)
    select a.id, (100000 + p)::text, 'Property ' || p, 'America/Chicago', 'Pebbles-' || p, now(), now(), now() - interval '90 days'
    from a, generate_series(1, ${PROPERTIES}) p`,
  );
  await step(
    'units',
    sql`
    insert into unit (property_id, entrata_id, number, building, spaces)
    select p.id, (p.id * 100000 + k)::text, k::text, ((k - 1) / 100 + 1)::text,
      (select jsonb_agg(jsonb_build_object('id', (p.id * 100000 + k)::text || '-' || s, 'label', k::text || '-' || chr(64 + s))) from generate_series(1, 1 + k % 4) s)
    from property p, generate_series(1, ${UNITS}) k
    order by p.id, k`,
  );
  await step(
    'residents',
    sql`
    insert into resident (account_id, customer_id, first_name, last_name, email, mobile, contact_problems)
    select (select id from entrata_account), (20000000 + i)::text, f.names[1 + (i::bigint * 7919) % cardinality(f.names)], l.names[1 + (i::bigint * 104729) % cardinality(l.names)],
      case when i % 50 = 0 then null else 'resident' || i || '@example.org' end,
      case when i % 10 = 0 then null else '+1312555' || lpad((i % 10000)::text, 4, '0') end,
      array_remove(array[case when i % 50 = 0 then 'no-email' end, case when i % 10 = 0 then 'no-mobile' end], null)
    from generate_series(0, ${n - 1}) i,
      (select ${sql.raw(pgArray(FIRST))} as names) f, (select ${sql.raw(pgArray(LAST))} as names) l`,
  );
  // Resident i lives at property i / PER_PROPERTY, in unit (i % PER_PROPERTY) % UNITS + 1.
  await step(
    'registrations',
    sql`
    insert into registration (resident_id, property_id, unit_entrata_id, space_ids, state, access_start, access_end, ended_at, rule)
    select r.id, p.id, (p.id * 100000 + u)::text, array[(p.id * 100000 + u)::text || '-1'], st,
      now() - interval '1 day' * (j % 300) + case when st = 'pending' then interval '1 day' * (30 + j % 60) else interval '0' end,
      case when st = 'ended' then now() - interval '1 day' * (j % 30) when j % 7 = 0 then now() + interval '1 day' * (j % 56) end,
      case when st = 'ended' then now() - interval '1 day' * (j % 30) end, 'W2'
    from (select id, (customer_id::int - 20000000) as i from resident) r
    cross join lateral (select r.i % ${PER_PROPERTY} as j) jj
    cross join lateral (select (jj.j % ${UNITS}) + 1 as u,
      case when jj.j % 50 = 1 then 'blocked' when jj.j % 100 < 10 then 'ended' when jj.j % 100 < 18 then 'pending' else 'active' end as st) s
    join property p on p.entrata_id = (100001 + r.i / ${PER_PROPERTY})::text`,
  );
  await step(
    'older registrations (moves within a property)',
    sql`
    insert into registration (resident_id, property_id, unit_entrata_id, space_ids, state, access_start, access_end, ended_at, rule)
    select g.resident_id, g.property_id, (g.property_id * 100000 + ((g.id * 31) % ${UNITS}) + 1)::text, '{}', 'ended',
      now() - interval '400 days', now() - interval '300 days', now() - interval '300 days', 'U3'
    from registration g where g.id % 20 = 0`,
  );
  await step(
    'keys',
    sql`
    insert into psk (resident_id, property_id, secret_encrypted, fingerprint, rule)
    select resident_id, property_id, 'bench-not-a-key', md5(resident_id::text || '/' || property_id), 'P1'
    from registration where state in ('active', 'blocked')`,
  );
  await step(
    'lease mirror',
    sql`
    insert into lease_mirror (property_id, lease_id, data, status, customer_ids)
    select g.property_id, (g.property_id * 100000 + min(g.id))::text,
      jsonb_build_object('id', (g.property_id * 100000 + min(g.id))::text, 'status', 'current', 'unitId', g.unit_entrata_id, 'spaceIds', '[]'::jsonb,
        'moveIn', to_char(now() - interval '200 days', 'YYYY-MM-DD'), 'moveOut', null, 'leaseEnd', to_char(now() + interval '165 days', 'YYYY-MM-DD'),
        'parentLeaseId', null, 'isTransfer', false,
        'customers', jsonb_agg(jsonb_build_object('id', r.customer_id, 'type', 'primary', 'status', 'current', 'moveIn', null, 'moveOut', null,
          'firstName', r.first_name, 'lastName', r.last_name, 'email', r.email, 'mobile', r.mobile, 'contactProblems', '[]'::jsonb))),
      'current', array_agg(r.customer_id)
    from registration g join resident r on r.id = g.resident_id
    where g.state <> 'ended'
    group by g.property_id, g.unit_entrata_id`,
  );
  await step(
    'notifications',
    sql`
    with o as (
      insert into outbox (property_id, resident_id, kind, rule, payload, state, created_by, sent_at)
      select property_id, resident_id, 'welcome', 'N6', '{}'::jsonb, 'sent', 'sync', now() from registration where state in ('active', 'blocked')
      returning id, resident_id)
    insert into delivery (outbox_id, channel, state, recipient, attempts, sent_at)
    select id, 'email', case when resident_id % 100 = 0 then 'failed' else 'sent' end, 'resident@example.org', 1, now() from o`,
  );
  // What autovacuum does on a running server (statistics, and the visibility map index-only scans use).
  await step('vacuum analyze', sql`vacuum analyze`);
}

interface Sample {
  kind: Kind;
  ms: number;
  rows: number;
  total: number;
}

/** A caller holding the manager role at every property, as a regional manager would. */
function managerOfAll(ids: number[]) {
  const caller: Caller = {
    kind: 'token',
    tokenId: 1 as ApiTokenId,
    name: 'bench',
    admin: false,
    roles: new Map(ids.map((id) => [id, 'manager' as PropertyRole])),
  };
  return { authenticate: async (req: FastifyRequest) => (req.headers.authorization === 'Bearer bench' ? caller : null) };
}

/** A deterministic pseudo-random sequence, so both databases answer the same requests. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
}

function fragmentOf(rand: () => number, first: string, last: string): string {
  const pick = rand();
  if (pick < 0.2) return `${first} ${last}`;
  const name = pick < 0.6 ? last : first;
  const len = 3 + Math.floor(rand() * 3);
  const at = Math.floor(rand() * Math.max(1, name.length - len + 1));
  return name.slice(at, at + len);
}

async function benchOn(label: string, url: string) {
  const db = createKysely(url, 10);
  try {
    process.stderr.write(`${label}: migrating and generating ${PROPERTIES * PER_PROPERTY} residents over ${PROPERTIES} properties\n`);
    await migrateToLatest(db);
    await generate(db);
    const version = (await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db)).rows[0]!.v;
    const props = await db.selectFrom('property').select(['id', 'entrata_id', 'account_id']).orderBy('id').execute();
    const names = await db.selectFrom('resident').select(['first_name', 'last_name']).where(sql<boolean>`id % 97 = 0`).execute();
    const log = createLogger({ level: 'silent', format: 'json' });
    const app = await buildHttpServer({
      db,
      boss: null,
      metrics: createMetrics(null, { defaultMetrics: false }),
      log,
      now: () => new Date(),
      api: true,
      syncNowTimeoutMs: 1000,
      auth: managerOfAll(props.map((p) => p.id)),
      secrets: createSecretBox(generateKey()),
      catcher: false,
    });
    const loadBefore = os.loadavg()[0]!;
    const rand = prng(20261129);
    const samples: Sample[] = [];
    const call = async (kind: Kind, entrataId: string, query: string) => {
      const t0 = performance.now();
      const r = await app.inject({ method: 'GET', url: `/api/properties/${entrataId}/residents?${query}`, headers: { authorization: 'Bearer bench' } });
      const ms = performance.now() - t0;
      if (r.statusCode !== 200) throw new Error(`${kind} ${query}: ${r.statusCode} ${r.body}`);
      const body = r.json() as { items: unknown[]; total: number };
      samples.push({ kind, ms, rows: body.items.length, total: body.total });
    };
    // Warm up: connections, statement plans, the caches a running server has.
    for (let i = 0; i < 30; i++) await call('page', props[i % props.length]!.entrata_id, 'limit=50');
    samples.length = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const p = props[Math.floor(rand() * props.length)]!;
      const who = names[Math.floor(rand() * names.length)]!;
      await call('name', p.entrata_id, `q=${encodeURIComponent(fragmentOf(rand, who.first_name, who.last_name))}`);
      await call('unit', p.entrata_id, `q=${1 + Math.floor(rand() * (rand() < 0.5 ? 46 : UNITS))}`);
      await call('page', p.entrata_id, `offset=${50 * Math.floor(rand() * (PER_PROPERTY / 50))}&limit=50`);
    }
    await app.close();
    // The machine's load while measuring: on a shared machine the figures move with it.
    const load = { before: loadBefore, after: os.loadavg()[0]! };
    const mid = { id: props[Math.floor(props.length / 2)]!.id, accountId: props[0]!.account_id };
    const plans: Record<Kind, string> = {
      name: await explain(db, mid, { q: 'mart', offset: 0, limit: 50 }),
      unit: await explain(db, mid, { q: '120', offset: 0, limit: 50 }),
      page: await explain(db, mid, { offset: 500, limit: 50 }),
    };
    return { database: label, serverVersion: version, stats: stats(samples), plans, load };
  } finally {
    await db.destroy();
  }
}

async function explain(db: Db, property: { id: number; accountId: number }, s: { q?: string; offset: number; limit: number }): Promise<string> {
  const q = residentSearchQuery(property, s);
  const { rows } = await sql<{ 'QUERY PLAN': string }>`explain (analyze, buffers, costs off) ${q}`.execute(db);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

function stats(samples: Sample[]) {
  const out = {} as Record<Kind, { n: number; p50: number; p95: number; max: number; meanRows: number }>;
  for (const kind of Object.keys(TARGETS) as Kind[]) {
    const xs = samples.filter((s) => s.kind === kind);
    const ms = xs.map((s) => s.ms).sort((a, b) => a - b);
    const q = (p: number) => ms[Math.min(ms.length - 1, Math.ceil(p * ms.length) - 1)]!;
    out[kind] = { n: ms.length, p50: q(0.5), p95: q(0.95), max: ms[ms.length - 1]!, meanRows: xs.reduce((a, s) => a + s.rows, 0) / xs.length };
  }
  return out;
}

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? '',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
};
const results: Array<Awaited<ReturnType<typeof benchOn>>> = [];
if (WHICH === 'both' || WHICH === 'embedded') {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pebbles-bench-search-'));
  chmodSync(dir, 0o755);
  const server = await startEmbeddedServer({ dataDir: dir });
  try {
    await admin(server.url('postgres'), `create database ${DB_NAME}`);
    results.push(await benchOn('embedded', server.url(DB_NAME)));
  } finally {
    await server.release();
    rmSync(dir, { recursive: true, force: true });
  }
}
if (WHICH === 'both' || WHICH === 'pg15') {
  await admin(PG_URL, `drop database if exists ${DB_NAME} with (force)`);
  await admin(PG_URL, `create database ${DB_NAME}`);
  const u = new URL(PG_URL);
  u.pathname = `/${DB_NAME}`;
  try {
    results.push(await benchOn('postgresql', u.toString()));
  } finally {
    if (KEEP) process.stderr.write(`kept: ${u.toString()}\n`);
    else await admin(PG_URL, `drop database if exists ${DB_NAME} with (force)`);
  }
}

const f = (ms: number) => ms.toFixed(1);
const LABEL: Record<Kind, string> = { name: 'search by name fragment', unit: 'search by unit number (prefix)', page: 'a page of 50 residents' };
const table = [
  `| GET /api/properties/:id/residents, ${REQUESTS} requests each, ms | ${results.map((r) => `${r.database} (PostgreSQL ${r.serverVersion.split(' ')[0]}) p50 / p95 / max`).join(' | ')} | target p95 |`,
  `|---|${results.map(() => '---|').join('')}---|`,
  ...(Object.keys(TARGETS) as Kind[]).map(
    (k) => `| ${LABEL[k]} | ${results.map((r) => `${f(r.stats[k].p50)} / **${f(r.stats[k].p95)}** / ${f(r.stats[k].max)}`).join(' | ')} | ≤ ${TARGETS[k]} |`,
  ),
].join('\n');
const failed = results.flatMap((r) =>
  (Object.keys(TARGETS) as Kind[])
    .filter((k) => r.stats[k].p95 > TARGETS[k])
    .map((k) => `${r.database}: ${LABEL[k]} p95 ${f(r.stats[k].p95)} ms > ${TARGETS[k]} ms`),
);
const loads = results.map((r) => `${r.database} ${r.load.before.toFixed(1)} → ${r.load.after.toFixed(1)}`).join(', ');
process.stdout.write(
  `\nResidents search: ${PROPERTIES * PER_PROPERTY} residents over ${PROPERTIES} properties\n\n${table}\n\nmachine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}; load average (1 min) while measuring: ${loads}\n`,
);
for (const r of results) for (const k of Object.keys(TARGETS) as Kind[]) process.stdout.write(`\n${r.database}, ${LABEL[k]}:\n${r.plans[k]}\n`);
mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
const file = path.join(ROOT, 'bench/results', `api-search-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  file,
  `${JSON.stringify({ machine, properties: PROPERTIES, residentsPerProperty: PER_PROPERTY, requests: REQUESTS, results, table }, null, 2)}\n`,
);
process.stdout.write(`\nwritten: ${path.relative(ROOT, file)}\n`);
// A measurement, not a test: the figures move with the machine's load, so `npm run bench` goes on.
if (failed.length > 0) process.stderr.write(`over target:\n  ${failed.join('\n  ')}\n`);
