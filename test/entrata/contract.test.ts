// Contract tests: the sample payloads of docs/entrata.md §7 served over real HTTP, with the request
// shape (URL, headers, auth, envelope, paging query) checked on every call.
import { afterEach, describe, expect, it } from 'vitest';
import { serviceUrl } from '../../src/entrata/index.ts';
import { startFakeEntrata, type FakeEntrata, type RecordedRequest, type Reply } from './support/http-server.ts';
import { API_KEY, BASIC, fixture, leaseNode, leasesAnswer, testClient } from './support/helpers.ts';

/** Answers each method with its §7 fixture. */
function entrataFromFixtures(overrides: Partial<Record<string, (r: RecordedRequest) => Reply>> = {}) {
  return (r: RecordedRequest): Reply => {
    const o = overrides[r.rpc];
    if (o) return o(r);
    switch (r.rpc) {
      case 'getStatus':
        return { json: fixture('getStatus-r1.response.json') };
      case 'getProperties':
        return { json: fixture('getProperties-r1.response.json') };
      case 'getPropertyUnits':
        return { json: fixture('getPropertyUnits-r1.response.json') };
      case 'getLeasePickList':
        return { json: fixture('getLeasePickList-r1.response.json') };
      case 'getLeases':
        return r.query.get('page_no') === '1' ? { json: fixture('getLeases-r2.response.json') } : { json: leasesAnswer([]) };
      default:
        return { status: 400, json: { response: { error: { code: 400, message: `unknown method ${r.rpc}` } } } };
    }
  };
}

let server: FakeEntrata | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function expectEnvelope(r: RecordedRequest, authType: 'apikey' | 'basic') {
  expect(r.method).toBe('POST');
  expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(r.headers.accept).toBe('application/json');
  expect(Object.keys(r.body).sort()).toEqual(['auth', 'method', 'requestId']);
  expect(r.body.auth).toEqual({ type: authType });
  expect(typeof r.body.requestId).toBe('string');
  expect(r.body.requestId).toMatch(/^\d+$/);
}

describe('request shape on the API-key gateway', () => {
  it('POSTs JSON to /ext/orgs/{subdomain}/v1/{service} with X-Api-Key and auth type apikey, and no Authorization header', async () => {
    server = await startFakeEntrata(entrataFromFixtures());
    const { client } = testClient(server.url);
    await client.getStatus();
    const [r] = server.requests;
    expect(r!.path).toBe('/ext/orgs/acme/v1/status');
    expect(r!.headers['x-api-key']).toBe(API_KEY);
    expect(r!.headers.authorization).toBeUndefined();
    expectEnvelope(r!, 'apikey');
    const sample = fixture('getStatus-r1.request.json');
    expect(r!.body.method).toEqual(sample.method);
    expect([...r!.query.keys()]).toEqual([]);
  });

  it('sends getLeases r2 exactly as §7.1, with page_no and per_page in the query string', async () => {
    server = await startFakeEntrata(entrataFromFixtures());
    const { client } = testClient(server.url);
    await client.getLeases('100123', { statuses: ['future', 'current', 'notice'] });
    const leaseCalls = server.requests.filter((r) => r.rpc === 'getLeases');
    const sample = fixture('getLeases-r2.request.json');
    expect(leaseCalls[0]!.path).toBe('/ext/orgs/acme/v1/leases');
    expect(leaseCalls[0]!.query.get('page_no')).toBe('1');
    expect(leaseCalls[0]!.query.get('per_page')).toBe('500');
    expect(leaseCalls[0]!.body.method).toEqual(sample.method);
    expect(leaseCalls[0]!.body.method.params).not.toHaveProperty('page_no');
    for (const r of server.requests) expectEnvelope(r, 'apikey');
  });

  it('sends getPropertyUnits as §7.6 (propertyIds CSV, disabled units included) to the propertyunits service', async () => {
    server = await startFakeEntrata(entrataFromFixtures());
    const { client } = testClient(server.url);
    await client.getPropertyUnits('100123');
    const [r] = server.requests;
    expect(r!.path).toBe('/ext/orgs/acme/v1/propertyunits');
    expect(r!.body.method).toEqual(fixture('getPropertyUnits-r1.request.json').method);
  });
});

