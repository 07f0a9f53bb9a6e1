// Generated portfolios for the property tests: several properties, customers with several leases, random statuses,
// dates, overrides, blocks, data that changes between syncs (move-in dates moved earlier or later among it),
// properties enabled mid-walk, and the instants at which syncs run; and transfer histories (arbTransferHistory).
import fc from 'fast-check';
import { CUSTOMER_TYPES, LEASE_STATUSES, type CustomerType, type SnapshotLease } from '../../src/engine/snapshot.ts';
import { applyToState } from '../../src/engine/apply-to-state.ts';
import { addDays } from '../../src/engine/local-time.ts';
import { plan } from '../../src/engine/plan.ts';
import type { Instant, LeaseOverride, PlanInput, PropertyInput, RegistryState } from '../../src/engine/types.ts';
import { block, cid, customer, day, emptyRegistry, lease, override, pid, property } from './builders.ts';

export const ZONES = ['America/Chicago', 'America/New_York', 'America/Denver', 'Pacific/Auckland'];
export const PROPERTY_IDS = ['P1', 'P2', 'P3'];
/** C1..C4 may be anything; C5 and C6 are only ever guarantors or occupants. */
export const PEOPLE = ['C1', 'C2', 'C3', 'C4'];
/** Statuses weighted towards the ones that give windows, so moves and transfers happen often. */
const STATUSES = ['current', 'current', 'future', 'future', 'notice', 'notice', 'past', 'cancelled', 'applicant'] as const;
const SPAN_DAYS = 420;
export const NON_RESIDENTS = ['C5', 'C6'];
const ORIGIN = Date.UTC(2025, 0, 1);
const DAY_MS = 86_400_000;
const dateAt = (i: number) => addDays(day('2025-01-01'), i);

/** Null most of the time: customer-level statuses and dates (W6) are the exception in Entrata's data. */
export const rarely = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

const arbCustomerRow = fc.record({
  who: fc.constantFrom(...PEOPLE, ...PEOPLE, ...NON_RESIDENTS),
  type: fc.constantFrom<CustomerType>(...CUSTOMER_TYPES),
  status: rarely(fc.constantFrom(...LEASE_STATUSES)),
  moveInShift: rarely(fc.integer({ min: -20, max: 60 })),
  moveOutShift: rarely(fc.integer({ min: 0, max: 200 })),
});

const arbLease = fc.record({
  property: fc.constantFrom(0, 0, 0, 1, 1, 2),
  unit: fc.constantFrom('U1', 'U2', 'U3'),
  spaces: fc.subarray(['A', 'B', 'C'], { minLength: 1 }),
  status: fc.constantFrom(...STATUSES),
  moveIn: fc.integer({ min: 0, max: 240 }),
  moveOutAfter: fc.option(fc.integer({ min: 0, max: 240 })),
  leaseEndAfter: fc.option(fc.integer({ min: 30, max: 400 })),
  parent: fc.option(fc.nat({ max: 11 }), { freq: 2 }),
  isTransfer: fc.boolean(),
  rows: fc.array(arbCustomerRow, { minLength: 1, maxLength: 3 }),
  place: fc.constantFrom('entrata', 'entrata', 'entrata', 'entrata', 'missing', 'quarantined'),
  /** What Entrata says about this lease from some sync on (statuses flip, move-outs appear, leases go missing). */
  later: rarely(
    fc.record({
      status: fc.option(fc.constantFrom(...LEASE_STATUSES)),
      /** Entrata moves the move-in date earlier or later (a transfer's window may then open before the old unit was registered). */
      moveInShift: fc.option(fc.integer({ min: -90, max: 90 })),
      moveOutAfter: fc.option(fc.integer({ min: 0, max: 240 })),
      place: fc.option(fc.constantFrom('entrata', 'missing')),
      dropLastCustomer: fc.boolean(),
    }),
  ),
});

const arbOverride = fc.record({
  lease: fc.nat({ max: 11 }),
  who: fc.constantFrom(...PEOPLE),
  kind: fc.constantFrom('earlyStartAt', 'lateEndAt', 'moveInNowAt', 'moveOutNowAt', 'transferNowAt', 'pinnedAt'),
  minute: fc.integer({ min: 0, max: SPAN_DAYS * 1440 }),
});

