// Reading every lease: query-string paging, its end signals, duplicates, and the 500-lease cap.
import { afterEach, describe, expect, it } from 'vitest';
import { EntrataError } from '../../src/entrata/index.ts';
import { startFakeEntrata, type FakeEntrata } from './support/http-server.ts';
import { fixture, leaseNode, leasesAnswer, testClient } from './support/helpers.ts';
import { dayAfter, makeLeases, node, startLeaseStore, type StoredLease } from './support/lease-store.ts';

let server: FakeEntrata | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const leaseCalls = (s: FakeEntrata) => s.requests.filter((r) => r.rpc === 'getLeases');
const ids = (batch: { leases: Array<{ id: string }> }) => batch.leases.map((l) => Number(l.id));
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('paging through the query string', () => {
  it('reads pages 1, 2, 3 with page_no/per_page until a short page', async () => {
    server = await startLeaseStore(makeLeases(1, 1200), { paging: 'query' });
    const { client } = testClient(server.url);
    const batch = await client.getLeases('100123', { statuses: ['current'] });
    expect(ids(batch)).toEqual(range(1, 1200));
    expect(leaseCalls(server).map((r) => [r.query.get('page_no'), r.query.get('per_page')])).toEqual([
      ['1', '500'],
      ['2', '500'],
      ['3', '500'],
    ]);
    for (const r of leaseCalls(server)) expect(r.params).not.toHaveProperty('page_no');
  });

  it.each(['error', 'error-400'] as const)('stops at the past-the-end error ("page_no … value must be between") without failing (%s)', async (pastEnd) => {
    server = await startLeaseStore(makeLeases(1, 1000), { paging: 'query', pastEnd });
    const { client } = testClient(server.url);
    const batch = await client.getLeases('100123', { statuses: ['current'] });
    expect(batch.leases).toHaveLength(1000);
    expect(leaseCalls(server)).toHaveLength(3);
  });

  it('the past-the-end error on page 1 means no leases', async () => {
    server = await startLeaseStore([], { paging: 'query', pastEnd: 'error' });
    const { client } = testClient(server.url);
    expect(await client.getLeases('100123', { statuses: ['current'] })).toEqual({ leases: [], quarantined: [] });
  });

  it('an empty page after full pages ends paging too', async () => {
    server = await startLeaseStore(makeLeases(1, 1000), { paging: 'query', pastEnd: 'empty' });
    const { client } = testClient(server.url);
    expect((await client.getLeases('100123', { statuses: ['current'] })).leases).toHaveLength(1000);
    expect(leaseCalls(server)).toHaveLength(3);
  });

  it('per_page follows the account setting', async () => {
    server = await startLeaseStore(makeLeases(1, 120), { paging: 'query' });
    const { client } = testClient(server.url, { perPage: 50 });
    expect((await client.getLeases('100123', { statuses: ['current'] })).leases).toHaveLength(120);
    expect(leaseCalls(server).map((r) => r.query.get('per_page'))).toEqual(['50', '50', '50']);
  });

  it('duplicate ids across pages do not duplicate leases', async () => {
    const all = makeLeases(1, 700).map(node);
    server = await startFakeEntrata((r) => {
      if (r.rpc === 'getLeasePickList') return { json: fixture('getLeasePickList-r1.response.json') };
      // Page 2 overlaps page 1 by 20 leases (a lease moved while we paged).
      const page = r.query.get('page_no') === '1' ? all.slice(0, 500) : all.slice(480, 700);
      return { json: leasesAnswer(page) };
    });
    const { client } = testClient(server.url);
    const batch = await client.getLeases('100123', { statuses: ['current'] });
    expect(ids(batch)).toEqual(range(1, 700));
  });

  it('pages that repeat below the cap are taken as complete (one call per page, no split)', async () => {
    const few = makeLeases(1, 120);
    server = await startLeaseStore(few, { paging: 'ignored' });
    const { client } = testClient(server.url);
    expect((await client.getLeases('100123', { statuses: ['current', 'notice'] })).leases).toHaveLength(120);
    expect(leaseCalls(server)).toHaveLength(1);
  });
});

