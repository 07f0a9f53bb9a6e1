import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { asArray, call, control, getLeases } from './helpers.ts';

const ALL = '1,2,3,4,5,6';
let sim: RunningSimulator;

// A fresh simulator per test: events change state.
beforeEach(async () => {
  sim = await startSimulator({ seed: 'control', properties: 2, units: 50, today: '2026-11-27', rateLimits: false });
});
afterEach(() => sim.stop());

const one = async (leaseId: string, propertyId: string, version = 'r2') => {
  const { leases } = await getLeases(sim, { propertyId, leaseIds: leaseId, leaseStatusTypeIds: ALL }, { version });
  return leases[0];
};

describe('simulated date', () => {
  it('starts at the today option, and advancing it turns Future leases Current', async () => {
    expect(sim.control.today()).toBe('2026-11-27');
    const future = sim.control.findLease({ status: 'Future', where: (l) => l.moveIn > sim.control.todayDay() + 1 })!;
    expect((await one(future.id, future.propertyId)).leaseStatusTypeId).toBe('3');
    const days = future.moveIn - sim.control.todayDay();
    expect(sim.control.advance(days)).toEqual({ date: expect.any(String) });
    const after = await one(future.id, future.propertyId);
    expect(after.leaseStatusTypeId).toBe('4');
    expect(after.leaseIntervalStatus).toBe('Current');
  });

  it('moves Notice leases to Past after their move-out day', async () => {
    const notice = sim.control.findLease({ status: 'Notice' })!;
    sim.control.setDate(new Date((notice.moveOut! + 1) * 86_400_000).toISOString().slice(0, 10));
    expect((await one(notice.id, notice.propertyId)).leaseStatusTypeId).toBe('6');
  });

  it('is driven over HTTP: GET/POST /_control/date and /_control/date/advance', async () => {
    expect((await control(sim, 'GET', 'date')).json).toEqual({ date: '2026-11-27' });
    expect((await control(sim, 'POST', 'date', { date: '2027-01-10' })).json).toEqual({ date: '2027-01-10' });
    expect((await control(sim, 'POST', 'date/advance', { days: 5 })).json).toEqual({ date: '2027-01-15' });
    expect((await control(sim, 'POST', 'date', { days: -5 })).json).toEqual({ date: '2027-01-10' });
    expect((await control(sim, 'POST', 'date', { date: 'soon' })).status).toBe(400);
  });
});

