// A job-system bench: a fresh migrated database, an in-process Entrata simulator, one account with
// its properties enabled, and a worker (queues, meter, handlers) on an explicit clock. Tests drive the
// dispatcher with bench.tick() and run what it enqueued with bench.drain(), instead of waiting.
import { randomBytes } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { addAccount } from '../../src/accounts/accounts.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { createSecretBox, type SecretBox } from '../../src/crypto/secrets.ts';
import type { Db } from '../../src/db/database.ts';
import { localDateOf, startOfLocalDay } from '../../src/engine/local-time.ts';
import { asLocalDate } from '../../src/engine/snapshot.ts';
import type { TickReport } from '../../src/jobs/dispatcher.ts';
import { QUEUES, type QueueName, type SyncJobData, type SyncNowJobData, type TransitionJobData } from '../../src/jobs/queues.ts';
import { loadJobSettings, type JobSettings } from '../../src/jobs/settings.ts';
import { runScheduledSync, runSyncNow, runTransition } from '../../src/jobs/sync-jobs.ts';
import { startWorker, type RunningWorker } from '../../src/jobs/worker.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { enableProperty, type EnableProperty, type PropertySettings } from '../../src/properties/properties.ts';
import { generatePortfolio, startSimulator, type RateLimits, type RunningSimulator } from '../../src/simulator/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

