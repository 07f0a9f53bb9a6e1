// What each kind of notification carries in its outbox row (outbox.payload): one shape per kind. The
// compiler checks it where a row is written (outboxNotice); zod checks it where a row is read back
// (readNotice), so a row from an older version that does not fit fails its delivery with the reason
// instead of crashing the worker or rendering a wrong message.
import { sql, type RawBuilder } from 'kysely';
import { z } from 'zod';

const leaseContext = {
  /** The unit and lease whose access start caused it (N1, N2, N6). */
  unitId: z.string(),
  leaseId: z.string().nullable(),
};
/** The network named when it was queued; the message names the property's network as it is when sent. */
const ssid = z.string();

const PAYLOADS = {
  /** N1, N6: access starts; the current key. */
  welcome: z.object({ ssid, ...leaseContext }),
  /** N2 (a move from another property) or P4 (a rotation): the current key, worded for the reason. */
  'new-key': z.discriminatedUnion('reason', [
    z.object({ reason: z.literal('new-property'), ssid, ...leaseContext }),
    z.object({ reason: z.literal('rotation'), ssid }),
  ]),
  /** N3: the current key again. */
  resend: z.object({ ssid }),
  /** K1: access pauses at `at`, with the manager's message to the resident. */
  block: z.object({ blockId: z.number().int(), at: z.iso.datetime(), message: z.string() }),
  /** K3: access works again. */
  unblock: z.object({}),
  /** F-17: a personal message or a blast; subject and body live in staff_message. */
  message: z.object({ messageId: z.number().int().positive() }),
  blast: z.object({ messageId: z.number().int().positive() }),
  /** A staff user's password reset: the link (encrypted while it waits, P3) and when it expires. */
  'password-reset': z.object({ link: z.string().min(1), expiresAt: z.iso.datetime() }),
};

export type NotificationKind = keyof typeof PAYLOADS;
export type PayloadOf<K extends NotificationKind> = z.infer<(typeof PAYLOADS)[K]>;
/** One notification's kind with the payload that fits it. */
export type Notice = { [K in NotificationKind]: { kind: K; payload: PayloadOf<K> } }[NotificationKind];

/** Every kind of notification Pebbles sends (outbox.kind). */
export const NOTIFICATION_KINDS = Object.keys(PAYLOADS) as NotificationKind[];

export const isNotificationKind = (kind: string): kind is NotificationKind => Object.hasOwn(PAYLOADS, kind);

/**
 * What a kind's message holds and where it may go. carriesKey: the resident's key, the one current
 * when the message is sent (P4). sms: it goes by SMS too (personal messages and blasts go by the
 * channels staff chose, by e-mail when a stored row names none; a password reset only by e-mail).
 */
export const KIND_TRAITS: Record<NotificationKind, { carriesKey: boolean; sms: boolean }> = {
  welcome: { carriesKey: true, sms: true },
  'new-key': { carriesKey: true, sms: true },
  resend: { carriesKey: true, sms: true },
  block: { carriesKey: false, sms: true },
  unblock: { carriesKey: false, sms: true },
  message: { carriesKey: false, sms: false },
  blast: { carriesKey: false, sms: false },
  'password-reset': { carriesKey: false, sms: false },
};

/** Kinds that carry the resident's key. */
export const KEY_KINDS: ReadonlySet<string> = new Set(NOTIFICATION_KINDS.filter((k) => KIND_TRAITS[k].carriesKey));

/** The kind and payload columns of an outbox row; a payload that does not fit its kind does not compile. */
export function outboxNotice(notice: Notice): { kind: NotificationKind; payload: string } {
  return { kind: notice.kind, payload: JSON.stringify(notice.payload) };
}

/** Rows written before new-key payloads said why: those came from a move to another property (N2). */
function upgrade(kind: NotificationKind, payload: unknown): unknown {
  if (kind === 'new-key' && payload !== null && typeof payload === 'object' && !('reason' in payload)) return { ...payload, reason: 'new-property' };
  return payload;
}

/** A stored row's kind and payload, checked; `reason` says what does not fit when it does not. */
export function readNotice(kind: string, payload: unknown): { notice: Notice } | { reason: string } {
  if (!isNotificationKind(kind)) return { reason: `unknown notification kind "${kind}"` };
  const parsed = PAYLOADS[kind].safeParse(upgrade(kind, payload));
  if (parsed.success) return { notice: { kind, payload: parsed.data } as Notice };
  const issue = parsed.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join('.') : 'the payload';
  return { reason: `the stored ${kind} notification does not fit what this version sends (${field}: ${issue.message})` };
}

/**
 * The staff message a stored message or blast names (SQL, for joins), or null: a payload whose messageId is not
 * a plain number joins nothing instead of failing the whole query; readNotice then says what is wrong with it.
 */
export function staffMessageIdOf(payload: string): RawBuilder<number | null> {
  const id = sql`${sql.ref(payload)}->>'messageId'`;
  return sql<number | null>`case when ${id} ~ '^[0-9]{1,18}$' then (${id})::bigint end`;
}