describe('request shape on the legacy host', () => {
  it('POSTs to /api/v1/{service} with HTTP Basic and auth type basic, and no X-Api-Key', async () => {
    server = await startFakeEntrata(entrataFromFixtures());
    const { client } = testClient(server.url, { credential: { kind: 'basic', ...BASIC } });
    await client.getStatus();
    await client.getLeases('100123', { statuses: ['current'] });
    for (const r of server.requests) {
      expect(r.path).toMatch(/^\/api\/v1\/(status|leases)$/);
      expect(r.headers.authorization).toBe(`Basic ${Buffer.from(`${BASIC.username}:${BASIC.password}`).toString('base64')}`);
      expect(r.headers['x-api-key']).toBeUndefined();
      expectEnvelope(r, 'basic');
    }
    expect(server.requests.find((r) => r.rpc === 'getLeases')!.body.method.params.leaseStatusTypeIds).toBe('4');
  });
});

describe('service URLs without a baseUrl override', () => {
  it('the credential kind picks apis.entrata.com/ext/orgs or {subdomain}.entrata.com/api/v1', () => {
    expect(serviceUrl({ subdomain: 'acme', baseUrl: null, credential: { kind: 'apikey', apiKey: 'k' } }, 'leases')).toBe(
      'https://apis.entrata.com/ext/orgs/acme/v1/leases',
    );
    expect(serviceUrl({ subdomain: 'acme', baseUrl: null, credential: { kind: 'basic', username: 'u', password: 'p' } }, 'leases')).toBe(
      'https://acme.entrata.com/api/v1/leases',
    );
    expect(serviceUrl({ subdomain: 'acme', baseUrl: 'http://proxy:8080/entrata', credential: { kind: 'basic', username: 'u', password: 'p' } }, 'status')).toBe(
      'http://proxy:8080/entrata/api/v1/status',
    );
  });

  it('a bad subdomain, baseUrl or credential is refused when the client is made', () => {
    expect(() => testClient('http://x', { subdomain: 'acme.evil.com/' })).toThrow(/subdomain/);
    expect(() => testClient('ftp://x')).toThrow(/baseUrl/);
    expect(() => testClient('http://x', { credential: { kind: 'apikey', apiKey: ' ' } })).toThrow(/credential/);
    expect(() => testClient('http://x', { country: 'XX' })).toThrow(/country/);
  });
});

