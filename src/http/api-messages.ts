import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../auth/caller.ts';
import { cancelMessage } from '../notifications/cancel.ts';
import { MESSAGE_STATES, STATE_FILTERS, messageDetail, messageHistory } from '../notifications/history.ts';
import { NOTIFICATION_KINDS } from '../notifications/render.ts';
import { sendMessage } from '../notifications/staff.ts';
import { AccountQuery, CustomerId, PropertyParams } from './api-common.ts';
import { apiRoute } from './api-route.ts';
import type { HttpDeps } from './server.ts';
import { ErrorBody } from './errors.ts';

// ── schemas ──────────────────────────────────────────────────────────────────────────────────────

export const Paging = {
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(50),
};

const Channel = z.enum(['email', 'sms']);

const HistoryQuery = z
  .object({
    ...AccountQuery,
    ...Paging,
    state: z.enum(STATE_FILTERS).optional().describe('maybe-twice: a channel sent that may have arrived twice (N4)'),
    customerId: CustomerId.optional(),
    kind: z.enum(NOTIFICATION_KINDS).optional(),
    messageId: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().describe('the recipients of one personal message or blast'),
  })
  .strict();

const ChannelView = z.object({
  channel: Channel,
  deliveryId: z.number(),
  state: z.enum(['queued', 'sending', 'sent', 'retrying', 'failed', 'skipped', 'maybe-twice']),
  recipient: z.string().nullable(),
  attempts: z.number(),
  sentAt: z.string().nullable(),
  error: z.string().nullable().describe('why it was skipped, or the last error'),
  retryAt: z.string().nullable(),
});

const MessageView = z.object({
  notificationId: z.number(),
  messageId: z.number().nullable().describe('the personal message or blast it belongs to (DELETE …/messages/{messageId} cancels it)'),
  kind: z.string(),
  rule: z.string().nullable(),
  state: z.enum(MESSAGE_STATES),
  customerId: z.string().nullable(),
  name: z.string().nullable(),
  subject: z.string().nullable(),
  sentBy: z.string().describe('sync, user:<email> or token:<name>'),
  createdAt: z.string(),
  scheduledAt: z.string().describe('when it falls (or fell) due'),
  sentAt: z.string().nullable(),
  error: z.string().nullable(),
  channels: z.array(ChannelView),
});

const HistoryResponse = z.object({ items: z.array(MessageView), total: z.number(), offset: z.number(), limit: z.number() });

const MessageDetail = MessageView.extend({
  message: z
    .object({ subject: z.string(), body: z.string(), channels: z.array(Channel), cancelledAt: z.string().nullable(), cancelledBy: z.string().nullable() })
    .nullable(),
  content: z.array(
    z.object({
      channel: Channel,
      from: z.string().nullable(),
      to: z.string(),
      subject: z.string().nullable(),
      text: z.string(),
      html: z.string().nullable(),
      keyMasked: z.boolean().describe('a key in it is replaced by ••••••••; the key is shown only by the key reveal'),
    }),
  ),
});

const UnitRef = z.object({ number: z.string().min(1).max(40), building: z.string().min(1).max(100).optional() }).strict();

const ComposeBody = z
  .object({
    subject: z.string().max(200),
    body: z.string().max(20_000),
    customerIds: z.array(CustomerId).min(1).max(1000).optional().describe('a personal message to these residents; leave out for a blast'),
    unit: UnitRef.optional().describe("a blast to this unit's current residents; leave out (and customerIds) for the whole property"),
    channels: z.array(Channel).min(1).max(2).optional().describe('default ["email"]'),
    sendAt: z.iso.datetime({ offset: true }).optional().describe('when it goes (ISO-8601); default now'),
  })
  .strict();

const ComposeResponse = z.object({
  messageId: z.number(),
  kind: z.enum(['message', 'blast']),
  recipients: z.number(),
  sendAt: z.string(),
  channels: z.array(Channel),
  refused: z.array(z.object({ customerId: z.string(), reason: z.string() })),
  noContact: z.array(z.object({ customerId: z.string(), name: z.string(), missing: z.string() })).describe('recipients no chosen channel can reach (E2)'),
});

const CancelResponse = z.object({ messageId: z.number(), cancelled: z.number(), cancelledAt: z.string() });

const Id = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

// ── routes ───────────────────────────────────────────────────────────────────────────────────────

/** Message history, compose (now or scheduled) and cancel (F-16, F-17). */
export function registerMessagesApi(app: FastifyInstance, deps: HttpDeps): void {
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/properties/:propertyId/messages',
    access: { permission: 'property.view', on: 'property' },
    schema: {
      summary: 'Message history: every notification with its delivery state per channel, newest first',
      tags: ['messages'],
      params: PropertyParams,
      querystring: HistoryQuery,
      response: { 200: HistoryResponse, ...errors },
    },
    handler: async (req, _reply, { property: p }) => {
      const { offset, limit, state, customerId, kind, messageId } = req.query;
      const page = await messageHistory(deps.db, p, { offset, limit, state, customerId, kind, messageId, now: deps.now() });
      return { ...page, offset, limit };
    },
  });

  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/properties/:propertyId/messages/:notificationId',
    access: { permission: 'message.send', on: 'property' },
    schema: {
      summary: 'One notification and what it sent (the stored copy, its key masked)',
      tags: ['messages'],
      params: PropertyParams.extend({ notificationId: Id }),
      querystring: z.object(AccountQuery).strict(),
      response: { 200: MessageDetail, ...errors },
    },
    handler: async (req, _reply, { caller, property: p }) => messageDetail(deps.db, deps.secrets, p, req.params.notificationId, actorOf(caller), deps.now()),
  });

  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/properties/:propertyId/messages',
    access: { permission: 'message.send', on: 'property' },
    schema: {
      summary: 'Send a personal message or a blast (to the property or one unit), now or scheduled (F-17)',
      tags: ['messages'],
      params: PropertyParams,
      querystring: z.object(AccountQuery).strict(),
      body: ComposeBody,
      response: { 201: ComposeResponse, ...errors },
    },
    handler: async (req, reply, { caller, property: p }) => {
      const b = req.body;
      const r = await sendMessage(deps.db, {
        propertyDbId: p.id,
        staff: actorOf(caller),
        now: deps.now(),
        subject: b.subject,
        body: b.body,
        customerIds: b.customerIds,
        unit: b.unit,
        channels: b.channels,
        at: b.sendAt ? new Date(b.sendAt) : undefined,
      });
      return reply.status(201).send({ ...r, sendAt: r.sendAt.toISOString() });
    },
  });

  apiRoute(app, deps, {
    method: 'DELETE',
    url: '/api/properties/:propertyId/messages/:messageId',
    access: { permission: 'message.send', on: 'property' },
    schema: {
      summary: 'Cancel a scheduled message or blast that has not gone yet (409 once it is sending)',
      tags: ['messages'],
      description: "messageId is the id sending answered (also each history entry's messageId), not a notification id.",
      params: PropertyParams.extend({ messageId: Id }),
      querystring: z.object(AccountQuery).strict(),
      response: { 200: CancelResponse, ...errors },
    },
    handler: async (req, _reply, { caller, property: p }) =>
      cancelMessage(deps.db, { propertyDbId: p.id, messageId: req.params.messageId, staff: actorOf(caller), now: deps.now() }),
  });
}
