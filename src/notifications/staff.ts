import { sql } from 'kysely';
import type { SecretBox } from '../crypto/secrets.ts';
import type { Db } from '../db/database.ts';
import type { DeliveryState } from '../db/schema.ts';
import { getPropertyById } from '../properties/properties.ts';
import type { StoredCopy } from './deliver.ts';
import { UserError } from '../errors/user-error.ts';
import { maskSecrets } from './mask.ts';
import { unitIdOf, withoutContact, type NoContact } from './recipients.ts';
import { recordAudit } from '../operations/audit.ts';
import { enqueueMany } from '../operations/outbox.ts';
import { findResident, findResidents } from '../operations/residents.ts';
import { staffMessageIdOf } from './payloads.ts';

/**
 * The staff-facing side of notifications (F-15..F-17): personal messages and blasts (now or scheduled),
 * and the message history with its delivery states. Resending a key (N3) is a resident operation
 * (src/operations/resend.ts).
 * The console and the `pebbles` commands call these.
 */

export class NotificationError extends UserError {
  static override defaultCode = 'notification';
  override name = 'NotificationError';
}

interface Who {
  propertyDbId: number;
  staff: string;
  now?: Date;
}

export type MessageChannel = 'email' | 'sms';

export interface MessageInput {
  subject: string;
  body: string;
  /** Chosen residents (a personal message); absent: a blast. */
  customerIds?: string[];
  /** A blast to the current residents of this unit only (absent: of the whole property). */
  unit?: { number: string; building?: string | null };
  /** How it goes; default e-mail alone. */
  channels?: MessageChannel[];
  /** When it goes out; default now. */
  at?: Date;
}

export interface MessageResult {
  messageId: number;
  kind: 'message' | 'blast';
  recipients: number;
  sendAt: Date;
  channels: MessageChannel[];
  refused: Array<{ customerId: string; reason: string }>;
  /** Recipients with no address for any chosen channel (E2): their notification will record it, undelivered. */
  noContact: NoContact[];
}

/** Longest a message may wait: scheduled further out, it is more likely a typo in the date. */
const MAX_SCHEDULE_MS = 366 * 24 * 3600_000;

/**
 * F-17: a personal message to chosen residents, or a blast to every current resident (active or
 * blocked) of the property or of one unit, now or at a set time, by e-mail, SMS or both. One
 * notification per recipient: nobody sees anyone else's address.
 */
