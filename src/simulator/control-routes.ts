// The control API over HTTP: JSON in, JSON out, under /_control/ on the simulator's own port.
// Read routes answer GET and POST alike; everything else is POST (DELETE clears faults).
import type { SimulatorControl } from './control.ts';
import { EventError } from './events.ts';
import type { FaultSpec } from './faults.ts';
import type { LeaseCriteria } from './find.ts';

export interface ControlReply {
  status: number;
  body: unknown;
}

type Body = Record<string, unknown>;
type Handler = (control: SimulatorControl, body: Body, param: string | undefined) => unknown;

const READ = ['GET', 'POST'];

// Criteria keys that can travel as JSON (the `where` function cannot).
const CRITERIA_KEYS = [
  'propertyId',
  'status',
  'customerType',
  'occupancy',
  'spaceConfiguration',
  'multiSpace',
  'transfer',
  'crossPropertyTransfer',
  'transferredAway',
  'renewed',
  'roommateMoveOut',
  'withContacts',
  'includeDropped',
] as const;

const routes: { methods: string[]; pattern: RegExp; handle: Handler }[] = [
  { methods: ['GET'], pattern: /^date$/, handle: (c) => ({ date: c.today() }) },
  {
    methods: ['POST'],
    pattern: /^date$/,
    handle: (c, b) => (b.date !== undefined ? c.setDate(String(b.date)) : b.days !== undefined ? c.advance(Number(b.days)) : { date: c.today() }),
  },
  { methods: ['POST'], pattern: /^date\/advance$/, handle: (c, b) => c.advance(Number(b.days)) },
  { methods: READ, pattern: /^summary$/, handle: (c) => c.summary() },
  {
    methods: READ,
    pattern: /^find$/,
    handle: (c, b) => {
      const criteria: LeaseCriteria = {};
      for (const key of CRITERIA_KEYS) if (b[key] !== undefined) (criteria as Record<string, unknown>)[key] = b[key];
      const limit = typeof b.limit === 'number' ? b.limit : 20;
      return { leases: c.findLeases(criteria, limit).map((l) => c.leaseView(l)) };
    },
  },
  {
    methods: READ,
    pattern: /^leases\/(\d+)$/,
    handle: (c, _b, id) => {
      const lease = c.lease(id!);
      if (!lease) throw new EventError(`no lease ${id}`);
      return c.leaseView(lease);
    },
  },
  {
    methods: READ,
    pattern: /^customers\/(\d+)$/,
    handle: (c, _b, id) => {
      const customer = c.customer(id!);
      if (!customer) throw new EventError(`no customer ${id}`);
      return customer;
    },
  },
  { methods: ['GET'], pattern: /^faults$/, handle: (c) => ({ faults: c.faults() }) },
  { methods: ['POST'], pattern: /^faults$/, handle: (c, b) => c.injectFault(b as unknown as FaultSpec) },
  { methods: ['DELETE'], pattern: /^faults$/, handle: (c) => c.clearFaults() },
  {
    methods: ['POST'],
    pattern: /^settings$/,
    handle: (c, b) => {
      if (b.capMode !== undefined) c.setCapMode(b.capMode as 'paged' | 'capped');
      if (b.latencyMs !== undefined) c.setLatency(Number(b.latencyMs));
      if (b.statusTypeIds !== undefined) c.setStatusTypeIds(b.statusTypeIds as Record<string, number>);
      return { statusTypeIds: c.statusTypeIds() };
    },
  },
  { methods: ['POST'], pattern: /^rate-limits\/reset$/, handle: (c) => (c.resetRateLimits(), { reset: true }) },
  { methods: ['POST'], pattern: /^events\/notice$/, handle: (c, b) => c.giveNotice(b as never) },
  { methods: ['POST'], pattern: /^events\/transfer$/, handle: (c, b) => c.transfer(b as never) },
  { methods: ['POST'], pattern: /^events\/cancel$/, handle: (c, b) => c.cancelLease(b as never) },
  { methods: ['POST'], pattern: /^events\/move-out$/, handle: (c, b) => c.moveOut(b as never) },
  { methods: ['POST'], pattern: /^events\/customer-move-out$/, handle: (c, b) => c.customerMoveOut(b as never) },
  { methods: ['POST'], pattern: /^events\/delete-unit$/, handle: (c, b) => c.deleteUnit(b as never) },
  { methods: ['POST'], pattern: /^events\/drop$/, handle: (c, b) => c.dropLease(b as never) },
  { methods: ['POST'], pattern: /^events\/restore$/, handle: (c, b) => c.restoreLease(b as never) },
  { methods: ['POST'], pattern: /^events\/renew$/, handle: (c, b) => c.renewLease(b as never) },
  { methods: ['POST'], pattern: /^events\/add-lease$/, handle: (c, b) => c.addLease(b as never) },
];

export const CONTROL_PREFIX = '/_control/';

export function handleControl(control: SimulatorControl, httpMethod: string, path: string, rawBody: string): ControlReply {
  const route = path.slice(CONTROL_PREFIX.length).replace(/\/+$/, '');
  let body: Body = {};
  if (rawBody.trim() !== '') {
    try {
      const parsed: unknown = JSON.parse(rawBody);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { status: 400, body: { error: 'body must be a JSON object' } };
      body = parsed as Body;
    } catch {
      return { status: 400, body: { error: 'body is not valid JSON' } };
    }
  }
  let matchedPath = false;
  for (const r of routes) {
    const m = r.pattern.exec(route);
    if (!m) continue;
    matchedPath = true;
    if (!r.methods.includes(httpMethod)) continue;
    try {
      return { status: 200, body: r.handle(control, body, m[1]) ?? {} };
    } catch (error) {
      // Bad input to an event is the caller's mistake; anything else is ours.
      const known = error instanceof EventError || (error instanceof Error && /must|unknown fault|no lease|no unit|no customer/.test(error.message));
      return { status: known ? 400 : 500, body: { error: error instanceof Error ? error.message : String(error) } };
    }
  }
  return matchedPath ? { status: 405, body: { error: `${httpMethod} not allowed on ${path}` } } : { status: 404, body: { error: `no control route ${path}` } };
}
