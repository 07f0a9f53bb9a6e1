import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { addDays, localDateOf, startOfLocalDay } from '../engine/local-time.ts';
import { notificationProblems } from '../notifications/staff.ts';
import type { PropertySettings } from '../properties/properties.ts';
import { residentCounts, type StateCounts } from './property-view.ts';
import { problemCondition, residentsWithProblems, RESIDENT_PROBLEMS, type ResidentProblem } from './resident-search.ts';

/**
 * A property's dashboard (F-24): residents by state, keys issued, what needs a person, the syncs, and
 * move-ins and move-outs per local day over the coming eight weeks.
 */

export const DASHBOARD_DAYS = 56;

export interface DayCounts {
  /** A local date at the property (YYYY-MM-DD). */
  date: string;
  /** Entrata's move-in and move-out days of leaseholders on open leases (the mirror). */
  moveIns: number;
  moveOuts: number;
  /** When Pebbles will open and close access (registrations' planned starts and ends, early and late days included). */
  accessStarts: number;
  accessEnds: number;
}

export interface Dashboard {
  property: string;
  residents: StateCounts;
  /** Current keys. */
  keysIssued: number;
  problems: {
    /** Residents with each problem (the residents page's `problem` filter lists them). */
    residents: Record<ResidentProblem, number>;
    notifications: { failed: number; maybeTwice: number };
    sync: { lastError: unknown; consecutiveFailures: number; failedRunsLast7Days: number };
    openHolds: number;
    leases: { missingInEntrata: number; quarantined: number };
    units: { missing: number; removed: number };
  };
  sync: { lastSyncAt: string | null; lastSuccessAt: string | null; nextSyncAt: string | null; nextTransitionAt: string | null };
  days: DayCounts[];
}

const iso = (t: Date | null) => (t ? t.toISOString() : null);

export async function dashboardOf(db: Db, property: PropertySettings, now: Date): Promise<Dashboard> {
  const p = property.id;
  const problemCounts = sql.join(RESIDENT_PROBLEMS.map((k) => sql`count(*) filter (where ${problemCondition(k)}) as ${sql.id(k)}`));
  const [counts, residentProblems, keys, notes, prop, failedRuns, holds, leases, units, days] = await Promise.all([
    residentCounts(db, [p]),
    sql<Record<ResidentProblem, number>>`select ${problemCounts} from (${residentsWithProblems(p)}) x`.execute(db),
    db
      .selectFrom('psk')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('property_id', '=', p)
      .where('current', '=', true)
      .executeTakeFirstOrThrow(),
    notificationProblems(db, p),
    db
      .selectFrom('property')
      .select(['last_sync_at', 'last_success_at', 'next_sync_at', 'next_transition_at', 'last_error', 'consecutive_failures'])
      .where('id', '=', p)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('sync_run')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('property_id', '=', p)
      .where('status', '=', 'failed')
      .where('started_at', '>', new Date(now.getTime() - 7 * 86_400_000))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('hold')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('property_id', '=', p)
      .where('state', '=', 'open')
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('lease_mirror')
      .select([
        sql<number>`count(*) filter (where missing_since is not null)`.as('missing'),
        sql<number>`count(*) filter (where quarantine_reason is not null)`.as('quarantined'),
      ])
      .where('property_id', '=', p)
      .where((eb) => eb.or([eb('missing_since', 'is not', null), eb('quarantine_reason', 'is not', null)]))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('unit')
      .select([
        sql<number>`count(*) filter (where missing_since is not null and removed_at is null)`.as('missing'),
        sql<number>`count(*) filter (where removed_at is not null)`.as('removed'),
      ])
      .where('property_id', '=', p)
      .executeTakeFirstOrThrow(),
    movesByDay(db, property, now),
  ]);
  const byProblem = residentProblems.rows[0]!;
  return {
    property: property.entrataId,
    residents: counts.get(p) ?? { pending: 0, active: 0, blocked: 0, ended: 0 },
    keysIssued: keys.n,
    problems: {
      residents: Object.fromEntries(RESIDENT_PROBLEMS.map((k) => [k, Number(byProblem[k])])) as Record<ResidentProblem, number>,
      notifications: { failed: notes.failed, maybeTwice: notes.maybeTwice },
      sync: { lastError: prop.last_error ?? null, consecutiveFailures: prop.consecutive_failures, failedRunsLast7Days: failedRuns.n },
      openHolds: holds.n,
      leases: { missingInEntrata: leases.missing, quarantined: leases.quarantined },
      units: { missing: units.missing, removed: units.removed },
    },
    sync: {
      lastSyncAt: iso(prop.last_sync_at),
      lastSuccessAt: iso(prop.last_success_at),
      nextSyncAt: iso(prop.next_sync_at),
      nextTransitionAt: iso(prop.next_transition_at),
    },
    days,
  };
}

/** Every local day from today for DASHBOARD_DAYS days, with its moves (zero on a quiet day). */
async function movesByDay(db: Db, property: PropertySettings, now: Date): Promise<DayCounts[]> {
  const first = localDateOf(now.getTime(), property.timeZone);
  const end = addDays(first, DASHBOARD_DAYS);
  const from = new Date(startOfLocalDay(first, property.timeZone));
  const until = new Date(startOfLocalDay(end, property.timeZone));
  // A leaseholder's own dates win over the lease's (W6); a day is a local date string, compared as text.
  const leaseMoves = sql<{ day: string; ins: number; outs: number }>`
    with people as (
      select coalesce(c->>'moveIn', m.data->>'moveIn') as move_in, coalesce(c->>'moveOut', m.data->>'moveOut') as move_out
      from lease_mirror m cross join lateral jsonb_array_elements(m.data->'customers') c
      where m.property_id = ${property.id} and m.status in ('future', 'current', 'notice') and c->>'type' in ('primary', 'co-applicant')
    )
    select day, sum(ins)::int as ins, sum(outs)::int as outs from (
      select move_in as day, 1 as ins, 0 as outs from people where move_in >= ${first} and move_in < ${end}
      union all
      select move_out, 0, 1 from people where move_out >= ${first} and move_out < ${end}
    ) x group by day`.execute(db);
  const planned = sql<{ day: string; starts: number; ends: number }>`
    select day, sum(starts)::int as starts, sum(ends)::int as ends from (
      select to_char(access_start at time zone ${property.timeZone}, 'YYYY-MM-DD') as day, 1 as starts, 0 as ends
      from registration where property_id = ${property.id} and state = 'pending' and access_start >= ${from} and access_start < ${until}
      union all
      -- Access ends at the start of the day after the last one (W3): that last day is the one shown.
      select to_char((access_end - interval '1 millisecond') at time zone ${property.timeZone}, 'YYYY-MM-DD'), 0, 1
      from registration where property_id = ${property.id} and state in ('active', 'blocked', 'pending') and access_end > ${from} and access_end <= ${until}
    ) x group by day`.execute(db);
  const [moves, plans] = await Promise.all([leaseMoves, planned]);
  const byDay = new Map<string, DayCounts>();
  for (let d = first, i = 0; i < DASHBOARD_DAYS; i++, d = addDays(d, 1)) byDay.set(d, { date: d, moveIns: 0, moveOuts: 0, accessStarts: 0, accessEnds: 0 });
  for (const r of moves.rows) Object.assign(byDay.get(r.day) ?? {}, { moveIns: r.ins, moveOuts: r.outs });
  for (const r of plans.rows) Object.assign(byDay.get(r.day) ?? {}, { accessStarts: r.starts, accessEnds: r.ends });
  return [...byDay.values()];
}
