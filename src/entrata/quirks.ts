// One helper per parsing quirk of Entrata's JSON (docs/entrata.md §4.3). Every helper takes `unknown`
// and never throws: callers decide whether a missing or odd value quarantines a lease.
import { asLocalDate, type LocalDate } from '../engine/snapshot.ts';

export type Obj = Record<string, unknown>;

/** A plain object (not null, not an array). */
export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Quirk 4.3.1/4.3.4: absent, null, an empty string or a non-object where an object is expected all mean "empty". */
export function asObject(v: unknown): Obj | undefined {
  return isObj(v) ? v : undefined;
}

/**
 * Quirk 4.3.1: a collection (`leases.lease`, `units.unit`, …) may be an array, a single object (XML
 * leftover), an empty string, null, or missing. Always gives an array; null and "" items are dropped.
 */
export function asArray(v: unknown): unknown[] {
  if (v === undefined || v === null || v === '') return [];
  if (Array.isArray(v)) return v.filter((x) => x !== undefined && x !== null && x !== '');
  return [v];
}

function findKey(o: Obj, key: string): unknown {
  const exact = Object.hasOwn(o, key) ? o[key] : undefined;
  if (exact !== undefined && exact !== null) return exact;
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(o)) {
    if (k.toLowerCase() === lower && v !== undefined && v !== null) return v;
  }
  return undefined;
}

function lookup(obj: unknown, keys: string[], ownIdFallback: boolean): unknown {
  const o = asObject(obj);
  if (!o) return undefined;
  const attrs = asObject(o['@attributes']);
  for (const k of keys) {
    const v = findKey(o, k);
    if (v !== undefined) return v;
    if (attrs) {
      const a = findKey(attrs, k);
      if (a !== undefined) return a;
    }
  }
  if (ownIdFallback && attrs && /id$/i.test(keys[0]!)) return findKey(attrs, 'id');
  return undefined;
}

/**
 * Quirk 4.3.3: key case differs between methods (camelCase, PascalCase, `@attributes` wrappers).
 * Finds the first of `key, ...aliases` in `obj`, ignoring case, then inside `obj['@attributes']`;
 * for a key ending in "Id" it finally accepts `@attributes.id` (the XML way of naming an object's
 * own id: `pick(property, 'propertyId')`). A null value counts as missing.
 */
export function pick(obj: unknown, key: string, ...aliases: string[]): unknown {
  return lookup(obj, [key, ...aliases], true);
}

/**
 * `pick` for a reference to another object (a lease's `unitId`, `parentLeaseId`,
 * `leaseStatusTypeId`): the same lookup without the `@attributes.id` fallback, which would
 * mistake the object's own id for the reference.
 */
export function pickRef(obj: unknown, key: string, ...aliases: string[]): unknown {
  return lookup(obj, [key, ...aliases], false);
}

/** An `X.x` collection inside `container`: `listOf(result.leases, 'lease')`. A bare array is accepted too. */
export function listOf(container: unknown, itemKey: string): unknown[] {
  if (Array.isArray(container)) return asArray(container);
  const o = asObject(container);
  return o ? asArray(pick(o, itemKey)) : [];
}

/**
 * Quirk 4.3.2: ids come as numbers or strings. Entrata ids are positive integers; this gives the
 * decimal string, or null for anything else (empty, zero, negative, fractional, words, objects).
 */
export function idStr(v: unknown): string | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v > 0 ? String(v) : null;
  if (typeof v === 'string') {
    const t = v.trim();
    return /^\d{1,20}$/.test(t) && !/^0+$/.test(t) ? t : null;
  }
  return null;
}

/** Quirk 4.3.2: booleans as 0/1, "0"/"1", "t"/"f", "true"/"false", true/false. Null when it is none of them. */
export function flag(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : null;
  if (typeof v === 'string') {
    switch (v.trim().toLowerCase()) {
      case '1':
      case 't':
      case 'true':
      case 'y':
      case 'yes':
        return true;
      case '0':
      case 'f':
      case 'false':
      case 'n':
      case 'no':
        return false;
    }
  }
  return null;
}

