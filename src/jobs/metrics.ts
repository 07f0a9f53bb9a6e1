import { sql } from 'kysely';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../db/database.ts';
import { FAILING_AFTER, serviceWindows } from './budget.ts';

/**
 * The Prometheus metrics of one process (F-30), on a registry of its own (no global state, so
 * tests and several servers in one process do not collide). Counters count what this process did;
 * gauges read from the database are the same in every process (scrape any one of them).
 */
export interface Metrics {
  registry: Registry;
  syncRuns: Counter<'trigger' | 'status'>;
  syncDuration: Histogram<'trigger' | 'status'>;
  entrataCalls: Counter<'service' | 'outcome'>;
  transitionsApplied: Counter<'kind'>;
  jobs: Counter<'queue' | 'outcome'>;
  dispatched: Counter<'queue'>;
  dispatcherTicks: Counter<string>;
}

export interface MetricsSources {
  db: Db;
  /** Share of each Entrata window Pebbles allows itself (ENTRATA_RATE_LIMIT_SHARE). */
  rateLimitShare: number;
  now?: () => number;
}

export function createMetrics(sources: MetricsSources | null = null, opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'pebbles_' });
  const m: Metrics = {
    registry,
    syncRuns: new Counter({
      name: 'pebbles_sync_runs_total',
      help: 'Property syncs run by this process, by trigger and outcome (applied, unchanged, failed, error, busy, answered)',
      labelNames: ['trigger', 'status'],
      registers: [registry],
    }),
    syncDuration: new Histogram({
      name: 'pebbles_sync_duration_seconds',
      help: 'Wall time of property syncs run by this process',
      labelNames: ['trigger', 'status'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    }),
    entrataCalls: new Counter({
      name: 'pebbles_entrata_calls_total',
      help: 'HTTP calls to Entrata by service and outcome (2xx, 4xx, 429, 5xx, network)',
      labelNames: ['service', 'outcome'],
      registers: [registry],
    }),
    transitionsApplied: new Counter({
      name: 'pebbles_transitions_applied_total',
      help: 'Registry actions applied by time-driven transitions (W9), by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    jobs: new Counter({
      name: 'pebbles_jobs_total',
      help: 'Jobs handled by this process, by queue and outcome',
      labelNames: ['queue', 'outcome'],
      registers: [registry],
    }),
    dispatched: new Counter({
      name: 'pebbles_dispatched_jobs_total',
      help: 'Jobs enqueued by the dispatcher of this process, by queue',
      labelNames: ['queue'],
      registers: [registry],
    }),
    dispatcherTicks: new Counter({ name: 'pebbles_dispatcher_ticks_total', help: 'Dispatcher ticks run by this process', registers: [registry] }),
  };
  if (sources) registerDatabaseGauges(registry, sources);
  return m;
}

/** A gauge whose source is down reports nothing rather than failing the whole scrape. */
async function safely(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch {
    // left empty: /readyz says what is wrong
  }
}

function registerDatabaseGauges(registry: Registry, src: MetricsSources): void {
  const now = src.now ?? Date.now;
  new Gauge({
    name: 'pebbles_queue_jobs',
    help: 'Jobs in the queue by queue and state (created, retry, active)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      await safely(async () => {
        const exists = await sql<{ ok: boolean }>`select to_regclass('pgboss.job') is not null as ok`.execute(src.db).catch(() => ({ rows: [{ ok: false }] }));
        if (!exists.rows[0]?.ok) return;
        const { rows } = await sql<{ name: string; state: string; n: number }>`
          select name, state::text as state, count(*)::int as n from pgboss.job
          where state < 'completed' and name not like '\\_\\_pgboss%' group by 1, 2`.execute(src.db);
        for (const r of rows) this.set({ queue: r.name, state: r.state }, r.n);
      });
    },
  });
  new Gauge({
    name: 'pebbles_outbox_messages',
    help: 'Outbox rows by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      await safely(async () => {
        const rows = await src.db
          .selectFrom('outbox')
          .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
          .groupBy('state')
          .execute();
        for (const r of rows) this.set({ state: r.state }, Number(r.n));
      });
    },
  });
  new Gauge({
    name: 'pebbles_deliveries',
    help: 'Deliveries (one per notification and channel) by channel and state: queued, sending, sent, retrying, failed, skipped',
    labelNames: ['channel', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      await safely(async () => {
        const rows = await src.db
          .selectFrom('delivery')
          .select(['channel', 'state', (eb) => eb.fn.countAll<number>().as('n')])
          .groupBy(['channel', 'state'])
          .execute();
        for (const r of rows) this.set({ channel: r.channel, state: r.state }, Number(r.n));
      });
    },
  });
  new Gauge({
    name: 'pebbles_properties',
    help: 'Enabled properties by sync health: ok, failing (several failures in a row), stretched (interval raised by the Entrata budget)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      await safely(async () => {
        const r = await src.db
          .selectFrom('property')
          .where('enabled', '=', true)
          .select([
            (eb) => eb.fn.countAll<number>().as('all'),
            sql<number>`count(*) filter (where consecutive_failures >= ${FAILING_AFTER})`.as('failing'),
            sql<number>`count(*) filter (where effective_interval_minutes > sync_interval_minutes)`.as('stretched'),
          ])
          .executeTakeFirstOrThrow();
        this.set({ state: 'failing' }, Number(r.failing));
        this.set({ state: 'stretched' }, Number(r.stretched));
        this.set({ state: 'ok' }, Number(r.all) - Number(r.failing));
      });
    },
  });
  const readings = async () =>
    src.db
      .selectFrom('entrata_rate_limit as r')
      .innerJoin('entrata_account as a', 'a.id', 'r.account_id')
      .select(['a.name', 'r.service', 'r.observed_at', 'r.windows'])
      .execute();
  new Gauge({
    name: 'pebbles_entrata_rate_limit_remaining',
    help: 'Calls left in each Entrata rate-limit window at the last reading',
    labelNames: ['account', 'service', 'window'],
    registers: [registry],
    async collect() {
      this.reset();
      await safely(async () => {
        for (const r of await readings()) {
          for (const w of serviceWindows({ service: r.service, observedAt: r.observed_at.getTime(), windows: r.windows }, now(), src.rateLimitShare, 0)) {
            this.set({ account: r.name, service: r.service, window: w.name }, w.limit - w.used);
          }
        }
      });
    },
  });
  new Gauge({
    name: 'pebbles_entrata_rate_limit_headroom_ratio',
    help: "Share of Pebbles' allowance (ENTRATA_RATE_LIMIT_SHARE of the limit) still unused in each window",
    labelNames: ['account', 'service', 'window'],
    registers: [registry],
    async collect() {
      this.reset();
      await safely(async () => {
        for (const r of await readings()) {
          for (const w of serviceWindows({ service: r.service, observedAt: r.observed_at.getTime(), windows: r.windows }, now(), src.rateLimitShare, 0)) {
            this.set({ account: r.name, service: r.service, window: w.name }, w.allowed > 0 ? Math.max(0, w.allowed - w.used) / w.allowed : 0);
          }
        }
      });
    },
  });
}
