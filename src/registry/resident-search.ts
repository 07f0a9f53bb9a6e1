import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db/database.ts';
import { isoInZone } from './views.ts';

/**
 * The residents page (F-20): the residents of one property, found by a name fragment or a unit number,
 * filtered by state and problem, in unit order (2 before 10) then by name, a page at a time with the
 * total. One statement that starts from the property's registrations (migration 0009's indexes), so a
 * page costs the same at 1,000 residents as at 100,000 across the portfolio.
 */

export const RESIDENT_STATES = ['pending', 'active', 'blocked', 'ended'] as const;
export type ResidentState = (typeof RESIDENT_STATES)[number];

/**
 * What a manager should look at about a resident:
 * - `unreachable`: neither an e-mail address nor a mobile number (E2: registered all the same; fix it in Entrata);
 * - `contact`: any contact problem Entrata's data has (missing or invalid e-mail or mobile);
 * - `notification-failed`: a notification to them failed and none sent since;
 * - `blocked`: blocked by staff (K1);
 * - `no-key`: has access (active or blocked) but no current key;
 * - `lease-trouble`: a lease of theirs here is missing in Entrata (S2) or quarantined (S4).
 */
export const RESIDENT_PROBLEMS = ['unreachable', 'contact', 'notification-failed', 'blocked', 'no-key', 'lease-trouble'] as const;
export type ResidentProblem = (typeof RESIDENT_PROBLEMS)[number];

export interface ResidentSearch {
  /** A name fragment (first, last, "first last", any order; case and accents ignored) or the start of a unit number. */
  q?: string;
  state?: ResidentState;
  problem?: ResidentProblem;
  offset: number;
  limit: number;
}

export interface ResidentRow {
  customerId: string;
  firstName: string;
  lastName: string;
  unit: string | null;
  building: string | null;
  /** Leased bedrooms, by label. */
  spaces: string[];
  state: ResidentState;
  hasKey: boolean;
  /** When access starts and ends (or ended), in the property's offset. */
  accessStart: string | null;
  accessEnd: string | null;
  hasEmail: boolean;
  hasMobile: boolean;
  contactProblems: string[];
  problems: ResidentProblem[];
}

export interface ResidentPage {
  items: ResidentRow[];
  total: number;
  offset: number;
  limit: number;
}

