// Rate limits: reading X-RateLimit-* and keeping each service under its share of every window.
import { afterEach, describe, expect, it } from 'vitest';
import { parseRateLimitHeaders, RateBudget } from '../../src/entrata/index.ts';
import { startFakeEntrata, type FakeEntrata } from './support/http-server.ts';
import { fixture, leasesAnswer, pickListAnswer, testClient } from './support/helpers.ts';

let server: FakeEntrata | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const headers = (h: Record<string, string>) => new Headers(h);

describe('reading the rate-limit headers', () => {
  it('parses the real §7.8 header block into day, hour and minute windows', () => {
    expect(
      parseRateLimitHeaders(
        headers({
          'X-RateLimit-Limit': '15000/DAY;1000/HOUR;150/MINUTE',
          'X-RateLimit-Remaining': '14996/DAY;999/HOUR;149/MINUTE',
          'X-RateLimit-Reset': '36686;686;26',
        }),
      ),
    ).toEqual([
      { name: 'DAY', limit: 15000, remaining: 14996, resetSeconds: 36686 },
      { name: 'HOUR', limit: 1000, remaining: 999, resetSeconds: 686 },
      { name: 'MINUTE', limit: 150, remaining: 149, resetSeconds: 26 },
    ]);
  });

  it('matches remaining values by name when their order differs, and by position when unnamed', () => {
    expect(
      parseRateLimitHeaders(headers({ 'X-RateLimit-Limit': '100/DAY;10/MINUTE', 'X-RateLimit-Remaining': '9/MINUTE;90/DAY', 'X-RateLimit-Reset': '500;20' })),
    ).toEqual([
      { name: 'DAY', limit: 100, remaining: 90, resetSeconds: 500 },
      { name: 'MINUTE', limit: 10, remaining: 9, resetSeconds: 20 },
    ]);
    expect(parseRateLimitHeaders(headers({ 'X-RateLimit-Limit': '60', 'X-RateLimit-Remaining': '59', 'X-RateLimit-Reset': '30' }))).toEqual([
      { name: 'w1', limit: 60, remaining: 59, resetSeconds: 30 },
    ]);
  });

  it('no or garbled Limit header: no reading', () => {
    expect(parseRateLimitHeaders(headers({}))).toBeNull();
    expect(parseRateLimitHeaders(headers({ 'X-RateLimit-Limit': 'lots' }))).toBeNull();
  });
});

/** A server enforcing `limit` calls per 60 s of the test's clock, reporting it in the headers. */
async function limitedServer(clock: { t: number }, limit: number) {
  let windowStart = clock.t;
  let used = 0;
  let peak = 0;
  let refused = 0;
  const s = await startFakeEntrata((r) => {
    if (clock.t >= windowStart + 60_000) {
      windowStart = clock.t;
      used = 0;
    }
    used++;
    peak = Math.max(peak, used);
    const h = {
      'X-RateLimit-Limit': `${limit}/MINUTE`,
      'X-RateLimit-Remaining': `${Math.max(0, limit - used)}/MINUTE`,
      'X-RateLimit-Reset': String(Math.ceil((windowStart + 60_000 - clock.t) / 1000)),
    };
    if (used > limit) {
      refused++;
      return { status: 429, headers: h, body: '' };
    }
    return r.rpc === 'getStatus' ? { headers: h, json: fixture('getStatus-r1.response.json') } : { headers: h, json: pickListAnswer() };
  });
  return { s, stats: () => ({ peak, refused }) };
}