/** A text value: strings trimmed, numbers as decimal strings, anything else empty. */
export function text(v: unknown): string {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return '';
}

/** Quirk 4.3.4: a key that is omitted, null or "" carries no value. */
export function isBlank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

function validYmd(y: number, m: number, d: number): boolean {
  if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Quirk 4.3.6: calendar dates as MM/DD/YYYY (reads) or YYYY-MM-DD (writes, r1 activities) → `YYYY-MM-DD`; null if not a real date. */
export function parseEntrataDate(v: unknown): LocalDate | null {
  if (typeof v !== 'string') return null;
  const t = v.trim();
  let y: number, m: number, d: number;
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (us) [m, d, y] = [Number(us[1]), Number(us[2]), Number(us[3])];
  else if (iso) [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else return null;
  return validYmd(y, m, d) ? asLocalDate(`${y}-${pad(m)}-${pad(d)}`) : null;
}

/** `YYYY-MM-DD` → `MM/DD/YYYY`, the form getLeases date filters take. */
export function toEntrataDate(d: LocalDate | string): string {
  const [y, m, day] = d.split('-');
  return `${m}/${day}/${y}`;
}

const DENVER = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Denver',
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

/** Minutes east of UTC in America/Denver at the instant `utcMs` (-360 in summer, -420 in winter). */
function denverOffsetMinutes(utcMs: number): number {
  const p = Object.fromEntries(DENVER.formatToParts(new Date(utcMs)).map((x) => [x.type, Number(x.value)]));
  const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return Math.round((local - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

/** A wall-clock time in America/Denver → UTC ms. An ambiguous hour (fall back) takes MDT; a skipped one (spring forward) reads as MST. */
function denverToUtc(localAsUtcMs: number): number {
  for (const off of [-360, -420]) {
    const utc = localAsUtcMs - off * 60_000;
    if (denverOffsetMinutes(utc) === off) return utc;
  }
  return localAsUtcMs + 420 * 60_000;
}

/**
 * Quirk 4.3.6 / §1.7: `MM/DD/YYYY HH:MM[:SS[.f{0,6}]] [MDT|MST]` (or the same with YYYY-MM-DD) →
 * ISO instant in UTC (millisecond precision; extra fraction digits are cut). MST is -07:00, MDT
 * -06:00, no suffix means America/Denver wall-clock time. Null when it is not such a timestamp.
 */
export function parseEntrataTimestamp(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const m = /^(?:(\d{1,2})\/(\d{1,2})\/(\d{4})|(\d{4})-(\d{2})-(\d{2}))[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{0,6}))?)?\s*(MDT|MST|UTC|GMT|Z)?$/i.exec(
    v.trim(),
  );
  if (!m) return null;
  const y = Number(m[3] ?? m[4]);
  const mo = Number(m[1] ?? m[5]);
  const d = Number(m[2] ?? m[6]);
  const h = Number(m[7]);
  const mi = Number(m[8]);
  const s = Number(m[9] ?? 0);
  const ms = Number((m[10] ?? '').padEnd(3, '0').slice(0, 3));
  if (!validYmd(y, mo, d) || h > 23 || mi > 59 || s > 59) return null;
  const local = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const zone = m[11]?.toUpperCase();
  const utc = zone === 'MST' ? local + 7 * 3_600_000 : zone === 'MDT' ? local + 6 * 3_600_000 : zone ? local : denverToUtc(local);
  return new Date(utc).toISOString();
}

/**
 * The one deterministic order for ids in a snapshot: numeric ids (all digits) by numeric value
 * (ties such as "07"/"7" by plain string order), before any non-numeric id; non-numeric ids by
 * UTF-16 code units (no locale).
 */
export function compareIds(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) {
    const at = a.replace(/^0+(?=\d)/, '');
    const bt = b.replace(/^0+(?=\d)/, '');
    if (at.length !== bt.length) return at.length - bt.length;
    if (at !== bt) return at < bt ? -1 : 1;
  } else if (an !== bn) {
    return an ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortById<T>(items: T[], id: (t: T) => string): T[] {
  return items.sort((x, y) => compareIds(id(x), id(y)));
}
