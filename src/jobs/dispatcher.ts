import { sql, type Kysely } from 'kysely';
import type PgBoss from 'pg-boss';
import type { Db } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import type { Logger } from '../log/logger.ts';
import { SYNC_LOCK_CLASS } from '../sync/lock.ts';
import {
  afterSuccess,
  allowances,
  capacityPerMinute,
  DEFAULT_SYNC_COST,
  dueAt,
  MAX_STRETCH_MINUTES,
  pickDue,
  planIntervals,
  serviceWindows,
  sumCosts,
  type CallCost,
  type ServiceReading,
  type StretchPlan,
  type WindowBudget,
} from './budget.ts';
import type { Metrics } from './metrics.ts';
import { QUEUES, singletonKey, type SyncJobData, type TransitionJobData } from './queues.ts';

/** Advisory-lock namespace of the dispatcher tick (one tick at a time across processes). */
const DISPATCH_LOCK_CLASS = 0x5ebb1e6;
/** Syncs per tick for an account whose budget is still unknown (no Entrata answer seen yet): a probe that reads its limits. */
export const UNKNOWN_BUDGET_SYNCS_PER_TICK = 2;
/** An active sync job younger than this (or its expiry, if shorter), or a held property lock, means the property is being synced. */
const ACTIVE_JOB_GRACE_MS = 60_000;

export interface DispatcherDeps {
  db: Db;
  boss: PgBoss;
  log: Logger;
  now(): Date;
  /** ENTRATA_RATE_LIMIT_SHARE. */
  rateLimitShare: number;
  /** PEBBLES_BUDGET_RESERVE: share of each window left for sync-now. */
  budgetReserve: number;
  metrics?: Metrics | null;
  /** Told after jobs were enqueued (a worker in the same process fetches them at once). */
  onEnqueued?(queue: string): void;
  /** PEBBLES_SYNC_EXPIRE_SECONDS: an active job older than this is a dead worker's, and its property may be enqueued again. */
  syncExpireSeconds?: number;
}

export interface AccountBudget {
  accountId: number;
  accountName: string;
  /** False until Entrata has answered this account at least once. */
  known: boolean;
  windows: WindowBudget[];
  plan: StretchPlan;
  /** Syncs due but waiting for budget at this tick (property ids). */
  waiting: number[];
}

export interface TickReport {
  at: string;
  /** Property ids whose scheduled sync was enqueued. */
  syncs: number[];
  /** Property ids whose transition re-plan was enqueued. */
  transitions: number[];
  /** Due syncs left for a later tick because the budget is spent. */
  waiting: number[];
  accounts: AccountBudget[];
  /** False when another process was ticking (nothing done). */
  ran: boolean;
}

interface PropertyRow {
  id: number;
  account_id: number;
  account_name: string;
  entrata_id: string;
  sync_interval_minutes: number;
  effective_interval_minutes: number | null;
  budget_note: string | null;
  next_sync_at: Date | null;
  next_transition_at: Date | null;
  last_success_at: Date | null;
  consecutive_failures: number;
  entrata_calls: Record<string, number>;
}

async function loadProperties(db: Kysely<DB>): Promise<PropertyRow[]> {
  return db
    .selectFrom('property as p')
    .innerJoin('entrata_account as a', 'a.id', 'p.account_id')
    .select([
      'p.id',
      'p.account_id',
      'a.name as account_name',
      'p.entrata_id',
      'p.sync_interval_minutes',
      'p.effective_interval_minutes',
      'p.budget_note',
      'p.next_sync_at',
      'p.next_transition_at',
      'p.last_success_at',
      'p.consecutive_failures',
      'p.entrata_calls',
    ])
    .where('p.enabled', '=', true)
    .orderBy('p.id')
    .execute();
}

export async function loadReadings(db: Kysely<DB>): Promise<Map<number, ServiceReading[]>> {
  const rows = await db.selectFrom('entrata_rate_limit').selectAll().execute();
  const out = new Map<number, ServiceReading[]>();
  for (const r of rows) {
    const list = out.get(r.account_id) ?? [];
    list.push({ service: r.service, observedAt: r.observed_at.getTime(), windows: r.windows });
    out.set(r.account_id, list);
  }
  return out;
}

