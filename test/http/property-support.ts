import { addDays } from '../../src/engine/local-time.ts';
import { asLocalDate } from '../../src/engine/snapshot.ts';
import type { PropertySettings } from '../../src/properties/properties.ts';
import { syncProperty } from '../../src/sync/sync-property.ts';
import type { ApiBench } from '../support/api-bench.ts';

/** The simulator's units of a property. */
export function simUnits(t: ApiBench, p: PropertySettings) {
  return [...t.bench.sim.control.portfolio().unitById.values()].filter((u) => u.propertyId === p.entrataId);
}

/** A signed lease for a new person in a unit of `p`, moving in `days` local days from the simulator's today (negative: a current lease). */
export function addLease(t: ApiBench, p: PropertySettings, o: { days: number; unitIndex?: number; firstName?: string }) {
  const unit = simUnits(t, p)[o.unitIndex ?? 0]!;
  const moveIn = addDays(asLocalDate(t.bench.sim.control.today()), o.days);
  const r = t.bench.sim.control.addLease({
    unitId: unit.id,
    moveInDate: moveIn,
    customers: [{ firstName: o.firstName ?? 'Nora', lastName: 'Newcomer', email: 'nora@example.com', phone: '512-555-0199' }],
  });
  return { leaseId: r.createdLeaseIds[0]!, customerId: r.customerIds[0]!, unit, moveIn };
}

/** A full sync of the property now (Entrata read), as the scheduler would run it. */
export function syncNow(t: ApiBench, p: PropertySettings) {
  return syncProperty(t.bench.worker.deps, { propertyDbId: p.id, trigger: 'command' });
}

/** The registrations of one customer at a property, oldest first. */
export function registrationsOf(t: ApiBench, p: PropertySettings, customerId: string) {
  return t.bench.db
    .selectFrom('registration as g')
    .innerJoin('resident as r', 'r.id', 'g.resident_id')
    .select(['g.state', 'g.unit_entrata_id', 'g.lease_ids', 'g.access_start', 'g.access_end', 'g.rule'])
    .where('g.property_id', '=', p.id)
    .where('r.customer_id', '=', customerId)
    .orderBy('g.id')
    .execute();
}

/** The audit entries of an action at a property, oldest first. */
export function auditOf(t: ApiBench, action: string) {
  return t.bench.db
    .selectFrom('audit_event')
    .select(['property_id', 'actor', 'action', 'rule', 'details'])
    .where('action', '=', action)
    .orderBy('id')
    .execute();
}

/**
 * The property's open hold, or a new one with no endings, for routes that only need one to exist (the permission test):
 * approving it re-plans with nothing to release, rejecting it keeps nothing. Real holds come from a sync (see holds.db.test.ts).
 */
export async function emptyOpenHold(t: ApiBench, propertyDbId: number): Promise<number> {
  // A property has at most one open hold; callers asking at once (the permission test) share it.
  // Another caller may decide it between the two statements: then a new one is made.
  for (;;) {
    await t.bench.db
      .insertInto('hold')
      .values({ property_id: propertyDbId, endings: JSON.stringify([]) })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const open = await t.bench.db.selectFrom('hold').select('id').where('property_id', '=', propertyDbId).where('state', '=', 'open').executeTakeFirst();
    if (open) return open.id;
  }
}