describe('§7 sample answers', () => {
  it('getStatus reads the real capture as available', async () => {
    server = await startFakeEntrata(entrataFromFixtures());
    const { client } = testClient(server.url);
    expect(await client.getStatus()).toEqual({ ok: true, status: 'Success', message: 'API service is available and running.' });
  });

  it('getProperties reads PhysicalProperty.Property with PascalCase keys', async () => {
    server = await startFakeEntrata(entrataFromFixtures());
    const { client } = testClient(server.url);
    expect(await client.getProperties()).toEqual([
      {
        id: '100123',
        name: 'Example Commons',
        type: 'Student',
        isDisabled: false,
        address: { street: '100 Campus Way', city: 'Austin', state: 'TX', postalCode: '78705', country: 'US' },
      },
    ]);
  });

  it('getPropertyUnits gives units with their building name and spaces labelled by unitNumber', async () => {
    server = await startFakeEntrata(entrataFromFixtures());
    const { client } = testClient(server.url);
    expect(await client.getPropertyUnits('100123')).toEqual([
      {
        id: '4100001',
        number: '406',
        building: '4',
        spaces: [
          { id: '4192001', label: '406-A' },
          { id: '4192002', label: '406-B' },
        ],
      },
    ]);
  });

  it('getLeasePickList maps status ids to statuses by name from @attributes', async () => {
    server = await startFakeEntrata(entrataFromFixtures());
    const { client } = testClient(server.url);
    const map = await client.getLeasePickList();
    expect([...map]).toEqual([
      ['1', 'applicant'],
      ['2', 'cancelled'],
      ['3', 'future'],
      ['4', 'current'],
      ['5', 'notice'],
      ['6', 'past'],
    ]);
  });

  it('the lease pick list is read once per client, not once per call', async () => {
    server = await startFakeEntrata(entrataFromFixtures());
    const { client } = testClient(server.url);
    await client.getLeases('100123', { statuses: ['current'] });
    await client.getLeases('100123', { statuses: ['future'] });
    await client.getLeasePickList();
    expect(server.requests.filter((r) => r.rpc === 'getLeasePickList')).toHaveLength(1);
  });

  it('status ids come from the pick list, never hard-coded: a client with other ids gets its own', async () => {
    const other = {
      response: {
        code: 200,
        result: {
          leaseStatusTypes: {
            leaseStatusType: [
              { '@attributes': { id: 11, name: 'Current' } },
              { '@attributes': { id: '12', name: 'Notice' } },
              { '@attributes': { id: 13, name: 'Future' } },
            ],
          },
        },
      },
    };
    server = await startFakeEntrata(
      entrataFromFixtures({
        getLeasePickList: () => ({ json: other }),
        getLeases: () => ({ json: leasesAnswer([]) }),
      }),
    );
    const { client } = testClient(server.url);
    await client.getLeases('100123', { statuses: ['future', 'current', 'notice'] });
    expect(server.requests.find((r) => r.rpc === 'getLeases')!.params.leaseStatusTypeIds).toBe('11,12,13');
  });

  it('the kept pick list is read again after an hour', async () => {
    server = await startFakeEntrata(entrataFromFixtures());
    const { client, clock } = testClient(server.url);
    await client.getLeasePickList();
    clock.t += 59 * 60_000;
    await client.getLeasePickList();
    clock.t += 2 * 60_000;
    await client.getLeasePickList();
    expect(server.requests.filter((r) => r.rpc === 'getLeasePickList')).toHaveLength(2);
  });

  /** An Entrata client that renumbers its statuses (1..6 → 11..16) once `state.renumbered` is set. */
  const renumbering = (state: { renumbered: boolean; refuseOldIds: boolean }) => {
    const newIds = {
      response: {
        code: 200,
        result: {
          leaseStatusTypes: {
            leaseStatusType: ['Applicant', 'Cancelled', 'Future', 'Current', 'Notice', 'Past'].map((name, i) => ({ '@attributes': { id: 11 + i, name } })),
          },
        },
      },
    };
    return entrataFromFixtures({
      getLeasePickList: () => ({ json: state.renumbered ? newIds : fixture('getLeasePickList-r1.response.json') }),
      getLeases: (r) => {
        const ids = String(r.params.leaseStatusTypeIds).split(',');
        if (state.renumbered && state.refuseOldIds && ids.some((i) => Number(i) < 11)) {
          return { json: { response: { error: { code: 305, message: `Invalid leaseStatusTypeIds value '${ids.join(',')}'.` } } } };
        }
        return { json: leasesAnswer([leaseNode(1, { leaseStatusTypeId: state.renumbered ? '14' : '4' })]) };
      },
    });
  };

  it.each([
    ['a lease carries a status id the kept pick list does not know', false],
    ['Entrata refuses the status ids of the kept pick list', true],
  ])('%s: the pick list is read again, and the leases with the new ids', async (_name, refuseOldIds) => {
    const state = { renumbered: false, refuseOldIds };
    server = await startFakeEntrata(renumbering(state));
    const { client } = testClient(server.url);
    await client.getLeasePickList();
    state.renumbered = true;
    server.requests.length = 0;
    const batch = await client.getLeases('100123', { statuses: ['current'] });
    expect(batch).toMatchObject({ quarantined: [], leases: [{ id: '1', status: 'current' }] });
    expect(server.requests.map((r) => [r.rpc, r.params.leaseStatusTypeIds])).toEqual([
      ['getLeases', '4'],
      ['getLeasePickList', undefined],
      ['getLeases', '14'],
    ]);
  });

  it('an unknown status id with a freshly read pick list quarantines the lease (no endless re-reading)', async () => {
    server = await startFakeEntrata(entrataFromFixtures({ getLeases: () => ({ json: leasesAnswer([leaseNode(1, { leaseStatusTypeId: '9' })]) }) }));
    const { client } = testClient(server.url);
    const batch = await client.getLeases('100123', { statuses: ['current'] });
    expect(batch.quarantined).toEqual([{ leaseId: '1', reason: 'leaseStatusTypeId 9 is not in the lease pick list' }]);
    expect(server.requests.filter((r) => r.rpc === 'getLeasePickList')).toHaveLength(1);
  });

  it('readPropertySnapshot turns §7.2 and §7.6 into the normalised snapshot', async () => {
    server = await startFakeEntrata(entrataFromFixtures());
    const { client } = testClient(server.url);
    const snap = await client.readPropertySnapshot('100123');
    expect(snap).toEqual({
      property: { id: '100123', name: 'Example Commons' },
      units: [
        {
          id: '4100001',
          number: '406',
          building: '4',
          spaces: [
            { id: '4192001', label: '406-A' },
            { id: '4192002', label: '406-B' },
          ],
        },
      ],
      leases: [
        {
          id: '13500001',
          status: 'current',
          unitId: '4100001',
          spaceIds: ['4192001'],
          moveIn: '2025-08-15',
          moveOut: null,
          leaseEnd: '2026-07-31',
          parentLeaseId: null,
          isTransfer: false,
          customers: [
            {
              id: '17600001',
              type: 'primary',
              status: 'current',
              moveIn: '2025-08-15',
              moveOut: null,
              firstName: 'Alex',
              lastName: 'Sample',
              email: 'alex.sample@example.com',
              // 555-555-0101 is a fictional number: no valid E.164 exists for it.
              mobile: null,
              contactProblems: ['invalid-phone'],
            },
            {
              id: '17600002',
              type: 'guarantor',
              status: 'current',
              moveIn: '2025-08-15',
              moveOut: null,
              firstName: 'Pat',
              lastName: 'Sample',
              email: null,
              mobile: null,
              contactProblems: ['no-email', 'invalid-phone'],
            },
          ],
        },
        {
          id: '13500077',
          status: 'future',
          unitId: '4100040',
          spaceIds: ['4192100'],
          moveIn: '2026-01-10',
          moveOut: null,
          leaseEnd: '2026-07-31',
          parentLeaseId: '13400555',
          isTransfer: true,
          customers: [
            {
              id: '17600050',
              type: 'primary',
              status: 'future',
              moveIn: '2026-01-10',
              moveOut: null,
              firstName: 'Sam',
              lastName: 'Example',
              email: 'sam@example.com',
              mobile: null,
              contactProblems: ['no-mobile'],
            },
          ],
        },
      ],
      quarantined: [],
    });
    expect(server.requests.map((r) => r.rpc)).toEqual(['getPropertyUnits', 'getLeasePickList', 'getLeases']);
  });

  it('reads the §7.3 r1 lease node (flat unitSpaceId, single phone, e-mail under addresses) when asked for r1', async () => {
    server = await startFakeEntrata(entrataFromFixtures({ getLeases: () => ({ json: leasesAnswer([fixture('getLeases-r1.lease.json')]) }) }));
    const { client } = testClient(server.url);
    const snap = await client.readPropertySnapshot('100123', { version: 'r1' });
    expect(server.requests.find((r) => r.rpc === 'getLeases')!.body.method.version).toBe('r1');
    expect(snap.quarantined).toEqual([]);
    expect(snap.leases[0]).toMatchObject({
      id: '13500001',
      status: 'notice',
      unitId: '4100001',
      spaceIds: ['4192001'],
      moveIn: '2025-08-15',
      moveOut: '2026-07-31',
      leaseEnd: '2026-07-31',
      parentLeaseId: null,
      isTransfer: false,
    });
    expect(snap.leases[0]!.customers[0]).toMatchObject({
      id: '17600001',
      status: 'notice',
      moveOut: '2026-07-31',
      email: 'alex.sample@example.com',
      contactProblems: ['invalid-phone'],
    });
  });

  it('the §7.5 getCustomers shape (PascalCase, @attributes.Id) reads through the same pick helper', async () => {
    const { pick, idStr, listOf } = await import('../../src/entrata/quirks.ts');
    const c = listOf(pick(fixture('getCustomers-r1.response.json').response.result, 'Customers'), 'Customer')[0];
    expect(idStr(pick(c, 'id'))).toBe('17600001');
    expect(pick(c, 'email')).toBe('alex.sample@example.com');
  });
});