/** The cost a property's full sync is planned at: as last measured, else the default. */
export const costOf = (p: { entrata_calls: Record<string, number> }): CallCost =>
  Object.keys(p.entrata_calls).length > 0 ? p.entrata_calls : DEFAULT_SYNC_COST;

/** Property ids whose sync lock is held right now (by any process). */
export async function lockedProperties(db: Kysely<DB>): Promise<Set<number>> {
  const { rows } = await sql<{ id: number }>`
    select objid::bigint as id from pg_locks
    where locktype = 'advisory' and classid::bigint = ${SYNC_LOCK_CLASS} and objsubid = 2 and granted
      and database = (select oid from pg_database where datname = current_database())`.execute(db);
  return new Set(rows.map((r) => Number(r.id)));
}

interface QueuedJob {
  name: string;
  state: string;
  property_id: number;
  started_on: Date | null;
}

/** Jobs not finished yet on our queues (empty when pg-boss is not installed yet). */
export async function unfinishedJobs(db: Kysely<DB>): Promise<QueuedJob[]> {
  const exists = await sql<{ ok: boolean }>`select to_regclass('pgboss.job') is not null as ok`.execute(db);
  if (!exists.rows[0]?.ok) return [];
  const { rows } = await sql<QueuedJob>`
    select name, state::text as state, (data->>'propertyId')::bigint as property_id, started_on
    from pgboss.job where name in (${QUEUES.sync}, ${QUEUES.transition}, ${QUEUES.syncNow}) and state < 'completed'`.execute(db);
  return rows.map((r) => ({ ...r, property_id: Number(r.property_id) }));
}

/**
 * The budget of every account at `now`: its windows (from the stored readings), and the intervals
 * its properties can have within it (stretched when the portfolio needs more than the budget).
 */
export function accountBudgets(
  properties: PropertyRow[],
  readings: Map<number, ServiceReading[]>,
  now: number,
  share: number,
  reserve: number,
): Map<number, AccountBudget> {
  const byAccount = new Map<number, PropertyRow[]>();
  for (const p of properties) byAccount.set(p.account_id, [...(byAccount.get(p.account_id) ?? []), p]);
  const out = new Map<number, AccountBudget>();
  for (const [accountId, props] of byAccount) {
    const rs = readings.get(accountId) ?? [];
    const windows = rs.flatMap((r) => serviceWindows(r, now, share, reserve));
    const capacity: Record<string, number | null> = {};
    for (const r of rs) capacity[r.service] = capacityPerMinute(windows.filter((w) => w.service === r.service));
    const plan = planIntervals(
      props.map((p) => ({ id: p.id, intervalMinutes: p.sync_interval_minutes, cost: costOf(p) })),
      capacity,
    );
    out.set(accountId, { accountId, accountName: props[0]!.account_name, known: rs.length > 0, windows, plan, waiting: [] });
  }
  return out;
}

function stretchNote(p: PropertyRow, effective: number, b: AccountBudget, propertyCount: number): string | null {
  if (effective <= p.sync_interval_minutes) return null;
  const s = b.plan.bindingService ?? 'leases';
  const demand = (b.plan.demandPerDay[s] ?? 0).toLocaleString('en-US');
  const cap = (b.plan.capacityPerDay[s] ?? 0).toLocaleString('en-US');
  const head =
    effective >= MAX_STRETCH_MINUTES
      ? `Entrata budget exhausted: synced at most weekly instead of every ${p.sync_interval_minutes} min`
      : `interval stretched by the Entrata budget: every ${effective} min instead of ${p.sync_interval_minutes}`;
  return `${head} (the account's ${propertyCount} properties need ${demand} "${s}" calls a day at their intervals; its budget allows ${cap})`;
}

