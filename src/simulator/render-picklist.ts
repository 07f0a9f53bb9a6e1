// getLeasePickList r1 (docs/entrata.md §7.4): status types with the simulator's configurable ids.
import { LEASE_STATUS_NAMES } from './model.ts';
import { STATUS_TYPE_KIND } from './status.ts';
import type { RenderContext } from './render-context.ts';

// Real ids from one client's event picklist (docs/entrata.md §2.6); the mix of numbers and strings is the
// "picklists mix numeric and string ids" quirk of §4.3.
const EVENT_TYPES = [
  [63, 'Move In'],
  [64, 'Move Out'],
  [52, 'Unit Transfer'],
  [67, 'Unit Change'],
  [77, 'Occupant Remove'],
  [85, 'Cancel Lease'],
  [203, 'Mid Lease Move In'],
  [206, 'Mid Lease Move Out'],
  [417, 'Individual Transfer'],
  [23, 'Standard Notice'],
  [26, 'Lease Renewed'],
] as const;

export function renderLeasePickList(ctx: RenderContext): Record<string, unknown> {
  const { wire } = ctx;
  const statuses = [...LEASE_STATUS_NAMES]
    .sort((a, b) => ctx.statusIds[a] - ctx.statusIds[b])
    .map((name) => ({ '@attributes': { id: wire.int(ctx.statusIds[name]), name, type: STATUS_TYPE_KIND[name] } }));
  const events = EVENT_TYPES.map(([id, name], i) => ({ '@attributes': { id: wire.quirks && i % 3 === 2 ? String(id) : wire.int(id), name } }));
  return {
    leaseStatusTypes: { leaseStatusType: statuses },
    eventTypes: { eventType: events },
    leaseFileTypes: { leaseFileType: [] },
    chargeTimings: { chargeTiming: [] },
    chargeCodeTypes: { chargeCodeType: [] },
  };
}