/** `%`, `_` and `\` match themselves in a LIKE pattern. */
export function likeLiteral(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The words of a name fragment: "Smith, Jo" → ["smith", "jo"] (folded by the database). */
function nameWords(q: string): string[] {
  return q
    .split(/[\s,]+/)
    .filter(Boolean)
    .slice(0, 5);
}

/** Which residents a search may return, found through an index before anything else is read. */
interface Candidates {
  accountId: number;
  /** Name words, each to be found in the folded full name (the trigram index). */
  words: string[];
  /** The start of a unit number, lower case (the prefix index on unit numbers). */
  unitPrefix: string;
}

const foldedName = (alias: string) => sql`pebbles_fold(${sql.ref(`${alias}.first_name`)} || ' ' || ${sql.ref(`${alias}.last_name`)})`;

function nameMatches(alias: string, words: string[]): RawBuilder<boolean> {
  if (words.length === 0) return sql`false`;
  return sql`(${sql.join(
    words.map((w) => sql`${foldedName(alias)} like '%' || pebbles_fold(${likeLiteral(w)}) || '%'`),
    sql` and `,
  )})`;
}

/**
 * The residents of a property with their most relevant registration (active, then blocked, then
 * pending, then the latest ended one) and their problems. Shared by the page and the dashboard.
 * With candidates (a search), only the residents whose name matches (the trigram index, across the
 * account) or who are registered in a unit whose number starts so (the prefix index) are read.
 */
export function residentsWithProblems(propertyDbId: number, candidates?: Candidates): RawBuilder<unknown> {
  const p = propertyDbId;
  const c = candidates;
  const within = c
    ? sql`and g.resident_id in (
        select r.id from resident r where r.account_id = ${c.accountId} and ${nameMatches('r', c.words)}
        union
        select g2.resident_id from unit u2 join registration g2 on g2.property_id = u2.property_id and g2.unit_entrata_id = u2.entrata_id
        where u2.property_id = ${p} and lower(u2.number) like ${`${likeLiteral(c.unitPrefix)}%`})`
    : sql``;
  return sql`
    with best as (
      select distinct on (g.resident_id) g.id, g.resident_id, g.state, g.unit_entrata_id, g.space_ids, g.access_start, g.access_end, g.ended_at
      from registration g
      where g.property_id = ${p} ${within}
      order by g.resident_id, case g.state when 'active' then 0 when 'blocked' then 1 when 'pending' then 2 else 3 end, g.id desc
    ),
    keyed as (select k.resident_id from psk k where k.property_id = ${p} and k.current),
    failed as (
      select o.resident_id from delivery d join outbox o on o.id = d.outbox_id
      where d.state = 'failed' and o.property_id = ${p} and o.resident_id is not null
        and not exists (
          select 1 from outbox o2 join delivery d2 on d2.outbox_id = o2.id
          where o2.resident_id = o.resident_id and o2.property_id = ${p} and o2.id > o.id and d2.state = 'sent')
    ),
    troubled as (
      select unnest(m.customer_ids) as customer_id from lease_mirror m
      where m.property_id = ${p} and (m.missing_since is not null or m.quarantine_reason is not null)
    )
    select b.resident_id, b.state, b.unit_entrata_id, b.space_ids, b.access_start, b.access_end, b.ended_at,
      r.customer_id, r.first_name, r.last_name, r.email is not null as has_email, r.mobile is not null as has_mobile, r.contact_problems,
      u.number as unit_number, u.number_key as unit_key, u.building, u.spaces,
      b.resident_id in (select resident_id from keyed) as has_key,
      b.resident_id in (select resident_id from failed) as notification_failed,
      r.customer_id in (select customer_id from troubled) as lease_trouble
    from best b
    -- One primary-key probe per resident of the property (OFFSET 0 keeps it so): left to itself the planner
    -- prefers reading every resident of the portfolio into a hash, 30 times the work at 100 properties.
    cross join lateral (select * from resident r0 where r0.id = b.resident_id offset 0) r
    left join unit u on u.property_id = ${p} and u.entrata_id = b.unit_entrata_id`;
}

/** The SQL condition for a problem, over the columns residentsWithProblems() selects. */
export function problemCondition(problem: ResidentProblem): RawBuilder<boolean> {
  switch (problem) {
    case 'unreachable':
      return sql`(not has_email and not has_mobile)`;
    case 'contact':
      return sql`cardinality(contact_problems) > 0`;
    case 'notification-failed':
      return sql`notification_failed`;
    case 'blocked':
      return sql`state = 'blocked'`;
    case 'no-key':
      return sql`(state in ('active', 'blocked') and not has_key)`;
    case 'lease-trouble':
      return sql`lease_trouble`;
  }
}

interface Row {
  state: ResidentState;
  unit_entrata_id: string;
  space_ids: string[];
  access_start: Date | null;
  access_end: Date | null;
  ended_at: Date | null;
  customer_id: string;
  first_name: string;
  last_name: string;
  has_email: boolean;
  has_mobile: boolean;
  contact_problems: string[];
  unit_number: string | null;
  building: string | null;
  spaces: Array<{ id: string; label: string }> | null;
  has_key: boolean;
  notification_failed: boolean;
  lease_trouble: boolean;
  total: number;
}

/** What a search asks of the rows residentsWithProblems() selects (the candidates are checked again on the shown registration). */
function searchFilter(s: Omit<ResidentSearch, 'offset' | 'limit'>): RawBuilder<unknown> {
  const where: RawBuilder<boolean>[] = [];
  const q = s.q?.trim();
  if (q) where.push(sql`(${nameMatches('x', nameWords(q))} or lower(x.unit_number) like ${`${likeLiteral(q.toLowerCase())}%`})`);
  if (s.state) where.push(sql`state = ${s.state}`);
  if (s.problem) where.push(problemCondition(s.problem));
  return where.length > 0 ? sql`where ${sql.join(where, sql` and `)}` : sql``;
}

/**
 * A search reads its candidates through the indexes when every word has three letters or digits in a
 * row: shorter ones ("Jo", "12", "O'B") have no trigram, and the index would return every resident of
 * the portfolio. Those read the property's residents instead, as a page does.
 */
function candidatesOf(accountId: number, q: string | undefined): Candidates | undefined {
  const t = q?.trim();
  if (!t) return undefined;
  const words = nameWords(t);
  if (!words.every((w) => /[\p{L}\p{N}]{3}/u.test(w))) return undefined;
  return { accountId, words, unitPrefix: t.toLowerCase() };
}

/** The one statement behind a residents page (exported so the benchmark can show its plan). */
export function residentSearchQuery(property: { id: number; accountId: number }, s: ResidentSearch): RawBuilder<Row> {
  return sql<Row>`
    select *, count(*) over () as total
    from (${residentsWithProblems(property.id, candidatesOf(property.accountId, s.q))}) x
    ${searchFilter(s)}
    order by unit_key nulls last, unit_entrata_id, lower(last_name) collate "C", lower(first_name) collate "C", customer_id
    offset ${s.offset} limit ${s.limit}`;
}

export async function searchResidents(db: Db, property: { id: number; accountId: number; timeZone: string }, s: ResidentSearch): Promise<ResidentPage> {
  const { rows } = await residentSearchQuery(property, s).execute(db);
  // Past the last page, the window count is gone with the rows: count alone.
  const total = rows[0]?.total ?? (s.offset > 0 ? await countOnly(db, property, s) : 0);
  return { items: rows.map((r) => toRow(r, property.timeZone)), total, offset: s.offset, limit: s.limit };
}

async function countOnly(db: Db, property: { id: number; accountId: number }, s: ResidentSearch): Promise<number> {
  const { rows } = await sql<{
    n: number;
  }>`select count(*) as n from (${residentsWithProblems(property.id, candidatesOf(property.accountId, s.q))}) x ${searchFilter(s)}`.execute(db);
  return rows[0]?.n ?? 0;
}

function toRow(r: Row, timeZone: string): ResidentRow {
  const labels = new Map((r.spaces ?? []).map((sp) => [sp.id, sp.label]));
  return {
    customerId: r.customer_id,
    firstName: r.first_name,
    lastName: r.last_name,
    unit: r.unit_number ?? r.unit_entrata_id,
    building: r.building,
    spaces: r.space_ids.map((id) => labels.get(id) ?? id),
    state: r.state,
    hasKey: r.has_key,
    accessStart: isoInZone(r.access_start, timeZone),
    accessEnd: isoInZone(r.state === 'ended' ? (r.ended_at ?? r.access_end) : r.access_end, timeZone),
    hasEmail: r.has_email,
    hasMobile: r.has_mobile,
    contactProblems: r.contact_problems,
    problems: RESIDENT_PROBLEMS.filter((p) => hasProblem(r, p)),
  };
}

/** The same definitions as problemCondition(), on a row already read. */
function hasProblem(r: Row, p: ResidentProblem): boolean {
  switch (p) {
    case 'unreachable':
      return !r.has_email && !r.has_mobile;
    case 'contact':
      return r.contact_problems.length > 0;
    case 'notification-failed':
      return r.notification_failed;
    case 'blocked':
      return r.state === 'blocked';
    case 'no-key':
      return (r.state === 'active' || r.state === 'blocked') && !r.has_key;
    case 'lease-trouble':
      return r.lease_trouble;
  }
}

/** The largest page a search answers (the API's limit). */
export const MAX_PAGE = 200;

/** Every resident matching the search, page by page (the command line lists them all). */
export async function allResidents(
  db: Db,
  property: { id: number; accountId: number; timeZone: string },
  s: Omit<ResidentSearch, 'offset' | 'limit'>,
): Promise<ResidentRow[]> {
  const rows: ResidentRow[] = [];
  for (let offset = 0; ; offset += MAX_PAGE) {
    const page = await searchResidents(db, property, { ...s, offset, limit: MAX_PAGE });
    rows.push(...page.items);
    if (page.items.length < MAX_PAGE) return rows;
  }
}
