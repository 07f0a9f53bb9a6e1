// getLeases filtering and paging. Paging is by query string only (page_no, per_page, docs/entrata.md §1.6);
// paging fields in params are ignored, as Entrata does (docs/entrata.md §1.6).
import type { Day } from './dates.ts';
import { rpcErrors } from './errors.ts';
import type { LeaseStatusName, Portfolio, SimLease } from './model.ts';
import { csv, singleId, text, usDate, type Params } from './params.ts';
import { leaseStatus, statusByTypeId, type StatusTypeIds } from './status.ts';

export interface LeaseFilter {
  propertyId: string;
  statuses: Set<LeaseStatusName>;
  leaseIds: Set<string> | null;
  customerId: string | null;
  unitNumber: string | null;
  buildingName: string | null;
  moveInFrom: Day | null;
  moveInTo: Day | null;
  moveOutFrom: Day | null;
  moveOutTo: Day | null;
}

/** Without leaseStatusTypeIds: every status but Cancelled, as documented for getLeaseArTransactions. */
const DEFAULT_STATUSES: LeaseStatusName[] = ['Applicant', 'Future', 'Current', 'Notice', 'Past'];

export function parseLeaseFilter(params: Params, statusIds: StatusTypeIds): LeaseFilter {
  const byId = statusByTypeId(statusIds);
  const ids = csv(params, 'leaseStatusTypeIds');
  let statuses: Set<LeaseStatusName>;
  if (ids === null) statuses = new Set(DEFAULT_STATUSES);
  else {
    statuses = new Set();
    for (const id of ids) {
      const status = /^\d+$/.test(id) ? byId.get(Number(id)) : undefined;
      if (!status) throw rpcErrors.invalidParam(`Invalid leaseStatusTypeIds value '${id}'.`);
      statuses.add(status);
    }
  }
  const leaseIds = csv(params, 'leaseIds');
  return {
    propertyId: singleId(params, 'propertyId', true)!,
    statuses,
    leaseIds: leaseIds === null ? null : new Set(leaseIds),
    customerId: singleId(params, 'customerId', false),
    unitNumber: text(params, 'unitNumber'),
    buildingName: text(params, 'buildingName'),
    moveInFrom: usDate(params, 'moveInDateFrom'),
    moveInTo: usDate(params, 'moveInDateTo'),
    moveOutFrom: usDate(params, 'moveOutDateFrom'),
    moveOutTo: usDate(params, 'moveOutDateTo'),
  };
}

export function matchLeases(portfolio: Portfolio, filter: LeaseFilter, today: Day): SimLease[] {
  const property = portfolio.propertyById.get(filter.propertyId);
  if (!property) throw rpcErrors.invalidParam(`Invalid propertyId ${filter.propertyId}: no such property for this API user.`);
  const buildingIds = filter.buildingName === null ? null : new Set(property.buildings.filter((b) => b.name === filter.buildingName).map((b) => b.id));
  const source =
    filter.leaseIds === null
      ? (portfolio.leasesByProperty.get(property.id) ?? [])
      : [...filter.leaseIds]
          .map((id) => portfolio.leaseById.get(id))
          .filter((l) => l !== undefined)
          .sort((a, b) => Number(a.id) - Number(b.id));
  const matches: SimLease[] = [];
  for (const lease of source) {
    if (lease.dropped || lease.propertyId !== property.id) continue;
    if (!filter.statuses.has(leaseStatus(lease, today))) continue;
    if (filter.customerId !== null && !lease.customers.some((c) => c.customerId === filter.customerId)) continue;
    if (filter.moveInFrom !== null && lease.moveIn < filter.moveInFrom) continue;
    if (filter.moveInTo !== null && lease.moveIn > filter.moveInTo) continue;
    if (filter.moveOutFrom !== null && (lease.moveOut === null || lease.moveOut < filter.moveOutFrom)) continue;
    if (filter.moveOutTo !== null && (lease.moveOut === null || lease.moveOut > filter.moveOutTo)) continue;
    if (filter.unitNumber !== null || buildingIds !== null) {
      const unit = portfolio.unitById.get(lease.unitId);
      if (!unit) continue;
      if (buildingIds !== null && !buildingIds.has(unit.buildingId)) continue;
      if (
        filter.unitNumber !== null &&
        unit.number !== filter.unitNumber &&
        !unit.spaces.some((s) => lease.spaceIds.includes(s.id) && s.label === filter.unitNumber)
      )
        continue;
    }
    matches.push(lease);
  }
  return matches;
}

export const DEFAULT_PAGE_SIZE = 500;
export const CAP = 500;

export type CapMode = 'paged' | 'capped';

/** Picks one page. In 'capped' mode the query string is ignored and the first 500 come back (docs/entrata.md §1.6). */
export function pageOf<T>(items: T[], query: URLSearchParams, mode: CapMode): T[] {
  if (mode === 'capped') return items.slice(0, CAP);
  const perPageRaw = query.get('per_page');
  const pageNoRaw = query.get('page_no');
  let perPage = DEFAULT_PAGE_SIZE;
  if (perPageRaw !== null) {
    perPage = Number(perPageRaw);
    if (!/^\d+$/.test(perPageRaw) || perPage < 5 || perPage > 1000) throw rpcErrors.invalidPerPage(perPageRaw);
  }
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  let pageNo = 1;
  if (pageNoRaw !== null) {
    pageNo = Number(pageNoRaw);
    if (!/^\d+$/.test(pageNoRaw) || pageNo < 1 || pageNo > lastPage) throw rpcErrors.invalidPage(pageNoRaw, lastPage);
  }
  return items.slice((pageNo - 1) * perPage, pageNo * perPage);
}
