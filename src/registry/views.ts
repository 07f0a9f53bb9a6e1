import type { Db } from '../db/database.ts';
import { offsetAt } from '../engine/local-time.ts';

/** ISO-8601 with the property's own UTC offset, e.g. 2026-08-15T00:00:00-05:00. */
export function isoInZone(t: Date | null, timeZone: string): string | null {
  if (!t) return null;
  const ms = t.getTime();
  const off = offsetAt(ms, timeZone);
  const local = new Date(ms + off).toISOString().slice(0, 19);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off) / 60_000;
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export interface ResidentView {
  customerId: string;
  firstName: string;
  lastName: string;
  state: 'pending' | 'active' | 'blocked' | 'ended';
  unit: string | null;
  building: string | null;
  spaces: string[];
  accessStart: string | null;
  accessEnd: string | null;
  hasKey: boolean;
  email: string | null;
  mobile: string | null;
  contactProblems: string[];
}

const STATE_RANK = { active: 0, blocked: 1, pending: 2, ended: 3 } as const;

/**
 * One entry per resident who has or had a registration at the property: their most relevant
 * registration (active, then blocked, then pending, then the latest ended one). Sorted by customer id.
 */
export async function residentsOf(db: Db, propertyDbId: number, timeZone: string): Promise<ResidentView[]> {
  const rows = await db
    .selectFrom('registration as r')
    .innerJoin('resident as p', 'p.id', 'r.resident_id')
    .leftJoin('unit as u', (j) => j.onRef('u.property_id', '=', 'r.property_id').onRef('u.entrata_id', '=', 'r.unit_entrata_id'))
    .select([
      'p.id as resident_id',
      'p.customer_id',
      'p.first_name',
      'p.last_name',
      'p.email',
      'p.mobile',
      'p.contact_problems',
      'r.id',
      'r.state',
      'r.unit_entrata_id',
      'r.space_ids',
      'r.access_start',
      'r.access_end',
      'r.ended_at',
      'u.number as unit_number',
      'u.building',
      'u.spaces',
    ])
    .where('r.property_id', '=', propertyDbId)
    .execute();
  const keys = new Set(
    (await db.selectFrom('psk').select('resident_id').where('property_id', '=', propertyDbId).where('current', '=', true).execute()).map((k) => k.resident_id),
  );
  const best = new Map<number, (typeof rows)[number]>();
  for (const r of rows) {
    const b = best.get(r.resident_id);
    const better = !b || STATE_RANK[r.state] < STATE_RANK[b.state] || (r.state === b.state && r.id > b.id);
    if (better) best.set(r.resident_id, r);
  }
  return [...best.values()]
    .map((r) => {
      const labels = new Map(((r.spaces ?? []) as Array<{ id: string; label: string }>).map((s) => [s.id, s.label]));
      return {
        customerId: r.customer_id,
        firstName: r.first_name,
        lastName: r.last_name,
        state: r.state,
        unit: r.unit_number ?? r.unit_entrata_id,
        building: r.building ?? null,
        spaces: r.space_ids.map((id) => labels.get(id) ?? id),
        accessStart: isoInZone(r.access_start, timeZone),
        accessEnd: isoInZone(r.state === 'ended' ? (r.ended_at ?? r.access_end) : r.access_end, timeZone),
        hasKey: keys.has(r.resident_id),
        email: r.email,
        mobile: r.mobile,
        contactProblems: r.contact_problems,
      };
    })
    .sort((a, b) => compareCustomerIds(a.customerId, b.customerId));
}

function compareCustomerIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b) && a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface RunView {
  runId: number;
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  status: string;
  counts: Record<string, number>;
  error: unknown;
  /** Why Entrata's answer looked wrong though it was applied (an empty lease list where leases were open), or null. */
  suspicious: string | null;
}

/** Sync runs of a property, newest first. */
export async function runsOf(db: Db, propertyDbId: number, limit = 50): Promise<RunView[]> {
  const rows = await db.selectFrom('sync_run').selectAll().where('property_id', '=', propertyDbId).orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    runId: r.id,
    trigger: r.trigger,
    startedAt: new Date(r.started_at).toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
    status: r.status,
    counts: r.counts,
    error: r.error ?? null,
    suspicious: r.suspicious,
  }));
}

export interface HoldView {
  holdId: number;
  state: string;
  openedAt: string;
  endings: unknown[];
  decidedAt: string | null;
  decidedBy: string | null;
}

export async function holdsOf(db: Db, propertyDbId: number): Promise<HoldView[]> {
  const rows = await db.selectFrom('hold').selectAll().where('property_id', '=', propertyDbId).orderBy('id', 'desc').execute();
  return rows.map((h) => ({
    holdId: h.id,
    state: h.state,
    openedAt: new Date(h.opened_at).toISOString(),
    endings: h.endings as unknown[],
    decidedAt: h.decided_at?.toISOString() ?? null,
    decidedBy: h.decided_by,
  }));
}
