import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dayOf, isoOf, mountainEpoch, mountainTimestamp, parseIso, parseUs, usOf } from '../../src/simulator/dates.ts';
import { createRng } from '../../src/simulator/prng.ts';
import { customerStatus, intervalStatus, isMonthToMonth, leaseStatus } from '../../src/simulator/status.ts';
import type { SimLease, SimLeaseCustomer } from '../../src/simulator/model.ts';

function lease(fields: Partial<SimLease> = {}): SimLease {
  const moveIn = fields.moveIn ?? dayOf(2026, 8, 15);
  return {
    id: '1',
    propertyId: '100001',
    unitId: '1',
    spaceIds: ['1'],
    occupancy: 'Student',
    spaceConfiguration: 'Private',
    stage: 'signed',
    forcedPast: false,
    moveIn,
    moveOut: null,
    noticeDate: null,
    moveOutReason: null,
    subStatus: null,
    parentLeaseId: null,
    transferLeaseId: null,
    transferPropertyId: null,
    transferDate: null,
    intervals: [
      {
        id: '9',
        type: 'Application',
        start: moveIn,
        end: dayOf(2027, 7, 31),
        applicationId: '8',
        leaseTerm: '2026/2027',
        createdAt: 0,
        createdMicros: 0,
        approvedAt: 0,
      },
    ],
    customers: [],
    rent: 800,
    dropped: false,
    ...fields,
  };
}

const ORDER = ['Future', 'Current', 'Notice', 'Past'];

describe('lease status derived from dates', () => {
  it('is Future before move-in, Current from move-in, Notice once a move-out is set, Past after it', () => {
    const l = lease({ moveIn: dayOf(2026, 8, 15) });
    expect(leaseStatus(l, dayOf(2026, 8, 14))).toBe('Future');
    expect(leaseStatus(l, dayOf(2026, 8, 15))).toBe('Current');
    l.moveOut = dayOf(2027, 7, 31);
    expect(leaseStatus(l, dayOf(2027, 7, 31))).toBe('Notice');
    expect(leaseStatus(l, dayOf(2027, 8, 1))).toBe('Past');
  });

  it('keeps scripted states whatever the date', () => {
    expect(leaseStatus(lease({ stage: 'cancelled' }), dayOf(2027, 1, 1))).toBe('Cancelled');
    expect(leaseStatus(lease({ stage: 'applicant' }), dayOf(2030, 1, 1))).toBe('Applicant');
    expect(leaseStatus(lease({ forcedPast: true }), dayOf(2026, 9, 1))).toBe('Past');
  });

  it('never moves backwards as time advances (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 800 }),
        fc.option(fc.integer({ min: 0, max: 800 })),
        fc.integer({ min: 0, max: 900 }),
        fc.integer({ min: 1, max: 300 }),
        (moveIn, moveOut, t, step) => {
          const base = dayOf(2025, 1, 1);
          const l = lease({ moveIn: base + moveIn, moveOut: moveOut === null ? null : base + Math.max(moveIn, moveOut) });
          const before = ORDER.indexOf(leaseStatus(l, base + t));
          const after = ORDER.indexOf(leaseStatus(l, base + t + step));
          expect(after).toBeGreaterThanOrEqual(before);
        },
      ),
    );
  });

  it('gives a customer their own status from their own dates (rule W6)', () => {
    const l = lease({ moveIn: dayOf(2026, 8, 15) });
    const roommate: SimLeaseCustomer = {
      customerId: '2',
      type: 'Co-Applicant',
      relationship: 'Roommate',
      moveIn: null,
      moveOut: dayOf(2026, 11, 1),
      cancelled: false,
    };
    expect(customerStatus(l, roommate, dayOf(2026, 10, 1))).toBe('Notice');
    expect(customerStatus(l, roommate, dayOf(2026, 11, 2))).toBe('Past');
    expect(leaseStatus(l, dayOf(2026, 11, 2))).toBe('Current');
    expect(customerStatus(l, { ...roommate, moveOut: null, cancelled: true }, dayOf(2026, 10, 1))).toBe('Cancelled');
  });

  it('reports a renewal as a Future interval until it starts, and a holdover as month to month', () => {
    const l = lease();
    l.intervals.push({ ...l.intervals[0]!, id: '10', type: 'Renewal', start: dayOf(2027, 8, 1), end: dayOf(2028, 7, 31) });
    expect(intervalStatus(l, l.intervals[1]!, dayOf(2027, 1, 1))).toBe('Future');
    expect(intervalStatus(l, l.intervals[0]!, dayOf(2027, 9, 1))).toBe('Past');
    expect(intervalStatus(l, l.intervals[1]!, dayOf(2027, 9, 1))).toBe('Current');
    const holdover = lease();
    expect(isMonthToMonth(holdover, dayOf(2027, 8, 5))).toBe(true);
    expect(isMonthToMonth(holdover, dayOf(2027, 7, 5))).toBe(false);
  });
});

describe('dates and timestamps', () => {
  it('round-trips ISO and US dates and rejects impossible ones', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40_000 }), (day) => {
        expect(parseIso(isoOf(day))).toBe(day);
        expect(parseUs(usOf(day))).toBe(day);
      }),
    );
    expect(parseIso('2026-02-30')).toBeNull();
    expect(parseUs('13/01/2026')).toBeNull();
  });

  it('formats Mountain time with MST/MDT and 0, 4, 5 or 6 fraction digits', () => {
    const summer = mountainEpoch(dayOf(2025, 7, 1), 14, 22, 10);
    const winter = mountainEpoch(dayOf(2025, 2, 3), 14, 22, 10);
    expect(mountainTimestamp(summer, 123456, 6)).toBe('07/01/2025 14:22:10.123456 MDT');
    expect(mountainTimestamp(winter, 123456, 5)).toBe('02/03/2025 14:22:10.12345 MST');
    expect(mountainTimestamp(winter, 123456, 4)).toBe('02/03/2025 14:22:10.1234 MST');
    expect(mountainTimestamp(winter, 123456, 0)).toBe('02/03/2025 14:22:10 MST');
    // DST 2025 started Mar 9 at 02:00 MST and ended Nov 2 at 02:00 MDT.
    expect(mountainTimestamp(Date.UTC(2025, 2, 9, 8, 59, 59) / 1000, 0, 0)).toBe('03/09/2025 01:59:59 MST');
    expect(mountainTimestamp(Date.UTC(2025, 2, 9, 9, 0, 0) / 1000, 0, 0)).toBe('03/09/2025 03:00:00 MDT');
    expect(mountainTimestamp(Date.UTC(2025, 10, 2, 8, 0, 0) / 1000, 0, 0)).toBe('11/02/2025 01:00:00 MST');
  });

  it('seeded PRNG repeats for a seed and differs across seeds', () => {
    const draw = (seed: string) =>
      Array.from(
        { length: 5 },
        (
          (r) => () =>
            r.int(0, 1_000_000)
        )(createRng(seed)),
      );
    expect(draw('a')).toEqual(draw('a'));
    expect(draw('a')).not.toEqual(draw('b'));
  });
});
