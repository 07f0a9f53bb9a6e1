import type { FastifyInstance } from 'fastify';
import { z, type ZodType } from 'zod';
import { actorOf, mayOn, type Caller } from '../auth/caller.ts';
import type { Permission } from '../auth/permissions.ts';
import { UserError } from '../errors/user-error.ts';
import { runBulk } from '../operations/bulk.ts';
import { revealKey } from '../operations/keys.ts';
import { runResidentAction, type ResidentActionRequest } from '../operations/resident-actions.ts';
import { propertiesOfCustomer } from '../operations/residents.ts';
import type { Target } from '../operations/target.ts';
import type { PropertySettings } from '../properties/properties.ts';
import { AccountQuery, CustomerId, EntrataId, needOperations } from './api-common.ts';
import { apiRoute } from './api-route.ts';
import type { HttpDeps } from './server.ts';
import { ErrorBody } from './errors.ts';

// The operations staff run on one resident (O1..O4, K1, K3, P3, P4, N3, E3), and their bulk form over a
// selection, as routes. Each calls the same service function as `pebbles resident …` with the caller as
// the actor (O6), and looks the resident up within the property the access check resolved.

// ── schemas ──────────────────────────────────────────────────────────────────────────────────────

const ResidentParams = z.object({ propertyId: EntrataId, customerId: CustomerId });
const PropertyParams = z.object({ propertyId: EntrataId });
const Query = z.object(AccountQuery).strict();

const LeaseId = z.string().regex(/^\d{1,20}$/, 'an Entrata lease id (digits)');
// A calendar day: 2026-02-30 and 2026-13-01 are refused here, naming the field, not deeper down.
const LocalDay = z.iso.date({ error: 'a date as YYYY-MM-DD (a day that exists)' });
const Instant = z.iso.datetime({ offset: true, message: 'a time as ISO-8601 with its offset, e.g. 2026-03-01T09:00:00-06:00' });
const Message = z.string().trim().min(1, 'the message to the resident is empty').max(2000);
const UnitNumber = z.string().trim().min(1).max(40);
const Building = z.string().trim().min(1).max(100);

const NoBody = z.object({}).strict().nullish();
const LeaseBody = z.object({ leaseId: LeaseId.optional() }).strict().nullish();
const BlockFields = { message: Message, at: Instant.optional() };
const ReassignFields = { unit: UnitNumber, building: Building.optional() };
const DatesFields = { early: LocalDay.nullable().optional(), late: LocalDay.nullable().optional() };
const needsADate = <T extends { early?: unknown; late?: unknown }>(b: T) => b.early !== undefined || b.late !== undefined;
const DATE_NEEDED = { message: 'give early or late (or both); null clears one', path: ['early'] };

const ActionInWords = z.object({
  rule: z.string(),
  kind: z.string(),
  customerId: z.string().nullable(),
  leaseId: z.string().nullable(),
  place: z.string().nullable().describe('the unit and bedrooms by the names staff know'),
  reason: z.string(),
});
const Outcome = z.object({
  customerId: z.string(),
  action: z.string(),
  done: z.string().describe('what was done, in plain words'),
  notificationId: z.number().nullable().describe('the notification queued for the resident, if any'),
  run: z
    .object({ runId: z.number().nullable(), status: z.enum(['applied', 'unchanged', 'failed']) })
    .nullable()
    .describe('the re-plan that applied it at once; null for an action that needs none'),
  actions: z.array(ActionInWords).describe('what the re-plan changed for this resident, each with its rule'),
});
const Revealed = z.object({ customerId: z.string(), ssid: z.string(), key: z.string() });

const BulkSelection = {
  customerIds: z
    .array(CustomerId)
    .min(1)
    .max(500)
    .transform((ids) => [...new Set(ids)]),
};
const BulkBody = z.discriminatedUnion('action', [
  z.object({ action: z.literal('resend'), ...BulkSelection }).strict(),
  z.object({ action: z.literal('rotate-key'), ...BulkSelection }).strict(),
  z.object({ action: z.literal('block'), ...BulkSelection, ...BlockFields }).strict(),
  z.object({ action: z.literal('unblock'), ...BulkSelection }).strict(),
  z.object({ action: z.literal('move-in-now'), ...BulkSelection }).strict(),
  z.object({ action: z.literal('move-out-now'), ...BulkSelection }).strict(),
  z.object({ action: z.literal('transfer-now'), ...BulkSelection }).strict(),
  z.object({ action: z.literal('reassign'), ...BulkSelection, ...ReassignFields }).strict(),
  z
    .object({ action: z.literal('dates'), ...BulkSelection, ...DatesFields })
    .strict()
    .refine(needsADate, DATE_NEEDED),
]);
const BulkItem = z.union([
  Outcome.extend({ ok: z.literal(true) }),
  z.object({ customerId: z.string(), ok: z.literal(false), code: z.string(), message: z.string() }),
]);
const BulkResponse = z.object({ results: z.array(BulkItem), ok: z.number(), failed: z.number() });

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };

// ── helpers ──────────────────────────────────────────────────────────────────────────────────────

function targetOf(property: PropertySettings, customerId: string, caller: Caller, leaseId?: string): Target {
  return { propertyDbId: property.id, customerId, leaseId, staff: actorOf(caller) };
}

const instant = (at: string | undefined) => (at === undefined ? undefined : new Date(at));

/**
 * E3 joins two ids into one person, moving the other id's history onto this resident: refused when that
 * id lives at a property the caller may not act on (answered as not found, like anything they may not see).
 */
async function mayLink(deps: HttpDeps, caller: Caller, property: PropertySettings, otherId: string): Promise<void> {
  const where = await propertiesOfCustomer(deps.db, property.accountId, otherId);
  if (where.every((id) => mayOn(caller, 'resident.act', id))) return;
  throw new UserError(`no customer ${otherId} that you may see`, { code: 'customer-not-found', category: 'not-found' });
}

// ── routes ───────────────────────────────────────────────────────────────────────────────────────

interface ActionRoute<B extends ZodType> {
  name: string;
  method?: 'POST' | 'PUT';
  permission: Permission;
  summary: string;
  description: string;
  body: B;
  request(body: z.output<B>): ResidentActionRequest;
  leaseId?(body: z.output<B>): string | undefined;
  check?(deps: HttpDeps, caller: Caller, property: PropertySettings, body: z.output<B>): Promise<void>;
}

function actionRoute<B extends ZodType>(app: FastifyInstance, deps: HttpDeps, r: ActionRoute<B>): void {
  apiRoute(app, deps, {
    method: r.method ?? 'POST',
    url: `/api/properties/:propertyId/residents/:customerId/${r.name}`,
    access: { permission: r.permission, on: 'property' },
    schema: {
      summary: r.summary,
      description: r.description,
      tags: ['residents'],
      params: ResidentParams,
      querystring: Query,
      body: r.body,
      response: { 200: Outcome, ...errors },
    },
    handler: async (req, _reply, { caller, property }) => {
      const body = req.body as z.output<B>;
      await r.check?.(deps, caller, property, body);
      const t = targetOf(property, req.params.customerId, caller, r.leaseId?.(body));
      return (await runResidentAction(needOperations(deps), t, r.request(body))).outcome;
    },
  });
}

const leaseOf = (b: { leaseId?: string } | null | undefined) => b?.leaseId;

