// Properties over generated portfolios: U1 at every instant, no access for guarantors and occupants, idempotence,
// determinism (also under shuffled input order), no access outside an open window.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SnapshotLease } from '../../src/engine/snapshot.ts';
import { applyToState } from '../../src/engine/apply-to-state.ts';
import { buildContext } from '../../src/engine/context.ts';
import { explain } from '../../src/engine/explain.ts';
import { plan } from '../../src/engine/plan.ts';
import type { PlanInput, RegistryState } from '../../src/engine/types.ts';
import { isOpenAt } from '../../src/engine/windows.ts';
import { cid, customer, day, emptyRegistry, lease, pid, property } from './builders.ts';
import { draftPerson } from '../../src/engine/registrations.ts';
import { arbPortfolio, arbTransferHistory, build, enabledAt, inputFor, NON_RESIDENTS, shuffleInput, transferSyncs, walk } from './portfolio.ts';

const live = (r: RegistryState) => r.registrations.filter((x) => x.state === 'active' || x.state === 'blocked');
/** ENGINE_RUNS=5000 for a longer hunt; the default keeps the folder well under 20 s. */
const RUNS = { numRuns: Number(process.env.ENGINE_RUNS ?? 150) };
const TIMEOUT = Math.max(30_000, RUNS.numRuns * 25);

