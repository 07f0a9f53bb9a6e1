import { sql, type Expression, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { SecretBox } from '../crypto/secrets.ts';
import type { Db } from '../db/database.ts';
import type { DB, DeliveryState } from '../db/schema.ts';
import { UserError } from '../errors/user-error.ts';
import type { NotificationKind } from './render.ts';
import { messageContent } from './staff.ts';

/**
 * F-16: a property's message history as the API pages it: one entry per notification (one resident,
 * one message), with the delivery state of each channel, who caused it, when it was made, when it is
 * or was due, and when it went. Filtered and counted in the database.
 */

/** A notification's state as staff see it: its outbox state, with 'scheduled' for one not due yet. */
export const MESSAGE_STATES = ['scheduled', 'queued', 'delivering', 'sent', 'failed', 'undeliverable', 'cancelled'] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];
/** What the history filters on: a state, or 'maybe-twice' for a channel that may have gone twice (N4). */
export const STATE_FILTERS = [...MESSAGE_STATES, 'maybe-twice'] as const;
export type StateFilter = (typeof STATE_FILTERS)[number];

export interface ChannelView {
  channel: 'email' | 'sms';
  /** The delivery (its stored copy is read by it). A notification has none until it falls due. */
  deliveryId: number;
  state: DeliveryState | 'maybe-twice';
  recipient: string | null;
  attempts: number;
  sentAt: string | null;
  /** The reason it was skipped, or the last error (masked by the providers, P3). */
  error: string | null;
  /** When the next attempt is due (retrying). */
  retryAt: string | null;
}

export interface MessageView {
  notificationId: number;
  /** The personal message or blast it belongs to (for cancelling it); null for the system's own. */
  messageId: number | null;
  kind: string;
  rule: string | null;
  state: MessageState;
  customerId: string | null;
  name: string | null;
  subject: string | null;
  /** Who caused it: `sync`, `user:<email>`, `token:<name>`, or the command line's user. */
  sentBy: string;
  createdAt: string;
  /** When it falls (or fell) due. */
  scheduledAt: string;
  sentAt: string | null;
  error: string | null;
  channels: ChannelView[];
}

export interface HistoryFilter {
  state?: StateFilter;
  customerId?: string;
  kind?: NotificationKind;
  /** The notifications of one personal message or blast (its recipients). */
  messageId?: number;
  offset: number;
  limit: number;
  now: Date;
}

const stateSql = (now: Date) => sql<MessageState>`case when o.state = 'queued' and o.not_before > ${now} then 'scheduled' else o.state end`;

/** Notifications with their resident and staff message: the one query behind the list and the detail. */
function notifications(db: Db, now: Date) {
  return db
    .selectFrom('outbox as o')
    .leftJoin('resident as r', 'r.id', 'o.resident_id')
    .leftJoin('staff_message as m', (j) => j.on(sql<boolean>`m.id = case when o.payload ? 'messageId' then (o.payload->>'messageId')::bigint end`))
    .select([
      'o.id',
      'o.kind',
      'o.rule',
      'o.created_at',
      'o.created_by',
      'o.not_before',
      'o.sent_at',
      'o.last_error',
      stateSql(now).as('state'),
      'r.customer_id',
      'r.first_name',
      'r.last_name',
      'm.id as message_id',
      'm.subject as message_subject',
      'm.body as message_body',
      'm.channels as message_channels',
      'm.cancelled_at',
      'm.cancelled_by',
    ]);
}

type Row = Awaited<ReturnType<ReturnType<typeof notifications>['execute']>>[number];

function toView(r: Row, channels: Array<ChannelView & { subject: string | null }>): MessageView {
  return {
    notificationId: r.id,
    messageId: r.message_id,
    kind: r.kind,
    rule: r.rule,
    state: r.state,
    customerId: r.customer_id,
    name: r.customer_id ? `${r.first_name ?? ''} ${r.last_name ?? ''}`.trim() : null,
    subject: channels.find((c) => c.subject)?.subject ?? r.message_subject ?? null,
    sentBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    scheduledAt: r.not_before.toISOString(),
    sentAt: r.sent_at ? r.sent_at.toISOString() : null,
    error: r.last_error,
    channels: channels.map(({ subject: _s, ...c }) => c),
  };
}