describe('the 500 cap: split until every part is under it', () => {
  it('a capped answer that paging does not lift is split by status, one status id per call', async () => {
    const leases = [...makeLeases(1, 300, { statusId: '3' }), ...makeLeases(1001, 400, { statusId: '4' }), ...makeLeases(2001, 200, { statusId: '5' })];
    server = await startLeaseStore(leases, { paging: 'ignored' });
    const { client } = testClient(server.url);
    const batch = await client.getLeases('100123', { statuses: ['future', 'current', 'notice'] });
    expect(ids(batch)).toEqual(leases.map((l) => l.id));
    const calls = leaseCalls(server).map((r) => [r.params.leaseStatusTypeIds, r.query.get('page_no')]);
    expect(calls).toEqual([
      ['3,4,5', '1'],
      ['3,4,5', '2'],
      ['3', '1'],
      ['4', '1'],
      ['5', '1'],
    ]);
  });

  it('then by building (names from getPropertyUnits) when one status is still capped', async () => {
    const leases = [
      ...makeLeases(1, 450, { building: 'North' }),
      ...makeLeases(1001, 450, { building: 'South' }),
      ...makeLeases(2001, 300, { building: 'East' }),
      ...makeLeases(3001, 100, { statusId: '3', building: 'East' }),
    ];
    server = await startLeaseStore(leases, { paging: 'ignored' });
    const { client } = testClient(server.url);
    const batch = await client.getLeases('100123', { statuses: ['future', 'current'] });
    expect(ids(batch)).toEqual(leases.map((l) => l.id).sort((a, b) => a - b));
    const byBuilding = leaseCalls(server)
      .filter((r) => r.params.buildingName)
      .map((r) => [r.params.leaseStatusTypeIds, r.params.buildingName]);
    expect(byBuilding).toEqual([
      ['4', 'East'],
      ['4', 'North'],
      ['4', 'South'],
    ]);
    expect(server.requests.filter((r) => r.rpc === 'getPropertyUnits')).toHaveLength(1);
  });

  it('then by halving the move-in date range (MM/DD/YYYY) until each part is under the cap', async () => {
    const leases = makeLeases(1, 1300, { moveInDay: (i) => dayAfter('2024-01-01', i % 900) });
    server = await startLeaseStore(leases, { paging: 'ignored' });
    const { client } = testClient(server.url);
    const batch = await client.getLeases('100123', { statuses: ['current'] });
    expect(ids(batch)).toEqual(range(1, 1300));
    const dated = leaseCalls(server).filter((r) => r.params.moveInDateFrom);
    expect(dated.length).toBeGreaterThan(2);
    for (const r of dated) {
      expect(r.params.moveInDateFrom).toMatch(/^\d{2}\/\d{2}\/\d{4}$/);
      expect(r.params.moveInDateTo).toMatch(/^\d{2}\/\d{2}\/\d{4}$/);
    }
  });

  it('a property with more than 500 leases per status, building and date is read whole (status, building and date splits together)', async () => {
    const leases: StoredLease[] = [
      ...makeLeases(1, 700, { statusId: '4', building: 'A', moveInDay: (i) => dayAfter('2025-08-01', i % 40) }),
      ...makeLeases(10_001, 300, { statusId: '4', building: 'B' }),
      ...makeLeases(20_001, 350, { statusId: '5', building: 'A' }),
      ...makeLeases(30_001, 250, { statusId: '3', building: 'B' }),
    ];
    server = await startLeaseStore(leases, { paging: 'ignored' });
    const { client } = testClient(server.url);
    const snap = await client.readPropertySnapshot('100123');
    expect(snap.leases.map((l) => Number(l.id))).toEqual(leases.map((l) => l.id).sort((a, b) => a - b));
    expect(snap.quarantined).toEqual([]);
    // The units of the snapshot served the building split: getPropertyUnits was read once.
    expect(server.requests.filter((r) => r.rpc === 'getPropertyUnits')).toHaveLength(1);
  });

  it('units without a building name: the building split is skipped (it would miss them) for the date split', async () => {
    const leases = [...makeLeases(1, 400, { building: 'A' }), ...makeLeases(1001, 300, { building: null, moveIn: '2025-09-01' })];
    server = await startLeaseStore(leases, { paging: 'ignored' });
    const { client } = testClient(server.url);
    expect((await client.getLeases('100123', { statuses: ['current'] })).leases).toHaveLength(700);
    expect(leaseCalls(server).some((r) => r.params.buildingName)).toBe(false);
  });

  it('still capped for a single move-in day: the read fails with a clear typed error, never a partial property', async () => {
    const leases = [...makeLeases(1, 501, { moveIn: '2025-08-15' }), ...makeLeases(5001, 10, { moveIn: '2025-09-01' })];
    server = await startLeaseStore(leases, { paging: 'ignored' });
    const { client } = testClient(server.url);
    const err = await client.readPropertySnapshot('100123').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EntrataError);
    expect(err).toMatchObject({ kind: 'capped', service: 'leases', method: 'getLeases', isEntrataFailure: true });
    expect((err as EntrataError).message).toMatch(/500 leases.*move-in 2025-08-15 to 2025-08-15/);
  });

  it('when paging works, a capped first page is simply followed by the next pages (no split)', async () => {
    server = await startLeaseStore(makeLeases(1, 1400, { statusId: '4' }), { paging: 'query', cap: 500 });
    const { client } = testClient(server.url);
    expect((await client.getLeases('100123', { statuses: ['current', 'notice'] })).leases).toHaveLength(1400);
    expect(leaseCalls(server).every((r) => r.params.leaseStatusTypeIds === '4,5')).toBe(true);
  });
});

