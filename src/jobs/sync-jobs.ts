import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import { PropertyBusyError } from '../sync/lock.ts';
import { SyncStopped } from '../sync/sync-bound.ts';
import { ScopeError } from '../sync/scope-check.ts';
import { syncProperty, type SyncDeps, type SyncResult, type SyncScope, type SyncTrigger } from '../sync/sync-property.ts';
import { afterSuccess, dueAt, failureBackoffMinutes, type CallCost } from './budget.ts';
import { lockedProperties } from './dispatcher.ts';
import type { EntrataMeter } from './entrata-meter.ts';
import type { Metrics } from './metrics.ts';
import type { SyncJobData, SyncNowJobData, TransitionJobData } from './queues.ts';

/** What the job handlers need: the sync's own dependencies, plus the meter and the metrics. */
export interface JobDeps extends SyncDeps {
  meter: EntrataMeter;
  metrics: Metrics | null;
  /** How long a transition waits for a running sync of its property before the next tick tries again. */
  transitionLockWaitMs?: number;
  /** How long a sync-now waits for the property (a running sync that does not answer it) before failing. */
  syncNowWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** A sync run as a job reports it (small: the actions are counted, not listed). */
export interface RunSummary {
  runId: number | null;
  property: string;
  scope: SyncScope;
  status: SyncResult['status'] | string;
  counts: Record<string, number>;
  held: SyncResult['held'];
  error: SyncResult['error'];
  nextTransitionAt: string | null;
  actions: number;
  /** `this-request`: run for this job; `running-sync`: a sync already running answered it (O5). */
  answeredBy: 'this-request' | 'running-sync';
}

export type JobOutcome = { outcome: 'ran'; run: RunSummary } | { outcome: 'skipped'; reason: 'disabled' | 'not-due' | 'busy' | 'gone' };

export interface SyncNowOutput {
  propertyId: number;
  runs: RunSummary[];
}

const summary = (r: SyncResult, scope: SyncScope): RunSummary => ({
  runId: r.runId,
  property: r.property,
  scope,
  status: r.status,
  counts: r.counts,
  held: r.held,
  error: r.error,
  nextTransitionAt: r.nextTransitionAt,
  actions: r.actions.length,
  answeredBy: 'this-request',
});

const refusedSummary = { runId: null, status: 'refused', counts: {}, held: null, nextTransitionAt: null, actions: 0, answeredBy: 'this-request' } as const;

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function loadSchedule(db: Db, id: number) {
  return db
    .selectFrom('property')
    .select([
      'id',
      'account_id',
      'entrata_id',
      'enabled',
      'sync_interval_minutes',
      'effective_interval_minutes',
      'next_sync_at',
      'next_transition_at',
      'last_success_at',
      'consecutive_failures',
      'entrata_calls',
    ])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Runs one syncProperty, metered, timed and counted; records the calls it cost on its run. */
async function meteredSync(deps: JobDeps, opts: Parameters<typeof syncProperty>[1], accountId: number): Promise<{ result: SyncResult; calls: CallCost }> {
  const started = performance.now();
  let status = 'error';
  try {
    const { result, calls } = await deps.meter.track(() => syncProperty(deps, opts));
    status = result.status;
    const total = Object.values(calls).reduce((a, b) => a + b, 0);
    if (result.runId !== null && !opts.fromMirror) {
      await deps.db
        .updateTable('sync_run')
        .set({ counts: sql`counts || ${JSON.stringify({ entrataCalls: total })}::jsonb` })
        .where('id', '=', result.runId)
        .execute();
    }
    return { result, calls };
  } catch (err) {
    if (err instanceof PropertyBusyError) status = 'busy';
    if (err instanceof SyncStopped) status = 'stopped';
    if (err instanceof ScopeError) status = 'refused';
    throw err;
  } finally {
    if (!opts.fromMirror)
      await deps.meter.flush(deps.db, accountId).catch((err: unknown) => deps.log.warn({ err }, 'could not store the Entrata rate-limit reading'));
    deps.metrics?.syncRuns.inc({ trigger: opts.trigger, status });
    deps.metrics?.syncDuration.observe({ trigger: opts.trigger, status }, (performance.now() - started) / 1000);
  }
}

/** After a failed scheduled sync: back off its schedule (S4) by the number of failures in a row. */
async function backOff(deps: JobDeps, id: number, intervalMinutes: number, kind: string | null, log: Logger): Promise<void> {
  const p = await loadSchedule(deps.db, id);
  if (!p) return;
  const minutes = failureBackoffMinutes(p.consecutive_failures, intervalMinutes, kind === 'rate-limited' ? 5 * 60_000 : null);
  const next = new Date(deps.now().getTime() + minutes * 60_000);
  await deps.db.updateTable('property').set({ next_sync_at: next }).where('id', '=', id).execute();
  log.warn({ failures: p.consecutive_failures, retryInMinutes: minutes }, 'sync failed; access unchanged; retrying with back-off');
}

/** A scheduled full sync (S1), run if the property is still due and no other sync of it is running. */
export async function runScheduledSync(deps: JobDeps, data: SyncJobData): Promise<JobOutcome> {
  const p = await loadSchedule(deps.db, data.propertyId);
  if (!p) return { outcome: 'skipped', reason: 'gone' };
  if (!p.enabled) return { outcome: 'skipped', reason: 'disabled' };
  const now = deps.now().getTime();
  // Synced meanwhile (a sync-now, a command, another worker): the tick found it due, it no longer is.
  if (
    dueAt({
      nextSyncAt: p.next_sync_at,
      intervalMinutes: p.sync_interval_minutes,
      effectiveIntervalMinutes: p.effective_interval_minutes,
      afterSuccess: afterSuccess(p),
    }) >
    now + 1000
  ) {
    return { outcome: 'skipped', reason: 'not-due' };
  }
  const log = deps.log.child({ property: p.entrata_id });
  const interval = Math.max(p.sync_interval_minutes, p.effective_interval_minutes ?? 0);
  let result: SyncResult;
  let calls: CallCost;
  try {
    ({ result, calls } = await meteredSync(deps, { propertyDbId: p.id, trigger: 'schedule', lock: { wait: false }, skipUnchanged: true }, p.account_id));
  } catch (err) {
    if (err instanceof PropertyBusyError) return { outcome: 'skipped', reason: 'busy' };
    // The worker is stopping: the job goes back to the queue, and no failure is the property's.
    if (err instanceof SyncStopped) throw err;
    // Not Entrata (database, a bug): nothing was applied; shown on the property and retried with back-off.
    const error = { kind: 'internal', message: err instanceof Error ? err.message : String(err), entrataFailure: false, at: deps.now().toISOString() };
    log.error({ err }, 'sync failed');
    await deps.db
      .updateTable('property')
      .set((eb) => ({
        last_sync_at: deps.now(),
        last_error: JSON.stringify(error),
        consecutive_failures: eb('consecutive_failures', '+', 1),
      }))
      .where('id', '=', p.id)
      .execute();
    await backOff(deps, p.id, interval, 'internal', log);
    return {
      outcome: 'ran',
      run: {
        runId: null,
        property: p.entrata_id,
        scope: { kind: 'property' },
        status: 'failed',
        counts: {},
        held: null,
        error: { kind: 'internal', message: error.message, entrataFailure: false },
        nextTransitionAt: null,
        actions: 0,
        answeredBy: 'this-request',
      },
    };
  }
  if (result.status === 'failed') {
    await backOff(deps, p.id, interval, result.error?.kind ?? null, log);
  } else {
    // What a full sync of this property costs, for the budget (smoothed: the pick list comes hourly).
    const old = p.entrata_calls;
    const cost: CallCost = {};
    for (const s of new Set([...Object.keys(old), ...Object.keys(calls)])) {
      const v = old[s] === undefined ? (calls[s] ?? 0) : Math.ceil(((old[s] ?? 0) + (calls[s] ?? 0)) / 2);
      if (v > 0) cost[s] = v;
    }
    if (JSON.stringify(cost) !== JSON.stringify(old)) {
      await deps.db
        .updateTable('property')
        .set({ entrata_calls: JSON.stringify(cost) })
        .where('id', '=', p.id)
        .execute();
    }
  }
  return { outcome: 'ran', run: summary(result, { kind: 'property' }) };
}

/** A time-driven transition (W9): re-plan from the last snapshot at now, without reading Entrata. */
export async function runTransition(deps: JobDeps, data: TransitionJobData): Promise<JobOutcome> {
  const p = await loadSchedule(deps.db, data.propertyId);
  if (!p) return { outcome: 'skipped', reason: 'gone' };
  if (!p.enabled) return { outcome: 'skipped', reason: 'disabled' };
  if (!p.next_transition_at || p.next_transition_at.getTime() > deps.now().getTime()) return { outcome: 'skipped', reason: 'not-due' };
  try {
    const { result } = await meteredSync(
      deps,
      { propertyDbId: p.id, trigger: 'transition', fromMirror: true, lock: { wait: true, timeoutMs: deps.transitionLockWaitMs ?? 50_000 } },
      p.account_id,
    );
    if (result.status === 'applied') for (const a of result.actions) deps.metrics?.transitionsApplied.inc({ kind: a.kind });
    return { outcome: 'ran', run: summary(result, { kind: 'property' }) };
  } catch (err) {
    // A long sync holds the property: the next tick enqueues the transition again.
    if (err instanceof PropertyBusyError) return { outcome: 'skipped', reason: 'busy' };
    throw err;
  }
}

/** Triggers whose runs read Entrata (a run of these over the whole property answers a sync-now). */
const READS_ENTRATA = new Set<SyncTrigger | string>(['command', 'schedule', 'demo', 'approval', 'api']);

function covers(run: { trigger: string; scope: unknown }, want: SyncScope): boolean {
  if (!READS_ENTRATA.has(run.trigger)) return false;
  const s = (run.scope ?? { kind: 'property' }) as SyncScope;
  if (s.kind === 'property') return true;
  return JSON.stringify(s) === JSON.stringify(want);
}

async function runningRun(db: Db, propertyId: number) {
  return db
    .selectFrom('sync_run')
    .select(['id', 'trigger', 'scope', 'status'])
    .where('property_id', '=', propertyId)
    .where('status', '=', 'running')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

async function runAsSummary(db: Db, runId: number, property: string, scope: SyncScope): Promise<RunSummary | null> {
  const r = await db.selectFrom('sync_run').selectAll().where('id', '=', runId).executeTakeFirst();
  if (!r || r.status === 'running') return null;
  const error = (r.error as { kind?: string; message?: string; entrataFailure?: boolean } | null) ?? null;
  return {
    runId: r.id,
    property,
    scope,
    status: r.status,
    counts: r.counts,
    held: null,
    error: r.status === 'failed' && error ? { kind: error.kind ?? 'unknown', message: error.message ?? '', entrataFailure: !!error.entrataFailure } : null,
    nextTransitionAt: null,
    actions: Object.entries(r.counts)
      .filter(([k]) => !['leasesRead', 'quarantined', 'missing', 'leasesChanged', 'leasesWritten', 'unitsChanged', 'unitsMissing', 'entrataCalls'].includes(k))
      .reduce((a, [, v]) => a + v, 0),
    answeredBy: 'running-sync',
  };
}

/**
 * Sync now (O5): each scope in turn. When another sync of the property is running and it reads
 * Entrata for what was asked (the whole property, or the same unit or resident), its result is the
 * answer; otherwise this request waits for the property and runs its own sync.
 */
export async function runSyncNow(deps: JobDeps, data: SyncNowJobData): Promise<SyncNowOutput> {
  const p = await loadSchedule(deps.db, data.propertyId);
  if (!p) throw new Error(`property ${data.propertyId} no longer exists`);
  const sleep = deps.sleep ?? defaultSleep;
  // Waiting is real time, whatever clock the rules read.
  const deadline = Date.now() + (deps.syncNowWaitMs ?? 600_000);
  const runs: RunSummary[] = [];
  const answeredBy = new Set<number>();
  for (const scope of data.scopes) {
    for (;;) {
      // A stopping worker hands the request back rather than waiting for the property.
      if (deps.stopping?.aborted) throw new SyncStopped();
      try {
        const { result } = await meteredSync(
          deps,
          { propertyDbId: p.id, scope, trigger: 'api', staff: data.staff ?? undefined, lock: { wait: false }, skipUnchanged: true },
          p.account_id,
        );
        runs.push(summary(result, scope));
        break;
      } catch (err) {
        // A unit or resident the property does not have: answered, not retried; no run was recorded.
        if (err instanceof ScopeError) {
          runs.push({ ...refusedSummary, property: p.entrata_id, scope, error: { kind: err.code, message: err.message, entrataFailure: false } });
          break;
        }
        if (!(err instanceof PropertyBusyError)) throw err;
      }
      const running = await runningRun(deps.db, p.id);
      if (running && covers(running, scope)) {
        if (answeredBy.has(running.id)) break; // the same run already answered an earlier scope of this selection
        const done = await waitForRun(deps, running.id, p.id, deadline, sleep);
        if (done) {
          const s = await runAsSummary(deps.db, running.id, p.entrata_id, scope);
          if (s) {
            runs.push(s);
            answeredBy.add(running.id);
            break;
          }
        }
        continue;
      }
      if (Date.now() > deadline) throw new PropertyBusyError(p.id);
      await sleep(200);
    }
  }
  return { propertyId: p.id, runs };
}

/** Waits until a run finishes (true) or its process is gone, leaving it unfinished (false). */
async function waitForRun(deps: JobDeps, runId: number, propertyId: number, deadline: number, sleep: (ms: number) => Promise<void>): Promise<boolean> {
  for (;;) {
    const r = await deps.db.selectFrom('sync_run').select('status').where('id', '=', runId).executeTakeFirst();
    if (r?.status !== 'running') return true;
    if (deps.stopping?.aborted) throw new SyncStopped();
    if (!(await lockedProperties(deps.db)).has(propertyId)) {
      // Finished between the two reads, or its process died (then the next sync marks it interrupted).
      const again = await deps.db.selectFrom('sync_run').select('status').where('id', '=', runId).executeTakeFirst();
      return !!again && again.status !== 'running';
    }
    if (Date.now() > deadline) throw new PropertyBusyError(propertyId);
    await sleep(200);
  }
}
