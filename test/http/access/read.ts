import type { AccessCase } from './types.ts';

/** The read routes of properties, residents, units and the dashboard (all: property.view, or signed in). */
export const cases: AccessCase[] = [
  { route: 'GET /api/properties', request: () => ({ url: '/api/properties' }) },
  { route: 'GET /api/properties/:propertyId', request: (fx) => ({ url: `/api/properties/${fx.entrataId}` }) },
  { route: 'GET /api/properties/:propertyId/dashboard', request: (fx) => ({ url: `/api/properties/${fx.entrataId}/dashboard` }) },
  {
    route: 'GET /api/properties/:propertyId/residents',
    request: (fx) => ({ url: `/api/properties/${fx.entrataId}/residents?q=${encodeURIComponent(fx.unit)}` }),
  },
  { route: 'GET /api/properties/:propertyId/residents/:customerId', request: (fx) => ({ url: `/api/properties/${fx.entrataId}/residents/${fx.customerId}` }) },
  { route: 'GET /api/properties/:propertyId/units/:unit', request: (fx) => ({ url: `/api/properties/${fx.entrataId}/units/${encodeURIComponent(fx.unit)}` }) },
];