const arbPolicy = fc.record({
  earlyMoveInDays: fc.integer({ min: 0, max: 3 }),
  lateMoveOutDays: fc.integer({ min: 0, max: 3 }),
  firstWelcome: fc.boolean(),
  isFirstSync: fc.boolean(),
});

export const arbPortfolio = fc.record({
  leases: fc.array(arbLease, { minLength: 1, maxLength: 12 }),
  policies: fc.tuple(arbPolicy, arbPolicy, arbPolicy),
  zones: fc.tuple(fc.constantFrom(...ZONES), fc.constantFrom(...ZONES), fc.constantFrom(...ZONES)),
  overrides: fc.array(arbOverride, { maxLength: 6 }),
  blocks: fc.array(
    fc.record({ who: fc.constantFrom(...PEOPLE), property: fc.nat({ max: 2 }), minute: fc.integer({ min: 0, max: SPAN_DAYS * 1440 }), lifted: fc.boolean() }),
    { maxLength: 3 },
  ),
  nows: fc.array(fc.integer({ min: 0, max: SPAN_DAYS * 1440 }), { minLength: 1, maxLength: 6 }),
  links: fc.boolean(),
  /** The step from which the `later` versions of leases apply. */
  changeAt: fc.nat({ max: 5 }),
  /** The step from which each property is enabled (P1 from the start): a property may be enabled mid-transfer. */
  enabledFrom: fc.tuple(fc.constant(0), fc.nat({ max: 4 }), fc.nat({ max: 4 })),
});
export type Portfolio = typeof arbPortfolio extends fc.Arbitrary<infer T> ? T : never;

export interface Built {
  /** The properties as Entrata shows them before and after the change. */
  versions: [PropertyInput[], PropertyInput[]];
  changeAt: number;
  /** Per property (PROPERTY_IDS order), the first step at which it is enabled. */
  enabledFrom: readonly number[];
  overrides: LeaseOverride[];
  blocks: RegistryState['blocks'];
  residents: RegistryState['residents'];
  nows: Instant[];
}

type GenLease = SnapshotLease & { place: string; property: number };

export function build(g: Portfolio): Built {
  const v0 = g.leases.map((l, i): GenLease => {
    const seen = new Set<string>();
    const customers = l.rows
      .filter((r) => !seen.has(r.who) && seen.add(r.who))
      .map((r) =>
        customer(r.who, {
          type: NON_RESIDENTS.includes(r.who) ? (r.type === 'primary' || r.type === 'co-applicant' ? 'guarantor' : r.type) : r.type,
          status: r.status,
          moveIn: r.moveInShift == null ? null : dateAt(l.moveIn + r.moveInShift),
          moveOut: r.moveOutShift == null ? null : dateAt(l.moveIn + r.moveOutShift),
        }),
      );
    const base = lease(`L${i}`, {
      status: l.status,
      unit: l.unit,
      spaces: l.spaces.map((s) => `${l.unit}-${s}`),
      moveIn: dateAt(l.moveIn),
      moveOut: l.moveOutAfter == null ? null : dateAt(l.moveIn + l.moveOutAfter),
      leaseEnd: l.leaseEndAfter == null ? null : dateAt(l.moveIn + l.leaseEndAfter),
      parent: l.parent == null || l.parent === i || l.parent >= g.leases.length ? null : `L${l.parent}`,
      isTransfer: l.isTransfer,
      customers,
    });
    return { ...base, place: l.place, property: l.property };
  });
  const v1 = v0.map((l, i): GenLease => {
    const later = g.leases[i]!.later;
    if (!later) return l;
    const moveIn = later.moveInShift == null ? l.moveIn : addDays(l.moveIn, later.moveInShift);
    return {
      ...l,
      moveIn,
      // A customer's own move-in day (W6) moves with the lease's.
      customers: (later.dropLastCustomer && l.customers.length > 1 ? l.customers.slice(0, -1) : l.customers).map((c) =>
        later.moveInShift == null || c.moveIn == null ? c : { ...c, moveIn: addDays(c.moveIn, later.moveInShift) },
      ),
      status: later.status ?? l.status,
      moveOut: later.moveOutAfter == null ? l.moveOut : dateAt(g.leases[i]!.moveIn + later.moveOutAfter),
      place: later.place ?? l.place,
    };
  });
  const strip = ({ place: _p, property: _q, ...rest }: GenLease): SnapshotLease => rest;
  const propertiesOf = (leases: GenLease[]) =>
    PROPERTY_IDS.map((id, pi) => {
      const mine = leases.filter((l) => l.property === pi);
      return property(id, {
        tz: g.zones[pi],
        policy: g.policies[pi],
        leases: mine.filter((l) => l.place === 'entrata').map(strip),
        missing: mine.filter((l) => l.place === 'missing').map(strip),
        quarantined: mine.filter((l) => l.place === 'quarantined').map(strip),
      });
    });
  const overrides = g.overrides.filter((o) => o.lease < v0.length).map((o) => override(`L${o.lease}`, o.who, { [o.kind]: ORIGIN + o.minute * 60_000 }));
  const blocks = g.blocks.map((b, i) =>
    block(`B${i}`, b.who, ORIGIN + b.minute * 60_000, {
      propertyId: pid(PROPERTY_IDS[b.property]!),
      liftedAt: b.lifted ? ORIGIN + b.minute * 60_000 + DAY_MS : null,
    }),
  );
  // A manager link (E3): C4's Entrata id C4 is a second id of resident C3.
  const residents = g.links
    ? [{ customerId: cid('C3'), linkedCustomerIds: [cid('C4')], firstName: 'x', lastName: 'y', email: null, mobile: null, contactProblems: [] }]
    : [];
  const nows = [...new Set(g.nows)].sort((a, b) => a - b).map((m) => ORIGIN + m * 60_000);
  return { versions: [propertiesOf(v0), propertiesOf(v1)], changeAt: g.changeAt, enabledFrom: g.enabledFrom, overrides, blocks, residents, nows };
}

