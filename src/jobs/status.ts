import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { afterSuccess, dueAt, FAILING_AFTER } from './budget.ts';
import { accountBudgets, loadReadings, lockedProperties, unfinishedJobs } from './dispatcher.ts';
import { QUEUES } from './queues.ts';

export interface PropertyStatus {
  account: string;
  property: string;
  name: string;
  enabled: boolean;
  intervalMinutes: number;
  /** Set when the Entrata budget stretches the interval (with the reason in budgetNote). */
  effectiveIntervalMinutes: number | null;
  budgetNote: string | null;
  lastSyncAt: string | null;
  lastSuccessAt: string | null;
  nextSyncAt: string | null;
  syncing: boolean;
  queued: string[];
  failing: boolean;
  consecutiveFailures: number;
  lastError: unknown;
  /** The last sync's Entrata answer looked wrong though it was applied (it counts towards failing): why. */
  suspiciousAnswer: string | null;
  nextTransitionAt: string | null;
  pendingMoveIns: number;
  scheduledMoveOuts: number;
  openHold: { holdId: number; endings: number } | null;
}

export interface AccountStatus {
  account: string;
  properties: number;
  /** False until Entrata has answered this account (through a worker) at least once. */
  rateLimitsKnown: boolean;
  /** Per service and window: the last reading of Entrata's headers, and what Pebbles allows itself (empty: Entrata sends none). */
  rateLimits: Array<{ service: string; window: string; limit: number; allowed: number; used: number; resetsAt: string; observedAt: string }>;
  /** Per service: calls a day the properties need at their configured intervals, and what the budget allows (null: no limit known). */
  callsPerDay: Record<string, { needed: number; allowed: number | null }>;
  /** The interval floor the budget imposes, in minutes (null: none). */
  stretchedToMinutes: number | null;
}

export interface StatusReport {
  at: string;
  dispatcher: { lastTickAt: string | null; lastTickBy: string | null };
  queues: Record<string, Record<string, number>>;
  properties: PropertyStatus[];
  accounts: AccountStatus[];
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** A property's last error, when it is a suspicious answer (src/sync/sync-property.ts): its message. */
function suspiciousOf(lastError: unknown): string | null {
  const e = lastError as { kind?: unknown; message?: unknown } | null;
  return e?.kind === 'suspicious-answer' && typeof e.message === 'string' ? e.message : null;
}

/** `pebbles status`: per property, its schedule and health; per account, its Entrata budget. */
export async function statusReport(db: Db, o: { now: Date; rateLimitShare: number; budgetReserve: number }): Promise<StatusReport> {
  const now = o.now.getTime();
  const props = await db
    .selectFrom('property as p')
    .innerJoin('entrata_account as a', 'a.id', 'p.account_id')
    .select([
      'p.id',
      'p.account_id',
      'a.name as account_name',
      'p.entrata_id',
      'p.name',
      'p.enabled',
      'p.sync_interval_minutes',
      'p.effective_interval_minutes',
      'p.budget_note',
      'p.last_sync_at',
      'p.last_success_at',
      'p.next_sync_at',
      'p.next_transition_at',
      'p.consecutive_failures',
      'p.last_error',
      'p.entrata_calls',
    ])
    .orderBy('a.name')
    .orderBy('p.entrata_id')
    .execute();
  const regs = await db
    .selectFrom('registration')
    .select([
      'property_id',
      sql<number>`count(*) filter (where state = 'pending')`.as('pending'),
      sql<number>`count(*) filter (where state in ('active', 'blocked') and access_end is not null and access_end > ${o.now})`.as('ending'),
    ])
    .groupBy('property_id')
    .execute();
  const holds = await db.selectFrom('hold').select(['id', 'property_id', 'endings']).where('state', '=', 'open').execute();
  const [readings, jobs, locked, dispatcher] = await Promise.all([
    loadReadings(db),
    unfinishedJobs(db),
    lockedProperties(db),
    db.selectFrom('dispatcher_state').selectAll().where('id', '=', 1).executeTakeFirst(),
  ]);
  const budgets = accountBudgets(
    props.filter((p) => p.enabled),
    readings,
    now,
    o.rateLimitShare,
    o.budgetReserve,
  );

  const queues: Record<string, Record<string, number>> = {};
  for (const q of Object.values(QUEUES)) queues[q] = {};
  for (const j of jobs) queues[j.name]![j.state] = (queues[j.name]![j.state] ?? 0) + 1;

  const properties: PropertyStatus[] = props.map((p) => {
    const r = regs.find((x) => x.property_id === p.id);
    const hold = holds.find((h) => h.property_id === p.id);
    const due = p.enabled
      ? dueAt({
          nextSyncAt: p.next_sync_at,
          intervalMinutes: p.sync_interval_minutes,
          effectiveIntervalMinutes: p.effective_interval_minutes,
          afterSuccess: afterSuccess(p),
        })
      : null;
    return {
      account: p.account_name,
      property: p.entrata_id,
      name: p.name,
      enabled: p.enabled,
      intervalMinutes: p.sync_interval_minutes,
      effectiveIntervalMinutes: p.effective_interval_minutes,
      budgetNote: p.budget_note,
      lastSyncAt: iso(p.last_sync_at),
      lastSuccessAt: iso(p.last_success_at),
      nextSyncAt: due === null ? null : due === -Infinity ? o.now.toISOString() : new Date(due).toISOString(),
      syncing: locked.has(p.id),
      queued: jobs.filter((j) => j.property_id === p.id).map((j) => `${j.name.replace(/^pebbles-/, '')}:${j.state}`),
      failing: p.consecutive_failures >= FAILING_AFTER,
      consecutiveFailures: p.consecutive_failures,
      lastError: p.last_error ?? null,
      suspiciousAnswer: suspiciousOf(p.last_error),
      nextTransitionAt: iso(p.next_transition_at),
      pendingMoveIns: Number(r?.pending ?? 0),
      scheduledMoveOuts: Number(r?.ending ?? 0),
      openHold: hold ? { holdId: hold.id, endings: (hold.endings as unknown[]).length } : null,
    };
  });

  const accounts: AccountStatus[] = [...budgets.values()].map((b) => ({
    account: b.accountName,
    properties: props.filter((p) => p.enabled && p.account_id === b.accountId).length,
    rateLimitsKnown: b.known,
    rateLimits: b.windows.map((w) => ({
      service: w.service,
      window: w.name,
      limit: w.limit,
      allowed: w.allowed,
      used: w.used,
      resetsAt: new Date(w.resetAt).toISOString(),
      observedAt: new Date((readings.get(b.accountId) ?? []).find((r) => r.service === w.service)?.observedAt ?? 0).toISOString(),
    })),
    callsPerDay: Object.fromEntries(
      Object.keys(b.plan.demandPerDay).map((s) => [s, { needed: b.plan.demandPerDay[s]!, allowed: b.plan.capacityPerDay[s] ?? null }]),
    ),
    stretchedToMinutes: b.plan.floorMinutes,
  }));

  return {
    at: o.now.toISOString(),
    dispatcher: { lastTickAt: iso(dispatcher?.last_tick_at), lastTickBy: dispatcher?.last_tick_by ?? null },
    queues,
    properties,
    accounts,
  };
}
