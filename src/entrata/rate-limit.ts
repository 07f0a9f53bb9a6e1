// Entrata's per-service rate limits (docs/entrata.md §4.1): read from every answer's X-RateLimit-*
// headers, and kept under a share (default 80%) of every window by waiting for its reset.

export interface RateWindow {
  /** DAY, HOUR, MINUTE, … as Entrata names it (w1, w2, … when unnamed). */
  name: string;
  limit: number;
  /** Calls left in the window when the reading was taken. */
  remaining: number;
  /** Seconds until the window resets, as read. */
  resetSeconds: number;
}

export interface RateLimitReading {
  service: string;
  /** When the headers were read (epoch ms of the injected clock). */
  observedAt: number;
  windows: Array<
    RateWindow & {
      /** Epoch ms when the window resets. */
      resetAt: number;
      /** Calls used in the window, counting the calls sent since the reading. */
      used: number;
      /** The most calls we allow ourselves in this window: floor(share × limit). */
      allowed: number;
    }
  >;
}

interface HeaderSource {
  get(name: string): string | null;
}

function entries(value: string | null): Array<{ n: number; label: string | null }> {
  if (!value) return [];
  return value
    .split(/[;,]/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const m = /^(\d+(?:\.\d+)?)\s*(?:\/\s*([A-Za-z]+))?$/.exec(part);
      return m ? { n: Number(m[1]), label: m[2]?.toUpperCase() ?? null } : { n: NaN, label: null };
    });
}

/**
 * `X-RateLimit-Limit: 15000/DAY;1000/HOUR;150/MINUTE`, `X-RateLimit-Remaining: 14996/DAY;…`,
 * `X-RateLimit-Reset: 36686;686;26` (seconds, same order as the limits). Remaining values are
 * matched by name when named, else by position. Null when there is no usable Limit header.
 */
export function parseRateLimitHeaders(headers: HeaderSource): RateWindow[] | null {
  const limits = entries(headers.get('x-ratelimit-limit'));
  if (limits.length === 0 || limits.some((l) => !Number.isFinite(l.n))) return null;
  const remaining = entries(headers.get('x-ratelimit-remaining'));
  const resets = entries(headers.get('x-ratelimit-reset'));
  const windows: RateWindow[] = [];
  limits.forEach((l, i) => {
    const name = l.label ?? `w${i + 1}`;
    const rem = (l.label && remaining.find((r) => r.label === l.label)) || remaining[i];
    const reset = (l.label && resets.find((r) => r.label === l.label)) || resets[i];
    windows.push({
      name,
      limit: l.n,
      remaining: rem && Number.isFinite(rem.n) ? rem.n : l.n,
      resetSeconds: reset && Number.isFinite(reset.n) ? reset.n : 0,
    });
  });
  return windows;
}

/** Retry-After as seconds or an HTTP date → ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  const t = value.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const when = Date.parse(t);
  return Number.isNaN(when) ? null : Math.max(0, when - now);
}

interface Entry {
  windows: RateWindow[];
  observedAt: number;
  /** Sequence number of the call whose answer gave the reading. */
  readingSeq: number;
  /** Calls sent after that call. */
  sentSince: number;
}

/**
 * Budget per key (account + service). Can be shared by several clients of the same account by
 * passing one instance to each.
 */
export class RateBudget {
  private readonly entries = new Map<string, Entry>();
  private seq = 0;

  constructor(
    private readonly share: number,
    private readonly now: () => number,
  ) {
    if (!(share > 0 && share <= 1)) throw new RangeError(`rate-limit share must be in (0, 1], got ${share}`);
  }

  /** Ms to wait before one more call keeps every window within the share; 0 when it fits now. */
  waitMs(key: string): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    const now = this.now();
    let wait = 0;
    for (const w of e.windows) {
      const resetAt = e.observedAt + w.resetSeconds * 1000;
      if (now >= resetAt) continue; // the window has started again since the reading
      const used = w.limit - w.remaining + e.sentSince;
      if (used + 1 > Math.floor(this.share * w.limit)) wait = Math.max(wait, resetAt - now);
    }
    return wait;
  }

  /** Records a call about to be sent; returns its sequence number for `noteAnswer`. */
  noteSent(key: string): number {
    const e = this.entries.get(key);
    if (e) e.sentSince++;
    return ++this.seq;
  }

  /** Records the headers of the answer to call `seq` (older answers than the reading are ignored). */
  noteAnswer(key: string, seq: number, windows: RateWindow[] | null): void {
    if (!windows) return;
    const e = this.entries.get(key);
    if (e && e.readingSeq > seq) return;
    this.entries.set(key, { windows, observedAt: this.now(), readingSeq: seq, sentSince: Math.max(0, this.seq - seq) });
  }

  /** The latest readings for keys starting with `prefix`, service name taken from after the prefix. */
  readings(prefix: string): RateLimitReading[] {
    const out: RateLimitReading[] = [];
    for (const [key, e] of this.entries) {
      if (!key.startsWith(prefix)) continue;
      out.push({
        service: key.slice(prefix.length),
        observedAt: e.observedAt,
        windows: e.windows.map((w) => ({
          ...w,
          resetAt: e.observedAt + w.resetSeconds * 1000,
          used: w.limit - w.remaining + e.sentSince,
          allowed: Math.floor(this.share * w.limit),
        })),
      });
    }
    return out.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
  }
}
