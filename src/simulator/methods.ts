// The simulated web-service methods: which service each belongs to, its revisions, and its handler.
import type { FaultKind } from './faults.ts';
import { matchLeases, pageOf, parseLeaseFilter, type CapMode } from './lease-query.ts';
import { flag, type Params } from './params.ts';
import { renderCustomers } from './render-customers.ts';
import { renderLeaseR1 } from './render-leases-r1.ts';
import { renderLeaseR2 } from './render-leases.ts';
import { renderLeasePickList } from './render-picklist.ts';
import { renderProperties, renderPropertyUnits } from './render-properties.ts';
import type { RenderContext } from './render-context.ts';

export interface MethodCall {
  params: Params;
  query: URLSearchParams;
  version: string;
  capMode: CapMode;
  /** The injected fault that shapes this answer (shortPage, emptyLeases), if any. */
  fault: FaultKind | null;
  /** The client sent X-Send-Pagination-Links: 1. */
  wantsPaginationHeaders: boolean;
}

export interface MethodAnswer {
  result: unknown;
  headers?: Record<string, string>;
}

interface MethodDef {
  service: string;
  versions: readonly string[];
  /** The revision used when the request names none. */
  defaultVersion: string;
  handle(ctx: RenderContext, call: MethodCall): MethodAnswer;
}

/** Every service of the gateway (docs/entrata.md §1.1); the simulator implements methods on a few of them. */
export const SERVICES = new Set([
  'applications',
  'arcodes',
  'arpayments',
  'artransactions',
  'communications',
  'customers',
  'financial',
  'leads',
  'leases',
  'leasingcenter',
  'maintenance',
  'pricing',
  'properties',
  'propertyunits',
  'status',
  'vendors',
  'appinfo',
  'queue',
  'reports',
]);

function getLeases(ctx: RenderContext, call: MethodCall): MethodAnswer {
  const filter = parseLeaseFilter(call.params, ctx.statusIds);
  const matches = matchLeases(ctx.portfolio, filter, ctx.today);
  let page = pageOf(matches, call.query, call.capMode);
  if (call.fault === 'emptyLeases') page = [];
  if (call.fault === 'shortPage') page = page.slice(0, Math.floor(page.length / 2));
  const render = call.version === 'r1' ? renderLeaseR1 : renderLeaseR2;
  const historyCtx = { ...ctx, includeHistory: flag(call.params, 'includeLeaseHistory') };
  const leases = page.map((lease) => render(historyCtx, lease));
  // r1 is XML-shaped throughout; r2 captures always had arrays, so only the per-lease quirk applies.
  const collapse = call.version === 'r1' || (page.length === 1 && ctx.wire.collapses(page[0]!.id));
  const list = ctx.wire.list(leases, collapse);
  const result = call.version === 'r1' ? { leases: { lease: list } } : { currencyCode: 'USD', leases: { lease: list } };
  const headers: Record<string, string> = {};
  if (call.wantsPaginationHeaders && call.capMode === 'paged') headers['X-Total-Count'] = String(matches.length);
  return { result, headers };
}

export const METHODS: Record<string, MethodDef> = {
  getStatus: {
    service: 'status',
    versions: ['r1'],
    defaultVersion: 'r1',
    handle: () => ({ result: { status: 'Success', message: 'API service is available and running.' } }),
  },
  getProperties: { service: 'properties', versions: ['r1'], defaultVersion: 'r1', handle: (ctx, call) => ({ result: renderProperties(ctx, call.params) }) },
  getPropertyUnits: {
    service: 'propertyunits',
    versions: ['r1'],
    defaultVersion: 'r1',
    handle: (ctx, call) => ({ result: renderPropertyUnits(ctx, call.params) }),
  },
  getLeasePickList: { service: 'leases', versions: ['r1'], defaultVersion: 'r1', handle: (ctx) => ({ result: renderLeasePickList(ctx) }) },
  getLeases: { service: 'leases', versions: ['r1', 'r2'], defaultVersion: 'r1', handle: getLeases },
  getCustomers: { service: 'customers', versions: ['r1'], defaultVersion: 'r1', handle: (ctx, call) => ({ result: renderCustomers(ctx, call.params) }) },
};
