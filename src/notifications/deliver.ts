import { sql } from 'kysely';
import { SecretError, type SecretBox } from '../crypto/secrets.ts';
import type { Db } from '../db/database.ts';
import type { DeliveryState } from '../db/schema.ts';
import type { Logger } from '../log/logger.ts';
import { chooseChannels } from './channels.ts';
import { readNotice, staffMessageIdOf } from './payloads.ts';
import { isEmailAddress } from './phone.ts';
import { DeliveryError, type MailPort, type SmsPort } from './ports.ts';
import { KEY_KINDS, renderMessage, senderName, type RenderedMessage } from './render.ts';

/**
 * Delivery of the outbox (N4).
 *
 * An outbox row (one notification to one resident, written in the transaction of the change that
 * caused it) fans out to one `delivery` row per channel when it falls due. Each delivery moves:
 *
 *   queued ──claim──▶ sending ──provider accepted──▶ sent
 *                       │  ├──transient failure──▶ retrying ──claim (after back-off)──▶ sending
 *                       │  └──permanent failure, or the last attempt──▶ failed
 *                       └──lease expired (its worker died)──▶ sending again, maybe_twice = true
 *   (at fan-out) ──no address, SMS off or not allowed (chooseChannels)──▶ skipped (reason recorded)
 *   (at sending) ──no current key──▶ skipped; a payload that does not fit its kind──▶ failed (reason recorded)
 *
 * A claim is one committed UPDATE of up to `batchSize` rows chosen with FOR UPDATE SKIP LOCKED, so
 * any number of workers never share a row, and a row is 'sending' in the database before its
 * provider is called. Results are written back a chunk at a time (one UPDATE per chunk), never one
 * round trip per message. A crash between the provider's acceptance and that write leaves the row
 * 'sending'; when its lease runs out another worker sends it again with the same Message-ID (or
 * idempotency key) and marks it "may have gone twice" (maybe_twice). An ambiguous failure (a
 * time-out or a broken connection after the message may have gone out) is marked the same way.
 * Nothing else can send a message twice, and nothing is ever dropped.
 */

export interface DeliveryPolicy {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  batchSize: number;
  /** How long a claim lasts before another worker may take the row over (extended while sending). */
  leaseMs: number;
  /** ISO countries whose mobile numbers get SMS (F-18). */
  smsCountries: readonly string[];
}

export const DEFAULT_POLICY: DeliveryPolicy = {
  maxAttempts: 10,
  retryBaseMs: 30_000,
  retryMaxMs: 3_600_000,
  batchSize: 200,
  leaseMs: 120_000,
  smsCountries: ['US', 'CA'],
};

export interface DeliveryDeps {
  db: Db;
  secrets: SecretBox;
  log: Logger;
  /** null: the mail channel is stopped; e-mail deliveries wait, queued, until it runs. */
  mail: MailPort | null;
  /** null: no SMS provider; SMS deliveries are skipped with that reason and the e-mail goes alone. */
  sms: SmsPort | null;
  /** MAIL_FROM: the envelope address; the display name is the property's sender name. */
  mailFrom: string;
  policy: DeliveryPolicy;
  /** Names this worker in claimed rows; unique per running loop. */
  workerId: string;
  random?: () => number;
}

export interface BatchResult {
  /** Outbox rows fanned out into deliveries. */
  expanded: number;
  claimed: number;
  sent: number;
  retrying: number;
  failed: number;
  skipped: number;
  /** Claimed rows found 'sending' past their lease: re-sent and marked "may have gone twice". */
  recovered: number;
}

/** Exponential back-off with jitter: half the step fixed, half random. */
export function backoffMs(attempt: number, policy: Pick<DeliveryPolicy, 'retryBaseMs' | 'retryMaxMs'>, random: () => number = Math.random): number {
  const step = Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + (random() * step) / 2);
}

export function parseAddress(from: string): { name: string | null; address: string } {
  const m = /^\s*(.*?)\s*<([^<>]+)>\s*$/.exec(from);
  if (m) return { name: m[1]!.replace(/^"|"$/g, '') || null, address: m[2]!.trim() };
  return { name: null, address: from.trim() };
}

