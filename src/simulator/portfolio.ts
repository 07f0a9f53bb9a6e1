// Deterministic portfolio generator: properties, buildings, units with 1 to 4 spaces, people and leases
// in every status around a simulated "today", with the transfers, renewals and roommate move-outs the
// lifecycle rules must handle. Same (seed, properties, unitsPerProperty, today) → same portfolio.
import { denverToday, mountainEpoch, parseIso, type Day } from './dates.ts';
import { createRng, type Rng } from './prng.ts';
import { renewLease, type Stamp } from './lease-ops.ts';
import { buildProperty } from './portfolio-layout.ts';
import { LeaseWriter } from './portfolio-leases.ts';
import { addTransfers } from './portfolio-transfers.ts';
import type { Portfolio, SimLease } from './model.ts';

export interface PortfolioOptions {
  seed?: string | number;
  properties?: number;
  unitsPerProperty?: number;
  /** YYYY-MM-DD; default today in America/Denver. */
  today?: string;
}

export const DEFAULT_PORTFOLIO = { seed: 'pebbles', properties: 3, unitsPerProperty: 120 } as const;

export function generatePortfolio(options: PortfolioOptions = {}): Portfolio {
  const seed = String(options.seed ?? DEFAULT_PORTFOLIO.seed);
  const propertyCount = options.properties ?? DEFAULT_PORTFOLIO.properties;
  const unitCount = options.unitsPerProperty ?? DEFAULT_PORTFOLIO.unitsPerProperty;
  const todayText = options.today ?? denverToday();
  const today = parseIso(todayText);
  if (today === null) throw new Error(`today must be YYYY-MM-DD, got ${todayText}`);
  if (!Number.isInteger(propertyCount) || propertyCount < 1) throw new Error('properties must be a positive integer');
  if (!Number.isInteger(unitCount) || unitCount < 1) throw new Error('unitsPerProperty must be a positive integer');

  const portfolio: Portfolio = {
    seed,
    generatedFor: today,
    properties: [],
    leases: [],
    propertyById: new Map(),
    unitById: new Map(),
    unitBySpaceId: new Map(),
    leaseById: new Map(),
    leasesByProperty: new Map(),
    customerById: new Map(),
    ids: { lease: 13_500_001, interval: 30_500_001, application: 41_000_001, customer: 17_600_001, contact: 900_001 },
  };
  const root = createRng(seed);
  const layoutIds = { building: 7001, floorPlan: 565_001, unitType: 621_001, unit: 4_100_001, space: 6_200_001 };
  for (let i = 0; i < propertyCount; i++) {
    const property = buildProperty(root.fork(`layout-${i}`), i, unitCount, layoutIds);
    portfolio.properties.push(property);
    portfolio.propertyById.set(property.id, property);
    portfolio.leasesByProperty.set(property.id, []);
    for (const unit of property.units) {
      portfolio.unitById.set(unit.id, unit);
      for (const space of unit.spaces) portfolio.unitBySpaceId.set(space.id, unit);
    }
    new LeaseWriter(portfolio, property, root.fork(`leases-${i}`), today).fillProperty();
  }
  addTransfers(portfolio, root.fork('transfers'), today);
  ensureScenarios(portfolio, root.fork('scenarios'), today);
  return portfolio;
}

// ---- guaranteed scenarios -----------------------------------------------------------------------------

/**
 * Small portfolios may miss a rare case by chance; tests and demos rely on each existing once.
 * Transfers have their own minimum in portfolio-transfers.ts.
 */
function ensureScenarios(portfolio: Portfolio, rng: Rng, today: Day): void {
  const current = (l: SimLease) => l.stage === 'signed' && !l.forcedPast && l.moveIn <= today && l.moveOut === null;
  const stamp = (): Stamp => {
    const createdAt = mountainEpoch(today - rng.int(5, 30), 10, rng.int(0, 59), rng.int(0, 59));
    return { createdAt, createdMicros: rng.int(0, 999_999), approvedAt: createdAt + 86_400 };
  };
  if (!portfolio.leases.some((l) => l.subStatus === 'Renewed')) {
    const lease = portfolio.leases.find((l) => current(l) && l.intervals.length === 1);
    if (lease) renewLease(portfolio, lease, null, stamp());
  }
  const hasRoommateMoveOut = portfolio.leases.some((l) => l.customers.some((c) => c.type === 'Co-Applicant' && c.moveOut !== null));
  if (!hasRoommateMoveOut) {
    const lease = portfolio.leases.find((l) => current(l) && l.moveIn < today - 20 && l.customers.some((c) => c.type === 'Co-Applicant'));
    const roommate = lease?.customers.find((c) => c.type === 'Co-Applicant');
    if (lease && roommate) roommate.moveOut = Math.max(lease.moveIn + 5, today - 3);
  }
}
