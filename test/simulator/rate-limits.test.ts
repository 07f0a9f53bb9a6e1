import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { RateLimiter } from '../../src/simulator/rate-limit.ts';
import { call } from './helpers.ts';

const status = (sim: RunningSimulator, subdomain = 'acme') => call(sim, { service: 'status', method: 'getStatus', subdomain });

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

describe('rate limits', () => {
  it('sends the real header format with the default 15000/1000/150 limits', async () => {
    sim = await startSimulator({ properties: 1, units: 5, today: '2026-11-27' });
    const res = await status(sim);
    expect(res.headers.get('x-ratelimit-limit')).toBe('15000/DAY;1000/HOUR;150/MINUTE');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('14999/DAY;999/HOUR;149/MINUTE');
    expect(res.headers.get('x-ratelimit-reset')).toMatch(/^\d+;\d+;\d+$/);
    // Refused calls carry the headers too, without using the budget.
    const refused = await call(sim, { service: 'status', method: 'getStatus', apiKey: 'wrong' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('14999/DAY;999/HOUR;149/MINUTE');
  });

  it('counts down per subdomain and service, then answers 429 with Retry-After', async () => {
    sim = await startSimulator({ properties: 1, units: 5, today: '2026-11-27', rateLimits: { day: 100, hour: 50, minute: 3 } });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) remaining.push((await status(sim)).headers.get('x-ratelimit-remaining')!);
    expect(remaining).toEqual(['99/DAY;49/HOUR;2/MINUTE', '98/DAY;48/HOUR;1/MINUTE', '97/DAY;47/HOUR;0/MINUTE']);
    const refused = await status(sim);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('97/DAY;47/HOUR;0/MINUTE');
    expect(refused.json.response.error.code).toBe(429);
    // Another service and another subdomain have their own budgets.
    expect((await call(sim, { service: 'properties', method: 'getProperties' })).status).toBe(200);
    expect((await status(sim, 'other')).status).toBe(200);
    sim.control.resetRateLimits();
    expect((await status(sim)).status).toBe(200);
  });

  it('resets each window on the clock', () => {
    let now = Date.UTC(2026, 10, 27, 12, 0, 30);
    const limiter = new RateLimiter({ day: 10, hour: 5, minute: 2 }, () => now);
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k').allowed).toBe(true);
    const refused = limiter.take('k');
    expect(refused).toMatchObject({ allowed: false, retryAfter: 30 });
    expect(refused.headers['X-RateLimit-Reset']).toBe('68370;3570;30');
    now += 30_000;
    expect(limiter.take('k').headers['X-RateLimit-Remaining']).toBe('7/DAY;2/HOUR;1/MINUTE');
  });

  it('sends no headers and never refuses with rateLimits: false', async () => {
    sim = await startSimulator({ properties: 1, units: 5, today: '2026-11-27', rateLimits: false });
    for (let i = 0; i < 5; i++) {
      const res = await status(sim);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBeNull();
    }
  });
});
