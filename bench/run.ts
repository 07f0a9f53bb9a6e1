// `npm run bench`: the sync at portfolio scale, against the Entrata simulator in its own process over
// loopback HTTP (50 ms added per call, rate limits off), on the embedded PostgreSQL and on the
// machine's PostgreSQL 15. Prints a table and writes JSON under bench/results/.
//
//   npm run bench [-- --properties 100 --units 460 --latency 50 --concurrency 8 --pairs 5 --db both|embedded|pg15 --pg-url URL --keep]
//
// Phases, each in a process of its own (bench/phase.ts) so wall, CPU and peak RSS are Pebbles' alone:
//   floor  - read (fetch and parse) every page of every property and nothing else (the fetch-only floor)
//   read   - the same, the leases normalised too (what a sync that plans reads)
//   cold   - the first sync of every property on an empty registry (first welcomes included)
//   steady - the same sync again with nothing changed in Entrata
import { admin, arg, ROOT } from './support.ts';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, chmodSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { addAccount } from '../src/accounts/accounts.ts';
import { createSecretBox } from '../src/crypto/secrets.ts';
import { createKysely, type Db } from '../src/db/database.ts';
import { startEmbeddedServer } from '../src/db/embedded.ts';
import { migrateToLatest } from '../src/db/migrate.ts';

