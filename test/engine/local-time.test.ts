// Local days across daylight-saving changes (W2, W3, W8).
import { describe, expect, it } from 'vitest';
import { addDays, formatLocal, localDateOf, startOfLocalDay } from '../../src/engine/local-time.ts';
import { plan } from '../../src/engine/plan.ts';
import { CHICAGO, day, input, lease, ofKind, property, sync } from './builders.ts';

const utc = (s: string) => Date.parse(s);

describe('local days', () => {
  it('W2: a move-in on the spring-forward day in America/Chicago opens at local midnight (06:00 UTC, still CST)', () => {
    const w = { properties: [property('P1', { leases: [lease('L1', { status: 'future', moveIn: '2025-03-09' })] })] };
    const pre = sync(w, utc('2025-03-01T00:00:00Z'));
    expect(ofKind(pre.plan, 'register')[0]?.accessStart).toBe(utc('2025-03-09T06:00:00Z'));
    expect(plan(input({ ...w, registry: pre.registry }, utc('2025-03-09T05:59:59Z'))).actions).toEqual([]);
    expect(ofKind(plan(input({ ...w, registry: pre.registry }, utc('2025-03-09T06:00:00Z'))), 'activate')).toHaveLength(1);
  });

  it('W2: a move-in on the fall-back day in America/Chicago opens at local midnight (05:00 UTC, still CDT)', () => {
    const p = plan(input({ properties: [property('P1', { leases: [lease('L1', { status: 'future', moveIn: '2025-11-02' })] })] }, utc('2025-10-01T00:00:00Z')));
    expect(ofKind(p, 'register')[0]?.accessStart).toBe(utc('2025-11-02T05:00:00Z'));
  });

  it('W3: a move-out day that is 23 or 25 hours long ends at the next local midnight', () => {
    const props = (moveOut: string) => [property('P1', { leases: [lease('L1', { moveIn: '2025-01-10', moveOut })] })];
    expect(ofKind(plan(input({ properties: props('2025-03-09') }, utc('2025-03-01T00:00:00Z'))), 'register')[0]?.accessEnd).toBe(utc('2025-03-10T05:00:00Z'));
    expect(ofKind(plan(input({ properties: props('2025-11-02') }, utc('2025-10-01T00:00:00Z'))), 'register')[0]?.accessEnd).toBe(utc('2025-11-03T06:00:00Z'));
  });

  it('W8: where a DST jump skips midnight the day starts at the first instant that exists (America/Santiago)', () => {
    expect(startOfLocalDay(day('2025-09-07'), 'America/Santiago')).toBe(utc('2025-09-07T04:00:00Z'));
    expect(formatLocal(startOfLocalDay(day('2025-09-07'), 'America/Santiago'), 'America/Santiago')).toBe('2025-09-07 01:00');
    // Fall back at midnight: the day starts at its first midnight.
    expect(startOfLocalDay(day('2025-04-06'), 'America/Santiago')).toBe(utc('2025-04-06T04:00:00Z'));
    expect(startOfLocalDay(day('2025-01-01'), 'Asia/Kolkata')).toBe(utc('2024-12-31T18:30:00Z'));
  });

  it('W8: calendar arithmetic and local dates', () => {
    expect(addDays(day('2024-02-28'), 1)).toBe('2024-02-29');
    expect(addDays(day('2025-01-01'), -1)).toBe('2024-12-31');
    expect(localDateOf(utc('2025-08-15T04:59:59Z'), CHICAGO)).toBe('2025-08-14');
    expect(localDateOf(utc('2025-08-15T05:00:00Z'), CHICAGO)).toBe('2025-08-15');
    expect(() => startOfLocalDay(day('2025-13-01x'), CHICAGO)).toThrow(RangeError);
  });
});