describe('events', () => {
  it('transfer creates a linked Future lease with a Transfer interval, the old lease goes Notice', async () => {
    const from = sim.control.findLease({ propertyId: '100001', status: 'Current', spaceConfiguration: 'Private', transfer: false, renewed: false })!;
    const target = sim.control.portfolio().propertyById.get('100002')!.units[3]!;
    const customerId = from.customers.find((c) => c.type === 'Primary')!.customerId;
    const result = sim.control.transfer({ customerId, toUnitId: target.id, moveInDate: '2026-12-15' });
    expect(result.createdLeaseIds).toHaveLength(1);
    const newId = result.createdLeaseIds[0]!;
    expect(result.leaseIds).toEqual([from.id, newId]);

    const created = await one(newId, '100002');
    expect(created).toMatchObject({ parentLeaseId: from.id, leaseStatusTypeId: '3', moveInDate: '12/15/2026', unitId: target.id });
    const interval = asArray(created.leaseIntervals.leaseInterval)[0] as any;
    expect(interval).toMatchObject({ leaseIntervalTypeName: 'Transfer', leaseIntervalTypeId: 5 });
    expect(asArray(created.customers.customer).map((c: any) => String(c.id))).toContain(customerId);

    const old = await one(from.id, '100001');
    expect(old).toMatchObject({ leaseStatusTypeId: '5', moveOutDate: '12/15/2026', transferDate: '12/15/2026' });
    const oldR1 = await one(from.id, '100001', 'r1');
    expect(oldR1).toMatchObject({ transferLeaseId: newId, transferLeasePropertyId: '100002', moveOutReason: 'Transfer' });

    sim.control.setDate('2026-12-16');
    expect((await one(newId, '100002')).leaseStatusTypeId).toBe('4');
    expect((await one(from.id, '100001')).leaseStatusTypeId).toBe('6');
  });

  it('drop hides a lease from every answer, even asked by id; restore brings it back', async () => {
    const lease = sim.control.findLease({ propertyId: '100001', status: 'Current' })!;
    expect(sim.control.dropLease({ leaseId: lease.id })).toMatchObject({ leaseIds: [lease.id] });
    expect(await one(lease.id, '100001')).toBeUndefined();
    const { leases } = await getLeases(sim, { propertyId: 100001, leaseStatusTypeIds: ALL }, { query: { per_page: 1000 } });
    expect(leases.map((l) => l.id)).not.toContain(lease.id);
    sim.control.restoreLease({ leaseId: lease.id });
    expect((await one(lease.id, '100001')).id).toBe(lease.id);
  });

  it('notice, cancel and move-out change the status; move-out can be mass and without a date', async () => {
    const [a, b] = sim.control.findLeases({ propertyId: '100001', status: 'Current' }, 2);
    sim.control.giveNotice({ leaseId: a!.id, moveOutDate: '2027-01-31' });
    expect(await one(a!.id, '100001')).toMatchObject({ leaseStatusTypeId: '5', moveOutDate: '01/31/2027' });
    sim.control.cancelLease({ leaseId: b!.id });
    const cancelled = await one(b!.id, '100001');
    expect(cancelled.leaseStatusTypeId).toBe('2');
    expect(asArray(cancelled.customers.customer).every((c: any) => c.leaseCustomerStatus === 'Cancelled')).toBe(true);

    const open = sim.control.findLeases({ propertyId: '100002', status: ['Current', 'Notice'] }).length;
    const mass = sim.control.moveOut({ propertyId: '100002', count: 5, moveOutDate: null });
    expect(mass.leaseIds).toHaveLength(Math.min(5, open));
    for (const id of mass.leaseIds) {
      const lease = await one(id, '100002');
      expect(lease.leaseStatusTypeId).toBe('6');
      expect(lease.moveOutDate).toBeUndefined();
    }
  });

  it('a roommate moving out gets their own Past status while the lease stays Current', async () => {
    const lease = sim.control.findLease({ status: 'Current', customerType: 'Co-Applicant', roommateMoveOut: false })!;
    const roommate = lease.customers.find((c) => c.type === 'Co-Applicant')!;
    sim.control.customerMoveOut({ leaseId: lease.id, customerId: roommate.customerId, moveOutDate: '2026-11-20' });
    const answer = await one(lease.id, lease.propertyId);
    expect(answer.leaseStatusTypeId).toBe('4');
    const customer = asArray(answer.customers.customer).find((c: any) => String(c.id) === roommate.customerId) as any;
    expect(customer).toMatchObject({ leaseCustomerStatus: 'Past', moveOutDate: '11/20/2026' });
  });

  it('renew adds an interval to the same lease; delete-unit removes the unit from getPropertyUnits', async () => {
    const lease = sim.control.findLease({ propertyId: '100001', status: 'Current', renewed: false })!;
    const renewed = sim.control.renewLease({ leaseId: lease.id });
    expect(renewed.intervalIds).toHaveLength(1);
    const answer = (await getLeases(sim, { propertyId: 100001, leaseIds: lease.id, leaseStatusTypeIds: ALL, includeLeaseHistory: 1 })).leases[0];
    expect(answer).toMatchObject({ id: lease.id, leaseSubStatus: 'Renewed' });
    expect(asArray(answer.leaseIntervals.leaseInterval).map((i: any) => i.leaseIntervalTypeName)).toEqual(['Application', 'Renewal']);

    const unitId = lease.unitId;
    const deleted = sim.control.deleteUnit({ unitId });
    expect(deleted.unitIds).toEqual([unitId]);
    const units = await call(sim, { service: 'propertyunits', method: 'getPropertyUnits', params: { propertyIds: '100001' } });
    const ids = (asArray(units.json.response.result.properties.property)[0] as any).units.unit.map((u: any) => String(u.id));
    expect(ids).not.toContain(unitId);
    expect(ids).toHaveLength(49);
  });

  it('add-lease creates a lease for a new person or an existing customer', async () => {
    const unit = sim.control.portfolio().propertyById.get('100001')!.units[0]!;
    const existing = sim.control.findLease({ propertyId: '100002', status: 'Current' })!.customers[0]!.customerId;
    const result = sim.control.addLease({
      spaceIds: [unit.spaces[0]!.id],
      customers: [
        { firstName: 'Zed', lastName: 'Newcomer', email: 'zed@example.com' },
        { customerId: existing, type: 'Co-Applicant' },
      ],
      moveInDate: '2026-11-27',
    });
    const answer = await one(result.createdLeaseIds[0]!, '100001');
    expect(answer.leaseStatusTypeId).toBe('4');
    const customers = asArray(answer.customers.customer) as any[];
    expect(customers[0]).toMatchObject({ firstName: 'Zed', customerType: 'Primary', emailAddress: 'zed@example.com' });
    expect(String(customers[1].id)).toBe(existing);
    expect(() => sim.control.addLease({})).toThrow(/unitId or spaceIds/);
  });

  it('events and reads work over HTTP', async () => {
    const found = await control(sim, 'POST', 'find', { status: 'Current', customerType: 'Co-Applicant', limit: 1 });
    expect(found.json.leases).toHaveLength(1);
    const view = found.json.leases[0];
    expect(view).toMatchObject({ status: 'Current', moveIn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    const notice = await control(sim, 'POST', 'events/notice', { leaseId: view.id, moveOutDate: '2027-02-28' });
    expect(notice.json).toMatchObject({ event: 'notice', leaseIds: [view.id] });
    expect((await control(sim, 'GET', `leases/${view.id}`)).json).toMatchObject({ status: 'Notice', moveOut: '2027-02-28' });
    expect((await control(sim, 'POST', 'events/drop', { leaseId: view.id })).json.leaseIds).toEqual([view.id]);
    expect(await one(view.id, view.propertyId)).toBeUndefined();
    const summary = (await control(sim, 'GET', 'summary')).json;
    expect(summary).toMatchObject({ date: '2026-11-27', properties: 2, byStatus: { Current: expect.any(Number) } });
    expect((await control(sim, 'POST', 'events/cancel', { leaseId: '1' })).status).toBe(400);
    expect((await control(sim, 'POST', 'nowhere')).status).toBe(404);
  });
});
