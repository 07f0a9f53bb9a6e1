import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../auth/caller.ts';
import { QUEUES } from '../jobs/queues.ts';
import { requestSyncNow, stateOf, syncNowState, uniqueScopes, waitForSyncNow, type SyncNowState } from '../jobs/sync-now.ts';
import { recentSyncNowJobs } from '../jobs/sync-now-store.ts';
import type { PropertySettings } from '../properties/properties.ts';
import { runsOf } from '../registry/views.ts';
import { checkScopes } from '../sync/scope-check.ts';
import type { SyncScope } from '../sync/sync-property.ts';
import type { HttpDeps } from './server.ts';
import { apiRoute } from './api-route.ts';
import { errorResponses } from './errors.ts';
import { RateLimiter } from './rate-limit.ts';
import { UserError } from '../errors/user-error.ts';
import { AccountQuery, Building, CustomerId, PropertyParams, UnitNumber } from './api-common.ts';

// ── schemas ──────────────────────────────────────────────────────────────────────────────────────

const UnitRef = z.object({ unit: UnitNumber, building: Building.optional() }).strict();
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const SCOPE_FIELDS = ['unit', 'customer', 'customers', 'units'] as const;

/**
 * O5: the whole property (no body, or {}), one unit, one resident, or a selection of either: one object
 * whose fields are checked one by one, so a wrong one is named (a union would blame another branch).
 */
export const SyncRequestBody = z
  .object({
    unit: UnitNumber.optional().describe('One unit, by its number'),
    building: Building.optional().describe('With unit: its building, where unit numbers repeat across buildings'),
    customer: CustomerId.optional().describe('One resident, by Entrata customer id'),
    customers: z.array(CustomerId).min(1).max(500).optional().describe('Several residents'),
    units: z
      .array(z.union([UnitNumber, UnitRef]))
      .min(1)
      .max(500)
      .optional()
      .describe('Several units: numbers, or {unit, building}'),
  })
  .strict()
  .superRefine((b, ctx) => {
    const given = SCOPE_FIELDS.filter((k) => b[k] !== undefined);
    if (given.length > 1) {
      ctx.addIssue({ code: 'custom', path: [given[1]!], message: `give one of unit, customer, customers or units, not both ${given[0]} and ${given[1]}` });
    }
    if (b.building !== undefined && b.unit === undefined) ctx.addIssue({ code: 'custom', path: ['building'], message: 'only with unit' });
  })
  .nullish();

const SyncQuery = z
  .object({
    ...AccountQuery,
    wait: flag.optional().describe('Answer when the sync is done (200), or after the time-out with where to look (202)'),
    timeout: z.coerce.number().min(0.1).max(3600).optional().describe('Seconds to wait with wait=true (at most PEBBLES_SYNC_NOW_TIMEOUT_SECONDS)'),
  })
  .strict();

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
  location: z.string().describe('Where to look later (GET)'),
  property: z.string(),
  scopes: z.array(Scope).optional().describe('What the request syncs: duplicates dropped, a large selection as the whole property'),
  coalesced: z.boolean().optional().describe('Answered by a sync of the property already queued or running (its job id)'),
  result: z.object({ runs: z.array(RunSummary) }).optional(),
  error: z.string().optional(),
});

