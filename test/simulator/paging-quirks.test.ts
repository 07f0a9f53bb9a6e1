import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { asArray, call, getLeases, walk } from './helpers.ts';

const ALL = '1,2,3,4,5,6';
let sim: RunningSimulator;
let total: number;

beforeAll(async () => {
  sim = await startSimulator({ seed: 'paging', properties: 1, units: 260, today: '2026-11-27', rateLimits: false });
  total = sim.control.findLeases({ propertyId: '100001' }).length;
});
afterAll(() => sim.stop());

describe('paging', () => {
  it('has a property bigger than the 500 cap', () => {
    expect(total).toBeGreaterThan(700);
  });

  it('pages by query string, 500 by default, until a short page; every lease exactly once, in id order', async () => {
    const seen: string[] = [];
    for (let page = 1; ; page++) {
      const { leases } = await getLeases(sim, { propertyId: 100001, leaseStatusTypeIds: ALL }, { query: { page_no: page } });
      seen.push(...leases.map((l) => l.id));
      if (leases.length < 500) break;
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect([...seen].sort((a, b) => Number(a) - Number(b))).toEqual(seen);
    const { leases: firstPage } = await getLeases(sim, { propertyId: 100001, leaseStatusTypeIds: ALL });
    expect(firstPage).toHaveLength(500);
  });

  it('honours per_page and answers the page_no error past the last page', async () => {
    const last = Math.ceil(total / 100);
    const { leases } = await getLeases(sim, { propertyId: 100001, leaseStatusTypeIds: ALL }, { query: { page_no: last, per_page: 100 } });
    expect(leases).toHaveLength(total - (last - 1) * 100);
    const past = await getLeases(sim, { propertyId: 100001, leaseStatusTypeIds: ALL }, { query: { page_no: last + 1, per_page: 100 } });
    expect(past.leases).toHaveLength(0);
    expect(past.result.json.response.error.message).toMatch(/page_no.*value must be between/);
  });

  it('rejects per_page outside 5..1000 and ignores paging fields inside params', async () => {
    for (const perPage of [4, 1001]) {
      const res = await getLeases(sim, { propertyId: 100001 }, { query: { per_page: perPage } });
      expect(res.result.json.response.error.message).toMatch(/per_page.*between 5 and 1000/);
    }
    const { leases } = await getLeases(sim, { propertyId: 100001, leaseStatusTypeIds: ALL, page_no: 2, per_page: 10 });
    expect(leases).toHaveLength(500);
  });

  it('sends X-Total-Count when asked with X-Send-Pagination-Links', async () => {
    const res = await getLeases(sim, { propertyId: 100001, leaseStatusTypeIds: ALL }, { headers: { 'X-Send-Pagination-Links': '1' }, query: { per_page: 5 } });
    expect(res.result.headers.get('x-total-count')).toBe(String(total));
  });

  it('in capped mode ignores paging and answers the first 500 only', async () => {
    sim.control.setCapMode('capped');
    try {
      const page1 = await getLeases(sim, { propertyId: 100001, leaseStatusTypeIds: ALL }, { query: { page_no: 1, per_page: 1000 } });
      const page2 = await getLeases(sim, { propertyId: 100001, leaseStatusTypeIds: ALL }, { query: { page_no: 2, per_page: 1000 } });
      expect(page1.leases).toHaveLength(500);
      expect(page2.leases.map((l) => l.id)).toEqual(page1.leases.map((l) => l.id));
      // Splitting by move-in date is how a client gets the rest.
      const early = await getLeases(sim, { propertyId: 100001, leaseStatusTypeIds: ALL, moveInDateTo: '08/15/2026' });
      const late = await getLeases(sim, { propertyId: 100001, leaseStatusTypeIds: ALL, moveInDateFrom: '08/16/2026' });
      expect(early.leases.length + late.leases.length).toBeLessThanOrEqual(1000);
    } finally {
      sim.control.setCapMode('paged');
    }
  });

  it('starts in capped mode with the capMode option', async () => {
    const capped = await startSimulator({ seed: 'paging', properties: 1, units: 260, today: '2026-11-27', capMode: 'capped', rateLimits: false });
    try {
      const { leases } = await getLeases(capped, { propertyId: 100001, leaseStatusTypeIds: ALL }, { query: { page_no: 2 } });
      expect(leases).toHaveLength(500);
    } finally {
      await capped.stop();
    }
  });
});

describe('quirks', () => {
  let leases: any[];
  beforeAll(async () => {
    ({ leases } = await getLeases(sim, { propertyId: 100001, leaseStatusTypeIds: ALL, includeLeaseHistory: 1 }, { query: { per_page: 1000 } }));
  });

  it('never sends null: optional keys are left out', () => {
    const nulls = [...walk(leases)].filter(([, value]) => value === null).map(([path]) => path);
    expect(nulls).toEqual([]);
    expect(leases.some((l) => l.moveOutDate === undefined)).toBe(true);
    expect(leases.some((l) => l.moveOutDate !== undefined)).toBe(true);
    expect(leases.some((l) => asArray(l.customers.customer).some((c: any) => c.emailAddress === undefined))).toBe(true);
  });

  it('mixes string and number ids exactly as the r2 capture does', () => {
    for (const lease of leases) {
      expect(typeof lease.id).toBe('string');
      expect(typeof lease.propertyId).toBe('string');
      expect(typeof lease.unitId).toBe('string');
      expect(typeof lease.leaseStatusTypeId).toBe('string');
      expect(typeof lease.leaseIntervalId).toBe('string');
      expect([0, 1]).toContain(lease.isMonthToMonth);
      for (const c of asArray(lease.customers.customer) as any[]) expect(typeof c.id).toBe('number');
      for (const s of asArray(lease.unitSpaces.unitSpace) as any[]) expect(typeof s.unitSpaceId).toBe('number');
      for (const i of asArray(lease.leaseIntervals.leaseInterval) as any[]) {
        expect(typeof i.id).toBe('number');
        expect(typeof i.leaseIntervalTypeId).toBe('number');
        const app = asArray(i.applications.application)[0] as any;
        expect(typeof app.id).toBe('string');
        expect(['t', 'f']).toContain(app.isActiveLeaseInterval);
      }
    }
  });

  it('collapses one-element lists into single objects on some leases, deterministically', async () => {
    const collapsed = leases.filter((l) => !Array.isArray(l.customers.customer) || !Array.isArray(l.unitSpaces.unitSpace));
    const arrays = leases.filter((l) => Array.isArray(l.unitSpaces.unitSpace));
    expect(collapsed.length).toBeGreaterThan(leases.length * 0.1);
    expect(arrays.length).toBeGreaterThan(leases.length * 0.5);
    const again = await getLeases(sim, { propertyId: 100001, leaseIds: collapsed[0].id, leaseStatusTypeIds: ALL });
    expect(Array.isArray(again.leases[0].unitSpaces.unitSpace)).toBe(Array.isArray(collapsed[0].unitSpaces.unitSpace));
  });

  it('writes dates as MM/DD/YYYY and timestamps in Mountain time with 0, 4, 5 or 6 fraction digits', () => {
    const digits = new Set<number>();
    const zones = new Set<string>();
    for (const lease of leases) {
      expect(lease.moveInDate).toMatch(/^\d{2}\/\d{2}\/\d{4}$/);
      for (const i of asArray(lease.leaseIntervals.leaseInterval) as any[]) {
        const m = /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}(?:\.(\d+))? (MST|MDT)$/.exec(i.intervalDateTime);
        expect(m, i.intervalDateTime).not.toBeNull();
        digits.add(m![1]?.length ?? 0);
        zones.add(m![2]!);
      }
    }
    expect(digits).toEqual(new Set([0, 4, 5, 6]));
    expect(zones).toEqual(new Set(['MST', 'MDT']));
  });

  it('leaves the move-out out of some Notice leases whose move-out is the interval end (rule W3 fallback)', () => {
    const notice = leases.filter((l) => l.leaseStatusTypeId === '5');
    const hidden = notice.filter((l) => l.moveOutDate === undefined);
    expect(hidden.length).toBeGreaterThan(0);
    expect(hidden.length).toBeLessThan(notice.length / 2);
    for (const lease of hidden) {
      const lastInterval = asArray(lease.leaseIntervals.leaseInterval).find(
        (i: any) => asArray(i.applications.application)[0].isActiveLeaseInterval === 't',
      ) as any;
      expect(sim.control.lease(lease.id)!.moveOut).toBe(
        Date.UTC(+lastInterval.endDate.slice(6), +lastInterval.endDate.slice(0, 2) - 1, +lastInterval.endDate.slice(3, 5)) / 86_400_000,
      );
    }
  });

  it('flags emergency contacts access as "0"/"1" strings', () => {
    const contacts = leases.flatMap((l) => asArray(l.customers.customer).flatMap((c: any) => asArray(c.customerContacts?.customerContact))) as any[];
    expect(contacts.length).toBeGreaterThan(0);
    for (const c of contacts) expect(['0', '1']).toContain(c.hasAccessToUnit);
  });

  it('shows renewals, transfers and roommate move-outs in the answer', () => {
    expect(leases.some((l) => l.leaseSubStatus === 'Renewed' && asArray(l.leaseIntervals.leaseInterval).length === 2)).toBe(true);
    const transfer = leases.find((l) => l.parentLeaseId !== undefined);
    expect(transfer).toBeDefined();
    expect(asArray(transfer.leaseIntervals.leaseInterval).some((i: any) => i.leaseIntervalTypeName === 'Transfer' && i.leaseIntervalTypeId === 5)).toBe(true);
    expect(
      leases.some(
        (l) =>
          l.leaseStatusTypeId === '4' &&
          asArray(l.customers.customer).some((c: any) => c.customerType === 'Co-Applicant' && c.leaseCustomerStatus === 'Past' && c.moveOutDate),
      ),
    ).toBe(true);
  });

  it('with quirks off answers arrays everywhere and string ids', async () => {
    const tidy = await startSimulator({ seed: 'paging', properties: 1, units: 40, today: '2026-11-27', quirks: false });
    try {
      const { leases: plain } = await getLeases(tidy, { propertyId: 100001, leaseStatusTypeIds: ALL });
      for (const lease of plain) {
        expect(Array.isArray(lease.customers.customer)).toBe(true);
        expect(Array.isArray(lease.unitSpaces.unitSpace)).toBe(true);
        for (const c of lease.customers.customer) expect(typeof c.id).toBe('string');
      }
    } finally {
      await tidy.stop();
    }
  });
});

describe('determinism', () => {
  it('two simulators with the same seed answer byte-identical bodies', async () => {
    const a = await startSimulator({ seed: 'same', properties: 2, units: 40, today: '2026-11-27' });
    const b = await startSimulator({ seed: 'same', properties: 2, units: 40, today: '2026-11-27' });
    try {
      for (const [service, method, params] of [
        ['leases', 'getLeases', { propertyId: 100002, leaseStatusTypeIds: ALL }],
        ['propertyunits', 'getPropertyUnits', { propertyIds: '100001,100002' }],
        ['customers', 'getCustomers', { propertyId: 100001 }],
      ] as const) {
        const ra = await call(a, { service, method, version: method === 'getLeases' ? 'r2' : undefined, params });
        const rb = await call(b, { service, method, version: method === 'getLeases' ? 'r2' : undefined, params });
        expect(ra.text).toBe(rb.text);
        expect(ra.json.response.code).toBe(200);
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