/** The properties enabled at a step of the walk, in id order. */
export const enabledAt = (b: Pick<Built, 'enabledFrom'>, step: number): string[] => PROPERTY_IDS.filter((_, i) => (b.enabledFrom[i] ?? 0) <= step);

/** The input of a sync of `planned` at step `step` of the walk (the data changes at `changeAt`; S3 compares with the step before). */
export const inputFor = (b: Built, planned: string, registry: RegistryState, now: Instant, step = 0): PlanInput => {
  const enabled = new Set(enabledAt(b, step));
  const properties = b.versions[step >= b.changeAt ? 1 : 0].filter((p) => enabled.has(p.id));
  // A property enabled at this step has no previous sync to compare with (S3).
  const before = step <= (b.enabledFrom[PROPERTY_IDS.indexOf(planned)] ?? 0) ? null : b.versions[step - 1 >= b.changeAt ? 1 : 0];
  return {
    propertyId: pid(planned),
    properties,
    previousSnapshot: before ? before.find((p) => p.id === planned)!.snapshot : null,
    registry,
    overrides: b.overrides,
    now,
  };
};

/** Runs every `now` of the portfolio in order, syncing every property each time, and checks `check` after each step. */
export function walk(b: Built, check: (registry: RegistryState, now: Instant, step: number) => void): void {
  let registry: RegistryState = { ...emptyRegistry(), residents: b.residents, blocks: b.blocks };
  b.nows.forEach((now, step) => {
    for (const id of enabledAt(b, step)) registry = applyToState(registry, plan(inputFor(b, id, registry, now, step)).actions);
    check(registry, now, step);
  });
}

