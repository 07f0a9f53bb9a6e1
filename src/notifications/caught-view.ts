import { summaryOf } from './caught.ts';
import { simpleParser } from 'mailparser';
import type { SecretBox } from '../crypto/secrets.ts';
import type { Db } from '../db/database.ts';
import { UserError } from '../errors/user-error.ts';
import { caughtContent, type CaughtSummary } from './caught.ts';

/**
 * The caught mail and SMS of the embedded default as staff read them over the API: only what was
 * sent for a notification of their property (its residents), and an e-mail rendered (text, HTML with
 * its images inline) rather than raw MIME. The key is masked and the QR code replaced unless a
 * reveal is asked for by someone who may reveal keys; a reveal is audited (P3, see caughtContent).
 */

export interface CaughtItem extends CaughtSummary {
  notificationId: number;
  kind: string;
  customerId: string | null;
  name: string | null;
}

export interface CaughtRendered extends CaughtItem {
  /** E-mail: the plain-text part; SMS: the text. */
  text: string;
  /** E-mail: the HTML part with its inline images as data URLs; null for an SMS. */
  html: string | null;
  /** The QR code image as a data URL (the placeholder when the key is masked); null when none. */
  qrCode: string | null;
  keyMasked: boolean;
  /** Parts replaced by a placeholder (the QR code, which holds the key). */
  hidden: string[];
}

function ofProperty(db: Db, propertyDbId: number) {
  return db
    .selectFrom('caught_message as c')
    .innerJoin('outbox as o', 'o.id', 'c.notification_id')
    .leftJoin('resident as r', 'r.id', 'o.resident_id')
    .where('o.property_id', '=', propertyDbId);
}

const summaryColumns = [
  'c.id',
  'c.channel',
  'c.received_at',
  'c.sender',
  'c.recipients',
  'c.subject',
  'c.message_id',
  'c.size',
  'c.notification_id',
  'o.kind',
  'r.customer_id',
  'r.first_name',
  'r.last_name',
] as const;

type SummaryRow = {
  id: number;
  channel: 'email' | 'sms';
  received_at: Date;
  sender: string;
  recipients: string;
  subject: string;
  message_id: string | null;
  size: number;
  notification_id: number | null;
  kind: string;
  customer_id: string | null;
  first_name: string | null;
  last_name: string | null;
};

function toItem(r: SummaryRow): CaughtItem {
  return {
    ...summaryOf(r),
    notificationId: r.notification_id!,
    kind: r.kind,
    customerId: r.customer_id,
    name: r.customer_id ? `${r.first_name ?? ''} ${r.last_name ?? ''}`.trim() : null,
  };
}

/** The property's caught messages, newest first, with the total. */
export async function caughtOfProperty(
  db: Db,
  propertyDbId: number,
  f: { channel?: 'email' | 'sms'; offset: number; limit: number },
): Promise<{ items: CaughtItem[]; total: number }> {
  let q = ofProperty(db, propertyDbId);
  if (f.channel) q = q.where('c.channel', '=', f.channel);
  const { total } = await q.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow();
  const rows = await q
    .select([...summaryColumns])
    .orderBy('c.id', 'desc')
    .offset(f.offset)
    .limit(f.limit)
    .execute();
  return { items: rows.map(toItem), total: Number(total) };
}

/** One caught message of the property, rendered; masked unless `reveal` (the caller checked key.reveal). */
export async function caughtRendered(
  db: Db,
  secrets: SecretBox,
  o: { propertyDbId: number; id: number; reveal: boolean; staff: string; now: Date },
): Promise<CaughtRendered> {
  const row = await ofProperty(db, o.propertyDbId)
    .where('c.id', '=', o.id)
    .select([...summaryColumns])
    .executeTakeFirst();
  if (!row) throw new UserError(`no caught message ${o.id} for this property's residents`, { code: 'caught-not-found', category: 'not-found' });
  const content = await caughtContent(db, secrets, { id: o.id, revealKeys: o.reveal, staff: o.staff, now: o.now });
  if (!content) throw new UserError(`no caught message ${o.id} for this property's residents`, { code: 'caught-not-found', category: 'not-found' });
  const item = toItem(row);
  const base = { ...item, keyMasked: content.keyMasked, hidden: content.hidden };
  if (content.channel === 'sms') return { ...base, text: content.raw, html: null, qrCode: null };
  const parsed = await simpleParser(content.raw, { skipImageLinks: true });
  const images = parsed.attachments.filter((a) => a.contentType.startsWith('image/'));
  const dataUrl = (a: (typeof images)[number]) => `data:${a.contentType};base64,${a.content.toString('base64')}`;
  let html = typeof parsed.html === 'string' ? parsed.html : null;
  // Inline images (cid: references) become data URLs, so the HTML shows as the resident saw it.
  for (const a of images) {
    const cid = a.cid ?? a.contentId?.replace(/^<|>$/g, '');
    if (html && cid) html = html.split(`cid:${cid}`).join(dataUrl(a));
  }
  return { ...base, text: parsed.text ?? '', html, qrCode: images[0] ? dataUrl(images[0]) : null };
}
