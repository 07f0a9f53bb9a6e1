import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { asArray, call, getLeases } from './helpers.ts';

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ seed: 'http', properties: 2, units: 60, today: '2026-11-27', rateLimits: false });
});
afterAll(() => sim.stop());

describe('auth and envelopes', () => {
  it('answers getStatus on the gateway with an API key, in the real envelope, echoing requestId as a string', async () => {
    const res = await call(sim, { service: 'status', method: 'getStatus', requestId: 15 });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.json).toEqual({ response: { requestId: '15', code: 200, result: { status: 'Success', message: 'API service is available and running.' } } });
  });

  it('answers on the legacy host with HTTP Basic, on /api/v1 and /api', async () => {
    const res = await call(sim, { style: 'legacy', service: 'status', method: 'getStatus' });
    expect(res.status).toBe(200);
    expect(res.json.response.code).toBe(200);
    const bare = await fetch(`${sim.url}/api/status`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from('demo:demo').toString('base64')}` },
      body: JSON.stringify({ auth: { type: 'basic' }, method: { name: 'getStatus' } }),
    });
    expect(bare.status).toBe(200);
  });

  it('works for any subdomain', async () => {
    const res = await call(sim, { service: 'status', method: 'getStatus', subdomain: 'someone-test-12345' });
    expect(res.json.response.code).toBe(200);
  });

  it('refuses a wrong API key or wrong basic password with HTTP 401 and response.error', async () => {
    for (const res of [
      await call(sim, { service: 'status', method: 'getStatus', apiKey: 'nope' }),
      await call(sim, { style: 'legacy', service: 'status', method: 'getStatus', basic: ['demo', 'wrong'] }),
    ]) {
      expect(res.status).toBe(401);
      expect(res.json.response.error.code).toEqual(expect.any(Number));
      expect(res.json.response.error.message).toMatch(/auth/i);
      expect(res.json.response.code).toBeUndefined();
    }
  });

  it('answers error 106 "Auth Type Required" without an auth block, and refuses the wrong auth type', async () => {
    const missing = await call(sim, { service: 'status', method: 'getStatus', auth: null });
    expect(missing.json.response.error).toEqual({ code: 106, message: 'Auth Type Required' });
    const wrongType = await call(sim, { service: 'status', method: 'getStatus', auth: { type: 'basic' } });
    expect(wrongType.status).toBe(401);
  });

  it('answers errors for an unknown method, a method on the wrong service, a bad version and a bad body', async () => {
    const unknown = await call(sim, { service: 'leases', method: 'getEverything' });
    expect(unknown.json.response.error.message).toMatch(/getEverything/);
    const wrongService = await call(sim, { service: 'properties', method: 'getLeases', params: { propertyId: 100001 } });
    expect(wrongService.json.response.error).toBeDefined();
    const noService = await call(sim, { service: 'nosuch', method: 'getStatus' });
    expect(noService.json.response.error.message).toMatch(/nosuch/);
    const badVersion = await call(sim, { service: 'leases', method: 'getLeases', version: 'r9', params: { propertyId: 100001 } });
    expect(badVersion.json.response.error.message).toMatch(/r9/);
    const badJson = await fetch(`${sim.url}/ext/orgs/acme/v1/status`, { method: 'POST', headers: { 'X-Api-Key': 'demo-key' }, body: '{nope' });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as any).response.error.code).toBeDefined();
  });

  it('accepts custom credentials', async () => {
    const custom = await startSimulator({ properties: 1, units: 5, today: '2026-11-27', credentials: { apiKey: 'k2', username: 'u', password: 'p' } });
    try {
      expect((await call(custom, { service: 'status', method: 'getStatus', apiKey: 'k2' })).status).toBe(200);
      expect((await call(custom, { service: 'status', method: 'getStatus' })).status).toBe(401);
      expect((await call(custom, { style: 'legacy', service: 'status', method: 'getStatus', basic: ['u', 'p'] })).status).toBe(200);
    } finally {
      await custom.stop();
    }
  });
});

describe('catalogue methods', () => {
  it('getProperties answers PascalCase PhysicalProperty.Property', async () => {
    const res = await call(sim, { service: 'properties', method: 'getProperties' });
    const props = asArray(res.json.response.result.PhysicalProperty.Property) as any[];
    expect(props.map((p) => String(p.PropertyID))).toEqual(['100001', '100002']);
    expect(props[0]).toMatchObject({ MarketingName: expect.any(String), Address: { '@attributes': { AddressType: 'property' }, City: expect.any(String) } });
  });

  it('getPropertyUnits answers units with spaces and building names for a CSV of property ids', async () => {
    const res = await call(sim, { service: 'propertyunits', method: 'getPropertyUnits', params: { propertyIds: '100001,100002' } });
    const props = asArray(res.json.response.result.properties.property) as any[];
    expect(props).toHaveLength(2);
    const units = asArray(props[0].units.unit) as any[];
    expect(units).toHaveLength(60);
    expect(units[0]).toMatchObject({ id: expect.any(Number), unitNumber: expect.any(String), buildingName: expect.any(String) });
    const spaces = units.flatMap((u) => asArray(u.unitSpaces.unitSpace)) as any[];
    expect(spaces[0]).toMatchObject({
      unitSpaceId: expect.any(Number),
      unitNumber: expect.stringMatching(/^\d+-[A-D]$/),
      availabilityStatus: expect.any(String),
    });
    const missing = await call(sim, { service: 'propertyunits', method: 'getPropertyUnits' });
    expect(missing.json.response.error.message).toMatch(/propertyIds/);
  });

  it('getLeasePickList answers the status types in @attributes with ids 1..6 by default', async () => {
    const res = await call(sim, { service: 'leases', method: 'getLeasePickList' });
    const types = res.json.response.result.leaseStatusTypes.leaseStatusType.map((t: any) => t['@attributes']);
    expect(types).toEqual([
      { id: 1, name: 'Applicant', type: 'NA' },
      { id: 2, name: 'Cancelled', type: 'NA' },
      { id: 3, name: 'Future', type: 'NA' },
      { id: 4, name: 'Current', type: 'Active' },
      { id: 5, name: 'Notice', type: 'Active' },
      { id: 6, name: 'Past', type: 'Completed' },
    ]);
  });

  it('getLeasePickList follows shuffled status ids, and getLeases filters and labels by them', async () => {
    const shuffled = await startSimulator({
      seed: 'http',
      properties: 1,
      units: 30,
      today: '2026-11-27',
      statusTypeIds: { Applicant: 11, Cancelled: 12, Future: 13, Current: 14, Notice: 15, Past: 16 },
    });
    try {
      const pick = await call(shuffled, { service: 'leases', method: 'getLeasePickList' });
      const current = pick.json.response.result.leaseStatusTypes.leaseStatusType.find((t: any) => t['@attributes'].name === 'Current');
      expect(current['@attributes'].id).toBe(14);
      const { leases } = await getLeases(shuffled, { propertyId: 100001, leaseStatusTypeIds: '14' });
      expect(leases.length).toBeGreaterThan(0);
      for (const lease of leases) expect(lease.leaseStatusTypeId).toBe('14');
      const old = await getLeases(shuffled, { propertyId: 100001, leaseStatusTypeIds: '4' });
      expect(old.result.json.response.error).toBeDefined();
    } finally {
      await shuffled.stop();
    }
  });

  it('getCustomers answers PascalCase customers with @attributes and their lease ids', async () => {
    const res = await call(sim, { service: 'customers', method: 'getCustomers', params: { propertyId: 100001 } });
    const customers = asArray(res.json.response.result.Customers.Customer) as any[];
    expect(customers.length).toBeGreaterThan(20);
    expect(customers[0]).toMatchObject({ '@attributes': { Id: expect.stringMatching(/^\d+$/) }, FirstName: expect.any(String), LeaseId: expect.any(Array) });
    expect(customers[0].LeaseId[0].Identification[0]).toMatchObject({ IDValue: expect.stringMatching(/^\d+$/), '@attributes': { IDType: 'LeaseID' } });
  });
});

describe('getLeases filters', () => {
  it('requires one propertyId', async () => {
    expect((await getLeases(sim, {})).result.json.response.error.message).toMatch(/propertyId/);
    expect((await getLeases(sim, { propertyId: '100001,100002' })).result.json.response.error).toBeDefined();
  });

  it('filters by status ids, lease ids, customer, unit number, building and move-in range', async () => {
    const portfolio = sim.control.portfolio();
    const current = sim.control.findLease({ propertyId: '100001', status: 'Current' })!;
    const byId = await getLeases(sim, { propertyId: 100001, leaseIds: current.id, leaseStatusTypeIds: '1,2,3,4,5,6' });
    expect(byId.leases.map((l) => l.id)).toEqual([current.id]);

    const futureOnly = await getLeases(sim, { propertyId: 100001, leaseStatusTypeIds: '3' });
    expect(futureOnly.leases.length).toBeGreaterThan(0);
    expect(new Set(futureOnly.leases.map((l) => l.leaseStatusTypeId))).toEqual(new Set(['3']));

    const customerId = current.customers[0]!.customerId;
    const byCustomer = await getLeases(sim, { propertyId: 100001, customerId, leaseStatusTypeIds: '1,2,3,4,5,6' });
    expect(byCustomer.leases.map((l) => l.id)).toContain(current.id);
    for (const lease of byCustomer.leases) expect(asArray(lease.customers.customer).some((c: any) => String(c.id) === customerId)).toBe(true);

    const unit = portfolio.unitById.get(current.unitId)!;
    const building = portfolio.propertyById.get('100001')!.buildings.find((b) => b.id === unit.buildingId)!;
    const byUnit = await getLeases(sim, { propertyId: 100001, unitNumber: unit.number, buildingName: building.name, leaseStatusTypeIds: '4' });
    expect(byUnit.leases.map((l) => l.id)).toContain(current.id);
    for (const lease of byUnit.leases) expect(lease.unitId).toBe(unit.id);

    const byMoveIn = await getLeases(sim, { propertyId: 100001, moveInDateFrom: '08/15/2026', moveInDateTo: '08/15/2026', leaseStatusTypeIds: '4,5' });
    expect(byMoveIn.leases.length).toBeGreaterThan(0);
    for (const lease of byMoveIn.leases) expect(lease.moveInDate).toBe('08/15/2026');
    expect((await getLeases(sim, { propertyId: 100001, moveInDateFrom: '2026-08-15' })).result.json.response.error.message).toMatch(/MM\/DD\/YYYY/);
  });

  it('leaves out Cancelled leases when no status ids are given', async () => {
    const { leases } = await getLeases(sim, { propertyId: 100001 }, { query: { per_page: 1000 } });
    expect(leases.some((l) => l.leaseStatusTypeId === '2')).toBe(false);
  });

  it('answers r1 in its flat shape with strings, building names and lifecycle fields', async () => {
    const { leases } = await getLeases(sim, { propertyId: 100001, leaseStatusTypeIds: '5' }, { version: 'r1' });
    expect(leases.length).toBeGreaterThan(0);
    const lease = leases[0];
    expect(lease).toMatchObject({
      id: expect.stringMatching(/^\d+$/),
      buildingName: expect.any(String),
      unitNumberSpace: expect.stringMatching(/^\d+-[A-D]$/),
      unitSpaceId: expect.stringMatching(/^\d+$/),
      moveOutDate: expect.stringMatching(/^\d{2}\/\d{2}\/\d{4}$/),
      isMonthToMonth: '0',
    });
    const customer = asArray(lease.customers.customer)[0] as any;
    expect(typeof customer.id).toBe('string');
    expect(asArray(lease.leaseActivities.leasesActivity).length).toBeGreaterThan(0);
  });
});