/** A deterministic shuffle of every array plan() reads, from a seed. */
export function shuffleInput(inp: PlanInput, seed: number): PlanInput {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const sh = <T>(xs: readonly T[]): T[] => {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
  const shLease = (l: SnapshotLease): SnapshotLease => ({ ...l, customers: sh(l.customers), spaceIds: sh(l.spaceIds) });
  return {
    ...inp,
    properties: sh(inp.properties).map((p) => ({
      ...p,
      snapshot: { ...p.snapshot, leases: sh(p.snapshot.leases).map(shLease), units: sh(p.snapshot.units), quarantined: sh(p.snapshot.quarantined) },
      missingLeases: sh(p.missingLeases).map(shLease),
      quarantinedLeases: sh(p.quarantinedLeases).map(shLease),
    })),
    registry: {
      residents: sh(inp.registry.residents),
      registrations: sh(inp.registry.registrations).map((r) => ({ ...r, leaseIds: sh(r.leaseIds), spaceIds: sh(r.spaceIds) })),
      keys: sh(inp.registry.keys),
      blocks: sh(inp.registry.blocks),
      holds: sh(inp.registry.holds),
    },
    overrides: sh(inp.overrides),
  };
}

/**
 * One resident moving by a transfer from unit A (lease L1) to unit C (lease L2), at the same property or at another
 * one enabled mid-transfer, while Entrata moves L2's move-in date (and L1's end) earlier and later between syncs.
 */
export const arbTransferHistory = fc.record({
  crossProperty: fc.boolean(),
  /** How Entrata marks the transfer (U3): L2 names L1 as parent, is a Transfer interval, or both. */
  link: fc.constantFrom('parent', 'interval', 'both'),
  zones: fc.tuple(fc.constantFrom(...ZONES), fc.constantFrom(...ZONES)),
  policies: fc.tuple(arbPolicy, arbPolicy),
  l1Status: fc.constantFrom('current', 'notice'),
  l1MoveIn: fc.integer({ min: 0, max: 60 }),
  /** L1's last day: its move-out day (Current) or the end of its term (Notice), this many days after its move-in. */
  l1EndAfter: fc.integer({ min: 20, max: 200 }),
  l2Status: fc.constantFrom('future', 'current'),
  l2MoveIn: fc.integer({ min: 0, max: 240 }),
  /** The first sync (the property's first), in minutes after the origin: it may come after L2's window opened. */
  start: fc.integer({ min: 0, max: 200 * 1440 }),
  /** After each step, time passes; Entrata may then have moved L2's move-in and L1's last day. */
  steps: fc.array(
    fc.record({
      advance: fc.integer({ min: 60, max: 40 * 1440 }),
      l2Shift: fc.option(fc.integer({ min: -40, max: 40 }), { freq: 2 }),
      l1Shift: fc.option(fc.integer({ min: -20, max: 20 }), { freq: 4 }),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  /** The step at which L2's property is enabled when it is another one. */
  enableAt: fc.nat({ max: 6 }),
});
export type TransferHistory = typeof arbTransferHistory extends fc.Arbitrary<infer T> ? T : never;

/** The syncs of a transfer history: when each runs, and the enabled properties as Entrata shows them then. */
export function transferSyncs(g: TransferHistory): { now: Instant; properties: PropertyInput[] }[] {
  let now = ORIGIN + g.start * 60_000;
  let l1End = g.l1MoveIn + g.l1EndAfter;
  let l2MoveIn = g.l2MoveIn;
  const out: { now: Instant; properties: PropertyInput[] }[] = [];
  for (let i = 0; i <= g.steps.length; i++) {
    if (i > 0) {
      const s = g.steps[i - 1]!;
      now += s.advance * 60_000;
      l2MoveIn += s.l2Shift ?? 0;
      l1End = Math.max(g.l1MoveIn, l1End + (s.l1Shift ?? 0));
    }
    const end = dateAt(l1End);
    const l1 = lease('L1', {
      unit: 'A',
      status: g.l1Status,
      moveIn: dateAt(g.l1MoveIn),
      moveOut: g.l1Status === 'current' ? end : null,
      leaseEnd: end,
      customers: [customer('C1')],
    });
    const l2 = lease('L2', {
      unit: 'C',
      status: g.l2Status,
      moveIn: dateAt(l2MoveIn),
      parent: g.link === 'interval' ? null : 'L1',
      isTransfer: g.link !== 'parent',
      customers: [customer('C1')],
    });
    const properties = g.crossProperty
      ? [
          property('P1', { tz: g.zones[0], policy: g.policies[0], leases: [l1] }),
          ...(i >= g.enableAt ? [property('P2', { tz: g.zones[1], policy: g.policies[1], leases: [l2] })] : []),
        ]
      : [property('P1', { tz: g.zones[0], policy: g.policies[0], leases: [l1, l2] })];
    out.push({ now, properties });
  }
  return out;
}