const PROPERTIES = Number(arg('properties', '100'));
const UNITS = Number(arg('units', '460'));
const LATENCY = Number(arg('latency', '50'));
/** Syncs at once, as one worker runs them (PEBBLES_WORKER_CONCURRENCY's default). */
const CONCURRENCY = Number(arg('concurrency', '8'));
const WHICH = arg('db', 'both');
/** Floor and steady-state syncs measured in pairs, this many times. */
const PAIRS = Number(arg('pairs', '5'));
const PG_URL = arg('pg-url', 'postgres://postgres@127.0.0.1:5432/postgres');
/** Keep the PostgreSQL database and the simulator afterwards (for profiling a phase by hand). */
const KEEP = process.argv.includes('--keep');
const REGISTRY_TABLES = ['resident', 'registration', 'psk', 'lease_mirror', 'audit_event', 'outbox'] as const;
const run = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function startSimulatorProcess() {
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bin/pebbles.js'),
      'simulator',
      '--port',
      String(port),
      '--seed',
      'bench',
      '--properties',
      String(PROPERTIES),
      '--units',
      String(UNITS),
      '--latency',
      String(LATENCY),
      '--no-rate-limits',
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  const ids = await new Promise<string[]>((resolve, reject) => {
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const m = /listening on \S+ \(properties ([\d, ]+)\)/.exec(err);
      if (m) resolve(m[1]!.split(',').map((s) => s.trim()));
    });
    proc.on('exit', (code) => reject(new Error(`simulator exited (${code}): ${err}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    ids,
    pid: proc.pid!,
    stop: () => new Promise<void>((r) => (proc.once('exit', () => r()), proc.kill('SIGTERM'))),
    /** Leaves it running after this process exits (--keep). */
    detach: () => {
      proc.stderr!.destroy();
      proc.unref();
    },
  };
}

async function statCounters(db: Db) {
  await sql`select pg_stat_clear_snapshot()`.execute(db);
  const { rows } = await sql<{ relname: string; ins: number; upd: number; del: number }>`
    select relname, n_tup_ins::bigint as ins, n_tup_upd::bigint as upd, n_tup_del::bigint as del
    from pg_stat_user_tables where relname = any(${[...REGISTRY_TABLES]})`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.relname, { ins: Number(r.ins), upd: Number(r.upd), del: Number(r.del) }]));
}

/** Row count and a digest of every row of every registry table (exact, unlike the statistics). */
async function snapshot(db: Db) {
  const out: Record<string, { rows: number; digest: string }> = {};
  for (const t of REGISTRY_TABLES) {
    const { rows } = await sql<{
      n: number;
      d: string;
    }>`select count(*)::int as n, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as d from ${sql.table(t)} x`.execute(db);
    out[t] = { rows: rows[0]!.n, digest: rows[0]!.d };
  }
  return out;
}

async function phase(url: string, secretHex: string, name: 'floor' | 'read' | 'sync') {
  const { stdout, stderr } = await run(
    process.execPath,
    [path.join(ROOT, 'bin/run-ts.js'), path.join(ROOT, 'bench/phase.ts'), '--url', url, '--phase', name, '--concurrency', String(CONCURRENCY)],
    {
      cwd: ROOT,
      env: { ...process.env, PEBBLES_SECRET_KEY: secretHex, LOG_LEVEL: 'silent' },
      maxBuffer: 1 << 24,
    },
  );
  if (stderr.trim()) process.stderr.write(stderr);
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

async function benchOn(label: string, url: string, sim: { url: string; ids: string[] }) {
  const secretHex = process.env.BENCH_SECRET_KEY || randomBytes(32).toString('hex');
  const db = createKysely(url, 4);
  try {
    await migrateToLatest(db);
    const secrets = createSecretBox(Buffer.from(secretHex, 'hex'));
    await addAccount(db, secrets, { name: 'bench', subdomain: 'bench', baseUrl: sim.url, credential: { kind: 'apikey', apiKey: 'demo-key' } });
    const account = await db.selectFrom('entrata_account').select('id').executeTakeFirstOrThrow();
    await db
      .insertInto('property')
      .values(sim.ids.map((id, i) => ({ account_id: account.id, entrata_id: id, time_zone: 'America/Denver', ssid: `Bench-${i + 1}` })))
      .execute();
    const { rows: version } = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db);

    process.stderr.write(`[${label}] fetch-only floor…\n`);
    const floor = await phase(url, secretHex, 'floor');
    process.stderr.write(`[${label}] read and normalise…\n`);
    const normalised = await phase(url, secretHex, 'read');
    process.stderr.write(`[${label}] cold sync…\n`);
    const cold = await phase(url, secretHex, 'sync');
    const counts = await snapshot(db);
    const welcomes = await db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'welcome')
      .executeTakeFirstOrThrow();
    const leases = await db
      .selectFrom('lease_mirror')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    await sql`vacuum analyze`.execute(db);
    // A sync of everything with nothing changed in Entrata, measured for the rows it changes.
    const measured = async (what: string) => {
      process.stderr.write(`[${label}] ${what}…\n`);
      const before = await statCounters(db);
      const snapBefore = await snapshot(db);
      const r = await phase(url, secretHex, 'sync');
      await new Promise((res) => setTimeout(res, 1000)); // the phase's backends flush their statistics on exit
      const after = await statCounters(db);
      const snapAfter = await snapshot(db);
      const changed = Object.fromEntries(
        REGISTRY_TABLES.map((t) => {
          const b = before[t] ?? { ins: 0, upd: 0, del: 0 };
          const a = after[t] ?? { ins: 0, upd: 0, del: 0 };
          return [t, { inserted: a.ins - b.ins, updated: a.upd - b.upd, deleted: a.del - b.del, identical: snapBefore[t]!.digest === snapAfter[t]!.digest }];
        }),
      );
      return { ...r, rowsChanged: changed };
    };
    // The first re-sync after the cold one plans everything again (every property's inputs changed then);
    // the next ones are the steady state: Entrata unchanged, nothing to plan.
    const resync = await measured('first re-sync after the cold sync');
    // The steady state and the floor in PAIRS, each floor right before its steady sync; the ratio is the
    // median of the pairs' ratios (this machine also runs the simulator and the database, and whatever
    // else it is asked to: a pair shares its moment's conditions).
    const steadies: Array<Awaited<ReturnType<typeof measured>>> = [];
    const floors: Array<Awaited<ReturnType<typeof phase>>> = [];
    for (let i = 1; i <= PAIRS; i++) {
      process.stderr.write(`[${label}] fetch-only floor (${i}/${PAIRS})…\n`);
      floors.push(await phase(url, secretHex, 'floor'));
      steadies.push(await measured(`steady-state sync (${i}/${PAIRS})`));
    }
    const median = <T extends { wallMs: number }>(xs: T[]) => [...xs].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(xs.length / 2)]!;
    const steady = { ...median(steadies), runsWallMs: steadies.map((x) => x.wallMs) };
    const floorMedian = { ...median(floors), runsWallMs: floors.map((x) => x.wallMs), first: floor };
    const pairRatios = steadies.map((x, i) => Math.round((x.wallMs / floors[i]!.wallMs) * 100) / 100);
    const changedRows = (r: { rowsChanged: Record<string, { inserted: number; updated: number; deleted: number }> }) =>
      Object.values(r.rowsChanged).reduce((a, c) => a + c.inserted + c.updated + c.deleted, 0);
    return {
      database: label,
      serverVersion: version[0]!.v,
      leasesInMirror: Number(leases.n),
      registry: counts,
      welcomesQueued: Number(welcomes.n),
      floor: floorMedian,
      normalised,
      cold,
      resync,
      steady,
      steadyOverFloor: [...pairRatios].sort((a, b) => a - b)[Math.floor(pairRatios.length / 2)]!,
      pairRatios,
      resyncOverFloor: Math.round((resync.wallMs / floorMedian.wallMs) * 100) / 100,
      rowsChangedByResync: changedRows(resync),
      rowsChangedBySteadySync: steadies.reduce((a, x) => a + changedRows(x), 0),
    };
  } finally {
    await db.destroy();
  }
}

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? '',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
};
process.stderr.write(`simulator: ${PROPERTIES} properties × ${UNITS} units, ${LATENCY} ms per call, rate limits off; concurrency ${CONCURRENCY}\n`);
const sim = await startSimulatorProcess();
const results: Array<Awaited<ReturnType<typeof benchOn>>> = [];
try {
  if (WHICH === 'both' || WHICH === 'embedded') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pebbles-bench-'));
    chmodSync(dir, 0o755);
    const server = await startEmbeddedServer({ dataDir: dir });
    try {
      await admin(server.url('postgres'), 'create database pebbles_bench');
      results.push(await benchOn('embedded', server.url('pebbles_bench'), sim));
    } finally {
      await server.release();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (WHICH === 'both' || WHICH === 'pg15') {
    await admin(PG_URL, 'drop database if exists pebbles_bench with (force)');
    await admin(PG_URL, 'create database pebbles_bench');
    const u = new URL(PG_URL);
    u.pathname = '/pebbles_bench';
    try {
      results.push(await benchOn('postgresql', u.toString(), sim));
    } finally {
      if (!KEEP) await admin(PG_URL, 'drop database if exists pebbles_bench with (force)');
    }
  }
} finally {
  if (KEEP) {
    process.stderr.write(`kept: simulator ${sim.url} (pid ${sim.pid}), database pebbles_bench\n`);
    sim.detach();
  } else await sim.stop();
}

// ── report ──────────────────────────────────────────────────────────────────────────────────────
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
const lines = [
  `| | ${results.map((r) => `${r.database} (PostgreSQL ${r.serverVersion.split(' ')[0]})`).join(' | ')} | target |`,
  `|---|${results.map(() => '---').join('|')}|---|`,
  `| leases in the registry's mirror after a full pass | ${results.map((r) => r.leasesInMirror.toLocaleString('en-US')).join(' | ')} | ≥ 100,000 |`,
  `| cold full sync (empty registry), wall | ${results.map((r) => s(r.cold.wallMs)).join(' | ')} | ≤ 120 s |`,
  `| cold sync: welcomes queued / outbox INSERT statements | ${results.map((r) => `${r.welcomesQueued.toLocaleString('en-US')} / ${r.cold.statements.outboxInserts}`).join(' | ')} | batched |`,
  `| fetch-only floor (every page fetched and parsed, nothing else), wall, median of ${PAIRS} | ${results.map((r) => s(r.floor.wallMs)).join(' | ')} | |`,
  `| every page read and its leases normalised, wall / CPU | ${results.map((r) => `${s(r.normalised.wallMs)} / ${s(r.normalised.cpuMs)}`).join(' | ')} | |`,
  `| first re-sync after cold (re-plans everything), wall / ratio to floor | ${results.map((r) => `${s(r.resync.wallMs)} / ${r.resyncOverFloor.toFixed(2)}`).join(' | ')} | |`,
  `| steady-state sync (nothing changed), wall, median of ${PAIRS} | ${results.map((r) => s(r.steady.wallMs)).join(' | ')} | |`,
  `| steady-state sync, CPU of the Pebbles process (floor's CPU) | ${results.map((r) => `${s(r.steady.cpuMs)} (${s(r.floor.cpuMs)})`).join(' | ')} | |`,
  `| steady / floor, median of the pairs (each pair's) | ${results.map((r) => `${r.steadyOverFloor.toFixed(2)} (${r.pairRatios.map((x) => x.toFixed(2)).join(', ')})`).join(' | ')} | ≤ 1.2 |`,
  `| registry rows changed by the re-sync / by the ${PAIRS} steady syncs | ${results.map((r) => `${r.rowsChangedByResync} / ${r.rowsChangedBySteadySync}`).join(' | ')} | 0 |`,
  `| peak RSS of the Pebbles process (cold / re-sync / steady / floor) | ${results.map((r) => `${mib(r.cold.peakRssBytes)} / ${mib(r.resync.peakRssBytes)} / ${mib(r.steady.peakRssBytes)} / ${mib(r.floor.peakRssBytes)}`).join(' | ')} | ≤ 1 GiB |`,
  `| Entrata calls per property per sync (steady) | ${results
    .map(
      (r) =>
        `${(Object.values(r.steady.calls as Record<string, number>).reduce((a, b) => a + b, 0) / r.steady.properties).toFixed(2)} (${Object.entries(
          r.steady.calls as Record<string, number>,
        )
          .map(([k, v]) => `${k} ${(v / r.steady.properties).toFixed(2)}`)
          .join(', ')})`,
    )
    .join(' | ')} | |`,
];
const table = lines.join('\n');
process.stdout.write(`\n${table}\n\nmachine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}\n`);
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
const file = path.join(ROOT, 'bench/results', `sync-${stamp}.json`);
writeFileSync(
  file,
  `${JSON.stringify({ at: new Date().toISOString(), machine, params: { properties: PROPERTIES, units: UNITS, latencyMs: LATENCY, concurrency: CONCURRENCY, pairs: PAIRS }, results, table }, null, 2)}\n`,
);
process.stdout.write(`written ${path.relative(ROOT, file)}\n`);
