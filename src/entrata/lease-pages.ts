// Reading every lease a getLeases query matches: query-string paging, de-duplication, and the
// 500-lease cap (docs/entrata.md §1.6): a capped answer that paging does not lift is split by status,
// then by building, then by halving the move-in date range, down to one day.
import { EntrataError, isPastLastPage } from './errors.ts';
import { idStr, listOf, pick, toEntrataDate } from './quirks.ts';
import { asLocalDate, type LocalDate } from '../engine/snapshot.ts';
import type { EntrataLogger } from './transport.ts';

/** Entrata's observed getLeases cap. */
export const LEASE_CAP = 500;
/** Move-in bounds of the date split: wide enough for any lease Entrata holds. */
export const EARLIEST_MOVE_IN = asLocalDate('1900-01-01');
export const LATEST_MOVE_IN = asLocalDate('2199-12-31');
/** A query returning new leases on more pages than this is treated as broken paging. */
const MAX_PAGES = 1000;

export interface LeaseQuery {
  propertyId: string;
  version: 'r1' | 'r2';
  /** Lease status type ids (always sent: the default is undocumented). */
  statusIds: string[];
  leaseIds?: string[];
  customerId?: string;
  unitNumber?: string;
  buildingName?: string;
  moveInFrom?: LocalDate;
  moveInTo?: LocalDate;
}

export interface LeaseReader {
  /** One getLeases call for one page; gives `response.result`. */
  call(params: Record<string, unknown>, page: { pageNo: number; perPage: number }): Promise<unknown>;
  perPage: number;
  /** The cap to detect (default LEASE_CAP). */
  cap?: number;
  /** Building names for the building split (null: cannot split by building). Called at most once. */
  buildings(): Promise<string[] | null>;
  logger?: EntrataLogger;
}

const numericOr = (id: string): number | string => (Number.isSafeInteger(Number(id)) ? Number(id) : id);

/** getLeases params for a query (dates as MM/DD/YYYY; flags 0/1). */
export function leaseParams(q: LeaseQuery): Record<string, unknown> {
  const p: Record<string, unknown> = {
    propertyId: numericOr(q.propertyId),
    leaseStatusTypeIds: q.statusIds.join(','),
  };
  if (q.leaseIds?.length) p.leaseIds = q.leaseIds.join(',');
  if (q.customerId) p.customerId = numericOr(q.customerId);
  if (q.unitNumber) p.unitNumber = q.unitNumber;
  if (q.buildingName) p.buildingName = q.buildingName;
  if (q.moveInFrom) p.moveInDateFrom = toEntrataDate(q.moveInFrom);
  if (q.moveInTo) p.moveInDateTo = toEntrataDate(q.moveInTo);
  p.includeOtherIncomeLeases = 0;
  p.includeLeaseHistory = 0;
  return p;
}

/** The lease nodes of one getLeases result; `malformed` when `leases` is missing (README: wholly unreadable answers). */
export function leaseNodes(result: unknown): unknown[] {
  const container = pick(result, 'leases');
  if (container === undefined) {
    throw new EntrataError('result has no leases', { kind: 'malformed', service: 'leases', method: 'getLeases' });
  }
  return listOf(container, 'lease');
}

/** De-duplication key: the lease id, else the whole node (identical garbage counts once). */
function keyOf(node: unknown): string {
  const id = idStr(pick(node, 'id', 'leaseId'));
  return id ? `id:${id}` : `raw:${JSON.stringify(node)}`;
}

type Nodes = Map<string, unknown>;

