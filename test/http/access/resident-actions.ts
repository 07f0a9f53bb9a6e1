import { syncProperty } from '../../../src/sync/sync-property.ts';
import type { ApiBench } from '../../support/api-bench.ts';
import type { AccessCase, PropertyFixture } from './types.ts';

// The resident operations (src/http/api-resident-actions.ts). Operations that change access act on a
// resident of their own, made once per property, so the fixture's resident keeps its key for the other
// routes; a repeated call then answers 409 (done already), which the permission test counts as allowed.

const made = new Map<string, Promise<string>>();

/** A resident of the fixture's property (moving in `moveIn` days from today), made once per purpose. */
function residentFor(purpose: string, fx: PropertyFixture, t: ApiBench, moveIn: number): Promise<string> {
  const key = `${purpose}:${fx.dbId}`;
  let customer = made.get(key);
  if (!customer) {
    customer = (async () => {
      const sim = t.bench.sim.control;
      const units = sim.portfolio().propertyById.get(fx.entrataId)!.units;
      const day = (n: number) => new Date(Date.parse(`${sim.today()}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
      const r = sim.addLease({
        unitId: units[made.size % units.length]!.id,
        moveInDate: day(moveIn),
        endDate: day(300),
        customers: [{ firstName: 'Access', lastName: purpose, email: `${purpose}@example.com` }],
      });
      await syncProperty(t.bench.worker.deps, { propertyDbId: fx.dbId, trigger: 'command' });
      return r.customerIds[0]!;
    })();
    made.set(key, customer);
  }
  return customer;
}

const base = (fx: PropertyFixture, customerId: string, action: string) => `/api/properties/${fx.entrataId}/residents/${customerId}/${action}`;
const onFixture =
  (action: string, payload?: unknown): AccessCase['request'] =>
  (fx) => ({ url: base(fx, fx.customerId, action), payload });
const onOwn =
  (action: string, moveIn: number, payload?: unknown): AccessCase['request'] =>
  async (fx, t) => ({ url: base(fx, await residentFor(action, fx, t, moveIn), action), payload });

export const cases: AccessCase[] = [
  { route: 'POST /api/properties/:propertyId/residents/:customerId/resend', request: onFixture('resend') },
  { route: 'POST /api/properties/:propertyId/residents/:customerId/rotate-key', request: onFixture('rotate-key') },
  { route: 'POST /api/properties/:propertyId/residents/:customerId/reveal-key', request: onFixture('reveal-key') },
  { route: 'POST /api/properties/:propertyId/residents/:customerId/block', request: onOwn('block', -10, { message: 'Access test block.' }) },
  { route: 'POST /api/properties/:propertyId/residents/:customerId/unblock', request: onFixture('unblock') },
  { route: 'POST /api/properties/:propertyId/residents/:customerId/move-in-now', request: onOwn('move-in-now', 20) },
  { route: 'POST /api/properties/:propertyId/residents/:customerId/move-out-now', request: onOwn('move-out-now', -10) },
  { route: 'POST /api/properties/:propertyId/residents/:customerId/transfer-now', request: onFixture('transfer-now') },
  {
    route: 'POST /api/properties/:propertyId/residents/:customerId/reassign',
    request: (fx) => ({ url: base(fx, fx.customerId, 'reassign'), payload: { unit: fx.unit } }),
  },
  { route: 'PUT /api/properties/:propertyId/residents/:customerId/dates', request: onOwn('dates', -10, { late: '2099-12-31' }) },
  {
    route: 'POST /api/properties/:propertyId/residents/:customerId/link',
    request: async (fx, t) => ({ url: base(fx, await residentFor('link', fx, t, -10), 'link'), payload: { customerId: `99${fx.dbId}0000001` } }),
  },
  {
    route: 'POST /api/properties/:propertyId/residents/bulk/resend',
    request: (fx) => ({ url: `/api/properties/${fx.entrataId}/residents/bulk/resend`, payload: { customerIds: [fx.customerId] } }),
  },
  {
    route: 'POST /api/properties/:propertyId/residents/bulk',
    request: (fx) => ({ url: `/api/properties/${fx.entrataId}/residents/bulk`, payload: { action: 'resend', customerIds: [fx.customerId] } }),
  },
];
