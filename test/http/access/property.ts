import { randomBytes } from 'node:crypto';
import { getPropertyById } from '../../../src/properties/properties.ts';
import { emptyOpenHold } from '../property-support.ts';
import type { AccessCase, PropertyFixture } from './types.ts';
import type { ApiBench } from '../../support/api-bench.ts';

/** The Entrata id of the fixture's unit (the routes name units by Entrata id). */
async function unitIdOf(t: ApiBench, fx: PropertyFixture): Promise<string> {
  const u = await t.bench.db
    .selectFrom('unit')
    .select('entrata_id')
    .where('property_id', '=', fx.dbId)
    .where('number', '=', fx.unit)
    .orderBy('id')
    .executeTakeFirst();
  return u?.entrata_id ?? fx.unit;
}

const accountOf = async (t: ApiBench, fx: PropertyFixture) => (await getPropertyById(t.bench.db, fx.dbId)).accountName;

/**
 * Property administration: settings, policy, upcoming changes, missing units, holds, Entrata accounts.
 * Requests leave the fixtures as they are where they can: the same policy, a support phone, a transfer the
 * resident does not have (400), a unit Entrata still lists (400), holds made for the call. One cannot:
 * the disable case disables fx's property (it stays visible; sync now then answers 409).
 */
export const cases: AccessCase[] = [
  {
    route: 'PATCH /api/properties/:propertyId/settings',
    request: (fx) => ({ url: `/api/properties/${fx.entrataId}/settings`, payload: { supportPhone: '+1 512 555 0100' } }),
  },
  {
    route: 'PUT /api/properties/:propertyId/policy',
    request: async (fx, t) => {
      const p = await getPropertyById(t.bench.db, fx.dbId);
      return { url: `/api/properties/${fx.entrataId}/policy`, payload: { earlyMoveInDays: p.earlyMoveInDays, lateMoveOutDays: p.lateMoveOutDays } };
    },
  },
  { route: 'POST /api/properties/:propertyId/policy/reset', request: (fx) => ({ url: `/api/properties/${fx.entrataId}/policy/reset` }) },
  { route: 'GET /api/properties/:propertyId/upcoming', request: (fx) => ({ url: `/api/properties/${fx.entrataId}/upcoming?days=30` }) },
  {
    route: 'POST /api/properties/:propertyId/upcoming/execute',
    request: (fx) => ({ url: `/api/properties/${fx.entrataId}/upcoming/execute`, payload: { customerId: fx.customerId, kind: 'transfer' } }),
  },
  { route: 'GET /api/properties/:propertyId/units/missing', request: (fx) => ({ url: `/api/properties/${fx.entrataId}/units/missing` }) },
  {
    route: 'POST /api/properties/:propertyId/units/:unitId/confirm-removed',
    request: async (fx, t) => ({ url: `/api/properties/${fx.entrataId}/units/${await unitIdOf(t, fx)}/confirm-removed` }),
  },
  { route: 'GET /api/properties/:propertyId/holds', request: (fx) => ({ url: `/api/properties/${fx.entrataId}/holds?state=open` }) },
  {
    route: 'POST /api/properties/:propertyId/holds/:holdId/approve',
    request: async (fx, t) => ({ url: `/api/properties/${fx.entrataId}/holds/${await emptyOpenHold(t, fx.dbId)}/approve` }),
  },
  {
    route: 'POST /api/properties/:propertyId/holds/:holdId/reject',
    request: async (fx, t) => ({ url: `/api/properties/${fx.entrataId}/holds/${await emptyOpenHold(t, fx.dbId)}/reject` }),
  },
  { route: 'GET /api/accounts', request: () => ({ url: '/api/accounts' }) },
  {
    route: 'POST /api/accounts',
    request: (_fx, t) => ({
      url: '/api/accounts',
      payload: {
        name: `access-${randomBytes(4).toString('hex')}`,
        subdomain: 'acme',
        baseUrl: t.bench.sim.url,
        credential: { kind: 'apikey', apiKey: 'demo-key' },
      },
    }),
  },
  { route: 'POST /api/accounts/:name/test', request: async (fx, t) => ({ url: `/api/accounts/${encodeURIComponent(await accountOf(t, fx))}/test` }) },
  {
    route: 'GET /api/accounts/:name/properties',
    request: async (fx, t) => ({ url: `/api/accounts/${encodeURIComponent(await accountOf(t, fx))}/properties` }),
  },
  {
    route: 'POST /api/properties',
    request: async (fx, t) => {
      const p = await getPropertyById(t.bench.db, fx.dbId);
      return { url: '/api/properties', payload: { account: p.accountName, entrataId: p.entrataId, timeZone: p.timeZone, ssid: p.ssid } };
    },
  },
  { route: 'POST /api/properties/:propertyId/disable', request: (fx) => ({ url: `/api/properties/${fx.entrataId}/disable` }) },
];