/** The stable Message-ID of one notification's e-mail (N4: a provider that de-duplicates can). */
export function messageIdFor(outboxId: number, mailFrom: string): string {
  const domain = parseAddress(mailFrom).address.split('@')[1] ?? 'pebbles.localhost';
  return `<pebbles.notification.${outboxId}@${domain}>`;
}

export function idempotencyKeyFor(outboxId: number, channel: 'email' | 'sms'): string {
  return `pebbles-notification-${outboxId}-${channel}`;
}

/** The notification a sent message belongs to, from its Message-ID or idempotency key (the two above). */
export function notificationOfMessage(messageId: string): { outboxId: number; channel: 'email' | 'sms' } | null {
  const mail = /^<?pebbles\.notification\.(\d+)@[^>]*>?$/.exec(messageId.trim());
  if (mail) return { outboxId: Number(mail[1]), channel: 'email' };
  const sms = /^pebbles-notification-(\d+)-(email|sms)$/.exec(messageId.trim());
  return sms ? { outboxId: Number(sms[1]), channel: sms[2] as 'email' | 'sms' } : null;
}

/** One batch: fan out due outbox rows, claim due deliveries, send them, record the outcomes. */
export async function deliverDue(deps: DeliveryDeps, now: Date): Promise<BatchResult> {
  const expanded = await fanOut(deps, now);
  const result: BatchResult = { expanded: expanded.rows, claimed: 0, sent: 0, retrying: 0, failed: 0, skipped: expanded.skipped, recovered: 0 };
  const claimed = await claim(deps, now);
  result.claimed = claimed.length;
  if (claimed.length === 0) return result;
  result.recovered = claimed.filter((c) => c.recovered).length;
  if (result.recovered > 0) {
    deps.log.warn(
      { deliveries: claimed.filter((c) => c.recovered).map((c) => c.id) },
      'notifications: deliveries found sending past their lease (a worker stopped mid-send); sending again with the same Message-ID, marked may-have-gone-twice (N4)',
    );
  }
  const outcomes = await sendAll(deps, now, claimed);
  for (const o of outcomes) {
    if (o.state === 'sent') result.sent++;
    else if (o.state === 'retrying') result.retrying++;
    else if (o.state === 'failed') result.failed++;
    else if (o.state === 'skipped') result.skipped++;
  }
  deps.log.debug({ ...result, worker: deps.workerId }, 'notifications: batch');
  return result;
}

// ───────────────────────────── fan-out: outbox row → deliveries ─────────────────────────────

interface DueOutbox {
  id: number;
  kind: string;
  resident_id: number | null;
  email: string | null;
  mobile: string | null;
  sms_enabled: boolean;
  /** The channels staff chose for a personal message or blast; null: the kind's own. */
  channels: Array<'email' | 'sms'> | null;
  /** Mail to a staff user (a password reset) rather than a resident. */
  staff_user_id: number | null;
}

