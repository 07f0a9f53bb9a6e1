import { UserError } from '../errors/user-error.ts';

/**
 * A token bucket per key, in this process's memory: `perMinute` requests at once, then one more each
 * 60/perMinute seconds. Several web processes each allow as much; the queue's coalescing (one job per
 * property) bounds what they can make Entrata do together.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly what: string,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.perMs = perMinute / 60_000;
  }

  /** Takes one request of `key`'s allowance, or throws 429 with when to try again. */
  take(key: string): void {
    const now = this.nowMs();
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    b.tokens = Math.min(this.perMinute, b.tokens + (now - b.at) * this.perMs);
    b.at = now;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - b.tokens) / this.perMs / 1000));
      throw new UserError(`too many ${this.what} (at most ${this.perMinute} a minute): try again in ${retryAfterSeconds} s`, {
        code: 'rate-limited',
        category: 'too-many',
        retryAfterSeconds,
      });
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    this.forgetFull(now);
  }

  // Buckets that have refilled are the same as none: dropped, so the map does not grow with every caller ever seen.
  private forgetFull(now: number): void {
    if (this.buckets.size < 1000) return;
    for (const [k, b] of this.buckets) if (b.tokens + (now - b.at) * this.perMs >= this.perMinute) this.buckets.delete(k);
  }
}
