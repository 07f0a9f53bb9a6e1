import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../auth/caller.ts';
import { decideHold, type HoldDecision } from '../operations/hold-decisions.ts';
import { holdsInWords } from '../registry/hold-words.ts';
import { apiRoute } from './api-route.ts';
import { AccountQuery, EntrataId, needOperations, PropertyParams } from './api-common.ts';
import type { HttpDeps } from './server.ts';
import { ErrorBody } from './errors.ts';

const HoldState = z.enum(['open', 'approved', 'rejected']);

const HeldEnding = z.object({
  customerId: z.string(),
  name: z.string(),
  unitId: z.string(),
  place: z.string(),
  leaseIds: z.array(z.string()),
  rule: z.string(),
  endsAt: z.string().nullable(),
  says: z.string(),
});

export const HoldView = z.object({
  holdId: z.number(),
  state: HoldState,
  openedAt: z.string(),
  decidedAt: z.string().nullable(),
  decidedBy: z.string().nullable(),
  summary: z.string(),
  endings: z.array(HeldEnding),
});

const HoldParams = z.object({ propertyId: EntrataId, holdId: z.coerce.number().int().min(1).max(2_147_483_647) });

/** Syncs held because they would end access for many residents at once (S3), and their decision. */
export function registerHoldsApi(app: FastifyInstance, deps: HttpDeps): void {
  const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody, 503: ErrorBody };

  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/properties/:propertyId/holds',
    access: { permission: 'property.view', on: 'property' },
    schema: {
      summary: 'Held syncs (S3), newest first, with the endings each would apply in words',
      tags: ['holds'],
      params: PropertyParams,
      querystring: z.object({ ...AccountQuery, state: HoldState.optional() }).strict(),
      response: { 200: z.object({ property: z.string(), items: z.array(HoldView) }), ...errors },
    },
    handler: async (req, _reply, { property }) => ({ property: property.entrataId, items: await holdsInWords(deps.db, property, { state: req.query.state }) }),
  });

  for (const decision of ['approve', 'reject'] as const satisfies readonly HoldDecision[]) {
    apiRoute(app, deps, {
      method: 'POST',
      url: `/api/properties/:propertyId/holds/:holdId/${decision}`,
      access: { permission: 'hold.decide', on: 'property' },
      schema: {
        summary:
          decision === 'approve'
            ? 'Approve a hold (S3): a fresh sync applies the held endings against the newest data'
            : 'Reject a hold (S3): the held endings are not applied; access stays as it is',
        tags: ['holds'],
        params: HoldParams,
        querystring: z.object(AccountQuery).strict(),
        response: { 200: HoldView, ...errors },
      },
      handler: async (req, _reply, { caller, property }) => decideHold(needOperations(deps), property, req.params.holdId, decision, actorOf(caller)),
    });
  }
}
