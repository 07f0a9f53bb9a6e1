import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceOfUrl } from '../../src/jobs/entrata-meter.ts';
import { statusReport } from '../../src/jobs/status.ts';
import { createJobBench, localTime, type JobBench } from './support.ts';

const TZ = 'America/Chicago';
const MIN = 60_000;
// A small Entrata account: Pebbles allows itself 80% of each window (8/min, 48/h, 800/day per service).
const LIMITS = { minute: 10, hour: 60, day: 1000 };
const ALLOWED = { minute: 8, hour: 48, day: 800 };
const HOURS = 4;

describe('rate-limit budget (a simulator advertising small limits)', () => {
  let bench: JobBench;
  const calls: Array<{ t: number; service: string; status: number }> = [];

  beforeAll(async () => {
    const start = localTime('2026-03-06 08:00', TZ);
    let clockNow = () => start.getTime();
    bench = await createJobBench({
      start,
      timeZone: TZ,
      properties: 12,
      units: 3,
      rateLimits: LIMITS,
      // Twelve properties every 10 minutes would need about 1,700 calls a day per service.
      property: { syncIntervalMinutes: 10 },
      entrataFetch: async (input, init) => {
        const res = await fetch(input, init);
        calls.push({ t: clockNow(), service: serviceOfUrl(String(input)), status: res.status });
        return res;
      },
    });
    clockNow = () => bench.clock.now().getTime();
    // Four hours, one tick a minute, every enqueued job run at once.
    for (let m = 0; m < HOURS * 60; m++) {
      bench.clock.set(new Date(start.getTime() + m * MIN + 5_000));
      await bench.step();
    }
    // One more tick: the intervals as planned from the costs the last syncs measured.
    bench.clock.advance(MIN);
    await bench.tick();
  }, 120_000);
  afterAll(async () => bench?.close());

  it('never gets a 429 and stays within its share of every minute and hour window', () => {
    expect(calls.length).toBeGreaterThan(50);
    expect(calls.filter((c) => c.status === 429)).toEqual([]);
    const peak = (size: number) => {
      const counts = new Map<string, number>();
      for (const c of calls) {
        const k = `${c.service}|${Math.floor(c.t / size)}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      return Math.max(...counts.values());
    };
    expect(peak(MIN)).toBeLessThanOrEqual(ALLOWED.minute);
    expect(peak(60 * MIN)).toBeLessThanOrEqual(ALLOWED.hour);
  });

  it('stretches the intervals so a day stays within the day budget, and says so on each property', async () => {
    const props = await bench.db
      .selectFrom('property')
      .select(['id', 'sync_interval_minutes', 'effective_interval_minutes', 'budget_note', 'entrata_calls'])
      .execute();
    for (const p of props) {
      expect(p.effective_interval_minutes).toBeGreaterThan(p.sync_interval_minutes);
      expect(p.budget_note).toMatch(/stretched by the Entrata budget: every \d+ min instead of 10/);
    }
    // At the stretched intervals, a whole day's calls fit the day's allowance less the sync-now reserve.
    const services = new Set(props.flatMap((p) => Object.keys(p.entrata_calls)));
    for (const s of services) {
      const perDay = props.reduce((sum, p) => sum + ((p.entrata_calls[s] ?? 0) * 1440) / p.effective_interval_minutes!, 0);
      // (Exactly the allowance is allowed; the sum above may exceed it by a rounding error, 720.0000000000001.)
      expect(perDay).toBeLessThanOrEqual(ALLOWED.day * 0.9 * (1 + 1e-9));
    }
    // And the calls actually made over the hours match that pace (plus the first, unstretched syncs).
    const perService = new Map<string, number>();
    for (const c of calls) perService.set(c.service, (perService.get(c.service) ?? 0) + 1);
    for (const n of perService.values()) expect(n).toBeLessThanOrEqual((ALLOWED.day * HOURS) / 24 + 2 * ALLOWED.hour);
  });

  it('keeps syncing every property, fairly, and none fails', async () => {
    const runs = await bench.db.selectFrom('sync_run').select(['property_id', 'status', 'started_at']).orderBy('started_at').execute();
    expect(runs.filter((r) => r.status === 'failed')).toEqual([]);
    const byProperty = new Map<number, number[]>();
    for (const r of runs) byProperty.set(r.property_id, [...(byProperty.get(r.property_id) ?? []), r.started_at.getTime()]);
    expect(byProperty.size).toBe(12);
    const counts = [...byProperty.values()].map((ts) => ts.length);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(3);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(2);
  });

  it('shows the budget per account in the status', async () => {
    const s = await statusReport(bench.db, { now: bench.clock.now(), rateLimitShare: 0.8, budgetReserve: 0.1 });
    const a = s.accounts[0]!;
    expect(a.stretchedToMinutes).toBeGreaterThan(10);
    expect(a.rateLimits.find((w) => w.service === 'leases' && w.window === 'DAY')).toMatchObject({ limit: 1000, allowed: 800 });
    expect(a.callsPerDay.leases!.needed).toBeGreaterThan(a.callsPerDay.leases!.allowed!);
  });
});
