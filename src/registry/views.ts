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
