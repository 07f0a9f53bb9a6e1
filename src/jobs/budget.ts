// The Entrata rate-limit budget of one account, as the dispatcher sees it: pure functions of the
// latest X-RateLimit-* readings, the properties' intervals and measured costs, and `now`.
//
// Two decisions are made from it:
// - capacity planning: when the account's properties, synced at their configured intervals, would
//   need more calls than a window allows on average, every interval below a common floor T is raised
//   to T (water-filling: the properties synced most often give way first, and no property is synced
//   less often than any stretched one). T is the smallest whole minute that fits.
// - pacing: each tick dispatches due syncs, most overdue first, only while their estimated calls fit
//   in what is left of every window (minus the reserve for sync-now and minus the calls of syncs
//   already queued or running).

export interface WindowReading {
  /** MINUTE, HOUR, DAY, … as Entrata names it. */
  name: string;
  limit: number;
  remaining: number;
  resetSeconds: number;
}

export interface ServiceReading {
  service: string;
  /** Epoch ms of the reading. */
  observedAt: number;
  /** Empty: Entrata answered without rate-limit headers (no limit known for this service). */
  windows: WindowReading[];
}

/** Calls per service that one full sync of a property costs. */
export type CallCost = Record<string, number>;

/** The cost assumed for a property never synced yet: its units, the pick list and a couple of lease pages. */
export const DEFAULT_SYNC_COST: CallCost = { propertyunits: 1, leases: 3 };

/** Longest interval the budget will stretch to (a week): beyond that the note says the budget is exhausted. */
export const MAX_STRETCH_MINUTES = 7 * 1440;

export function windowSeconds(name: string): number | null {
  const n = name.toUpperCase();
  if (n.startsWith('SEC')) return 1;
  if (n.startsWith('MIN')) return 60;
  if (n.startsWith('HOUR')) return 3600;
  if (n.startsWith('DAY')) return 86_400;
  if (n.startsWith('WEEK')) return 7 * 86_400;
  if (n.startsWith('MONTH')) return 30 * 86_400;
  return null;
}

export interface WindowBudget {
  service: string;
  name: string;
  seconds: number | null;
  limit: number;
  /** floor(share × limit): what Pebbles allows itself. */
  allowed: number;
  /** Calls of `allowed` kept for sync-now. */
  reserve: number;
  /** Calls used in the current window as of the reading (0 once the window has reset). */
  used: number;
  resetAt: number;
}

/** The windows of one service at `now`. */
export function serviceWindows(reading: ServiceReading, now: number, share: number, reserveShare: number): WindowBudget[] {
  return reading.windows.map((w) => {
    const resetAt = reading.observedAt + w.resetSeconds * 1000;
    const allowed = Math.floor(share * w.limit);
    return {
      service: reading.service,
      name: w.name,
      seconds: windowSeconds(w.name),
      limit: w.limit,
      allowed,
      reserve: Math.ceil(reserveShare * allowed),
      used: now >= resetAt ? 0 : Math.max(0, w.limit - w.remaining),
      resetAt,
    };
  });
}

/** Average calls per minute the scheduled syncs may use in the long run (after the reserve); null: unlimited. */
export function capacityPerMinute(windows: WindowBudget[]): number | null {
  let cap: number | null = null;
  for (const w of windows) {
    if (w.seconds === null) continue;
    const perMinute = Math.max(0, w.allowed - w.reserve) / (w.seconds / 60);
    cap = cap === null ? perMinute : Math.min(cap, perMinute);
  }
  return cap;
}

export interface PlannedProperty {
  id: number;
  intervalMinutes: number;
  cost: CallCost;
}

export interface StretchPlan {
  /** The common floor T in minutes, or null when nothing needs stretching. */
  floorMinutes: number | null;
  /** Effective interval per property id (equal to the configured one when not stretched). */
  effective: Map<number, number>;
  /** Per service: calls a day needed at the configured intervals, and what the budget allows a day. */
  demandPerDay: Record<string, number>;
  capacityPerDay: Record<string, number | null>;
  /** The service whose budget set the floor. */
  bindingService: string | null;
}

const demandAt = (props: PlannedProperty[], service: string, floor: number) =>
  props.reduce((sum, p) => sum + (p.cost[service] ?? 0) / Math.max(p.intervalMinutes, floor), 0);

