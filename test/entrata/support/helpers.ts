// Shared test helpers: fixtures, a fake clock, and a client wired to a test server.
import { readFileSync } from 'node:fs';
import { createEntrataClient, type EntrataAccountConfig, type EntrataDeps } from '../../../src/entrata/index.ts';

export function fixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** Injected time: `sleep` advances the clock at once and records how long it was asked to wait. */
export function fakeClock(start = Date.UTC(2026, 0, 15, 12)) {
  const clock = {
    t: start,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
  };
  return clock;
}

export const API_KEY = 'test-key-5f8a2c';
export const BASIC = { username: 'pebbles-api', password: 'hunter2-secret' };

/** A client of account `acme` whose baseUrl is the test server; time and jitter are injected. */
export function testClient(url: string, account: Partial<EntrataAccountConfig> = {}, deps: EntrataDeps = {}) {
  const clock = fakeClock();
  const logs: Array<{ level: string; obj: object; msg?: string }> = [];
  const logger = {
    debug: (obj: object, msg?: string) => logs.push({ level: 'debug', obj, msg }),
    info: (obj: object, msg?: string) => logs.push({ level: 'info', obj, msg }),
    warn: (obj: object, msg?: string) => logs.push({ level: 'warn', obj, msg }),
  };
  const client = createEntrataClient(
    { subdomain: 'acme', baseUrl: url, credential: { kind: 'apikey', apiKey: API_KEY }, timeoutMs: 2_000, ...account },
    { sleep: clock.sleep, now: clock.now, random: () => 0.5, logger, ...deps },
  );
  return { client, clock, logs };
}

/** The §7.2 response with its leases replaced. */
export function leasesAnswer(leases: unknown[]) {
  return { response: { requestId: '1', code: 200, result: { currencyCode: 'USD', leases: { lease: leases } } } };
}

export const pickListAnswer = () => fixture('getLeasePickList-r1.response.json');

/** A minimal valid r2 lease node; `over` replaces or (with undefined) removes keys. */
export function leaseNode(id: string | number, over: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    id: String(id),
    leaseStatusTypeId: '4',
    propertyId: '100123',
    propertyName: 'Example Commons',
    moveInDate: '08/15/2025',
    leaseIntervalStatus: 'Current',
    leaseIntervalId: `9${id}`,
    unitId: '4100001',
    unitSpaces: { unitSpace: [{ unitSpaceId: 4192001, unitSpace: '406-A' }] },
    customers: {
      customer: [
        {
          id: Number(`7${id}`),
          customerType: 'Primary',
          firstName: 'Alex',
          lastName: `Sample${id}`,
          emailAddress: `alex${id}@example.com`,
          leaseCustomerStatus: 'Current',
          moveInDate: '08/15/2025',
          phones: { phone: [{ phoneNumber: '5125550101', phoneType: 'mobile', phoneTypeName: 'Mobile', countryCode: 1 }] },
        },
      ],
    },
    leaseIntervals: {
      leaseInterval: [{ id: Number(`9${id}`), startDate: '08/15/2025', endDate: '07/31/2026', leaseIntervalTypeId: 1, leaseIntervalTypeName: 'Application' }],
    },
  };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  return base;
}

export const statusMap = () =>
  new Map([
    ['1', 'applicant'],
    ['2', 'cancelled'],
    ['3', 'future'],
    ['4', 'current'],
    ['5', 'notice'],
    ['6', 'past'],
  ] as const);