async function fanOut(deps: DeliveryDeps, now: Date): Promise<{ rows: number; skipped: number }> {
  const limit = Math.max(deps.policy.batchSize * 5, 500);
  return deps.db.transaction().execute(async (trx) => {
    const { rows } = await sql<DueOutbox>`
      select o.id, o.kind, o.resident_id, o.staff_user_id, coalesce(r.email, s.email) as email, r.mobile, coalesce(p.sms_enabled, false) as sms_enabled, m.channels
      from outbox o
      left join property p on p.id = o.property_id
      left join resident r on r.id = o.resident_id
      left join staff_message m on m.id = ${staffMessageIdOf('o.payload')}
      left join staff_user s on s.id = o.staff_user_id
      where o.state = 'queued' and o.not_before <= ${now}
      order by o.not_before, o.id
      limit ${limit}
      for update of o skip locked`.execute(trx);
    if (rows.length === 0) return { rows: 0, skipped: 0 };
    const deliveries: Array<{
      outbox_id: number;
      channel: 'email' | 'sms';
      state: DeliveryState;
      recipient: string | null;
      last_error: string | null;
      not_before: Date;
      created_at: Date;
      updated_at: Date;
    }> = [];
    const undeliverable: number[] = [];
    let skipped = 0;
    for (const o of rows) {
      const mine: typeof deliveries = [];
      const add = (channel: 'email' | 'sms', state: DeliveryState, recipient: string | null, reason: string | null) => {
        mine.push({ outbox_id: o.id, channel, state, recipient, last_error: reason, not_before: now, created_at: now, updated_at: now });
      };
      const contact = o.resident_id === null && o.staff_user_id === null ? null : { email: o.email, mobile: o.mobile };
      for (const c of chooseChannels(o.kind, contact, { smsEnabled: o.sms_enabled, smsCountries: deps.policy.smsCountries }, o.channels)) {
        if (c.verdict !== 'send') add(c.channel, c.verdict === 'fail' ? 'failed' : 'skipped', c.to, c.reason);
        else if (c.channel === 'sms' && !deps.sms) add('sms', 'skipped', c.to, 'no SMS provider configured (SMS_BASE_URL)');
        else add(c.channel, 'queued', c.to, null);
      }
      skipped += mine.filter((d) => d.state === 'skipped').length;
      if (!mine.some((d) => d.state === 'queued')) {
        undeliverable.push(o.id);
      }
      deliveries.push(...mine);
    }
    await trx
      .insertInto('delivery')
      .values(deliveries)
      .onConflict((oc) => oc.columns(['outbox_id', 'channel']).doNothing())
      .execute();
    await trx
      .updateTable('outbox')
      .set({ state: 'delivering' })
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    if (undeliverable.length > 0) await summarise(trx, undeliverable);
    return { rows: rows.length, skipped };
  });
}

// ───────────────────────────── claim ─────────────────────────────

interface Claimed {
  id: number;
  outbox_id: number;
  channel: 'email' | 'sms';
  recipient: string | null;
  attempts: number;
  maybe_twice: boolean;
  recovered: boolean;
  kind: string;
  /** Checked against its kind (readNotice) before anything is composed. */
  payload: unknown;
  /** Null for mail to a staff user (a password reset), which belongs to no property. */
  property_name: string | null;
  ssid: string | null;
  time_zone: string | null;
  mail_sender_name: string | null;
  support_email: string | null;
  support_phone: string | null;
  first_name: string | null;
  last_name: string | null;
  secret_encrypted: string | null;
  message_subject: string | null;
  message_body: string | null;
}

async function claim(deps: DeliveryDeps, now: Date): Promise<Claimed[]> {
  const channels = [...(deps.mail ? ['email'] : []), ...(deps.sms ? ['sms'] : [])];
  if (channels.length === 0) return [];
  const leaseUntil = new Date(now.getTime() + deps.policy.leaseMs);
  // One committed statement: the rows are 'sending' before any provider is called.
  const { rows } = await sql<Claimed>`
    with picked as (
      select id, state = 'sending' as recovered
      from delivery
      where channel = any(${channels}::text[])
        and ((state in ('queued', 'retrying') and not_before <= ${now}) or (state = 'sending' and lease_until < ${now}))
      order by not_before, id
      limit ${deps.policy.batchSize}
      for update skip locked
    ), claimed as (
      update delivery d
      set state = 'sending', attempts = d.attempts + 1, lease_until = ${leaseUntil}, worker = ${deps.workerId},
          maybe_twice = d.maybe_twice or picked.recovered, updated_at = ${now}
      from picked
      where d.id = picked.id
      returning d.id, d.outbox_id, d.channel, d.recipient, d.attempts, d.maybe_twice, picked.recovered
    )
    select c.*, o.kind, o.payload, p.name as property_name, p.ssid, p.time_zone, p.mail_sender_name, p.support_email, p.support_phone,
           r.first_name, r.last_name, k.secret_encrypted, m.subject as message_subject, m.body as message_body
    from claimed c
    join outbox o on o.id = c.outbox_id
    left join property p on p.id = o.property_id
    left join resident r on r.id = o.resident_id
    left join psk k on k.resident_id = o.resident_id and k.property_id = o.property_id and k.current
    left join staff_message m on m.id = ${staffMessageIdOf('o.payload')}
    order by c.id`.execute(deps.db);
  return rows;
}