/** Water-filling: the smallest whole-minute floor T with Σ cost/max(interval, T) ≤ capacity, per service. */
export function planIntervals(props: PlannedProperty[], capacity: Record<string, number | null>): StretchPlan {
  const effective = new Map(props.map((p) => [p.id, p.intervalMinutes]));
  const demandPerDay: Record<string, number> = {};
  const capacityPerDay: Record<string, number | null> = {};
  let floor = 0;
  let bindingService: string | null = null;
  const services = new Set([...Object.keys(capacity), ...props.flatMap((p) => Object.keys(p.cost))]);
  for (const s of [...services].sort()) {
    const cap = capacity[s] ?? null;
    demandPerDay[s] = Math.round(demandAt(props, s, 0) * 1440);
    capacityPerDay[s] = cap === null ? null : Math.floor(cap * 1440);
    if (cap === null || demandAt(props, s, 0) <= cap) continue;
    let t: number;
    if (cap <= 0 || demandAt(props, s, MAX_STRETCH_MINUTES) > cap) {
      t = MAX_STRETCH_MINUTES;
    } else {
      let lo = 0;
      let hi = MAX_STRETCH_MINUTES;
      for (let i = 0; i < 60 && hi - lo > 1e-6; i++) {
        const mid = (lo + hi) / 2;
        if (demandAt(props, s, mid) <= cap) hi = mid;
        else lo = mid;
      }
      // The smallest whole minute that fits (with a hair of tolerance for floating point).
      t = Math.max(1, Math.floor(hi));
      while (demandAt(props, s, t) > cap * (1 + 1e-9) && t < MAX_STRETCH_MINUTES) t++;
    }
    if (t > floor) {
      floor = t;
      bindingService = s;
    }
  }
  if (floor === 0) return { floorMinutes: null, effective, demandPerDay, capacityPerDay, bindingService: null };
  for (const p of props) effective.set(p.id, Math.max(p.intervalMinutes, floor));
  return { floorMinutes: floor, effective, demandPerDay, capacityPerDay, bindingService };
}

/** What is left now in every window of every service, for scheduled syncs. */
export function allowances(windows: WindowBudget[], inflight: CallCost): Record<string, { now: number; long: number }> {
  const out: Record<string, { now: number; long: number }> = {};
  for (const w of windows) {
    const left = w.allowed - w.reserve - w.used - (inflight[w.service] ?? 0);
    const entry = (out[w.service] ??= { now: Infinity, long: Infinity });
    entry.now = Math.min(entry.now, left);
    // Windows of an hour or more: a sync larger than a minute's budget may still start when these allow it.
    if (w.seconds === null || w.seconds >= 3600) entry.long = Math.min(entry.long, left);
  }
  return out;
}

export interface DueSync {
  id: number;
  dueAt: number;
  cost: CallCost;
}

/**
 * The due syncs that fit now, most overdue first. The first one that does not fit stops the list,
 * so a large property is not starved by smaller ones behind it; a sync larger than a whole minute's
 * budget may start alone when nothing else of the account is in flight and the longer windows allow it
 * (the client then paces its own calls).
 */
export function pickDue(
  due: DueSync[],
  allow: Record<string, { now: number; long: number }>,
  inflightIsEmpty: boolean,
): { picked: number[]; blocked: number[] } {
  const left = Object.fromEntries(Object.entries(allow).map(([s, a]) => [s, { ...a }]));
  const picked: number[] = [];
  const sorted = [...due].sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
  for (const [i, d] of sorted.entries()) {
    const services = Object.keys(d.cost).filter((s) => left[s]);
    const fits = services.every((s) => d.cost[s]! <= left[s]!.now);
    const alone = inflightIsEmpty && picked.length === 0 && services.every((s) => d.cost[s]! <= left[s]!.long);
    if (!fits && !alone) return { picked, blocked: sorted.slice(i).map((x) => x.id) };
    for (const s of services) {
      left[s]!.now -= d.cost[s]!;
      left[s]!.long -= d.cost[s]!;
    }
    picked.push(d.id);
  }
  return { picked, blocked: [] };
}

/** Back-off of a failing property's schedule (S4): 1, 2, 4, … minutes, then at most 4× its interval (≥ 1 h, ≤ 12 h). */
export function failureBackoffMinutes(consecutiveFailures: number, intervalMinutes: number, retryAfterMs: number | null = null): number {
  const n = Math.max(1, consecutiveFailures);
  const cap = Math.min(720, Math.max(60, 4 * intervalMinutes));
  const backoff = Math.min(cap, 2 ** Math.min(n - 1, 20));
  return Math.max(backoff, retryAfterMs ? Math.ceil(retryAfterMs / 60_000) : 0);
}

/** A property fails "repeatedly" from this many failures in a row (shown as failing). */
export const FAILING_AFTER = 3;

/**
 * When a property is next due for a scheduled sync. A full sync sets next_sync_at to its end plus the
 * configured interval (a failure sets it to the back-off); a stretched interval adds the difference
 * after a successful sync only (a first sync, or a retry, is not put off by the budget's stretch).
 */
export function dueAt(p: { nextSyncAt: Date | null; intervalMinutes: number; effectiveIntervalMinutes: number | null; afterSuccess: boolean }): number {
  if (!p.nextSyncAt) return -Infinity;
  const stretch = p.afterSuccess ? Math.max(0, (p.effectiveIntervalMinutes ?? p.intervalMinutes) - p.intervalMinutes) : 0;
  return p.nextSyncAt.getTime() + stretch * 60_000;
}

/** Whether next_sync_at was set by a successful full sync (and not by enabling or by a failure's back-off). */
export const afterSuccess = (p: { last_success_at: Date | null; consecutive_failures: number }) => p.last_success_at !== null && p.consecutive_failures === 0;

export function sumCosts(costs: CallCost[]): CallCost {
  const out: CallCost = {};
  for (const c of costs) for (const [s, n] of Object.entries(c)) out[s] = (out[s] ?? 0) + n;
  return out;
}
