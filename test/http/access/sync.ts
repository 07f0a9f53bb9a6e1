import { requestSyncNow } from '../../../src/jobs/sync-now.ts';
import type { AccessCase } from './types.ts';

/** Sync now, its requests, the run history, and the API's own document. */
export const cases: AccessCase[] = [
  {
    route: 'POST /api/properties/:propertyId/sync',
    request: (fx) => ({ url: `/api/properties/${fx.entrataId}/sync`, payload: { unit: fx.unit } }),
  },
  {
    route: 'GET /api/properties/:propertyId/sync-requests',
    request: (fx) => ({ url: `/api/properties/${fx.entrataId}/sync-requests` }),
  },
  {
    route: 'GET /api/properties/:propertyId/sync-requests/:jobId',
    request: async (fx, t) => {
      const { jobId } = await requestSyncNow(t.bench.db, t.bench.boss, {
        propertyId: fx.dbId,
        scopes: [{ kind: 'customer', customerId: fx.customerId }],
        staff: null,
        now: new Date(),
      });
      return { url: `/api/properties/${fx.entrataId}/sync-requests/${jobId}` };
    },
  },
  {
    route: 'GET /api/properties/:propertyId/runs',
    request: (fx) => ({ url: `/api/properties/${fx.entrataId}/runs` }),
  },
  {
    route: 'GET /api/openapi.json',
    request: () => ({ url: '/api/openapi.json' }),
  },
];