const SyncRequestItem = SyncRequestState.extend({
  requestedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

const SyncRequestsQuery = z.object({ ...AccountQuery, limit: z.coerce.number().int().min(1).max(100).default(20) }).strict();
const SyncRequestsResponse = z.object({ property: z.string(), items: z.array(SyncRequestItem) });

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
  if (body.unit !== undefined) return [{ kind: 'unit', unitNumber: body.unit, building: body.building ?? null }];
  if (body.customer !== undefined) return [{ kind: 'customer', customerId: body.customer }];
  if (body.customers) return body.customers.map((customerId) => ({ kind: 'customer', customerId }));
  if (body.units) {
    return body.units.map((u) =>
      typeof u === 'string' ? { kind: 'unit', unitNumber: u, building: null } : { kind: 'unit', unitNumber: u.unit, building: u.building ?? null },
    );
  }
  return [{ kind: 'property' }];
}

/** Where a request of the property is looked at later. */
function locationOf(p: PropertySettings, jobId: string, account: string | undefined): string {
  return `/api/properties/${encodeURIComponent(p.entrataId)}/sync-requests/${jobId}${account ? `?account=${encodeURIComponent(account)}` : ''}`;
}

function stateBody(s: SyncNowState, location: string, property: string) {
  return {
    jobId: s.jobId,
    state: s.state,
    location,
    property,
    ...(s.state === 'done' ? { result: { runs: s.result.runs } } : {}),
    ...(s.state === 'failed' ? { error: s.error } : {}),
  };
}

const statusOf = (s: SyncNowState) => (s.state === 'done' ? 200 : s.state === 'failed' ? 500 : 202);

function needBoss(deps: HttpDeps) {
  if (!deps.boss) throw new UserError('this process has no job queue', { code: 'no-queue', category: 'unavailable' });
  return deps.boss;
}

// ── routes ───────────────────────────────────────────────────────────────────────────────────────

/** Sync now (O5), its requests and the run history. */
export function registerSyncApi(app: FastifyInstance, deps: HttpDeps): void {
  const errors = errorResponses(400, 401, 403, 404, 409, 503);
  // Each caller's sync-now requests: enough for a person, too few to spend an Entrata budget.
  const limiter = new RateLimiter(deps.syncNowPerMinute ?? 10, 'sync-now requests');

  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/properties/:propertyId/sync',
    access: { permission: 'resident.sync', on: 'property' },
    bodyLimit: 64 * 1024,
    schema: {
      summary: 'Sync now: the whole property, a unit, a resident or a selection (O5)',
      tags: ['sync'],
      description:
        'Duplicates are dropped; a selection of more than a quarter of the units or residents syncs the whole property; ' +
        'a request that a sync of the property already queued or running covers is answered by it (same job id). ' +
        'Each caller may make 10 requests a minute (429 with Retry-After beyond).',
      params: PropertyParams,
      querystring: SyncQuery,
      body: SyncRequestBody,
      response: { 200: SyncRequestState, 202: SyncRequestState, 500: SyncRequestState, ...errorResponses(400, 401, 403, 404, 409, 413, 415, 429, 503) },
    },
    handler: async (req, reply, { caller, property: p }) => {
      limiter.take(actorOf(caller));
      const boss = needBoss(deps);
      if (!p.enabled) throw new UserError(`property ${p.entrataId} is disabled`, { code: 'property-disabled', category: 'conflict' });
      const scopes = uniqueScopes(scopesOf(req.body));
      // A unit or resident the property does not have: 400 now, rather than a failed request later.
      await checkScopes(deps.db, { id: p.id, accountId: p.accountId, entrataId: p.entrataId }, scopes);
      const queued = await requestSyncNow(deps.db, boss, { propertyId: p.id, scopes, staff: actorOf(caller), now: deps.now() });
      deps.notify?.(QUEUES.syncNow);
      const location = locationOf(p, queued.jobId, req.query.account);
      const extra = { scopes: queued.scopes, coalesced: queued.coalesced };
      let s: SyncNowState = { state: 'queued', jobId: queued.jobId };
      if (req.query.wait) {
        const timeout = Math.min(deps.syncNowTimeoutMs, (req.query.timeout ?? Infinity) * 1000);
        s = (await waitForSyncNow(boss, queued.jobId, timeout)) ?? s;
      } else if (queued.coalesced) {
        s = (await syncNowState(boss, queued.jobId)) ?? s;
      }
      return reply.status(statusOf(s)).send({ ...stateBody(s, location, p.entrataId), ...extra });
    },
  });

  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/properties/:propertyId/sync-requests',
    access: { permission: 'property.view', on: 'property' },
    schema: {
      summary: 'Sync-now requests of a property, newest first: queued, running and recent ones with their state',
      tags: ['sync'],
      params: PropertyParams,
      querystring: SyncRequestsQuery,
      response: { 200: SyncRequestsResponse, ...errors },
    },
    handler: async (req, _reply, { property: p }) => {
      needBoss(deps);
      const jobs = await recentSyncNowJobs(deps.db, p.id, req.query.limit);
      return {
        property: p.entrataId,
        items: jobs.map((j) => ({
          ...stateBody(stateOf(j), locationOf(p, j.id, req.query.account), p.entrataId),
          scopes: j.data.scopes,
          requestedAt: j.createdOn.toISOString(),
          startedAt: j.startedOn?.toISOString() ?? null,
          finishedAt: j.completedOn?.toISOString() ?? null,
        })),
      };
    },
  });

  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/properties/:propertyId/sync-requests/:jobId',
    access: { permission: 'property.view', on: 'property' },
    schema: {
      summary: 'The state and result of a sync-now request',
      tags: ['sync'],
      params: PropertyParams.extend({ jobId: z.uuid('expected a job id (a UUID, from the location of POST .../sync)') }),
      querystring: z.object(AccountQuery).strict(),
      response: { 200: SyncRequestState, 202: SyncRequestState, 500: SyncRequestState, ...errors },
    },
    handler: async (req, reply, { property: p }) => {
      const boss = needBoss(deps);
      // A request of another property answers as one that does not exist.
      const job = await boss.getJobById<{ propertyId: number; scopes: SyncScope[] }>(QUEUES.syncNow, req.params.jobId, { includeArchive: true });
      if (!job || Number(job.data.propertyId) !== p.id) {
        throw new UserError(`no sync request ${req.params.jobId} at property ${p.entrataId}`, { code: 'sync-request-not-found', category: 'not-found' });
      }
      const s = stateOf({ id: job.id, state: job.state, output: job.output });
      return reply.status(statusOf(s)).send({ ...stateBody(s, locationOf(p, job.id, req.query.account), p.entrataId), scopes: job.data.scopes });
    },
  });

  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/properties/:propertyId/runs',
    access: { permission: 'property.view', on: 'property' },
    schema: {
      summary: 'Sync runs of a property, newest first',
      tags: ['sync'],
      params: PropertyParams,
      querystring: RunsQuery,
      response: { 200: RunsResponse, ...errors },
    },
    handler: async (req, _reply, { property: p }) => {
      return { property: p.entrataId, runs: await runsOf(deps.db, p.id, req.query.limit) };
    },
  });
}
