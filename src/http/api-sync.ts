import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { actorOf, mayOn } from '../auth/caller.ts';
import { QUEUES } from '../jobs/queues.ts';
import { getPropertyById } from '../properties/properties.ts';
import { requestSyncNow, syncNowState, waitForSyncNow, type SyncNowState } from '../jobs/sync-now.ts';
import { runsOf } from '../registry/views.ts';
import { checkScopes } from '../sync/scope-check.ts';
import type { SyncScope } from '../sync/sync-property.ts';
import type { HttpDeps } from './server.ts';
import { apiRoute } from './api-route.ts';
import { ErrorBody } from './zod-routes.ts';
import { UserError } from '../errors/user-error.ts';

// ── schemas ──────────────────────────────────────────────────────────────────────────────────────

export const EntrataId = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'an Entrata id such as 100123');
export const CustomerId = z.string().regex(/^\d{1,20}$/, 'an Entrata customer id (digits)');
const UnitRef = z.object({ unit: z.string().min(1).max(40), building: z.string().min(1).max(100).optional() }).strict();

const PropertyParams = z.object({ propertyId: EntrataId });
export const AccountQuery = { account: z.string().min(1).max(100).optional() };
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** O5: the whole property (no body, or {}), one unit, one resident, or a selection of either. */
export const SyncRequestBody = z.union([
  UnitRef,
  z.object({ customer: CustomerId }).strict(),
  z.object({ customers: z.array(CustomerId).min(1).max(500) }).strict(),
  z.object({ units: z.array(z.union([z.string().min(1).max(40), UnitRef])).min(1).max(500) }).strict(),
  z.object({}).strict(),
]).nullish();

const SyncQuery = z.object({
  ...AccountQuery,
  wait: flag.optional(),
  /** Seconds to wait with wait=true (at most PEBBLES_SYNC_NOW_TIMEOUT_SECONDS). */
  timeout: z.coerce.number().min(0.1).max(3600).optional(),
}).strict();

const Scope = z.union([
  z.object({ kind: z.literal('property') }),
  z.object({ kind: z.literal('unit'), unitNumber: z.string(), building: z.string().nullable().optional() }),
  z.object({ kind: z.literal('customer'), customerId: z.string() }),
]);

const RunSummary = z.object({
  runId: z.number().nullable(),
  property: z.string(),
  scope: Scope,
  status: z.string(),
  counts: z.record(z.string(), z.number()),
  held: z.object({ holdId: z.number(), endings: z.number() }).nullable(),
  error: z.object({ kind: z.string(), message: z.string(), entrataFailure: z.boolean() }).nullable(),
  nextTransitionAt: z.string().nullable(),
  actions: z.number(),
  answeredBy: z.enum(['this-request', 'running-sync']),
});

export const SyncRequestState = z.object({
  jobId: z.string(),
  state: z.enum(['queued', 'running', 'done', 'failed']),
  /** Where to look later (GET). */
  location: z.string(),
  property: z.string(),
  result: z.object({ runs: z.array(RunSummary) }).optional(),
  error: z.string().optional(),
});

const RunView = z.object({
  runId: z.number(),
  trigger: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  status: z.string(),
  counts: z.record(z.string(), z.number()),
  error: z.unknown(),
});

const RunsQuery = z.object({ ...AccountQuery, limit: z.coerce.number().int().min(1).max(500).default(50) }).strict();
const RunsResponse = z.object({ property: z.string(), runs: z.array(RunView) });

// ── helpers ──────────────────────────────────────────────────────────────────────────────────────


export function scopesOf(body: z.output<typeof SyncRequestBody>): SyncScope[] {
  if (!body) return [{ kind: 'property' }];
  if ('unit' in body) return [{ kind: 'unit', unitNumber: body.unit, building: body.building ?? null }];
  if ('customer' in body) return [{ kind: 'customer', customerId: body.customer }];
  if ('customers' in body) return [...new Set(body.customers)].map((customerId) => ({ kind: 'customer', customerId }));
  if ('units' in body) {
    return body.units.map((u) => (typeof u === 'string' ? { kind: 'unit', unitNumber: u, building: null } : { kind: 'unit', unitNumber: u.unit, building: u.building ?? null }));
  }
  return [{ kind: 'property' }];
}

