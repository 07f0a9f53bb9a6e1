import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf, mayOn } from '../auth/caller.ts';
import { UserError } from '../errors/user-error.ts';
import { caughtOfProperty, caughtRendered } from '../notifications/caught-view.ts';
import { Paging } from './api-messages.ts';
import { AccountQuery, PropertyParams } from './api-common.ts';
import { apiRoute } from './api-route.ts';
import type { HttpDeps } from './server.ts';
import { ErrorBody } from './errors.ts';

const Channel = z.enum(['email', 'sms']);

const CaughtItem = z.object({
  id: z.number(),
  channel: Channel,
  receivedAt: z.string(),
  from: z.string(),
  to: z.string(),
  subject: z.string(),
  messageId: z.string().nullable(),
  size: z.number(),
  notificationId: z.number(),
  kind: z.string(),
  customerId: z.string().nullable(),
  name: z.string().nullable(),
});

const CaughtList = z.object({ items: z.array(CaughtItem), total: z.number(), offset: z.number(), limit: z.number() });

const CaughtRendered = CaughtItem.extend({
  text: z.string(),
  html: z.string().nullable().describe('the HTML part, its inline images as data URLs'),
  qrCode: z.string().nullable().describe('the QR code as a data URL: a hatched placeholder while the key is masked'),
  keyMasked: z.boolean(),
  hidden: z.array(z.string()),
});

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** The caught copy is only there on the embedded default; elsewhere mail really went out. */
function needCatcher(deps: HttpDeps): void {
  if (!deps.catcher) {
    throw new UserError(
      'mail and SMS are not caught here: they go to the configured SMTP server and SMS provider (only the embedded default, without SMTP_HOST, or PEBBLES_CATCHER=on, catches them); see the message history instead',
      { code: 'catcher-off', category: 'not-found' },
    );
  }
}

/** The mail and SMS the embedded default caught instead of sending, for a property's residents. */
export function registerCaughtApi(app: FastifyInstance, deps: HttpDeps): void {
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/properties/:propertyId/caught',
    access: { permission: 'message.send', on: 'property' },
    schema: {
      summary: "Caught mail and SMS sent to the property's residents (embedded default), newest first",
      tags: ['messages'],
      params: PropertyParams,
      querystring: z.object({ ...AccountQuery, ...Paging, channel: Channel.optional() }).strict(),
      response: { 200: CaughtList, ...errors },
    },
    handler: async (req, _reply, { property: p }) => {
      needCatcher(deps);
      const { offset, limit, channel } = req.query;
      return { ...(await caughtOfProperty(deps.db, p.id, { channel, offset, limit })), offset, limit };
    },
  });

  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/properties/:propertyId/caught/:caughtId',
    access: { permission: 'message.send', on: 'property' },
    schema: {
      summary: 'One caught e-mail (text, HTML, QR code) or SMS, the key masked',
      tags: ['messages'],
      description:
        'With reveal=true, someone who may reveal keys (key.reveal) sees it as delivered, key and QR code included; the reveal is recorded in the audit trail (P3).',
      params: PropertyParams.extend({ caughtId: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }),
      querystring: z.object({ ...AccountQuery, reveal: flag.optional() }).strict(),
      response: { 200: CaughtRendered, ...errors },
    },
    handler: async (req, _reply, { caller, property: p }) => {
      needCatcher(deps);
      const reveal = req.query.reveal ?? false;
      if (reveal && !mayOn(caller, 'key.reveal', p.id)) {
        throw new UserError(
          `your role at property ${p.entrataId} does not allow revealing keys (key.reveal); leave out reveal to see the message with its key masked`,
          { code: 'forbidden', category: 'forbidden' },
        );
      }
      return caughtRendered(deps.db, deps.secrets, { propertyDbId: p.id, id: req.params.caughtId, reveal, staff: actorOf(caller), now: deps.now() });
    },
  });
}
