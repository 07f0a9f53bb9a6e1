import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { auditTrail } from '../audit/trail.ts';
import { Paging } from './api-messages.ts';
import { AccountQuery, CustomerId, PropertyParams } from './api-common.ts';
import { apiRoute } from './api-route.ts';
import type { HttpDeps } from './server.ts';
import { ErrorBody } from './errors.ts';

/** A date (the start of that day, UTC) or an instant with its offset. */
const When = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'a date (2026-08-15) or a time with its offset (2026-08-15T09:00:00-06:00)' });

const AuditQuery = z
  .object({
    ...AccountQuery,
    ...Paging,
    actor: z.string().min(1).max(200).optional().describe('who acted, or part of it: user:ana@example.com, token:deploy, sync'),
    customerId: CustomerId.optional(),
    action: z
      .string()
      .regex(/^[a-z][a-z-]{0,40}$/, 'an action such as block, reveal-key, end')
      .optional(),
    from: When.optional().describe('from this date or time (inclusive)'),
    to: When.optional().describe('until this date or time (exclusive)'),
  })
  .strict();

const AuditEntry = z.object({
  id: z.number(),
  at: z.string(),
  actor: z.string(),
  runId: z.number().nullable(),
  action: z.string(),
  rule: z.string().nullable(),
  leaseId: z.string().nullable(),
  customerId: z.string().nullable(),
  name: z.string().nullable(),
  text: z.string().describe('what happened, in words'),
  details: z.record(z.string(), z.unknown()),
});

const AuditPage = z.object({ items: z.array(AuditEntry), total: z.number(), offset: z.number(), limit: z.number() });

/** F-23, O6: the audit trail of a property. */
export function registerAuditApi(app: FastifyInstance, deps: HttpDeps): void {
  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/properties/:propertyId/audit',
    access: { permission: 'audit.view', on: 'property' },
    schema: {
      summary: 'Audit trail: every change and staff action, newest first, filterable by who, resident, kind and date',
      tags: ['audit'],
      params: PropertyParams,
      querystring: AuditQuery,
      response: { 200: AuditPage, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
    },
    handler: async (req, _reply, { property: p }) => {
      const { offset, limit, actor, customerId, action, from, to } = req.query;
      const at = (s: string | undefined) => (s === undefined ? undefined : new Date(s.length === 10 ? `${s}T00:00:00Z` : s));
      return { ...(await auditTrail(deps.db, p, { offset, limit, actor, customerId, action, from: at(from), to: at(to) })), offset, limit };
    },
  });
}