function stateBody(s: SyncNowState, property: string) {
  return {
    jobId: s.jobId, state: s.state, location: `/api/sync-requests/${s.jobId}`, property,
    ...(s.state === 'done' ? { result: { runs: s.result.runs } } : {}),
    ...(s.state === 'failed' ? { error: s.error } : {}),
  };
}

const send = (reply: FastifyReply, s: SyncNowState, property: string) =>
  reply.status(s.state === 'done' ? 200 : s.state === 'failed' ? 500 : 202).send(stateBody(s, property));

function needBoss(deps: HttpDeps) {
  if (!deps.boss) throw new UserError('this process has no job queue', { code: 'no-queue', category: 'unavailable' });
  return deps.boss;
}

// ── routes ───────────────────────────────────────────────────────────────────────────────────────

/** Sync now (O5) and the run history, the first routes of the JSON API (F-28). */
export function registerSyncApi(app: FastifyInstance, deps: HttpDeps): void {
  const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };

  apiRoute(app, deps, {
    method: 'POST', url: '/api/properties/:propertyId/sync',
    access: { permission: 'resident.sync', on: 'property' },
    schema: {
      summary: 'Sync now: the whole property, a unit, a resident or a selection (O5)', tags: ['sync'],
      params: PropertyParams, querystring: SyncQuery, body: SyncRequestBody,
      response: { 200: SyncRequestState, 202: SyncRequestState, 500: SyncRequestState, ...errors },
    },
    handler: async (req, reply, { caller, property: p }) => {
      const boss = needBoss(deps);
      if (!p.enabled) throw new UserError(`property ${p.entrataId} is disabled`, { code: 'property-disabled', category: 'conflict' });
      const scopes = scopesOf(req.body);
      // A unit or resident the property does not have: 400 now, rather than a failed request later.
      await checkScopes(deps.db, { id: p.id, accountId: p.accountId, entrataId: p.entrataId }, scopes);
      const jobId = await requestSyncNow(boss, { propertyId: p.id, scopes, staff: actorOf(caller), now: deps.now() });
      deps.notify?.(QUEUES.syncNow);
      if (!req.query.wait) return send(reply, { state: 'queued', jobId }, p.entrataId);
      const timeout = Math.min(deps.syncNowTimeoutMs, (req.query.timeout ?? Infinity) * 1000);
      const s = (await waitForSyncNow(boss, jobId, timeout)) ?? { state: 'queued' as const, jobId };
      return send(reply, s, p.entrataId);
    },
  });

  apiRoute(app, deps, {
    method: 'GET', url: '/api/sync-requests/:jobId',
    access: 'signed-in',
    schema: {
      summary: 'The state and result of a sync-now request', tags: ['sync'],
      params: z.object({ jobId: z.uuid() }),
      response: { 200: SyncRequestState, 202: SyncRequestState, 500: SyncRequestState, ...errors },
    },
    handler: async (req, reply, { caller }) => {
      const boss = needBoss(deps);
      const notFound = new UserError(`no sync request ${req.params.jobId}`, { code: 'sync-request-not-found', category: 'not-found' });
      // A request of a property the caller may not see answers as one that does not exist.
      const job = await boss.getJobById<{ propertyId: number }>(QUEUES.syncNow, req.params.jobId, { includeArchive: true });
      if (!job || !mayOn(caller, 'property.view', job.data.propertyId)) throw notFound;
      const s = await syncNowState(boss, req.params.jobId);
      if (!s) throw notFound;
      return send(reply, s, (await getPropertyById(deps.db, job.data.propertyId)).entrataId);
    },
  });

  apiRoute(app, deps, {
    method: 'GET', url: '/api/properties/:propertyId/runs',
    access: { permission: 'property.view', on: 'property' },
    schema: {
      summary: 'Sync runs of a property, newest first', tags: ['sync'],
      params: PropertyParams, querystring: RunsQuery, response: { 200: RunsResponse, ...errors },
    },
    handler: async (req, _reply, { property: p }) => {
      return { property: p.entrataId, runs: await runsOf(deps.db, p.id, req.query.limit) };
    },
  });
}