/** The resident operations and their bulk form (F-05..F-08, F-15, F-20). */
export function registerResidentActionsApi(app: FastifyInstance, deps: HttpDeps): void {
  actionRoute(app, deps, {
    name: 'resend',
    permission: 'resident.sync',
    body: NoBody,
    request: () => ({ action: 'resend' }),
    summary: 'Send the resident their current key again (N3)',
    description: 'Queues a message with the key current when it is sent. 409 no-key when the resident has no key here.',
  });
  actionRoute(app, deps, {
    name: 'rotate-key',
    permission: 'resident.act',
    body: NoBody,
    request: () => ({ action: 'rotate-key' }),
    summary: 'Issue a new key; the old one stops working and the resident is told (P4)',
    description: 'The new key is never in the answer; the resident receives it. 409 no-key when the resident has no key here.',
  });
  actionRoute(app, deps, {
    name: 'block',
    permission: 'resident.act',
    body: z.object(BlockFields).strict(),
    request: (b) => ({ action: 'block', message: b.message, at: instant(b.at) }),
    summary: "Block the resident's Wi-Fi now or at a time, with a message to them (K1)",
    description: 'No sync restores access while the block lasts. 409 blocked-already when a block is open.',
  });
  actionRoute(app, deps, {
    name: 'unblock',
    permission: 'resident.act',
    body: NoBody,
    request: () => ({ action: 'unblock' }),
    summary: 'Lift the block; access returns at once if a lease window is open (K3)',
    description: '409 not-blocked when there is no block to lift.',
  });
  const leaseNote = 'leaseId picks the lease when the resident has several here (409 lease-needed otherwise).';
  actionRoute(app, deps, {
    name: 'move-in-now',
    permission: 'resident.act',
    body: LeaseBody,
    request: () => ({ action: 'move-in-now' }),
    leaseId: leaseOf,
    summary: 'Start access now on the upcoming lease (O3)',
    description: `An application not yet signed gives no access (W1). ${leaseNote}`,
  });
  actionRoute(app, deps, {
    name: 'move-out-now',
    permission: 'resident.act',
    body: LeaseBody,
    request: () => ({ action: 'move-out-now' }),
    leaseId: leaseOf,
    summary: 'End access now on the current lease (O3)',
    description: leaseNote,
  });
  actionRoute(app, deps, {
    name: 'transfer-now',
    permission: 'resident.act',
    body: LeaseBody,
    request: () => ({ action: 'transfer-now' }),
    leaseId: leaseOf,
    summary: 'Move to the pending transfer lease now (O3, U3)',
    description: leaseNote,
  });
  actionRoute(app, deps, {
    name: 'reassign',
    permission: 'resident.act',
    body: z.object({ ...ReassignFields, leaseId: LeaseId.optional() }).strict(),
    request: (b) => ({ action: 'reassign', unit: b.unit, building: b.building ?? null }),
    leaseId: leaseOf,
    summary: "Make another of the resident's leased units their home; the previous registration ends at once (O4)",
    description: 'building is needed where unit numbers repeat across buildings.',
  });
  actionRoute(app, deps, {
    name: 'dates',
    method: 'PUT',
    permission: 'resident.act',
    body: z
      .object({ ...DatesFields, leaseId: LeaseId.optional() })
      .strict()
      .refine(needsADate, DATE_NEEDED),
    request: (b) => ({ action: 'dates', early: b.early, late: b.late }),
    leaseId: leaseOf,
    summary: "Set the lease's early move-in and late move-out dates (O1, O2)",
    description: `early: access may start at the start of this local day; late: access lasts to the end of it; null clears one. ${leaseNote}`,
  });
  actionRoute(app, deps, {
    name: 'link',
    permission: 'resident.act',
    body: z.object({ customerId: CustomerId }).strict(),
    request: (b) => ({ action: 'link', customerId: b.customerId }),
    check: (d, caller, property, b) => mayLink(d, caller, property, b.customerId),
    summary: 'Link another customer id of the same person to this resident, keeping one key history (E3)',
    description: 'The other id becomes an alias; its registrations, keys and history move to this resident.',
  });

  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/properties/:propertyId/residents/:customerId/reveal-key',
    access: { permission: 'key.reveal', on: 'property' },
    schema: {
      summary: "The resident's current key in clear (P3)",
      tags: ['residents'],
      description: 'The only route that answers a key. Every reveal is recorded in the audit trail, with who asked, before the key is read.',
      params: ResidentParams,
      querystring: Query,
      body: NoBody,
      response: { 200: Revealed, ...errors },
    },
    handler: async (req, reply, { caller, property }) => {
      const k = await revealKey(needOperations(deps), targetOf(property, req.params.customerId, caller));
      void reply.header('cache-control', 'no-store');
      return { customerId: req.params.customerId, ssid: k.ssid, key: k.key };
    },
  });

  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/properties/:propertyId/residents/bulk',
    access: { permission: 'resident.act', on: 'property' },
    schema: {
      summary: 'One operation over a selection of residents, answered per resident',
      tags: ['residents'],
      description:
        'Each resident is done in its own transaction with its own audit entry; one that fails (not a resident here, no key, no fitting lease) is answered with its code and message and never stops the others. The property is then re-planned once. Up to 500 customer ids; repeats count once.',
      params: PropertyParams,
      querystring: Query,
      body: BulkBody,
      response: { 200: BulkResponse, ...errors },
    },
    handler: async (req, _reply, { caller, property }) => {
      const { customerIds, ...fields } = req.body;
      const request = fields.action === 'block' ? { ...fields, at: instant(fields.at) } : fields;
      return runBulk(needOperations(deps), { propertyDbId: property.id, customerIds, staff: actorOf(caller) }, request);
    },
  });

  // Resending is what every role may do one by one (resident.sync); its bulk form needs no more.
  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/properties/:propertyId/residents/bulk/resend',
    access: { permission: 'resident.sync', on: 'property' },
    schema: {
      summary: 'Send the current key again to a selection of residents (N3), answered per resident',
      tags: ['residents'],
      description: 'As the bulk route with action "resend", open to every role that may resend one key. Up to 500 customer ids; repeats count once.',
      params: PropertyParams,
      querystring: Query,
      body: z.object(BulkSelection).strict(),
      response: { 200: BulkResponse, ...errors },
    },
    handler: async (req, _reply, { caller, property }) =>
      runBulk(needOperations(deps), { propertyDbId: property.id, customerIds: req.body.customerIds, staff: actorOf(caller) }, { action: 'resend' }),
  });
}
