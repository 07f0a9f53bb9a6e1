import type { SecretBox } from '../crypto/secrets.ts';
import type { Db } from '../db/database.ts';

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
  const rows = await q.orderBy('id', 'desc').limit(opts.limit ?? 100).execute();
  return rows.map((r) => ({ id: r.id, channel: r.channel, receivedAt: r.received_at.toISOString(), from: r.sender, to: r.recipients, subject: r.subject, messageId: r.message_id, size: r.size }));
}

/** One caught message with its raw content (MIME for e-mail, the text for SMS), decrypted. */
export async function caughtMessage(db: Db, secrets: SecretBox, id: number): Promise<(CaughtSummary & { raw: string }) | null> {
  const r = await db.selectFrom('caught_message').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) return null;
  return { id: r.id, channel: r.channel, receivedAt: r.received_at.toISOString(), from: r.sender, to: r.recipients, subject: r.subject, messageId: r.message_id, size: r.size, raw: secrets.decrypt(r.raw_encrypted) };
}
