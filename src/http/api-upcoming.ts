import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../auth/caller.ts';
import { executeEarly } from '../operations/execute-early.ts';
import { confirmUnitRemoved } from '../operations/operations.ts';
import { missingUnits } from '../registry/missing-units.ts';
import { upcomingChanges } from '../registry/upcoming.ts';
import { apiRoute } from './api-route.ts';
import { AccountQuery, CustomerId, EntrataId, needOperations, PropertyParams } from './api-common.ts';
import type { HttpDeps } from './server.ts';
import { ErrorBody } from './errors.ts';

const Kind = z.enum(['move-in', 'move-out', 'transfer']);

const Upcoming = z.object({
  kind: Kind,
  customerId: z.string(),
  name: z.string(),
  unitId: z.string(),
  place: z.string(),
  fromPlace: z.string().nullable(),
  leaseIds: z.array(z.string()),
  at: z.string(),
  day: z.string(),
  entrataDate: z.string().nullable(),
  says: z.string(),
});

const ExecuteBody = z
  .object({
    customerId: CustomerId,
    kind: Kind,
    leaseId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, 'an Entrata lease id')
      .optional(),
  })
  .strict();

const ExecuteResponse = z.object({
  property: z.string(),
  customerId: z.string(),
  kind: Kind,
  run: z.object({ runId: z.number().nullable(), status: z.string(), actions: z.number() }),
});

const MissingUnit = z.object({
  unitId: z.string(),
  number: z.string(),
  building: z.string().nullable(),
  place: z.string(),
  missingSince: z.string(),
  registered: z.array(z.object({ customerId: z.string(), name: z.string(), state: z.string() })),
  says: z.string(),
});

const UnitParams = z.object({ propertyId: EntrataId, unitId: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'an Entrata unit id') });

/** Upcoming changes with execute-early (F-07, O3), and units Entrata no longer lists (S5). */
export function registerUpcomingApi(app: FastifyInstance, deps: HttpDeps): void {
  const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };
  const query = z.object(AccountQuery).strict();

  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/properties/:propertyId/upcoming',
    access: { permission: 'property.view', on: 'property' },
    schema: {
      summary: 'Move-ins, move-outs and transfers of the next days, with what will happen',
      tags: ['upcoming'],
      params: PropertyParams,
      querystring: z.object({ ...AccountQuery, days: z.coerce.number().int().min(0).max(366).default(14) }).strict(),
      response: { 200: z.object({ property: z.string(), days: z.number(), items: z.array(Upcoming) }), ...errors },
    },
    handler: async (req, _reply, { property }) => ({
      property: property.entrataId,
      days: req.query.days,
      items: await upcomingChanges(deps.db, property, deps.now(), req.query.days),
    }),
  });

  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/properties/:propertyId/upcoming/execute',
    access: { permission: 'resident.act', on: 'property' },
    schema: {
      summary: 'Do an upcoming move-in, move-out or transfer now (O3)',
      tags: ['upcoming'],
      description: 'The property is re-planned at once: a move-in activates the registration and sends the key.',
      params: PropertyParams,
      querystring: query,
      body: ExecuteBody,
      response: { 200: ExecuteResponse, ...errors },
    },
    handler: async (req, _reply, { caller, property }) => {
      const { customerId, kind, leaseId } = req.body;
      const run = await executeEarly(needOperations(deps), property, kind, { customerId, leaseId, staff: actorOf(caller) });
      return { property: property.entrataId, customerId, kind, run: { runId: run.runId, status: run.status, actions: run.actions.length } };
    },
  });

  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/properties/:propertyId/units/missing',
    access: { permission: 'property.view', on: 'property' },
    schema: {
      summary: 'Units Entrata no longer lists (S5), with who is still registered in them',
      tags: ['units'],
      params: PropertyParams,
      querystring: query,
      response: { 200: z.object({ property: z.string(), items: z.array(MissingUnit) }), ...errors },
    },
    handler: async (_req, _reply, { property }) => ({ property: property.entrataId, items: await missingUnits(deps.db, property) }),
  });

  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/properties/:propertyId/units/:unitId/confirm-removed',
    access: { permission: 'resident.act', on: 'property' },
    schema: {
      summary: 'Confirm that a unit Entrata no longer lists is gone (S5); refused while anyone is registered in it',
      tags: ['units'],
      params: UnitParams,
      querystring: query,
      response: { 200: z.object({ property: z.string(), unitId: z.string(), removed: z.literal(true) }), ...errors },
    },
    handler: async (req, _reply, { caller, property }) => {
      await confirmUnitRemoved(needOperations(deps), property.id, req.params.unitId, actorOf(caller));
      return { property: property.entrataId, unitId: req.params.unitId, removed: true as const };
    },
  });
}