/** Every page of one query. `capped`: the answer sits at the cap and paging did not lift it. */
async function readPages(r: LeaseReader, q: LeaseQuery): Promise<{ nodes: Nodes; capped: boolean }> {
  const cap = r.cap ?? LEASE_CAP;
  const full = Math.min(r.perPage, cap);
  const nodes: Nodes = new Map();
  const params = leaseParams(q);
  let firstLength = 0;
  for (let pageNo = 1; pageNo <= MAX_PAGES; pageNo++) {
    let items: unknown[];
    try {
      items = leaseNodes(await r.call(params, { pageNo, perPage: r.perPage }));
    } catch (e) {
      if (isPastLastPage(e)) return { nodes, capped: false };
      throw e;
    }
    if (pageNo === 1) firstLength = items.length;
    let fresh = 0;
    for (const item of items) {
      const k = keyOf(item);
      if (nodes.has(k)) continue;
      nodes.set(k, item);
      fresh++;
    }
    if (items.length < full) return { nodes, capped: false };
    if (fresh === 0) {
      // Paging ignored: this page repeats earlier ones. Exactly at a limit means there may be more.
      const capped = firstLength === cap || firstLength === r.perPage;
      if (!capped)
        r.logger?.warn({ propertyId: q.propertyId, leases: firstLength }, 'getLeases ignores paging but is not at the cap; taking the answer as complete');
      return { nodes, capped };
    }
  }
  throw new EntrataError(`getLeases kept returning new leases after ${MAX_PAGES} pages`, { kind: 'malformed', service: 'leases', method: 'getLeases' });
}

const DAY = 86_400_000;
const dayNo = (d: LocalDate) => Date.parse(`${d}T00:00:00Z`) / DAY;
const fromDayNo = (n: number) => asLocalDate(new Date(n * DAY).toISOString().slice(0, 10));

function describe(q: LeaseQuery): string {
  const parts = [`property ${q.propertyId}`, `status ids ${q.statusIds.join(',')}`];
  if (q.buildingName) parts.push(`building "${q.buildingName}"`);
  if (q.unitNumber) parts.push(`unit "${q.unitNumber}"`);
  if (q.customerId) parts.push(`customer ${q.customerId}`);
  if (q.moveInFrom || q.moveInTo) parts.push(`move-in ${q.moveInFrom ?? '…'} to ${q.moveInTo ?? '…'}`);
  return parts.join(', ');
}

/**
 * Every lease node the query matches, de-duplicated by id. Throws `capped` when a part is still
 * at the cap for a single move-in day: a partial property is never returned.
 */
export async function readAllLeaseNodes(r: LeaseReader, query: LeaseQuery): Promise<unknown[]> {
  let buildings: Promise<string[] | null> | undefined;
  const all: Nodes = new Map();
  const merge = (nodes: Nodes) => {
    for (const [k, v] of nodes) if (!all.has(k)) all.set(k, v);
  };

  const read = async (q: LeaseQuery): Promise<void> => {
    const { nodes, capped } = await readPages(r, q);
    if (!capped) return merge(nodes);
    r.logger?.info({ query: describe(q) }, 'getLeases answer is at the cap; splitting the query');
    if (q.statusIds.length > 1) {
      for (const id of q.statusIds) await read({ ...q, statusIds: [id] });
      return;
    }
    if (!q.buildingName && !q.unitNumber) {
      buildings ??= r.buildings();
      const names = await buildings;
      if (names && names.length > 1) {
        for (const b of names) await read({ ...q, buildingName: b });
        return;
      }
    }
    const from = dayNo(q.moveInFrom ?? EARLIEST_MOVE_IN);
    const to = dayNo(q.moveInTo ?? LATEST_MOVE_IN);
    if (from >= to) {
      throw new EntrataError(
        `getLeases still returns ${r.cap ?? LEASE_CAP} leases (its cap) for ${describe(q)}, the narrowest split there is; not every lease can be read, so the property is not read`,
        { kind: 'capped', service: 'leases', method: 'getLeases' },
      );
    }
    const mid = Math.floor((from + to) / 2);
    await read({ ...q, moveInFrom: fromDayNo(from), moveInTo: fromDayNo(mid) });
    await read({ ...q, moveInFrom: fromDayNo(mid + 1), moveInTo: fromDayNo(to) });
  };

  await read(query);
  return [...all.values()];
}
