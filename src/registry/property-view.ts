import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Caller } from '../auth/caller.ts';
import { allowedProperties } from '../auth/caller.ts';
import type { Role } from '../auth/permissions.ts';
import type { ResidentState } from './resident-search.ts';

/**
 * The properties as staff see them (F-22): the list of those a caller may see, with their sync state
 * and residents by state, and one property's settings and policy (F-06).
 */

export type StateCounts = Record<ResidentState, number>;

export interface SyncState {
  lastSyncAt: string | null;
  lastSuccessAt: string | null;
  /** The last failure (or suspicious answer) as recorded by the sync, null after a success. */
  lastError: unknown;
  consecutiveFailures: number;
  nextSyncAt: string | null;
  nextTransitionAt: string | null;
}

export interface PropertySummary {
  entrataId: string;
  name: string;
  account: string;
  timeZone: string;
  ssid: string;
  enabled: boolean;
  sync: SyncState;
  residents: StateCounts;
  /** The caller's role there: `admin` for administrators. */
  role: Role;
}

export interface PropertyDetail extends PropertySummary {
  settings: {
    syncIntervalMinutes: number;
    /** The interval the Entrata budget allows, when longer than the setting (null: the setting holds). */
    effectiveIntervalMinutes: number | null;
    budgetNote: string | null;
    smsEnabled: boolean;
    firstWelcome: boolean;
    mailSenderName: string | null;
    supportEmail: string | null;
    supportPhone: string | null;
  };
  /** F-06: days of access before move-in and after move-out, and the values "reset to default" returns to. */
  policy: { earlyMoveInDays: number; lateMoveOutDays: number; defaultEarlyMoveInDays: number; defaultLateMoveOutDays: number };
}

const iso = (t: Date | null) => (t ? t.toISOString() : null);

function base(db: Db) {
  return db
    .selectFrom('property as p')
    .innerJoin('entrata_account as a', 'a.id', 'p.account_id')
    .select([
      'p.id',
      'p.entrata_id',
      'p.name',
      'a.name as account',
      'p.time_zone',
      'p.ssid',
      'p.enabled',
      'p.last_sync_at',
      'p.last_success_at',
      'p.last_error',
      'p.consecutive_failures',
      'p.next_sync_at',
      'p.next_transition_at',
    ]);
}

type BaseRow = Awaited<ReturnType<ReturnType<typeof base>['executeTakeFirstOrThrow']>>;

function summary(r: BaseRow, counts: StateCounts | undefined, role: Role): PropertySummary {
  return {
    entrataId: r.entrata_id,
    name: r.name,
    account: r.account,
    timeZone: r.time_zone,
    ssid: r.ssid,
    enabled: r.enabled,
    sync: {
      lastSyncAt: iso(r.last_sync_at),
      lastSuccessAt: iso(r.last_success_at),
      lastError: r.last_error ?? null,
      consecutiveFailures: r.consecutive_failures,
      nextSyncAt: iso(r.next_sync_at),
      nextTransitionAt: iso(r.next_transition_at),
    },
    residents: counts ?? emptyCounts(),
    role,
  };
}

const emptyCounts = (): StateCounts => ({ pending: 0, active: 0, blocked: 0, ended: 0 });

/**
 * Residents by their most relevant state (active, then blocked, then pending, then ended: a resident
 * who moved within the property counts once), per property.
 */
export async function residentCounts(db: Db, propertyDbIds: 'all' | readonly number[]): Promise<Map<number, StateCounts>> {
  if (propertyDbIds !== 'all' && propertyDbIds.length === 0) return new Map();
  const within = propertyDbIds === 'all' ? sql`true` : sql`property_id in (${sql.join([...propertyDbIds])})`;
  const { rows } = await sql<{ property_id: number; rank: number; n: number }>`
    select property_id, rank, count(*) as n from (
      select property_id, resident_id, min(case state when 'active' then 0 when 'blocked' then 1 when 'pending' then 2 else 3 end) as rank
      from registration where ${within} group by property_id, resident_id
    ) x group by property_id, rank`.execute(db);
  const names: ResidentState[] = ['active', 'blocked', 'pending', 'ended'];
  const out = new Map<number, StateCounts>();
  for (const r of rows) {
    const c = out.get(r.property_id) ?? emptyCounts();
    c[names[r.rank]!] = r.n;
    out.set(r.property_id, c);
  }
  return out;
}

function roleOf(caller: Caller, propertyDbId: number): Role {
  return caller.admin ? 'admin' : (caller.roles.get(propertyDbId) ?? 'employee');
}

/** The properties the caller may see, by account and Entrata id (set-based: one query for all of them). */
export async function visibleProperties(db: Db, caller: Caller): Promise<PropertySummary[]> {
  const within = allowedProperties(caller, 'property.view');
  if (within !== 'all' && within.length === 0) return [];
  let q = base(db);
  if (within !== 'all') q = q.where('p.id', 'in', within);
  const rows = await q.orderBy('a.name').orderBy('p.entrata_id').execute();
  const counts = await residentCounts(db, within);
  return rows.map((r) => summary(r, counts.get(r.id), roleOf(caller, r.id)));
}

/** One property's settings, policy and sync state (the caller has been admitted to it). */
export async function propertyDetail(db: Db, caller: Caller, propertyDbId: number): Promise<PropertyDetail> {
  const r = await base(db)
    .select([
      'p.sync_interval_minutes',
      'p.effective_interval_minutes',
      'p.budget_note',
      'p.sms_enabled',
      'p.first_welcome',
      'p.mail_sender_name',
      'p.support_email',
      'p.support_phone',
      'p.early_move_in_days',
      'p.late_move_out_days',
      'p.default_early_move_in_days',
      'p.default_late_move_out_days',
    ])
    .where('p.id', '=', propertyDbId)
    .executeTakeFirstOrThrow();
  const counts = await residentCounts(db, [propertyDbId]);
  return {
    ...summary(r, counts.get(propertyDbId), roleOf(caller, propertyDbId)),
    settings: {
      syncIntervalMinutes: r.sync_interval_minutes,
      effectiveIntervalMinutes: r.effective_interval_minutes,
      budgetNote: r.budget_note,
      smsEnabled: r.sms_enabled,
      firstWelcome: r.first_welcome,
      mailSenderName: r.mail_sender_name,
      supportEmail: r.support_email,
      supportPhone: r.support_phone,
    },
    policy: {
      earlyMoveInDays: r.early_move_in_days,
      lateMoveOutDays: r.late_move_out_days,
      defaultEarlyMoveInDays: r.default_early_move_in_days,
      defaultLateMoveOutDays: r.default_late_move_out_days,
    },
  };
}
