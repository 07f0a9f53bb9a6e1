// Generation-time transfers: residents moving to another bed of the same property or to another
// property, half still to come (old lease Notice, new lease Future) and half done (old Past, new Current).
import { mountainEpoch, type Day } from './dates.ts';
import type { Rng } from './prng.ts';
import { transferLease } from './lease-ops.ts';
import type { Portfolio, SimLease, SimProperty, SimSpace, SimUnit } from './model.ts';

/** The last day each space is taken by a lease that is not cancelled. */
function occupancyEnds(portfolio: Portfolio): Map<string, Day> {
  const busy = new Map<string, Day>();
  for (const lease of portfolio.leases) {
    if (lease.stage === 'cancelled') continue;
    const end = lease.moveOut ?? lease.intervals[lease.intervals.length - 1]!.end;
    for (const spaceId of lease.spaceIds) busy.set(spaceId, Math.max(busy.get(spaceId) ?? -Infinity, end));
  }
  return busy;
}

function freeSpace(property: SimProperty, busy: Map<string, Day>, from: Day, avoidUnitId: string, rng: Rng): { unit: SimUnit; space: SimSpace } | null {
  for (let attempt = 0; attempt < 60; attempt++) {
    const unit = rng.pick(property.units);
    if (unit.id === avoidUnitId) continue;
    const space = unit.spaces.find((s) => (busy.get(s.id) ?? -Infinity) < from);
    if (space) return { unit, space };
  }
  return null;
}

const movable = (today: Day) => (l: SimLease) =>
  l.stage === 'signed' &&
  !l.forcedPast &&
  l.spaceConfiguration === 'Private' &&
  l.spaceIds.length === 1 &&
  l.moveOut === null &&
  l.intervals.length === 1 &&
  l.moveIn < today - 30 &&
  l.parentLeaseId === null &&
  l.customers.some((c) => c.type === 'Primary');

export function addTransfers(portfolio: Portfolio, rng: Rng, today: Day): void {
  const busy = occupancyEnds(portfolio);
  const candidates = portfolio.leases.filter(movable(today));
  // At least four, so every portfolio has each kind: pending/done × same/other property.
  const wanted = Math.min(candidates.length, Math.max(4, Math.round(candidates.length * 0.006)));
  for (let i = 0; i < wanted && candidates.length > 0; i++) {
    const index = rng.int(0, candidates.length - 1);
    const from = candidates[index]!;
    candidates[index] = candidates[candidates.length - 1]!;
    candidates.pop();
    const crossProperty = i % 2 === 1 && portfolio.properties.length > 1;
    let date = i % 4 < 2 ? today + rng.int(3, 45) : today - rng.int(5, 60);
    if (date <= from.moveIn + 14) date = today + rng.int(3, 45);
    const home = portfolio.propertyById.get(from.propertyId)!;
    const others = portfolio.properties.filter((p) => p !== home);
    const toProperty = crossProperty ? rng.pick(others) : home;
    const target = freeSpace(toProperty, busy, date, from.unitId, rng);
    if (!target) continue;
    const createdAt = mountainEpoch(Math.min(today, date) - rng.int(10, 40), rng.int(8, 18), rng.int(0, 59), rng.int(0, 59));
    const lease = transferLease(portfolio, {
      from,
      toProperty,
      toUnit: target.unit,
      toSpaceIds: [target.space.id],
      date,
      end: null,
      noticeDate: Math.max(from.moveIn, Math.min(today, date - rng.int(7, 30))),
      stamp: { createdAt, createdMicros: rng.int(0, 999_999), approvedAt: createdAt + rng.int(3600, 86_400) },
    });
    busy.set(target.space.id, lease.intervals[0]!.end);
  }
}