export async function sendMessage(db: Db, who: Who & MessageInput): Promise<MessageResult> {
  const property = await getPropertyById(db, who.propertyDbId);
  const now = who.now ?? new Date();
  const subject = who.subject.trim();
  const body = who.body.replace(/\r\n?/g, '\n').trim();
  if (!subject) throw new NotificationError('subject: the subject is empty');
  if (subject.length > 200) throw new NotificationError('subject: the subject is longer than 200 characters');
  if (!body) throw new NotificationError('body: the message is empty');
  if (body.length > 20_000) throw new NotificationError('body: the message is longer than 20,000 characters');
  const sendAt = who.at ?? now;
  if (Number.isNaN(sendAt.getTime())) throw new NotificationError('sendAt: not a valid time to send at');
  // A minute of grace for clocks and slow forms; earlier is a mistake, not "now".
  if (sendAt.getTime() < now.getTime() - 60_000) throw new NotificationError(`sendAt: ${sendAt.toISOString()} is in the past; leave it out to send now`);
  if (sendAt.getTime() > now.getTime() + MAX_SCHEDULE_MS) throw new NotificationError('sendAt: at most a year ahead');
  const channels = [...new Set(who.channels ?? ['email'])].sort() as MessageChannel[];
  if (channels.length === 0) throw new NotificationError('channels: choose e-mail, SMS or both');
  if (who.customerIds && who.unit)
    throw new NotificationError('unit: a personal message goes to chosen residents (customerIds) or a blast to a unit, not both');
  const kind = who.customerIds ? 'message' : 'blast';
  const refused: MessageResult['refused'] = [];
  const unitId = who.unit ? await unitIdOf(db, property, who.unit) : null;

  // Residents registered at this property: everyone with access for a blast; anyone who has or had a registration for a personal message.
  const registered = await db.selectFrom('registration').select(['resident_id', 'state', 'unit_entrata_id']).where('property_id', '=', property.id).execute();
  let recipients: number[];
  if (who.customerIds) {
    const ids = [...new Set(who.customerIds)];
    if (ids.length === 0) throw new NotificationError('customerIds: choose at least one resident');
    const residents = await findResidents(db, property.accountId, ids);
    const here = new Set(registered.map((r) => r.resident_id));
    recipients = [];
    for (const customerId of ids) {
      const rid = residents.get(customerId);
      if (rid === undefined || !here.has(rid)) refused.push({ customerId, reason: `not a resident of property ${property.entrataId}` });
      else if (!recipients.includes(rid)) recipients.push(rid);
    }
  } else {
    const current = registered.filter((r) => (r.state === 'active' || r.state === 'blocked') && (unitId === null || r.unit_entrata_id === unitId));
    recipients = [...new Set(current.map((r) => r.resident_id))];
  }
  if (recipients.length === 0) {
    const where = who.unit ? `unit ${who.unit.number} of property ${property.entrataId}` : `property ${property.entrataId}`;
    throw new NotificationError(
      kind === 'blast' ? `${where} has no residents with access to write to` : 'customerIds: none of the chosen residents can be written to here',
      { code: 'no-recipients', category: 'conflict' },
    );
  }
  const noContact = await withoutContact(db, recipients, channels, property.smsEnabled);

  const messageId = await db.transaction().execute(async (trx) => {
    const m = await trx
      .insertInto('staff_message')
      .values({
        property_id: property.id,
        kind,
        subject,
        body,
        recipients: recipients.length,
        send_at: sendAt,
        channels,
        unit_entrata_id: unitId,
        created_by: who.staff,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await enqueueMany(
      trx,
      recipients.map((rid) => ({
        propertyId: property.id,
        residentId: rid,
        kind,
        rule: 'F-17',
        payload: { messageId: m.id },
        createdBy: who.staff,
        createdAt: now,
        notBefore: sendAt,
      })),
    );
    await recordAudit(trx, {
      at: now,
      propertyId: property.id,
      actor: who.staff,
      action: kind,
      rule: 'F-17',
      details: {
        messageId: m.id,
        subject,
        recipients: recipients.length,
        channels,
        sendAt: sendAt.toISOString(),
        ...(who.unit ? { unit: who.unit.number, building: who.unit.building ?? null } : {}),
      },
    });
    return m.id;
  });
  return { messageId, kind, recipients: recipients.length, sendAt, channels, refused, noContact };
}

/** The state shown to staff: a delivery's state, with "maybe-twice" for one sent that may have gone twice (N4). */
export type ShownState = DeliveryState | 'maybe-twice' | 'scheduled';

export interface NotificationView {
  /** The notification (outbox row). */
  id: number;
  /** The delivery (one channel of it); null before it falls due. */
  deliveryId: number | null;
  kind: string;
  rule: string | null;
  customerId: string | null;
  name: string | null;
  channel: 'email' | 'sms' | null;
  recipient: string | null;
  state: ShownState;
  maybeTwice: boolean;
  attempts: number;
  subject: string | null;
  createdAt: string;
  createdBy: string;
  /** When it is due (a scheduled block or message), or when its next retry is due. */
  dueAt: string | null;
  sentAt: string | null;
  providerId: string | null;
  error: string | null;
}

/**
 * F-16: message history of a property, newest first: one entry per notification and channel, with
 * the delivery state per recipient. Content is read separately (messageContent), masked or not.
 */
export async function notificationsOf(
  db: Db,
  propertyDbId: number,
  opts: { limit?: number; states?: ShownState[]; customerId?: string; now?: Date } = {},
): Promise<NotificationView[]> {
  const now = (opts.now ?? new Date()).getTime();
  let q = db
    .selectFrom('outbox as o')
    .leftJoin('delivery as d', 'd.outbox_id', 'o.id')
    .leftJoin('resident as r', 'r.id', 'o.resident_id')
    .leftJoin('staff_message as m', (j) => j.on(sql<boolean>`m.id = ${staffMessageIdOf('o.payload')}`))
    .select([
      'o.id',
      'o.kind',
      'o.rule',
      'o.created_at',
      'o.created_by',
      'o.not_before',
      'o.state as outbox_state',
      'o.last_error as outbox_error',
      'd.id as delivery_id',
      'd.channel',
      'd.recipient',
      'd.state',
      'd.maybe_twice',
      'd.attempts',
      'd.subject',
      'd.sent_at',
      'd.provider_id',
      'd.last_error',
      'd.not_before as retry_at',
      'r.customer_id',
      'r.first_name',
      'r.last_name',
      'm.subject as message_subject',
    ])
    .where('o.property_id', '=', propertyDbId);
  if (opts.customerId) {
    // The person's notifications, under whichever of their linked ids (E3) was given.
    const property = await getPropertyById(db, propertyDbId);
    const residentId = await findResident(db, property.accountId, opts.customerId);
    if (residentId === null) return [];
    q = q.where('o.resident_id', '=', residentId);
  }
  const rows = await q
    .orderBy('o.created_at', 'desc')
    .orderBy('o.id', 'desc')
    .orderBy('d.channel')
    .limit(opts.limit ?? 500)
    .execute();
  const views = rows.map((r): NotificationView => {
    const state: ShownState =
      r.delivery_id === null
        ? r.outbox_state === 'queued'
          ? 'scheduled'
          : (r.outbox_state as ShownState)
        : r.state === 'sent' && r.maybe_twice
          ? 'maybe-twice'
          : r.state!;
    const open = r.state === 'queued' || r.state === 'retrying';
    return {
      id: r.id,
      deliveryId: r.delivery_id,
      kind: r.kind,
      rule: r.rule,
      customerId: r.customer_id,
      name: r.customer_id ? `${r.first_name ?? ''} ${r.last_name ?? ''}`.trim() : null,
      channel: r.channel,
      recipient: r.recipient,
      state: r.delivery_id === null && state === 'scheduled' && r.not_before.getTime() <= now ? 'queued' : state,
      maybeTwice: r.maybe_twice ?? false,
      attempts: r.attempts ?? 0,
      subject: r.subject ?? r.message_subject ?? null,
      createdAt: r.created_at.toISOString(),
      createdBy: r.created_by,
      dueAt: r.delivery_id === null ? r.not_before.toISOString() : open && r.retry_at ? r.retry_at.toISOString() : null,
      sentAt: r.sent_at ? r.sent_at.toISOString() : null,
      providerId: r.provider_id,
      error: r.delivery_id === null ? r.outbox_error : r.last_error,
    };
  });
  return opts.states ? views.filter((v) => opts.states!.includes(v.state)) : views;
}

/** Notifications that need a person: failed ones, and ones that may have gone twice (shown on the property). */
export async function notificationProblems(db: Db, propertyDbId: number): Promise<{ failed: number; maybeTwice: number; items: NotificationView[] }> {
  const items = (await notificationsOf(db, propertyDbId, { limit: 5000 })).filter((v) => v.state === 'failed' || v.maybeTwice);
  return { failed: items.filter((v) => v.state === 'failed').length, maybeTwice: items.filter((v) => v.maybeTwice).length, items };
}

export { MASK } from './mask.ts';

/**
 * P3: a staff member is about to see a key in clear: one audit event saying who, whose key and
 * which message. Written before the key is shown, so a failure here shows nothing.
 */
export async function recordKeyReveal(
  db: Db,
  r: { propertyDbId: number | null; residentId: number | null; staff: string; now?: Date; details: Record<string, unknown> },
): Promise<void> {
  await recordAudit(db, {
    at: r.now ?? new Date(),
    propertyId: r.propertyDbId,
    residentId: r.residentId,
    actor: r.staff,
    action: 'reveal-key',
    rule: 'P3',
    details: r.details,
  });
}

/**
 * The stored copy of what one delivery sent. The key is masked unless the staff member may reveal
 * keys; a reveal is recorded in the audit trail (P3).
 */
export async function messageContent(
  db: Db,
  secrets: SecretBox,
  opts: { deliveryId: number; revealKeys: boolean; staff: string; propertyDbId?: number; now?: Date },
): Promise<StoredCopy & { deliveryId: number; notificationId: number; keyMasked: boolean }> {
  const row = await db
    .selectFrom('delivery as d')
    .innerJoin('outbox as o', 'o.id', 'd.outbox_id')
    .select(['d.id', 'd.outbox_id', 'd.content_encrypted', 'o.property_id', 'o.resident_id'])
    .where('d.id', '=', opts.deliveryId)
    .executeTakeFirst();
  if (!row || (opts.propertyDbId !== undefined && row.property_id !== opts.propertyDbId))
    throw new NotificationError(`no delivery ${opts.deliveryId}${opts.propertyDbId !== undefined ? ' at this property' : ''}`);
  if (!row.content_encrypted) throw new NotificationError(`delivery ${opts.deliveryId} has not been composed yet (it is not due, or was skipped)`);
  const copy = JSON.parse(secrets.decrypt(row.content_encrypted)) as StoredCopy;
  const hasSecret = copy.secrets.length > 0;
  if (opts.revealKeys && hasSecret) {
    await recordKeyReveal(db, {
      propertyDbId: row.property_id,
      residentId: row.resident_id,
      staff: opts.staff,
      now: opts.now,
      details: { deliveryId: row.id, notificationId: row.outbox_id },
    });
    return { ...copy, deliveryId: row.id, notificationId: row.outbox_id, keyMasked: false };
  }
  const mask = (s: string | null) => (s === null ? null : maskSecrets(s, copy.secrets));
  return {
    ...copy,
    subject: mask(copy.subject),
    text: mask(copy.text)!,
    html: mask(copy.html),
    secrets: [],
    deliveryId: row.id,
    notificationId: row.outbox_id,
    keyMasked: hasSecret,
  };
}

/** The sender name and support contact printed in a property's messages (null clears one). */
export async function setMessageContact(
  db: Db,
  propertyDbId: number,
  c: { senderName?: string | null; supportEmail?: string | null; supportPhone?: string | null },
): Promise<void> {
  const set: { mail_sender_name?: string | null; support_email?: string | null; support_phone?: string | null } = {};
  const clean = (v: string | null) => (v === null ? null : v.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim() || null);
  if (c.senderName !== undefined) {
    const v = clean(c.senderName);
    if (v && v.length > 80) throw new NotificationError('the sender name is longer than 80 characters');
    set.mail_sender_name = v;
  }
  if (c.supportEmail !== undefined) {
    const v = clean(c.supportEmail);
    if (v && !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(v)) throw new NotificationError(`not an e-mail address: ${v}`);
    set.support_email = v;
  }
  if (c.supportPhone !== undefined) {
    const v = clean(c.supportPhone);
    if (v && v.length > 40) throw new NotificationError('the support phone is longer than 40 characters');
    set.support_phone = v;
  }
  if (Object.keys(set).length === 0) throw new NotificationError('give a sender name, a support e-mail or a support phone');
  await db.updateTable('property').set(set).where('id', '=', propertyDbId).execute();
}
