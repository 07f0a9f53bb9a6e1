import type { SecretBox } from '../crypto/secrets.ts';
import type { Db } from '../db/database.ts';
import { notificationOfMessage, type StoredCopy } from './deliver.ts';
import { maskSecrets } from './mask.ts';
import { maskMime } from './mime-mask.ts';
import { KEY_KINDS } from './render.ts';
import { recordKeyReveal } from './staff.ts';

/** What the embedded catchers kept (`pebbles mail list/show`). */
export interface CaughtSummary {
  id: number;
  channel: 'email' | 'sms';
  receivedAt: string;
  from: string;
  to: string;
  subject: string;
  messageId: string | null;
  size: number;
}

export async function caughtMessages(db: Db, opts: { limit?: number; channel?: 'email' | 'sms' } = {}): Promise<CaughtSummary[]> {
  let q = db.selectFrom('caught_message').select(['id', 'channel', 'received_at', 'sender', 'recipients', 'subject', 'message_id', 'size']);
  if (opts.channel) q = q.where('channel', '=', opts.channel);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(opts.limit ?? 100)
    .execute();
  return rows.map(summaryOf);
}

type CaughtRow = {
  id: number;
  channel: 'email' | 'sms';
  received_at: Date;
  sender: string;
  recipients: string;
  subject: string;
  message_id: string | null;
  size: number;
};

/** A caught message as staff see it in a list (shared by the command line and the API). */
export function summaryOf(r: CaughtRow): CaughtSummary {
  return {
    id: r.id,
    channel: r.channel,
    receivedAt: r.received_at.toISOString(),
    from: r.sender,
    to: r.recipients,
    subject: subjectOf(r),
    messageId: r.message_id,
    size: r.size,
  };
}

/** An SMS has no subject: its start may hold the key, so none is shown (older catchers kept one). */
function subjectOf(r: { channel: 'email' | 'sms'; subject: string; size: number }): string {
  return r.channel === 'sms' ? `(SMS, ${r.size} characters)` : r.subject;
}

/** One caught message with its raw content (MIME for e-mail, the text for SMS), decrypted. */
export async function caughtMessage(db: Db, secrets: SecretBox, id: number): Promise<(CaughtSummary & { raw: string }) | null> {
  const r = await db.selectFrom('caught_message').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) return null;
  return { ...summaryOf(r), raw: secrets.decrypt(r.raw_encrypted) };
}

export interface CaughtContent extends CaughtSummary {
  /** The raw message: masked unless the key was revealed. */
  raw: string;
  /** The notification it was sent for; null for a message Pebbles did not send. */
  notificationId: number | null;
  keyMasked: boolean;
  /** Parts of an e-mail replaced by a placeholder (the QR code, which holds the key). */
  hidden: string[];
}

/**
 * A caught message as staff see it (`pebbles mail show`): the key masked in every part, the QR code
 * replaced, unless `revealKeys`, which is recorded in the audit trail exactly as a reveal of a stored
 * copy is (P3). The message is tied to its notification by its Message-ID or idempotency key; the
 * values masked are the key of its stored copy and every key the resident had at the property (a
 * message re-sent after a rotation, or caught before its copy was recorded, carries an older one).
 */
export async function caughtContent(
  db: Db,
  secrets: SecretBox,
  opts: { id: number; revealKeys: boolean; staff: string; now?: Date },
): Promise<CaughtContent | null> {
  const m = await caughtMessage(db, secrets, opts.id);
  if (!m) return null;
  const link = m.messageId ? notificationOfMessage(m.messageId) : null;
  const n = link
    ? await db
        .selectFrom('outbox as o')
        .leftJoin('delivery as d', (j) => j.onRef('d.outbox_id', '=', 'o.id').on('d.channel', '=', link.channel))
        .select(['o.id', 'o.kind', 'o.property_id', 'o.resident_id', 'd.id as delivery_id', 'd.content_encrypted'])
        .where('o.id', '=', link.outboxId)
        .executeTakeFirst()
    : undefined;
  if (!n) return { ...m, notificationId: null, keyMasked: false, hidden: [] }; // not sent by Pebbles: no key of ours in it
  const carriesKey = KEY_KINDS.has(n.kind);
  if (opts.revealKeys && carriesKey) {
    await recordKeyReveal(db, {
      propertyDbId: n.property_id,
      residentId: n.resident_id,
      staff: opts.staff,
      now: opts.now,
      details: { caughtMessageId: m.id, notificationId: n.id, deliveryId: n.delivery_id },
    });
    return { ...m, notificationId: n.id, keyMasked: false, hidden: [] };
  }
  const keys = new Set<string>(n.content_encrypted ? (JSON.parse(secrets.decrypt(n.content_encrypted)) as StoredCopy).secrets : []);
  if (n.resident_id !== null) {
    const held = await db
      .selectFrom('psk')
      .select('secret_encrypted')
      .where('resident_id', '=', n.resident_id)
      .where('property_id', '=', n.property_id)
      .execute();
    for (const k of held) keys.add(secrets.decrypt(k.secret_encrypted));
  }
  const masked = m.channel === 'email' ? maskMime(m.raw, [...keys]) : { raw: maskSecrets(m.raw, [...keys]), hidden: [] };
  return { ...m, raw: masked.raw, notificationId: n.id, keyMasked: carriesKey || masked.raw !== m.raw, hidden: masked.hidden };
}
