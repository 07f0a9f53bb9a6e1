import { describe, expect, it } from 'vitest';
import {
  allowances,
  capacityPerMinute,
  dueAt,
  failureBackoffMinutes,
  MAX_STRETCH_MINUTES,
  pickDue,
  planIntervals,
  serviceWindows,
} from '../../src/jobs/budget.ts';

const T0 = Date.parse('2026-03-06T16:00:00Z');
const reading = (windows: Array<[string, number, number, number]>) => ({
  service: 'leases',
  observedAt: T0,
  windows: windows.map(([name, limit, remaining, resetSeconds]) => ({ name, limit, remaining, resetSeconds })),
});

describe('Entrata budget: windows', () => {
  it('reads what is used and allowed per window, and forgets a window once it has reset', () => {
    const w = serviceWindows(
      reading([
        ['DAY', 15000, 14000, 36000],
        ['HOUR', 1000, 990, 600],
        ['MINUTE', 150, 149, 20],
      ]),
      T0 + 30_000,
      0.8,
      0.1,
    );
    expect(w.map((x) => [x.name, x.allowed, x.reserve, x.used])).toEqual([
      ['DAY', 12000, 1200, 1000],
      ['HOUR', 800, 80, 10],
      ['MINUTE', 120, 12, 0],
    ]);
    // Long-run capacity for scheduled syncs: the tightest of the windows, per minute, after the reserve.
    expect(capacityPerMinute(w)).toBeCloseTo((12000 - 1200) / 1440, 6);
  });

  it('has no capacity limit without windows (Entrata sent no rate-limit headers)', () => {
    expect(capacityPerMinute([])).toBeNull();
  });
});

describe('Entrata budget: stretching intervals fairly', () => {
  it('leaves intervals alone when the budget carries them', () => {
    const plan = planIntervals([{ id: 1, intervalMinutes: 30, cost: { leases: 2 } }], { leases: 1 });
    expect(plan.floorMinutes).toBeNull();
    expect(plan.effective.get(1)).toBe(30);
  });

  it('raises every interval to the same floor when all are alike', () => {
    const props = [1, 2, 3, 4].map((id) => ({ id, intervalMinutes: 30, cost: { leases: 2 } }));
    const plan = planIntervals(props, { leases: 0.2 });
    // 4 × 2 calls / T ≤ 0.2 calls a minute → T = 40 min.
    expect(plan.floorMinutes).toBe(40);
    expect([...plan.effective.values()]).toEqual([40, 40, 40, 40]);
    expect(plan.demandPerDay.leases).toBe(Math.round((8 / 30) * 1440));
    expect(plan.capacityPerDay.leases).toBe(288);
    expect(plan.bindingService).toBe('leases');
  });

  it('stretches the most frequent first (water-filling) and leaves long intervals alone', () => {
    const props = [
      { id: 1, intervalMinutes: 10, cost: { leases: 1 } },
      { id: 2, intervalMinutes: 30, cost: { leases: 1 } },
      { id: 3, intervalMinutes: 120, cost: { leases: 1 } },
    ];
    const plan = planIntervals(props, { leases: 0.1 });
    // 1/T + 1/30 + 1/120 ≤ 0.1 → T ≥ 17.14 → 18.
    expect(plan.floorMinutes).toBe(18);
    expect(plan.effective).toEqual(
      new Map([
        [1, 18],
        [2, 30],
        [3, 120],
      ]),
    );
  });

  it('takes the tightest service, and caps at a week when the budget is gone', () => {
    const props = [{ id: 1, intervalMinutes: 30, cost: { leases: 1, propertyunits: 1 } }];
    expect(planIntervals(props, { leases: 1, propertyunits: 1 / 60 }).effective.get(1)).toBe(60);
    expect(planIntervals(props, { leases: 0 }).effective.get(1)).toBe(MAX_STRETCH_MINUTES);
  });
});

describe('Entrata budget: pacing each tick', () => {
  const windows = serviceWindows(
    reading([
      ['MINUTE', 10, 7, 30],
      ['HOUR', 100, 97, 1800],
    ]),
    T0,
    0.8,
    0.1,
  );

  it('dispatches the most overdue syncs that fit what is left, and stops at the first that does not', () => {
    // Minute: allowed 8, reserve 1, used 3 → 4 left.
    const allow = allowances(windows, {});
    expect(allow.leases!.now).toBe(4);
    const due = [
      { id: 7, dueAt: T0 - 1000, cost: { leases: 2 } },
      { id: 5, dueAt: T0 - 9000, cost: { leases: 2 } },
      { id: 6, dueAt: T0 - 5000, cost: { leases: 2 } },
    ];
    expect(pickDue(due, allow, false)).toEqual({ picked: [5, 6], blocked: [7] });
  });

  it('counts the calls of syncs already queued or running', () => {
    expect(allowances(windows, { leases: 3 }).leases!.now).toBe(1);
  });

  it("lets one sync bigger than a minute's budget start alone when the longer windows allow it", () => {
    const big = [{ id: 1, dueAt: T0, cost: { leases: 12 } }];
    expect(pickDue(big, allowances(windows, {}), true).picked).toEqual([1]);
    expect(pickDue(big, allowances(windows, {}), false).picked).toEqual([]);
  });
});

describe('schedule', () => {
  it('is due at next_sync_at, later by the stretch', () => {
    const next = new Date(T0);
    expect(dueAt({ nextSyncAt: next, intervalMinutes: 30, effectiveIntervalMinutes: null, afterSuccess: true })).toBe(T0);
    expect(dueAt({ nextSyncAt: next, intervalMinutes: 30, effectiveIntervalMinutes: 45, afterSuccess: true })).toBe(T0 + 15 * 60_000);
    // A first sync, or a retry after a failure, is not put off by the stretch.
    expect(dueAt({ nextSyncAt: next, intervalMinutes: 30, effectiveIntervalMinutes: 45, afterSuccess: false })).toBe(T0);
    expect(dueAt({ nextSyncAt: null, intervalMinutes: 30, effectiveIntervalMinutes: null, afterSuccess: false })).toBe(-Infinity);
  });

  it('backs a failing property off: 1, 2, 4 … minutes, then at most 4 × its interval', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => failureBackoffMinutes(n, 30))).toEqual([1, 2, 4, 8, 16, 32, 64, 120, 120]);
    expect(failureBackoffMinutes(1, 30, 5 * 60_000)).toBe(5);
  });
});
