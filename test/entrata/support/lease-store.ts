// A fake getLeases over a store of leases: filters like Entrata (status ids, lease ids, customer,
// unit, building, move-in range), pages through the query string or ignores paging, and caps answers.
import { fixture } from './helpers.ts';
import { startFakeEntrata, type RecordedRequest, type Reply } from './http-server.ts';

export interface StoredLease {
  id: number;
  statusId: string;
  unitId: string;
  unitNumber: string;
  building: string | null;
  /** YYYY-MM-DD */
  moveIn: string;
  customerId: number;
}

export interface StoreOptions {
  cap?: number;
  /** 'query': page_no/per_page honoured; 'ignored': every page is the first (capped) answer. */
  paging: 'query' | 'ignored';
  /** Past the last page: an error (as LeaseFileAudit saw) or an empty page. */
  pastEnd?: 'error' | 'error-400' | 'empty';
}

const iso = (mdy: string) => {
  const [m, d, y] = mdy.split('/');
  return `${y}-${m}-${d}`;
};

export function node(l: StoredLease) {
  return {
    id: String(l.id),
    leaseStatusTypeId: l.statusId,
    propertyId: '100123',
    moveInDate: `${l.moveIn.slice(5, 7)}/${l.moveIn.slice(8, 10)}/${l.moveIn.slice(0, 4)}`,
    unitId: l.unitId,
    unitSpaces: { unitSpace: [{ unitSpaceId: Number(l.unitId) * 10 + 1, unitSpace: `${l.unitNumber}-A` }] },
    customers: { customer: [{ id: l.customerId, customerType: 'Primary', firstName: 'R', lastName: String(l.id), leaseCustomerStatus: 'Current' }] },
  };
}

export function matching(leases: StoredLease[], p: Record<string, any>): StoredLease[] {
  const statuses = p.leaseStatusTypeIds ? String(p.leaseStatusTypeIds).split(',') : null;
  const ids = p.leaseIds ? String(p.leaseIds).split(',').map(Number) : null;
  return leases
    .filter((l) => !statuses || statuses.includes(l.statusId))
    .filter((l) => !ids || ids.includes(l.id))
    .filter((l) => p.customerId === undefined || Number(p.customerId) === l.customerId)
    .filter((l) => p.buildingName === undefined || l.building === p.buildingName)
    .filter((l) => p.unitNumber === undefined || l.unitNumber === p.unitNumber)
    .filter((l) => p.moveInDateFrom === undefined || l.moveIn >= iso(p.moveInDateFrom))
    .filter((l) => p.moveInDateTo === undefined || l.moveIn <= iso(p.moveInDateTo))
    .sort((a, b) => a.id - b.id);
}

export function unitsAnswer(leases: StoredLease[]) {
  const units = new Map<string, object>();
  for (const l of leases) {
    units.set(l.unitId, {
      id: Number(l.unitId),
      unitNumber: l.unitNumber,
      ...(l.building ? { buildingName: l.building } : {}),
      unitSpaces: { unitSpace: { unitSpaceId: Number(l.unitId) * 10 + 1, unitNumber: `${l.unitNumber}-A` } },
    });
  }
  return {
    response: {
      code: 200,
      result: { properties: { property: { propertyId: 100123, propertyName: 'Example Commons', units: { unit: [...units.values()] } } } },
    },
  };
}

export function storeHandler(leases: StoredLease[], opts: StoreOptions) {
  const cap = opts.cap ?? 500;
  return (r: RecordedRequest): Reply => {
    if (r.rpc === 'getLeasePickList') return { json: fixture('getLeasePickList-r1.response.json') };
    if (r.rpc === 'getPropertyUnits') return { json: unitsAnswer(leases) };
    if (r.rpc !== 'getLeases') return { status: 400, json: { response: { error: { code: 400, message: 'unknown' } } } };
    const all = matching(leases, r.params);
    let page = all;
    if (opts.paging === 'query') {
      const pageNo = Number(r.query.get('page_no') ?? 1);
      const perPage = Number(r.query.get('per_page') ?? cap);
      const lastPage = Math.max(1, Math.ceil(all.length / perPage));
      if (pageNo > lastPage && opts.pastEnd?.startsWith('error')) {
        return {
          status: opts.pastEnd === 'error-400' ? 400 : 200,
          json: { response: { requestId: '1', error: { code: 301, message: `page_no: The value must be between 1 and ${lastPage}.` } } },
        };
      }
      page = all.slice((pageNo - 1) * perPage, pageNo * perPage);
    }
    return { json: { response: { requestId: '1', code: 200, result: { currencyCode: 'USD', leases: { lease: page.slice(0, cap).map(node) } } } } };
  };
}

export async function startLeaseStore(leases: StoredLease[], opts: StoreOptions) {
  return startFakeEntrata(storeHandler(leases, opts));
}

/** `n` leases with ids from `firstId`, spread as `spec` says. */
export function makeLeases(firstId: number, n: number, spec: Partial<Omit<StoredLease, 'id'>> & { moveInDay?: (i: number) => string } = {}): StoredLease[] {
  return Array.from({ length: n }, (_, i) => ({
    id: firstId + i,
    statusId: spec.statusId ?? '4',
    unitId: spec.unitId ?? String(4_000_000 + firstId + i),
    unitNumber: spec.unitNumber ?? String(firstId + i),
    building: spec.building === undefined ? 'A' : spec.building,
    moveIn: spec.moveInDay ? spec.moveInDay(i) : (spec.moveIn ?? '2025-08-15'),
    customerId: spec.customerId ?? 7_000_000 + firstId + i,
  }));
}

/** Day `i` after `start` as YYYY-MM-DD. */
export const dayAfter = (start: string, i: number) => new Date(Date.parse(`${start}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10);