// ───────────────────────────── send and record ─────────────────────────────

interface Outcome {
  id: number;
  outbox_id: number;
  state: DeliveryState;
  provider_id: string | null;
  last_error: string | null;
  not_before: string | null;
  sent_at: string | null;
  ambiguous: boolean;
  subject: string | null;
  content: string | null;
  /** The claim's attempt is given back: the delivery was not tried (this process could not compose it). */
  refund?: boolean;
}

/** What a stored copy holds (encrypted, P3). */
export interface StoredCopy {
  channel: 'email' | 'sms';
  from: string | null;
  to: string;
  subject: string | null;
  text: string;
  html: string | null;
  messageId: string | null;
  /** The key and other values masked for staff who may not reveal keys. */
  secrets: string[];
}

async function sendAll(deps: DeliveryDeps, now: Date, claimed: Claimed[]): Promise<Outcome[]> {
  const startedReal = Date.now();
  const clock = () => new Date(now.getTime() + (Date.now() - startedReal));
  const writer = resultWriter(deps, clock);
  const inFlight = new Set(claimed.map((c) => c.id));
  // Keep the claim alive while a slow provider works through the batch.
  const heartbeat = setInterval(
    () => {
      const ids = [...inFlight];
      if (ids.length === 0) return;
      const until = new Date(clock().getTime() + deps.policy.leaseMs);
      deps.db
        .updateTable('delivery')
        .set({ lease_until: until })
        .where('id', 'in', ids)
        .where('worker', '=', deps.workerId)
        .where('state', '=', 'sending')
        .execute()
        .catch(() => undefined);
    },
    Math.max(1000, Math.floor(deps.policy.leaseMs / 3)),
  );
  heartbeat.unref();
  try {
    const outcomes = await Promise.all(
      claimed.map(async (c) => {
        const o = await sendOne(deps, c, clock);
        inFlight.delete(c.id);
        writer.add(o);
        return o;
      }),
    );
    await writer.close();
    return outcomes;
  } finally {
    clearInterval(heartbeat);
  }
}