/**
 * One dispatcher tick at `now` (injected, so tests drive it with an explicit clock): enqueues the
 * transitions that are due (W9, no Entrata call) and the scheduled syncs that are due and fit in their
 * account's budget, most overdue first; stretches intervals when the budget cannot carry them (and says
 * so on each affected property). Several processes may call it: one tick runs at a time.
 */
export async function tick(deps: DispatcherDeps): Promise<TickReport> {
  const now = deps.now();
  const at = now.getTime();
  const report: TickReport = { at: now.toISOString(), syncs: [], transitions: [], waiting: [], accounts: [], ran: false };
  return deps.db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${DISPATCH_LOCK_CLASS}, 0) as ok`.execute(trx);
    if (!rows[0]?.ok) return report;
    report.ran = true;
    const [properties, readings, jobs, locked] = await Promise.all([loadProperties(trx), loadReadings(trx), unfinishedJobs(trx), lockedProperties(trx)]);

    // Transitions (W9): from the last snapshot, no Entrata call, no budget.
    const queuedTransition = new Set(jobs.filter((j) => j.name === QUEUES.transition && j.state !== 'active').map((j) => j.property_id));
    const transitionJobs = properties
      .filter((p) => p.next_transition_at && p.next_transition_at.getTime() <= at && !queuedTransition.has(p.id))
      .map((p) => ({
        name: QUEUES.transition,
        data: { propertyId: p.id, at: p.next_transition_at!.toISOString() } satisfies TransitionJobData,
        singletonKey: singletonKey(p.id),
      }));

    // Scheduled syncs, per account within its budget.
    const budgets = accountBudgets(properties, readings, at, deps.rateLimitShare, deps.budgetReserve);
    const byId = new Map(properties.map((p) => [p.id, p]));
    // Job ages are measured on the database's clock (pg-boss's), not on the injected one.
    const grace = Math.min(ACTIVE_JOB_GRACE_MS, (deps.syncExpireSeconds ?? 600) * 1000);
    const syncJobs = jobs.filter((j) => j.name === QUEUES.sync || j.name === QUEUES.syncNow);
    const queuedSync = new Set(syncJobs.filter((j) => j.name === QUEUES.sync && j.state !== 'active').map((j) => j.property_id));
    const runningSync = new Set(
      syncJobs.filter((j) => j.state === 'active' && j.started_on && Date.now() - j.started_on.getTime() < grace).map((j) => j.property_id),
    );
    const enqueue: Array<{ name: string; data: SyncJobData; singletonKey: string }> = [];
    for (const b of budgets.values()) {
      const props = properties.filter((p) => p.account_id === b.accountId);
      // Say so on each property whose interval the budget stretches (and clear it when it no longer does).
      for (const p of props) {
        const eff = b.plan.effective.get(p.id) ?? p.sync_interval_minutes;
        const effective = eff > p.sync_interval_minutes ? eff : null;
        const note = stretchNote(p, eff, b, props.length);
        if (effective !== p.effective_interval_minutes || note !== p.budget_note) {
          await trx.updateTable('property').set({ effective_interval_minutes: effective, budget_note: note }).where('id', '=', p.id).execute();
          if (note !== p.budget_note)
            deps.log.info({ property: p.entrata_id, effectiveIntervalMinutes: effective }, note ?? 'interval back to its configured value');
          p.effective_interval_minutes = effective;
          p.budget_note = note;
        }
      }
      const inflight = syncJobs.filter((j) => byId.get(j.property_id)?.account_id === b.accountId && j.name === QUEUES.sync);
      const due = props
        .filter((p) => !queuedSync.has(p.id) && !runningSync.has(p.id) && !locked.has(p.id))
        .map((p) => ({
          id: p.id,
          dueAt: dueAt({
            nextSyncAt: p.next_sync_at,
            intervalMinutes: p.sync_interval_minutes,
            effectiveIntervalMinutes: p.effective_interval_minutes,
            afterSuccess: afterSuccess(p),
          }),
          cost: costOf(p),
        }))
        .filter((d) => d.dueAt <= at);
      let picked: number[];
      if (!b.known) {
        // Nothing read from this account yet: a few syncs to learn its limits, then the budget decides.
        const n = Math.max(0, UNKNOWN_BUDGET_SYNCS_PER_TICK - inflight.length);
        const sorted = [...due].sort((x, y) => x.dueAt - y.dueAt || x.id - y.id);
        picked = sorted.slice(0, n).map((d) => d.id);
        b.waiting = sorted.slice(n).map((d) => d.id);
      } else {
        const inflightCost = sumCosts(inflight.map((j) => costOf(byId.get(j.property_id)!)));
        const res = pickDue(due, allowances(b.windows, inflightCost), inflight.length === 0);
        picked = res.picked;
        b.waiting = res.blocked;
      }
      for (const id of picked)
        enqueue.push({
          name: QUEUES.sync,
          data: { propertyId: id, dueAt: new Date(Math.max(0, due.find((d) => d.id === id)!.dueAt)).toISOString() },
          singletonKey: singletonKey(id),
        });
      report.waiting.push(...b.waiting);
    }

    // The record of plan-input writes (src/sync/steady.ts) is only read against snapshots of the last
    // hours (a steady-state proof needs a full plan in the last 6 hours): older rows go.
    await sql`delete from plan_input_change where at < now() - interval '2 days'`.execute(trx);
    if (transitionJobs.length > 0) await deps.boss.insert(transitionJobs);
    if (enqueue.length > 0) await deps.boss.insert(enqueue);
    report.transitions = transitionJobs.map((j) => j.data.propertyId);
    report.syncs = enqueue.map((j) => j.data.propertyId);
    report.accounts = [...budgets.values()];
    deps.metrics?.dispatcherTicks.inc();
    if (transitionJobs.length) {
      deps.metrics?.dispatched.inc({ queue: QUEUES.transition }, transitionJobs.length);
      deps.onEnqueued?.(QUEUES.transition);
    }
    if (enqueue.length) {
      deps.metrics?.dispatched.inc({ queue: QUEUES.sync }, enqueue.length);
      deps.onEnqueued?.(QUEUES.sync);
    }
    if (transitionJobs.length || enqueue.length || report.waiting.length) {
      deps.log.debug({ syncs: report.syncs.length, transitions: report.transitions.length, waiting: report.waiting.length }, 'dispatcher tick');
    }
    return report;
  });
}

export interface RunningDispatcher {
  stop(): Promise<void>;
}

/**
 * Ticks every `intervalMs`, aligned to the wall clock (hh:mm:00 plus half a second, then every
 * interval), so a window that opens at a whole minute is applied within seconds. Several processes
 * run this loop; the shared `dispatcher_state` row makes one of them tick per interval.
 */
export function startDispatcher(deps: DispatcherDeps, intervalMs: number, me: string): RunningDispatcher {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  const schedule = () => {
    if (stopped) return;
    const delay = intervalMs - (Date.now() % intervalMs) + 500;
    timer = setTimeout(() => {
      running = once().finally(() => {
        running = null;
        schedule();
      });
    }, delay);
  };
  const once = async () => {
    try {
      // Claim this interval (database clock, shared by every process); the loser skips it.
      const claimed = await deps.db
        .updateTable('dispatcher_state')
        .set({ last_tick_at: sql`now()`, last_tick_by: me })
        .where('id', '=', 1)
        .where((eb) =>
          eb.or([eb('last_tick_at', 'is', null), eb('last_tick_at', '<', sql<Date>`now() - ${`${Math.round(intervalMs * 0.8)} milliseconds`}::interval`)]),
        )
        .returning('id')
        .executeTakeFirst();
      if (!claimed) return;
      await tick(deps);
    } catch (err) {
      deps.log.error({ err }, 'dispatcher tick failed');
    }
  };
  // A first tick at once, so a fresh start does not wait for the next interval.
  running = once().finally(() => {
    running = null;
    schedule();
  });
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