describe('keeping under 80% of every window', () => {
  it('waits for the window to reset instead of using more than 80% of it', async () => {
    const { clock } = testClient('http://placeholder');
    const { s, stats } = await limitedServer(clock, 10);
    server = s;
    const c = testClient(s.url, {}, { now: clock.now, sleep: clock.sleep }).client;
    const start = clock.t;
    for (let i = 0; i < 20; i++) await c.getStatus();
    // 80% of 10 is 8 calls per window: 20 calls need three windows, so two waits.
    expect(stats().peak).toBe(8);
    expect(stats().refused).toBe(0);
    expect(clock.sleeps).toHaveLength(2);
    expect(clock.t - start).toBeGreaterThanOrEqual(120_000);
    expect(s.requests).toHaveLength(20);
  });

  it('the share is configurable per account', async () => {
    const { clock } = testClient('http://placeholder');
    const { s, stats } = await limitedServer(clock, 10);
    server = s;
    const { client } = testClient(s.url, { rateLimitShare: 0.5 }, { now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 6; i++) await client.getStatus();
    expect(stats().peak).toBe(5);
    expect(clock.sleeps).toHaveLength(1);
  });

  it('each service has its own budget: a spent status budget does not hold back leases', async () => {
    const { clock } = testClient('http://placeholder');
    const { s } = await limitedServer(clock, 10);
    server = s;
    const { client } = testClient(s.url, {}, { now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 8; i++) await client.getStatus();
    await client.getLeasePickList();
    expect(clock.sleeps).toEqual([]);
  });

  it('a window that would need a longer wait than allowed (the day) fails as rate-limited without calling', async () => {
    let calls = 0;
    server = await startFakeEntrata(() => {
      calls++;
      return {
        headers: { 'X-RateLimit-Limit': '100/DAY;150/MINUTE', 'X-RateLimit-Remaining': '20/DAY;149/MINUTE', 'X-RateLimit-Reset': '36686;26' },
        json: fixture('getStatus-r1.response.json'),
      };
    });
    const { client, clock } = testClient(server.url, { maxRateLimitWaitMs: 3_600_000 });
    await client.getStatus(); // 80 of 100 used: one more would pass 80%
    await expect(client.getStatus()).rejects.toMatchObject({ kind: 'rate-limited', retryAfterMs: 36_686_000 });
    expect(calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });
});

describe('rateLimitState', () => {
  it('exposes the latest reading per service, with reset instants, used and allowed calls', async () => {
    server = await startFakeEntrata((r) => ({
      headers: {
        'X-RateLimit-Limit': '15000/DAY;1000/HOUR;150/MINUTE',
        'X-RateLimit-Remaining': r.rpc === 'getStatus' ? '14996/DAY;999/HOUR;149/MINUTE' : '14000/DAY;900/HOUR;100/MINUTE',
        'X-RateLimit-Reset': '36686;686;26',
      },
      json: r.rpc === 'getStatus' ? fixture('getStatus-r1.response.json') : r.rpc === 'getLeasePickList' ? pickListAnswer() : leasesAnswer([]),
    }));
    const { client, clock } = testClient(server.url);
    expect(client.rateLimitState()).toEqual([]);
    await client.getStatus();
    await client.getLeases('100123');
    const state = client.rateLimitState();
    expect(state.map((s) => s.service)).toEqual(['leases', 'status']);
    expect(state[1]).toEqual({
      service: 'status',
      observedAt: clock.t,
      windows: [
        { name: 'DAY', limit: 15000, remaining: 14996, resetSeconds: 36686, resetAt: clock.t + 36_686_000, used: 4, allowed: 12000 },
        { name: 'HOUR', limit: 1000, remaining: 999, resetSeconds: 686, resetAt: clock.t + 686_000, used: 1, allowed: 800 },
        { name: 'MINUTE', limit: 150, remaining: 149, resetSeconds: 26, resetAt: clock.t + 26_000, used: 1, allowed: 120 },
      ],
    });
    expect(state[0]!.windows[2]).toMatchObject({ remaining: 100, used: 50 });
  });

  it('a budget shared by two clients of the same account counts the calls of both', async () => {
    const { clock } = testClient('http://placeholder');
    const { s, stats } = await limitedServer(clock, 10);
    server = s;
    const budget = new RateBudget(0.8, clock.now);
    const a = testClient(s.url, {}, { now: clock.now, sleep: clock.sleep, rateBudget: budget }).client;
    const b = testClient(s.url, {}, { now: clock.now, sleep: clock.sleep, rateBudget: budget }).client;
    for (let i = 0; i < 5; i++) {
      await a.getStatus();
      await b.getStatus();
    }
    expect(stats().peak).toBe(8);
    expect(clock.sleeps).toHaveLength(1);
    expect(a.rateLimitState()).toEqual(b.rateLimitState());
  });

  it('the budget waits exactly until the reset of the full window', () => {
    let t = 0;
    const budget = new RateBudget(0.8, () => t);
    const seq = budget.noteSent('k|leases');
    budget.noteAnswer('k|leases', seq, [{ name: 'MINUTE', limit: 10, remaining: 2, resetSeconds: 30 }]);
    expect(budget.waitMs('k|leases')).toBe(30_000);
    t = 10_000;
    expect(budget.waitMs('k|leases')).toBe(20_000);
    t = 30_000;
    expect(budget.waitMs('k|leases')).toBe(0);
    expect(budget.waitMs('k|status')).toBe(0);
  });
});