async function sendOne(deps: DeliveryDeps, c: Claimed, clock: () => Date): Promise<Outcome> {
  const base = {
    id: c.id,
    outbox_id: c.outbox_id,
    provider_id: null,
    not_before: null,
    sent_at: null,
    ambiguous: false,
    subject: null as string | null,
    content: null,
  };
  const stored = readNotice(c.kind, c.payload);
  if ('reason' in stored) return { ...base, state: 'failed', last_error: stored.reason };
  let rendered: RenderedMessage;
  let key: string | null = null;
  const property = propertyOf(c);
  try {
    if (KEY_KINDS.has(c.kind)) {
      if (!c.secret_encrypted) return { ...base, state: 'skipped', last_error: 'the resident has no current key at this property any more' };
      key = deps.secrets.decrypt(c.secret_encrypted); // the key current now (P4)
    }
    // A reset link waits encrypted (it signs its holder in); it is decrypted only to compose the mail.
    const notice =
      stored.notice.kind === 'password-reset'
        ? { ...stored.notice, payload: { ...stored.notice.payload, link: deps.secrets.decrypt(stored.notice.payload.link) } }
        : stored.notice;
    rendered = renderMessage(
      {
        ...notice,
        property,
        resident: { firstName: c.first_name ?? '', lastName: c.last_name ?? '' },
        key,
        staffMessage: c.message_subject !== null ? { subject: c.message_subject, body: c.message_body ?? '' } : null,
      },
      { qr: c.channel === 'email' },
    );
  } catch (err) {
    // A key this process cannot decrypt is an operations problem (its PEBBLES_SECRET_KEY, or a
    // rotation it has not seen): the delivery waits, its attempt given back, for a process that can.
    if (err instanceof SecretError && KEY_KINDS.has(c.kind)) {
      return {
        ...base,
        state: 'retrying',
        refund: true,
        last_error:
          "cannot decrypt the resident's key: the worker's PEBBLES_SECRET_KEY does not match (or the stored key is damaged); waiting for a worker with the right key",
        not_before: new Date(clock().getTime() + backoffMs(c.attempts, deps.policy, deps.random)).toISOString(),
      };
    }
    return { ...base, state: 'failed', last_error: `cannot compose the message: ${(err as Error).message}` };
  }
  if (!c.recipient) return { ...base, state: 'failed', last_error: 'no recipient' };

  const from = parseAddress(deps.mailFrom);
  const messageId = c.channel === 'email' ? messageIdFor(c.outbox_id, deps.mailFrom) : null;
  const copy: StoredCopy =
    c.channel === 'email'
      ? {
          channel: 'email',
          from: `${senderName(property)} <${from.address}>`,
          to: c.recipient,
          subject: rendered.subject,
          text: rendered.text,
          html: rendered.html,
          messageId,
          secrets: rendered.secrets,
        }
      : { channel: 'sms', from: null, to: c.recipient, subject: null, text: rendered.sms ?? '', html: null, messageId: null, secrets: rendered.secrets };
  const content = deps.secrets.encrypt(JSON.stringify(copy));
  base.subject = rendered.subject;
  try {
    let providerId: string;
    if (c.channel === 'email') {
      if (!deps.mail) throw DeliveryError.masked('the mail channel is stopped', [], { permanent: false });
      ({ providerId } = await deps.mail.send({
        from: { name: senderName(property), address: from.address },
        to: c.recipient,
        replyTo: c.support_email && isEmailAddress(c.support_email) ? c.support_email : null,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        messageId: messageId!,
        headers: { 'X-Pebbles-Notification': String(c.outbox_id), 'X-Pebbles-Kind': c.kind, 'Auto-Submitted': 'auto-generated' },
        attachments: rendered.qr ? [{ cid: rendered.qr.cid, filename: 'wifi-qr.png', contentType: 'image/png', content: rendered.qr.png }] : [],
        secrets: rendered.secrets,
      }));
    } else {
      if (!deps.sms) throw DeliveryError.masked('no SMS provider', [], { permanent: false });
      if (!rendered.sms) return { ...base, state: 'skipped', last_error: `a ${c.kind} goes by e-mail only`, content };
      ({ providerId } = await deps.sms.send({
        to: c.recipient,
        body: rendered.sms,
        idempotencyKey: idempotencyKeyFor(c.outbox_id, 'sms'),
        secrets: rendered.secrets,
      }));
    }
    return { ...base, state: 'sent', provider_id: providerId, last_error: null, sent_at: clock().toISOString(), content };
  } catch (err) {
    // The ports mask their own errors; anything else thrown is masked here before it is stored or logged.
    const e =
      err instanceof DeliveryError
        ? err
        : DeliveryError.masked((err as Error)?.message ?? String(err), rendered.secrets, { permanent: false, ambiguous: true });
    if (e.permanent) return { ...base, state: 'failed', last_error: e.message, ambiguous: e.ambiguous, content };
    if (c.attempts >= deps.policy.maxAttempts) {
      return { ...base, state: 'failed', last_error: `gave up after ${c.attempts} attempts: ${e.message}`, ambiguous: e.ambiguous, content };
    }
    const wait = Math.max(backoffMs(c.attempts, deps.policy, deps.random), e.retryAfterMs ?? 0);
    return { ...base, state: 'retrying', last_error: e.message, not_before: new Date(clock().getTime() + wait).toISOString(), ambiguous: e.ambiguous, content };
  }
}