describe('engine properties over generated portfolios', () => {
  it(
    'U1: after every sync, a resident has at most one active registration, except the U3 cross-property overlap',
    () => {
      fc.assert(
        fc.property(arbPortfolio, (g) => {
          const b = build(g);
          walk(b, (registry, now, step) => {
            const ctx = buildContext(inputFor(b, 'P1', registry, now, step));
            const byPerson = new Map<string, typeof registry.registrations>();
            for (const r of live(registry)) byPerson.set(r.customerId, [...(byPerson.get(r.customerId) ?? []), r]);
            for (const [person, regs] of byPerson) {
              if (regs.length <= 1) continue;
              expect(regs).toHaveLength(2);
              expect(new Set(regs.map((r) => r.propertyId)).size).toBe(2);
              const windows = ctx.windows.get(cid(person)) ?? [];
              const transferOpen = regs.some((r) =>
                windows.some((w) => w.propertyId === r.propertyId && w.unitId === r.unitId && isOpenAt(w, now) && (w.isTransfer || w.parentLeaseId != null)),
              );
              expect(transferOpen).toBe(true);
            }
          });
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );

  it(
    'E1: guarantors and occupants never get a registration, a key or a message',
    () => {
      fc.assert(
        fc.property(arbPortfolio, (g) => {
          const b = build(g);
          walk(b, (registry, now, step) => {
            expect(registry.registrations.filter((r) => NON_RESIDENTS.includes(r.customerId))).toEqual([]);
            expect(registry.keys.filter((k) => NON_RESIDENTS.includes(k.customerId))).toEqual([]);
            for (const id of enabledAt(b, step)) {
              const actions = plan(inputFor(b, id, registry, now, step)).actions;
              expect(actions.filter((a) => 'customerId' in a && NON_RESIDENTS.includes(a.customerId))).toEqual([]);
            }
          });
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );

  it(
    'S1: idempotence: planning again on the state that results from applying a plan yields no actions',
    () => {
      fc.assert(
        fc.property(arbPortfolio, (g) => {
          const b = build(g);
          let registry: RegistryState = { ...emptyRegistry(), residents: b.residents, blocks: b.blocks };
          b.nows.forEach((now, step) => {
            for (const id of enabledAt(b, step)) {
              const first = plan(inputFor(b, id, registry, now, step));
              registry = applyToState(registry, first.actions);
              expect(plan(inputFor(b, id, registry, now, step)).actions).toEqual([]);
            }
            // Once every property has been synced at this instant, none of them has anything left to do.
            for (const id of enabledAt(b, step)) expect(plan(inputFor(b, id, registry, now, step)).actions).toEqual([]);
          });
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );

  it(
    'S1: determinism: the same input gives a deep-equal plan, whatever the order of its arrays',
    () => {
      fc.assert(
        fc.property(arbPortfolio, fc.integer(), (g, seed) => {
          const b = build(g);
          let registry: RegistryState = { ...emptyRegistry(), residents: b.residents, blocks: b.blocks };
          b.nows.forEach((now, step) => {
            for (const id of enabledAt(b, step)) {
              const inp = inputFor(b, id, registry, now, step);
              const a = plan(inp);
              expect(plan(structuredClone(inp))).toEqual(a);
              expect(plan(shuffleInput(inp, seed))).toEqual(a);
              expect(explain(shuffleInput(inp, seed), cid('C1'))).toEqual(explain(inp, cid('C1')));
              registry = applyToState(registry, a.actions);
            }
          });
        }),
        { numRuns: Math.ceil(RUNS.numRuns / 2) },
      );
    },
    TIMEOUT,
  );

  it(
    'W: no resident has active access outside an open window, unless an override or the U3 overlap says so',
    () => {
      fc.assert(
        fc.property(arbPortfolio, (g) => {
          const b = build(g);
          walk(b, (registry, now, step) => {
            const ctx = buildContext(inputFor(b, 'P1', registry, now, step));
            for (const r of live(registry)) {
              const windows = ctx.windows.get(ctx.personOf(r.customerId)) ?? [];
              // Overrides are inside the windows (O1..O3); the U3 overlap keeps the old side only while its own window is open.
              const open = windows.some((w) => w.propertyId === r.propertyId && w.unitId === r.unitId && isOpenAt(w, now));
              expect({ registration: r.id, open }).toEqual({ registration: r.id, open: true });
            }
          });
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );

  it(
    'W9: after the next transition instant a re-plan is due; before it, nothing changes',
    () => {
      fc.assert(
        fc.property(arbPortfolio, (g) => {
          const b = build(g);
          walk(b, (registry, now, step) => {
            for (const id of enabledAt(b, step)) {
              const p = plan(inputFor(b, id, registry, now, step));
              expect(p.actions).toEqual([]);
              if (p.nextTransitionAt != null) {
                expect(p.nextTransitionAt).toBeGreaterThan(now);
                // Just before the next transition, the same state still needs nothing.
                expect(plan(inputFor(b, id, registry, p.nextTransitionAt - 1, step)).actions).toEqual([]);
              }
            }
          });
        }),
        { numRuns: Math.ceil(RUNS.numRuns / 2) },
      );
    },
    TIMEOUT,
  );
});

describe('U3 judged by what happened, over generated transfer histories', () => {
  type Sync = ReturnType<typeof transferSyncs>[number];
  const inputAt = (s: Sync, planned: string, registry: RegistryState): PlanInput => ({
    propertyId: pid(planned),
    properties: s.properties,
    previousSnapshot: null,
    registry,
    overrides: [],
    now: s.now,
  });
  /** Syncs every enabled property at that step, checking that planning again yields nothing (S1). */
  const syncStep = (registry: RegistryState, s: Sync): RegistryState => {
    for (const p of s.properties) {
      registry = applyToState(registry, plan(inputAt(s, p.id, registry)).actions);
      expect(plan(inputAt(s, p.id, registry)).actions).toEqual([]);
    }
    return registry;
  };
  /** The resident's home unit as the engine sees it, and the units where they are live (the home and a U3 old side). */
  const homeOf = (registry: RegistryState, s: Sync) => {
    const home = draftPerson(buildContext(inputAt(s, 'P1', registry)), cid('C1')).placement.home;
    const liveUnits = live(registry).map((r) => `${r.propertyId}/${r.unitId}`);
    const key = home ? `${home.propertyId}/${home.unitId}` : null;
    expect(key == null || liveUnits.includes(key)).toBe(true);
    return key;
  };

  it(
    'U3: the home after a sync is the same whether the history was seen step by step or only at its end',
    () => {
      fc.assert(
        fc.property(arbTransferHistory, (g) => {
          const syncs = transferSyncs(g);
          const last = syncs[syncs.length - 1]!;
          // Step by step: a sync at every step, as dates move earlier and later and a property is enabled.
          const firstOnly = syncStep(emptyRegistry(), syncs[0]!);
          const stepwise = syncs.slice(1).reduce(syncStep, firstOnly);
          // Only at the end: the first sync, then nothing until the last (syncs missed while Entrata failed) ...
          const missed = syncStep(firstOnly, last);
          // ... or nothing before the last (the properties enabled only then).
          const fresh = syncStep(emptyRegistry(), last);
          const home = homeOf(stepwise, last);
          expect({ missed: homeOf(missed, last), fresh: homeOf(fresh, last) }).toEqual({ missed: home, fresh: home });
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );
});

describe('S3 holds over generated mass changes', () => {
  const arbMass = fc.record({
    residents: fc.integer({ min: 5, max: 30 }),
    // Per resident: unchanged, flipped to Past (move-out in the past, or none), cancelled, or a move-out scheduled earlier.
    fates: fc.array(fc.constantFrom('same', 'same', 'past-dated', 'past-undated', 'cancelled', 'scheduled'), { minLength: 30, maxLength: 30 }),
    late: fc.integer({ min: 0, max: 2 }),
    hours: fc.integer({ min: 0, max: 23 }),
  });

  it(
    'S3: every unexpected ending is either applied or held, replanning adds nothing, approval applies them all',
    () => {
      fc.assert(
        fc.property(arbMass, (g) => {
          const people = Array.from({ length: g.residents }, (_, i) => i);
          const base = people.map((i) => lease(`L${i + 100}`, { unit: `U${i}`, moveIn: '2025-01-10', customers: [customer(`C${i + 100}`)] }));
          const previous = base.map((l, i) => (g.fates[i] === 'scheduled' ? { ...l, moveOut: day('2025-09-05') } : l));
          const current = previous.map((l, i) => {
            switch (g.fates[i]) {
              case 'past-dated':
                return { ...l, status: 'past' as const, moveOut: day('2025-09-08') };
              case 'past-undated':
                return { ...l, status: 'past' as const };
              case 'cancelled':
                return { ...l, status: 'cancelled' as const };
              default:
                return l;
            }
          });
          const now = Date.UTC(2025, 8, 12, g.hours);
          const props = (leases: SnapshotLease[]) => [property('P1', { leases, policy: { lateMoveOutDays: g.late } })];
          const registry = applyToState(
            emptyRegistry(),
            plan({
              propertyId: pid('P1'),
              properties: props(base),
              previousSnapshot: null,
              registry: emptyRegistry(),
              overrides: [],
              now: Date.UTC(2025, 8, 1),
            }).actions,
          );
          const inp = (r: RegistryState, releaseHold = false): PlanInput => ({
            propertyId: pid('P1'),
            properties: props(current),
            previousSnapshot: property('P1', { leases: previous }).snapshot,
            registry: r,
            overrides: [],
            now,
            releaseHold,
          });

          const first = plan(inp(registry));
          const ends = new Set(first.actions.flatMap((a) => (a.kind === 'end' ? [a.registrationId] : [])));
          const held = new Set(first.actions.flatMap((a) => (a.kind === 'hold' ? a.endings.map((e) => e.registrationId) : [])));
          const released = plan(inp(registry, true));
          const allEnds = new Set(released.actions.flatMap((a) => (a.kind === 'end' ? [a.registrationId] : [])));
          // Nothing is lost or doubled: the endings approval would apply are exactly those applied now plus those held.
          expect([...allEnds].sort()).toEqual([...ends, ...held].sort());
          expect([...ends].filter((id) => held.has(id))).toEqual([]);
          const unexpected = people.filter((i) => g.fates[i] !== 'same' && g.fates[i] !== 'scheduled').length;
          expect(held.size > 0).toBe(unexpected > 0.1 * g.residents && unexpected >= 5);

          const after = applyToState(registry, first.actions);
          expect(plan(inp(after)).actions).toEqual([]);
          expect(plan(inp(after))).toEqual(plan(shuffleInput(inp(after), g.residents)));
          const approved = applyToState(after, plan(inp(after, true)).actions);
          expect(approved.holds).toEqual([]);
          expect(plan(inp(approved, true)).actions).toEqual([]);
          expect(approved.registrations.filter((r) => r.state === 'active').length).toBe(g.residents - allEnds.size);
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );
});