/** The message history of a property, newest first, with the total the filter matches. */
export async function messageHistory(db: Db, property: { id: number; accountId: number }, f: HistoryFilter): Promise<{ items: MessageView[]; total: number }> {
  const filtered = <Q extends SelectQueryBuilder<DB & { o: DB['outbox'] }, 'o', object>>(q: Q): Q =>
    q.where((eb) => {
      const conds: Expression<SqlBool>[] = [eb('o.property_id', '=', property.id)];
      if (f.kind) conds.push(eb('o.kind', '=', f.kind));
      if (f.messageId !== undefined) conds.push(sql<SqlBool>`o.payload ? 'messageId' and (o.payload->>'messageId')::bigint = ${f.messageId}`);
      if (f.state === 'maybe-twice')
        conds.push(eb.exists(eb.selectFrom('delivery as md').select('md.id').whereRef('md.outbox_id', '=', 'o.id').where('md.maybe_twice', '=', true)));
      else if (f.state) conds.push(sql<SqlBool>`${stateSql(f.now)} = ${f.state}`);
      if (f.customerId) {
        // The resident and any id linked to it (E3): notifications are stored against the main record.
        conds.push(
          eb(
            'o.resident_id',
            'in',
            eb
              .selectFrom('resident as c')
              .select(sql<number>`coalesce(c.linked_to, c.id)`.as('id'))
              .where('c.account_id', '=', property.accountId)
              .where('c.customer_id', '=', f.customerId),
          ),
        );
      }
      return eb.and(conds);
    }) as Q;
  const { total } = await filtered(db.selectFrom('outbox as o'))
    .select((eb) => eb.fn.countAll<string>().as('total'))
    .executeTakeFirstOrThrow();
  const rows = await filtered(notifications(db, f.now)).orderBy('o.created_at', 'desc').orderBy('o.id', 'desc').offset(f.offset).limit(f.limit).execute();
  const channels = await channelsOf(
    db,
    rows.map((r) => r.id),
  );
  return { items: rows.map((r) => toView(r, channels.get(r.id) ?? [])), total: Number(total) };
}

/** The deliveries (one per channel) of these notifications. */
async function channelsOf(db: Db, outboxIds: number[]): Promise<Map<number, Array<ChannelView & { subject: string | null }>>> {
  const out = new Map<number, Array<ChannelView & { subject: string | null }>>();
  if (outboxIds.length === 0) return out;
  const rows = await db
    .selectFrom('delivery')
    .select(['id', 'outbox_id', 'channel', 'state', 'maybe_twice', 'recipient', 'attempts', 'sent_at', 'last_error', 'not_before', 'subject'])
    .where('outbox_id', 'in', outboxIds)
    .orderBy('outbox_id')
    .orderBy('channel')
    .execute();
  for (const d of rows) {
    const list = out.get(d.outbox_id) ?? [];
    list.push({
      channel: d.channel,
      deliveryId: d.id,
      state: d.state === 'sent' && d.maybe_twice ? 'maybe-twice' : d.state,
      recipient: d.recipient,
      attempts: d.attempts,
      sentAt: d.sent_at ? d.sent_at.toISOString() : null,
      error: d.last_error,
      retryAt: d.state === 'retrying' ? d.not_before.toISOString() : null,
      subject: d.subject,
    });
    out.set(d.outbox_id, list);
  }
  return out;
}

export class MessageNotFound extends UserError {
  static override defaultCode = 'message-not-found';
  static override defaultCategory = 'not-found' as const;
  override name = 'MessageNotFound';
}

export interface ChannelContent {
  channel: 'email' | 'sms';
  from: string | null;
  to: string;
  subject: string | null;
  text: string;
  html: string | null;
  /** Whether a key was masked in it (P3: the stored copy is never shown with its key here). */
  keyMasked: boolean;
}

export interface MessageDetail extends MessageView {
  /** What a personal message or blast says (before it is composed per recipient). */
  message: { subject: string; body: string; channels: Array<'email' | 'sms'>; cancelledAt: string | null; cancelledBy: string | null } | null;
  /** What each channel sent, as stored (the key masked); absent for a channel not composed yet. */
  content: ChannelContent[];
}

/**
 * One notification of the property with what it sent: the stored copy of each channel, its key
 * masked (the one route that shows a key in clear is the key reveal, P3).
 */
export async function messageDetail(
  db: Db,
  secrets: SecretBox,
  property: { id: number; accountId: number },
  notificationId: number,
  staff: string,
  now: Date,
): Promise<MessageDetail> {
  const row = await notifications(db, now).where('o.id', '=', notificationId).where('o.property_id', '=', property.id).executeTakeFirst();
  if (!row) throw new MessageNotFound(`no notification ${notificationId} at this property`);
  const channels = (await channelsOf(db, [notificationId])).get(notificationId) ?? [];
  const content: ChannelContent[] = [];
  for (const c of channels) {
    const copy = await messageContent(db, secrets, { deliveryId: c.deliveryId, revealKeys: false, staff, propertyDbId: property.id }).catch((err) => {
      if (err instanceof UserError) return null; // not composed: skipped before it was written
      throw err;
    });
    if (copy)
      content.push({ channel: copy.channel, from: copy.from, to: copy.to, subject: copy.subject, text: copy.text, html: copy.html, keyMasked: copy.keyMasked });
  }
  return {
    ...toView(row, channels),
    message:
      row.message_id !== null
        ? {
            subject: row.message_subject!,
            body: row.message_body!,
            channels: row.message_channels!,
            cancelledAt: row.cancelled_at ? row.cancelled_at.toISOString() : null,
            cancelledBy: row.cancelled_by,
          }
        : null,
    content,
  };
}