/** An instant from a local wall time: '2026-03-08' or '2026-03-08 23:59:30'. */
export function localTime(local: string, timeZone: string): Date {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(local);
  if (!m) throw new Error(`localTime(): not YYYY-MM-DD[ HH:mm[:ss]]: ${local}`);
  const start = startOfLocalDay(asLocalDate(m[1]!), timeZone);
  return new Date(start + ((Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 60 + Number(m[4] ?? 0)) * 1000);
}

export interface BenchOptions {
  /** The first clock reading (an instant). */
  start: Date;
  /** Zone of every property (the simulator's date follows the clock's local date there). */
  timeZone: string;
  properties?: number;
  units?: number;
  seed?: string;
  /** Keep the generated leases (default true); false: an empty portfolio the test scripts. */
  generatedLeases?: boolean;
  rateLimits?: false | RateLimits;
  latencyMs?: number;
  property?: Partial<EnableProperty>;
  /** Environment for loadJobSettings (PEBBLES_BUDGET_RESERVE…). */
  env?: Record<string, string>;
  /** Sees every Entrata call (the rate-limit test counts them). */
  entrataFetch?: typeof globalThis.fetch;
  /** Run the queues with real workers (default false: bench.drain() runs them). */
  work?: boolean;
}

export interface Clock {
  now(): Date;
  set(t: Date): void;
  advance(ms: number): Date;
}

export interface DrainedJob {
  queue: QueueName;
  data: unknown;
  out: unknown;
}

export interface JobBench {
  t: TestDatabase;
  db: Db;
  sim: RunningSimulator;
  secrets: SecretBox;
  secretKeyHex: string;
  config: Config;
  settings: JobSettings;
  log: Logger;
  clock: Clock;
  accountId: number;
  props: PropertySettings[];
  worker: RunningWorker;
  boss: PgBoss;
  /** One dispatcher tick at the clock's time. */
  tick(): Promise<TickReport>;
  /** Runs every queued job (transitions, sync-now, syncs) until the queues are empty. */
  drain(): Promise<DrainedJob[]>;
  /** Tick, then drain. */
  step(): Promise<{ report: TickReport; jobs: DrainedJob[] }>;
  close(): Promise<void>;
}

export async function createJobBench(o: BenchOptions): Promise<JobBench> {
  const t = await createTestDatabase();
  const db = t.db;
  let now = o.start;
  const today = localDateOf(now.getTime(), o.timeZone);
  const portfolio = generatePortfolio({ seed: o.seed ?? 'pebbles-jobs', properties: o.properties ?? 2, unitsPerProperty: o.units ?? 8, today });
  if (o.generatedLeases === false) {
    portfolio.leases.length = 0;
    portfolio.leaseById.clear();
    for (const id of portfolio.leasesByProperty.keys()) portfolio.leasesByProperty.set(id, []);
  }
  const sim = await startSimulator({ port: 0, portfolio, today, rateLimits: o.rateLimits ?? false, latencyMs: o.latencyMs ?? 0, nowMs: () => now.getTime() });
  const key = randomBytes(32);
  const secrets = createSecretBox(key);
  await addAccount(db, secrets, { name: 'acme', subdomain: 'acme', baseUrl: sim.url, credential: { kind: 'apikey', apiKey: 'demo-key' } });
  const accountId = (await db.selectFrom('entrata_account').select('id').where('name', '=', 'acme').executeTakeFirstOrThrow()).id;
  const props: PropertySettings[] = [];
  for (const [i, p] of portfolio.properties.entries()) {
    props.push(await enableProperty(db, { accountName: 'acme', entrataId: p.id, timeZone: o.timeZone, ssid: `Pebbles-${i + 1}`, ...o.property }));
  }
  // Enabling stamps next_sync_at with the real time; the bench's clock decides instead.
  await db.updateTable('property').set({ next_sync_at: now }).execute();

  const config = loadConfig({ DATABASE_URL: t.url, PEBBLES_SECRET_KEY: key.toString('hex'), LOG_LEVEL: 'silent', LOG_FORMAT: 'json' });
  const settings = loadJobSettings(o.env ?? {});
  const log = createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'silent', format: 'json' });
  const clock: Clock = {
    now: () => now,
    set(tm: Date) {
      now = tm;
      const d = localDateOf(now.getTime(), o.timeZone);
      if (sim.control.today() !== d) sim.control.setDate(d);
    },
    advance(ms: number) {
      clock.set(new Date(now.getTime() + ms));
      return now;
    },
  };
  const worker = await startWorker({
    config,
    databaseUrl: t.url,
    secrets,
    log,
    settings,
    now: clock.now,
    dispatch: false,
    work: o.work ?? false,
    loops: [],
    entrataFetch: o.entrataFetch,
    // The clock is explicit: an Entrata wait would never end. Nothing in these tests may wait.
    entrataSleep: async (ms) => {
      if (ms > 5_000) throw new Error(`unexpected Entrata wait of ${ms} ms`);
    },
    graceMs: 2_000,
  });
  const boss = worker.boss;

  const handlers: Record<QueueName, (d: unknown) => Promise<unknown>> = {
    [QUEUES.sync]: (d) => runScheduledSync(worker.deps, d as SyncJobData),
    [QUEUES.transition]: (d) => runTransition(worker.deps, d as TransitionJobData),
    [QUEUES.syncNow]: (d) => runSyncNow(worker.deps, d as SyncNowJobData),
  };
  const drain = async (): Promise<DrainedJob[]> => {
    const done: DrainedJob[] = [];
    for (;;) {
      let any = false;
      for (const queue of [QUEUES.transition, QUEUES.syncNow, QUEUES.sync] as QueueName[]) {
        const jobs = await boss.fetch<unknown>(queue, { batchSize: 20 });
        for (const job of jobs) {
          any = true;
          try {
            const out = await handlers[queue](job.data);
            await boss.complete(queue, job.id, out as object);
            done.push({ queue, data: job.data, out });
          } catch (err) {
            await boss.fail(queue, job.id, err as object);
            throw err;
          }
        }
      }
      if (!any) return done;
    }
  };
  const tick = () => worker.tick();
  return {
    t,
    db,
    sim,
    secrets,
    secretKeyHex: key.toString('hex'),
    config,
    settings,
    log,
    clock,
    accountId,
    props,
    worker,
    boss,
    tick,
    drain,
    async step() {
      const report = await tick();
      return { report, jobs: await drain() };
    },
    async close() {
      await worker.stop();
      await sim.stop();
      await t.drop();
    },
  };
}
