import type { FastifyInstance } from 'fastify';
import { residentDetail } from '../registry/resident-detail.ts';
import { searchResidents } from '../registry/resident-search.ts';
import { unitView } from '../registry/unit-view.ts';
import { apiRoute } from './api-route.ts';
import { ResidentDetail, ResidentPage, ResidentParams, ResidentsQuery, AccountQuery, UnitParams, UnitQuery, UnitView } from './read-schemas.ts';
import type { HttpDeps } from './server.ts';
import { ErrorBody } from './errors.ts';

/** The residents page, a resident and a unit (F-20, F-11): read only; the operations have their own routes. */
export function registerResidentsApi(app: FastifyInstance, deps: HttpDeps): void {
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/properties/:propertyId/residents',
    access: { permission: 'property.view', on: 'property' },
    schema: {
      summary: 'Residents of a property: search by name fragment or unit number, filter by state and problem, sorted by unit then name, paged',
      description:
        '`q` matches a name fragment (first, last, "first last" in any order; case and accents ignored) or the start of a unit number. ' +
        'Sorted by unit in natural order (2 before 10), then last and first name. `limit` defaults to 50 (at most 200); `total` counts every match.',
      tags: ['residents'],
      params: ResidentParams.pick({ propertyId: true }),
      querystring: ResidentsQuery,
      response: { 200: ResidentPage, ...errors },
    },
    handler: async (req, _reply, { property }) => {
      const { q, state, problem, offset, limit } = req.query;
      return searchResidents(deps.db, property, { q, state, problem, offset, limit });
    },
  });

  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/properties/:propertyId/residents/:customerId',
    access: { permission: 'property.view', on: 'property' },
    schema: {
      summary: 'A resident: leases, registrations over time, keys (masked), notifications, blocks, audit and why they have or lack access',
      tags: ['residents'],
      params: ResidentParams,
      querystring: AccountQuery,
      response: { 200: ResidentDetail, ...errors },
    },
    handler: async (req, _reply, { property }) => residentDetail(deps, property, req.params.customerId),
  });

  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/properties/:propertyId/units/:unit',
    access: { permission: 'property.view', on: 'property' },
    schema: {
      summary: 'A unit: its bedrooms, registrations (current and recent), residents and leases',
      tags: ['residents'],
      params: UnitParams,
      querystring: UnitQuery,
      response: { 200: UnitView, ...errors },
    },
    handler: async (req, _reply, { property }) => unitView(deps.db, property, req.params.unit, req.query.building),
  });
}