describe('leases by id, customer and unit (S2, O5)', () => {
  it('readLeasesByIds asks for every status (Past and Cancelled too), 100 ids per call', async () => {
    const leases = makeLeases(1, 250, { statusId: '6' });
    server = await startLeaseStore(leases, { paging: 'query' });
    const { client } = testClient(server.url);
    const batch = await client.readLeasesByIds(
      '100123',
      leases.map((l) => String(l.id)),
    );
    expect(batch.leases.map((l) => l.status)).toEqual(Array(250).fill('past'));
    const calls = leaseCalls(server);
    expect(calls.map((r) => r.params.leaseIds.split(',').length)).toEqual([100, 100, 50]);
    for (const r of calls) expect(r.params.leaseStatusTypeIds).toBe('1,2,3,4,5,6');
  });

  it('readLeasesByIds keeps only the asked leases, even when Entrata ignores the leaseIds filter', async () => {
    server = await startFakeEntrata((r) =>
      r.rpc === 'getLeasePickList'
        ? { json: fixture('getLeasePickList-r1.response.json') }
        : { json: leasesAnswer([leaseNode(1), leaseNode(2), leaseNode(3)]) },
    );
    const { client } = testClient(server.url);
    expect(ids(await client.readLeasesByIds('100123', ['3', '1', '99']))).toEqual([1, 3]);
  });

  it('readLeasesByCustomer sends customerId; readLeasesByUnit sends unitNumber and buildingName and keeps that unit only', async () => {
    const leases = [
      ...makeLeases(1, 3, { customerId: 555, unitNumber: '406', building: 'A', unitId: '41' }),
      ...makeLeases(10, 2, { unitNumber: '406', building: 'A', unitId: '42' }),
    ];
    server = await startLeaseStore(leases, { paging: 'query' });
    const { client } = testClient(server.url);
    expect(ids(await client.readLeasesByCustomer('100123', '555'))).toEqual([1, 2, 3]);
    expect(leaseCalls(server)[0]!.params).toMatchObject({ customerId: 555, leaseStatusTypeIds: '1,2,3,4,5,6' });
    expect(ids(await client.readLeasesByUnit('100123', { unitNumber: '406', buildingName: 'A', unitId: '42' }))).toEqual([10, 11]);
    expect(leaseCalls(server)[1]!.params).toMatchObject({ unitNumber: '406', buildingName: 'A' });
  });

  it('getLeases passes lease ids, move-in range and building filters through as Entrata params', async () => {
    server = await startFakeEntrata((r) =>
      r.rpc === 'getLeasePickList' ? { json: fixture('getLeasePickList-r1.response.json') } : { json: leasesAnswer([leaseNode(5)]) },
    );
    const { client } = testClient(server.url);
    await client.getLeases('100123', {
      statuses: ['past', 'cancelled'],
      buildingName: 'B',
      moveInFrom: '2025-01-01' as never,
      moveInTo: '2025-06-30' as never,
    });
    expect(leaseCalls(server)[0]!.params).toEqual({
      propertyId: 100123,
      leaseStatusTypeIds: '2,6',
      buildingName: 'B',
      moveInDateFrom: '01/01/2025',
      moveInDateTo: '06/30/2025',
      includeOtherIncomeLeases: 0,
      includeLeaseHistory: 0,
    });
  });
});
