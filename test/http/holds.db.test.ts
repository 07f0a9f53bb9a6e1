import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PropertySettings } from '../../src/properties/properties.ts';
import { createApiBench, type ApiBench } from '../support/api-bench.ts';
import { addLease, auditOf, registrationsOf, syncNow } from './property-support.ts';

let t: ApiBench;
let a: PropertySettings;
let b: PropertySettings;
type Tenant = ReturnType<typeof addLease>;
/** Residents of A whose leases Entrata flips to Past without a move-out date, six at a time (S3 holds them). */
let first: Tenant[];
let second: Tenant[];
let ofB: Tenant[];

const NAMES = ['Ann', 'Ben', 'Cy', 'Dee', 'Eve', 'Finn'];
const tenants = (p: PropertySettings, tag: string) => NAMES.map((n, i) => addLease(t, p, { days: -30, unitIndex: i % 6, firstName: `${n}${tag}` }));

/** Entrata flips the leases to Past with no move-out: a sync holds the endings instead of applying them (S3). */
async function glitch(p: PropertySettings, who: Tenant[]): Promise<number> {
  t.bench.sim.control.moveOut({ leaseIds: who.map((x) => x.leaseId), moveOutDate: null });
  const r = await syncNow(t, p);
  expect(r.held).toMatchObject({ endings: who.length });
  return r.held!.holdId;
}

beforeAll(async () => {
  t = await createApiBench();
  [a, b] = t.bench.props as [PropertySettings, PropertySettings];
  first = tenants(a, '1');
  second = tenants(a, '2');
  ofB = tenants(b, 'B');
  await syncNow(t, a);
  await syncNow(t, b);
}, 120_000);
afterAll(async () => t?.close());

const states = async (p: PropertySettings, who: Tenant[]) =>
  Promise.all(who.map(async (x) => (await registrationsOf(t, p, x.customerId)).map((g) => g.state).join()));
const list = (query = '', headers = t.callers.as('employee', [a.id]), id = a.entrataId) =>
  t.app.inject({ method: 'GET', url: `/api/properties/${id}/holds${query}`, headers });
const decide = (holdId: number | string, decision: 'approve' | 'reject', headers = t.callers.as('manager', [a.id]), id = a.entrataId) =>
  t.app.inject({ method: 'POST', url: `/api/properties/${id}/holds/${holdId}/${decision}`, headers });

describe('S3 holds through the API', () => {
  let holdA: number;
  let holdB: number;

  it('S3: GET …/holds lists an open hold with what approving would do, in words', async () => {
    holdA = await glitch(a, first);
    const r = await list();
    expect(r.statusCode).toBe(200);
    const [hold] = r.json().items;
    expect(hold).toMatchObject({ holdId: holdA, state: 'open', decidedBy: null, summary: 'approving ends Wi-Fi access for 6 residents (S3)' });
    expect(hold.endings).toHaveLength(6);
    const ann = hold.endings.find((e: { customerId: string }) => e.customerId === first[0]!.customerId);
    expect(ann).toMatchObject({
      name: 'Ann1 Newcomer',
      unitId: first[0]!.unit.id,
      leaseIds: [first[0]!.leaseId],
      rule: 'W4',
      place: expect.stringMatching(new RegExp(`^unit ${first[0]!.unit.number}`)),
      says: `Ann1 Newcomer would lose Wi-Fi access in ${ann.place}: Entrata now marks lease ${first[0]!.leaseId} Past without a scheduled move-out (W4)`,
    });
    expect(await states(a, first)).toEqual(first.map(() => 'active'));
  });

  it('S3: a hold of another property answers 404 and stays open; validation names the field; an employee may not decide (403)', async () => {
    holdB = await glitch(b, ofB);
    for (const decision of ['approve', 'reject'] as const) {
      const r = await decide(holdB, decision);
      expect(r.statusCode).toBe(404);
      expect(r.json().code).toBe('hold-not-found');
    }
    expect((await list()).json().items.map((h: { holdId: number }) => h.holdId)).not.toContain(holdB);
    expect((await list('', t.callers.as('employee', [b.id]), b.entrataId)).json().items).toMatchObject([{ holdId: holdB, state: 'open' }]);
    expect((await decide(999_999, 'approve')).statusCode).toBe(404);
    // The property itself: one the caller may not see is 404 for every hold route.
    expect((await decide(holdA, 'approve', t.callers.as('manager', [b.id]))).statusCode).toBe(404);
    expect((await list('', t.callers.as('manager', [b.id]))).statusCode).toBe(404);
    expect((await decide(holdA, 'approve', t.callers.as('employee', [a.id]))).statusCode).toBe(403);

    const bad = await decide('first', 'approve');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/holdId/);
    const badState = await list('?state=closed');
    expect(badState.statusCode).toBe(400);
    expect(badState.json().message).toMatch(/state/);
    expect(await states(a, first)).toEqual(first.map(() => 'active'));
  });

  it("S3: approve through the API ends the held residents' access and records the manager; deciding again is a conflict", async () => {
    const r = await decide(holdA, 'approve');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      holdId: holdA,
      state: 'approved',
      decidedBy: expect.stringMatching(/^token:test-manager-/),
      summary: 'approved: ended Wi-Fi access for 6 residents (S3)',
    });
    expect(await states(a, first)).toEqual(first.map(() => 'ended'));
    expect((await auditOf(t, 'approve-hold')).map((e) => [e.actor, e.rule, e.property_id])).toEqual([
      [expect.stringMatching(/^token:test-manager-/), 'S3', a.id],
    ]);
    const again = await decide(holdA, 'reject');
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'hold-decided', message: expect.stringContaining('approved already') });
  });

  it("S3: reject through the API keeps the held residents' access; the filter by state shows each hold once", async () => {
    const holdA2 = await glitch(a, second);
    const r = await decide(holdA2, 'reject');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      holdId: holdA2,
      state: 'rejected',
      decidedBy: expect.stringMatching(/^token:test-manager-/),
      summary: 'rejected: kept Wi-Fi access for 6 residents (S3)',
    });
    expect(await states(a, second)).toEqual(second.map(() => 'active'));
    expect((await auditOf(t, 'reject-hold')).map((e) => [e.actor, e.property_id])).toEqual([[expect.stringMatching(/^token:test-manager-/), a.id]]);

    const ids = async (state: string) => (await list(`?state=${state}`)).json().items.map((h: { holdId: number }) => h.holdId);
    expect(await ids('approved')).toEqual([holdA]);
    expect(await ids('rejected')).toEqual([holdA2]);
    expect(await ids('open')).toEqual([]);
    // B's hold was never touched by A's routes.
    expect((await list('?state=open', t.callers.as('owner', [b.id]), b.entrataId)).json().items.map((h: { holdId: number }) => h.holdId)).toEqual([holdB]);
    expect(await states(b, ofB)).toEqual(ofB.map(() => 'active'));
  });
});