describe('request ids', () => {
  it('a property read sends lease request ids that depend only on the request (equal answers stay equal); other calls unique ones', async () => {
    server = await startFakeEntrata(
      entrataFromFixtures({
        // Two pages, so that two requests of one read differ.
        getLeases: (r) => ({ json: r.query.get('page_no') === '1' ? fixture('getLeases-r2.response.json') : leasesAnswer([]) }),
      }),
    );
    const { client } = testClient(server.url);
    const first = await client.readPropertySnapshotNodes('100123');
    const again = await client.readPropertySnapshotNodes('100123');
    const leaseIds = server.requests.filter((r) => r.rpc === 'getLeases').map((r) => `${r.query.get('page_no')}:${r.body.requestId as string}`);
    for (const r of server.requests) expectEnvelope(r, 'apikey');
    const half = leaseIds.length / 2;
    expect(leaseIds.slice(half)).toEqual(leaseIds.slice(0, half));
    expect(new Set(leaseIds.slice(0, half)).size).toBe(half);
    expect(again.leases.answers).toBe(first.leases.answers);
    await client.getStatus();
    await client.getStatus();
    const statusIds = server.requests.filter((r) => r.rpc === 'getStatus').map((r) => r.body.requestId);
    expect(new Set(statusIds).size).toBe(2);
  });
});
