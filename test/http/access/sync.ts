import { requestSyncNow } from '../../../src/jobs/sync-now.ts';
import type { AccessCase } from './types.ts';

export const cases: AccessCase[] = [
  {
    route: 'POST /api/properties/:propertyId/sync',
    request: (fx) => ({ url: `/api/properties/${fx.entrataId}/sync`, payload: { customer: fx.customerId } }),
  },
  {
    route: 'GET /api/sync-requests/:jobId',
    // A sync request of the property, made as the scheduler or the CLI would.
    request: async (fx, t) => {
      const jobId = await requestSyncNow(t.bench.boss, { propertyId: fx.dbId, scopes: [{ kind: 'property' }], staff: null, now: t.bench.clock.now() });
      return { url: `/api/sync-requests/${jobId}` };
    },
    namesObjectOfProperty: true,
  },
  {
    route: 'GET /api/properties/:propertyId/runs',
    request: (fx) => ({ url: `/api/properties/${fx.entrataId}/runs?limit=5` }),
  },
];
