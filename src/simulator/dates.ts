// Calendar days as integers and Entrata's date and timestamp formats.
// A Day is the number of days since 1970-01-01: compact to store for 100k leases and trivial to compare.

export type Day = number;

const MS_PER_DAY = 86_400_000;

export function dayOf(year: number, month: number, day: number): Day {
  return Math.floor(Date.UTC(year, month - 1, day) / MS_PER_DAY);
}

export function ymdOf(day: Day): { year: number; month: number; day: number } {
  const d = new Date(day * MS_PER_DAY);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** YYYY-MM-DD, the form the control API and options use. */
export function isoOf(day: Day): string {
  const { year, month, day: d } = ymdOf(day);
  return `${year}-${pad(month)}-${pad(d)}`;
}

/** MM/DD/YYYY, the form Entrata uses for dates in reads (docs/entrata.md §3.3). */
export function usOf(day: Day): string {
  const { year, month, day: d } = ymdOf(day);
  return `${pad(month)}/${pad(d)}/${year}`;
}

function validDay(year: number, month: number, d: number): Day | null {
  if (month < 1 || month > 12 || d < 1 || d > 31) return null;
  const day = dayOf(year, month, d);
  const back = ymdOf(day);
  return back.year === year && back.month === month && back.day === d ? day : null;
}

export function parseIso(text: string): Day | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return m ? validDay(Number(m[1]), Number(m[2]), Number(m[3])) : null;
}

export function parseUs(text: string): Day | null {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  return m ? validDay(Number(m[3]), Number(m[1]), Number(m[2])) : null;
}

/** Adds calendar months, clamping the day to the target month's length (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(day: Day, months: number): Day {
  const { year, month, day: d } = ymdOf(day);
  const total = year * 12 + (month - 1) + months;
  const y = Math.floor(total / 12);
  const m = (total % 12) + 1;
  const last = ymdOf(dayOf(y, m + 1, 1) - 1).day;
  return dayOf(y, m, Math.min(d, last));
}

/** Today's date in America/Denver: Entrata's time zone and the simulator's default "today". */
export function denverToday(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Denver', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/**
 * US Mountain time rules since 2007: daylight time from the second Sunday of March 02:00 MST (09:00 UTC)
 * to the first Sunday of November 02:00 MDT (08:00 UTC). Computed by hand because Intl formatting
 * is slow enough to show in a 100k-lease benchmark.
 */
export function isMountainDaylight(epochSeconds: number): boolean {
  const year = new Date(epochSeconds * 1000).getUTCFullYear();
  const march1 = dayOf(year, 3, 1);
  const secondSundayMarch = march1 + ((7 - dayWeekday(march1)) % 7) + 7;
  const nov1 = dayOf(year, 11, 1);
  const firstSundayNov = nov1 + ((7 - dayWeekday(nov1)) % 7);
  const start = secondSundayMarch * 86_400 + 9 * 3600;
  const end = firstSundayNov * 86_400 + 8 * 3600;
  return epochSeconds >= start && epochSeconds < end;
}

/** 0 = Sunday. 1970-01-01 was a Thursday. */
export function dayWeekday(day: Day): number {
  return (((day + 4) % 7) + 7) % 7;
}

export type FractionDigits = 0 | 4 | 5 | 6;

/**
 * Entrata's timestamp form: `MM/DD/YYYY HH:MM:SS[.ffffff] MST|MDT` in Mountain time, with 0 to 6
 * fraction digits (docs/entrata.md §3.3).
 */
export function mountainTimestamp(epochSeconds: number, micros: number, digits: FractionDigits): string {
  const daylight = isMountainDaylight(epochSeconds);
  const local = epochSeconds + (daylight ? -6 : -7) * 3600;
  const day = Math.floor(local / 86_400);
  const secs = local - day * 86_400;
  const time = `${pad(Math.floor(secs / 3600))}:${pad(Math.floor((secs % 3600) / 60))}:${pad(secs % 60)}`;
  const fraction = digits === 0 ? '' : `.${pad(micros, 6).slice(0, digits)}`;
  return `${usOf(day)} ${time}${fraction} ${daylight ? 'MDT' : 'MST'}`;
}

/** Seconds since the epoch at a Mountain-time wall clock moment, for generating plausible timestamps. */
export function mountainEpoch(day: Day, hour: number, minute: number, second: number): number {
  const guess = day * 86_400 + hour * 3600 + minute * 60 + second + 7 * 3600;
  return isMountainDaylight(guess) ? guess - 3600 : guess;
}
