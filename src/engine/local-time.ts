// Local days in a property's IANA time zone (W2, W3, W8), with Intl only.
// The caches below only remember answers of pure functions; they change no result.

import { asLocalDate, type LocalDate } from './snapshot.ts';
import type { Instant } from './types.ts';

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();
const dayStarts = new Map<string, Instant>();
const shiftedDays = new Map<string, LocalDate>();
const formatted = new Map<string, string>();
/** Bounds the caches keyed by arbitrary instants or dates, so a long-running process does not grow without end. */
const CACHE_LIMIT = 50_000;

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(t: Instant, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(t))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** Local wall time minus UTC at instant t, in ms (e.g. -5 h in Chicago in summer). */
export function offsetAt(t: Instant, timeZone: string): number {
  const w = wallClock(t, timeZone);
  const wallAsUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return wallAsUtc - (t - (((t % 1000) + 1000) % 1000));
}

function parseLocalDate(date: LocalDate): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`not a local date (YYYY-MM-DD): ${date}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The calendar day `days` after `date` (negative: before). Pure calendar arithmetic, no zone involved. */
export function addDays(date: LocalDate, days: number): LocalDate {
  const cacheKey = `${date}|${days}`;
  const cached = shiftedDays.get(cacheKey);
  if (cached !== undefined) return cached;
  const [y, m, d] = parseLocalDate(date);
  const t = new Date(Date.UTC(y, m - 1, d) + days * DAY_MS);
  return remember(shiftedDays, cacheKey, asLocalDate(`${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`));
}

/** The local calendar day that contains instant t. */
export function localDateOf(t: Instant, timeZone: string): LocalDate {
  const w = wallClock(t, timeZone);
  return asLocalDate(`${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`);
}

/**
 * The first instant of a local day: local midnight, or where a DST jump skips midnight, the first instant that exists
 * that day. "End of a local day" is the start of the next one (W3).
 */
export function startOfLocalDay(date: LocalDate, timeZone: string): Instant {
  const cacheKey = `${timeZone}|${date}`;
  const cached = dayStarts.get(cacheKey);
  if (cached !== undefined) return cached;

  const [y, m, d] = parseLocalDate(date);
  const wallMidnight = Date.UTC(y, m - 1, d);
  // Two rounds find the offset in force at local midnight even when it differs from the offset at UTC midnight.
  let t = wallMidnight - offsetAt(wallMidnight, timeZone);
  t = wallMidnight - offsetAt(t, timeZone);
  if (localDateOf(t, timeZone) !== date) {
    // Midnight does not exist that day (a DST gap at 00:00): the day starts when the gap ends.
    let lo = t;
    let hi = t + 3 * 3_600_000;
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (localDateOf(mid, timeZone) < date) lo = mid;
      else hi = mid;
    }
    t = hi - (hi % 1000);
    if (localDateOf(t, timeZone) < date) t += 1000;
  }
  return remember(dayStarts, cacheKey, t);
}

/** "YYYY-MM-DD HH:mm" in the zone, for explanations and reasons. */
export function formatLocal(t: Instant, timeZone: string): string {
  const cacheKey = `${timeZone}|${t}`;
  const cached = formatted.get(cacheKey);
  if (cached !== undefined) return cached;
  const w = wallClock(t, timeZone);
  return remember(formatted, cacheKey, `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`);
}

/** Throws a RangeError naming the zone when Intl does not know it. */
export function assertTimeZone(timeZone: string): void {
  try {
    formatter(timeZone);
  } catch {
    throw new RangeError(`unknown IANA time zone: ${timeZone}`);
  }
}
