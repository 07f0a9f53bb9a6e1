import { idempotencyKeyFor } from '../../../src/notifications/deliver.ts';
import { messageHistory } from '../../../src/notifications/history.ts';
import { sendMessage } from '../../../src/notifications/staff.ts';
import type { ApiBench } from '../../support/api-bench.ts';
import type { AccessCase, PropertyFixture } from './types.ts';

// Messages, the caught mail and SMS, and the audit trail (src/http/api-messages.ts, api-caught.ts, api-audit.ts).

const base = (fx: PropertyFixture) => `/api/properties/${fx.entrataId}`;

/** A notification of the fixture's property (the sync queued a welcome for each resident). */
async function notificationOf(fx: PropertyFixture, t: ApiBench): Promise<number> {
  const page = await messageHistory(t.bench.db, { id: fx.dbId, accountId: t.bench.accountId }, { offset: 0, limit: 1, now: t.bench.clock.now() });
  if (!page.items[0]) throw new Error(`no notification at property ${fx.entrataId}`);
  return page.items[0].notificationId;
}

/** A scheduled message of the fixture's property, for the cancel route. */
async function scheduledMessage(fx: PropertyFixture, t: ApiBench): Promise<number> {
  const now = t.bench.clock.now();
  const r = await sendMessage(t.bench.db, {
    propertyDbId: fx.dbId,
    staff: 'test',
    subject: 'Later',
    body: 'Later.',
    customerIds: [fx.customerId],
    at: new Date(now.getTime() + 3600_000),
    now,
  });
  return r.messageId;
}

/** A caught SMS sent for a notification of the fixture's property (as the embedded catcher stores one). */
async function caughtOf(fx: PropertyFixture, t: ApiBench): Promise<number> {
  const notificationId = await notificationOf(fx, t);
  const row = await t.bench.db
    .insertInto('caught_message')
    .values({
      channel: 'sms',
      message_id: idempotencyKeyFor(notificationId, 'sms'),
      notification_id: notificationId,
      sender: '+15005550006',
      recipients: '+13035550100',
      subject: '',
      size: 5,
      raw_encrypted: t.bench.secrets.encrypt('hello'),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export const cases: AccessCase[] = [
  { route: 'GET /api/properties/:propertyId/messages', request: (fx) => ({ url: `${base(fx)}/messages?customerId=${fx.customerId}` }) },
  {
    route: 'GET /api/properties/:propertyId/messages/:notificationId',
    request: async (fx, t) => ({ url: `${base(fx)}/messages/${await notificationOf(fx, t)}` }),
  },
  {
    route: 'POST /api/properties/:propertyId/messages',
    request: (fx) => ({ url: `${base(fx)}/messages`, payload: { subject: 'Hello', body: 'A word from the office.', customerIds: [fx.customerId] } }),
  },
  {
    route: 'DELETE /api/properties/:propertyId/messages/:messageId',
    request: async (fx, t) => ({ url: `${base(fx)}/messages/${await scheduledMessage(fx, t)}` }),
  },
  { route: 'GET /api/properties/:propertyId/caught', request: (fx) => ({ url: `${base(fx)}/caught?channel=sms` }) },
  { route: 'GET /api/properties/:propertyId/caught/:caughtId', request: async (fx, t) => ({ url: `${base(fx)}/caught/${await caughtOf(fx, t)}` }) },
  { route: 'GET /api/properties/:propertyId/audit', request: (fx) => ({ url: `${base(fx)}/audit?customerId=${fx.customerId}` }) },
];
