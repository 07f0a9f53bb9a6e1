import type { FastifyInstance } from 'fastify';
import { dashboardOf } from '../registry/dashboard.ts';
import { propertyDetail, visibleProperties } from '../registry/property-view.ts';
import { apiRoute } from './api-route.ts';
import { AccountQuery, Dashboard, PropertyDetail, PropertyList, PropertyParams } from './read-schemas.ts';
import type { HttpDeps } from './server.ts';
import { ErrorBody } from './errors.ts';

/** The properties a caller may see, one property's settings and policy, and its dashboard (F-22, F-24). */
export function registerPropertiesApi(app: FastifyInstance, deps: HttpDeps): void {
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/properties',
    access: 'signed-in',
    schema: {
      summary: 'The properties you may see, with their sync state, residents by state and your role there',
      tags: ['properties'],
      response: { 200: PropertyList, ...errors },
    },
    handler: async (_req, _reply, { caller }) => {
      const items = await visibleProperties(deps.db, caller);
      return { items, total: items.length };
    },
  });

  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/properties/:propertyId',
    access: { permission: 'property.view', on: 'property' },
    schema: {
      summary: 'A property: settings, early and late policy (with their defaults) and sync state',
      tags: ['properties'],
      params: PropertyParams,
      querystring: AccountQuery,
      response: { 200: PropertyDetail, ...errors },
    },
    handler: async (_req, _reply, { caller, property }) => propertyDetail(deps.db, caller, property.id),
  });

  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/properties/:propertyId/dashboard',
    access: { permission: 'property.view', on: 'property' },
    schema: {
      summary: 'Dashboard: residents by state, keys issued, problems, syncs, and moves per day over the next eight weeks',
      tags: ['properties'],
      params: PropertyParams,
      querystring: AccountQuery,
      response: { 200: Dashboard, ...errors },
    },
    handler: async (_req, _reply, { property }) => dashboardOf(deps.db, property, deps.now()),
  });
}