/** The property a message speaks for; Pebbles itself for mail to staff (no property). */
function propertyOf(c: Claimed) {
  if (c.property_name === null) return { name: 'Pebbles', ssid: '', timeZone: 'UTC', senderName: 'Pebbles', supportEmail: null, supportPhone: null };
  return {
    name: c.property_name,
    ssid: c.ssid ?? '',
    timeZone: c.time_zone ?? 'UTC',
    senderName: c.mail_sender_name,
    supportEmail: c.support_email,
    supportPhone: c.support_phone,
  };
}

/** Writes outcomes back in chunks: one UPDATE per chunk (not per message), then the outbox summary. */
function resultWriter(deps: DeliveryDeps, clock: () => Date) {
  let pending: Outcome[] = [];
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  let failure: unknown = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const chunk = pending;
    pending = [];
    if (chunk.length === 0) return;
    chain = chain.then(() =>
      writeOutcomes(deps, chunk, clock()).catch((err) => {
        failure = err;
      }),
    );
  };
  return {
    add(o: Outcome) {
      pending.push(o);
      if (pending.length >= 100) flush();
      else timer ??= setTimeout(flush, 50);
    },
    async close() {
      flush();
      await chain;
      // Unrecorded outcomes stay 'sending': after the lease another worker re-sends them, marked (N4).
      if (failure) throw failure;
    },
  };
}

async function writeOutcomes(deps: DeliveryDeps, chunk: Outcome[], now: Date): Promise<void> {
  const json = JSON.stringify(
    chunk.map((o) => ({
      id: o.id,
      state: o.state,
      provider_id: o.provider_id,
      last_error: o.last_error,
      not_before: o.not_before,
      sent_at: o.sent_at,
      ambiguous: o.ambiguous,
      subject: o.subject,
      content: o.content,
      refund: o.refund ?? false,
    })),
  );
  await deps.db.transaction().execute(async (trx) => {
    await sql`
      update delivery d
      set state = v.state, attempts = d.attempts - v.refund::int, provider_id = coalesce(v.provider_id, d.provider_id), last_error = v.last_error,
          not_before = coalesce(v.not_before, d.not_before), sent_at = coalesce(v.sent_at, d.sent_at),
          maybe_twice = d.maybe_twice or v.ambiguous, content_encrypted = coalesce(v.content, d.content_encrypted), subject = coalesce(v.subject, d.subject),
          lease_until = null, updated_at = ${now}
      from jsonb_to_recordset(${json}::jsonb) as v(id bigint, state text, provider_id text, last_error text, not_before timestamptz, sent_at timestamptz, ambiguous boolean, subject text, content text, refund boolean)
      where d.id = v.id and d.worker = ${deps.workerId} and d.state = 'sending'`.execute(trx);
    await summarise(trx, [...new Set(chunk.map((o) => o.outbox_id))]);
  });
  const failed = chunk.filter((o) => o.state === 'failed');
  if (failed.length > 0)
    deps.log.warn({ deliveries: failed.map((o) => ({ id: o.id, notification: o.outbox_id, error: o.last_error })) }, 'notifications: deliveries failed');
}

/**
 * The outbox row's own state, from its deliveries: 'delivering' while any is open, then 'sent' when
 * at least one channel got through, 'failed' when none did, 'undeliverable' when no channel could be
 * tried at all (E2: no usable contact).
 */
async function summarise(db: Db, outboxIds: number[]): Promise<void> {
  if (outboxIds.length === 0) return;
  await sql`
    update outbox o
    set state = s.state, sent_at = s.sent_at, attempts = s.attempts, last_error = s.last_error
    from (
      select outbox_id,
        case
          when bool_or(state in ('queued', 'sending', 'retrying')) then 'delivering'
          when bool_or(state = 'sent') then 'sent'
          when bool_and(state = 'skipped') then 'undeliverable'
          else 'failed'
        end as state,
        min(sent_at) as sent_at,
        coalesce(max(attempts), 0) as attempts,
        nullif(string_agg(case when state in ('failed', 'retrying', 'skipped') and last_error is not null then channel || ': ' || last_error end, '; ' order by channel), '') as last_error
      from delivery where outbox_id = any(${outboxIds}::bigint[]) group by outbox_id
    ) s
    where o.id = s.outbox_id`.execute(db);
}
