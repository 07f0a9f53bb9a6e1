// Per subdomain+service call counting in fixed minute/hour/day windows, with the header format of
// the one real capture (docs/entrata.md §4.1, §7.8). Windows follow the real clock, not the simulated date:
// throttling is about the client's pace, not about leases.

export interface RateLimits {
  minute: number;
  hour: number;
  day: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { day: 15_000, hour: 1_000, minute: 150 };

interface Counter {
  minuteWindow: number;
  hourWindow: number;
  dayWindow: number;
  minute: number;
  hour: number;
  day: number;
}

export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
  /** Seconds until the exhausted window resets; set when not allowed. */
  retryAfter?: number;
}

// Days reset at Mountain (standard-time) midnight, like the rest of Entrata's clock.
const DAY_OFFSET = -7 * 3600;

export class RateLimiter {
  private readonly counters = new Map<string, Counter>();

  constructor(
    readonly limits: RateLimits,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Counts one call if every window has room; a refused call is not counted. */
  take(key: string): RateDecision {
    const now = this.nowMs() / 1000;
    const counter = this.roll(key, now);
    const resets = this.resets(now);
    const exhausted: number[] = [];
    if (counter.day >= this.limits.day) exhausted.push(resets.day);
    if (counter.hour >= this.limits.hour) exhausted.push(resets.hour);
    if (counter.minute >= this.limits.minute) exhausted.push(resets.minute);
    if (exhausted.length > 0) {
      return { allowed: false, headers: this.headers(counter, resets), retryAfter: Math.max(...exhausted) };
    }
    counter.day++;
    counter.hour++;
    counter.minute++;
    return { allowed: true, headers: this.headers(counter, resets) };
  }

  /** The headers for a call that is answered without being counted (auth failures, injected 429s). */
  peek(key: string, exhaustMinute = false): Record<string, string> {
    const now = this.nowMs() / 1000;
    const counter = { ...this.roll(key, now) };
    if (exhaustMinute) counter.minute = this.limits.minute;
    return this.headers(counter, this.resets(now));
  }

  reset(): void {
    this.counters.clear();
  }

  private roll(key: string, now: number): Counter {
    const minuteWindow = Math.floor(now / 60);
    const hourWindow = Math.floor(now / 3600);
    const dayWindow = Math.floor((now + DAY_OFFSET) / 86_400);
    let c = this.counters.get(key);
    if (!c) {
      c = { minuteWindow, hourWindow, dayWindow, minute: 0, hour: 0, day: 0 };
      this.counters.set(key, c);
    }
    if (c.minuteWindow !== minuteWindow) [c.minuteWindow, c.minute] = [minuteWindow, 0];
    if (c.hourWindow !== hourWindow) [c.hourWindow, c.hour] = [hourWindow, 0];
    if (c.dayWindow !== dayWindow) [c.dayWindow, c.day] = [dayWindow, 0];
    return c;
  }

  private resets(now: number): RateLimits {
    const whole = Math.floor(now);
    return {
      minute: 60 - (whole % 60),
      hour: 3600 - (whole % 3600),
      day: 86_400 - ((((whole + DAY_OFFSET) % 86_400) + 86_400) % 86_400),
    };
  }

  private headers(c: Counter, resets: RateLimits): Record<string, string> {
    const { day, hour, minute } = this.limits;
    const left = (limit: number, used: number) => Math.max(0, limit - used);
    return {
      'X-RateLimit-Limit': `${day}/DAY;${hour}/HOUR;${minute}/MINUTE`,
      'X-RateLimit-Remaining': `${left(day, c.day)}/DAY;${left(hour, c.hour)}/HOUR;${left(minute, c.minute)}/MINUTE`,
      'X-RateLimit-Reset': `${resets.day};${resets.hour};${resets.minute}`,
    };
  }
}
