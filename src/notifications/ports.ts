import { maskSecrets } from './mask.ts';

/** The two side effects of delivery, behind small ports (real adapters in mail.ts and sms.ts). */

/**
 * A failed send, classified. `permanent`: retrying cannot help (invalid address, HTTP 4xx other
 * than 429). `ambiguous`: the provider may have accepted the message before the failure (a time-out
 * or reset after the message went out), so a retry may deliver it twice and is marked (N4).
 *
 * Its text is stored (delivery.last_error), logged and shown to staff, and a provider may echo what
 * it was sent (the message with its key, the Authorization header): so it is built only through
 * `masked`, which masks every form of the message's secrets and the sender's credentials first.
 */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  private constructor(
    message: string,
    readonly permanent: boolean,
    readonly ambiguous: boolean,
    readonly retryAfterMs: number | null,
  ) {
    super(message);
  }

  /** The provider's reason with `secrets` masked, then on one line and cut to a readable length. */
  static masked(reason: string, secrets: readonly string[], o: { permanent: boolean; ambiguous?: boolean; retryAfterMs?: number | null }): DeliveryError {
    // A page-long answer is cut well past what is kept first: masking shortens text, never by that much.
    const text = maskSecrets(reason.slice(0, 16 * MAX_REASON), secrets)
      .replace(/\s+/g, ' ')
      .trim();
    return new DeliveryError(
      text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 3)}...` : text,
      o.permanent,
      o.ambiguous ?? false,
      o.retryAfterMs ?? null,
    );
  }
}

const MAX_REASON = 400;

export interface OutgoingMail {
  from: { name: string; address: string };
  to: string;
  replyTo: string | null;
  subject: string;
  text: string;
  html: string;
  /** Stable per notification and channel, so a provider that de-duplicates can (N4). */
  messageId: string;
  headers: Record<string, string>;
  attachments: Array<{ cid: string; filename: string; contentType: string; content: Buffer }>;
  /** What the message carries that no error may show (the key): masked in every DeliveryError. */
  secrets: readonly string[];
}

export interface MailPort {
  /** Resolves with the provider's id of the accepted message; rejects with a DeliveryError. */
  send(mail: OutgoingMail): Promise<{ providerId: string }>;
  close(): Promise<void>;
}

export interface OutgoingSms {
  to: string;
  body: string;
  /** Stable per notification; sent as the Idempotency-Key header. */
  idempotencyKey: string;
  /** What the message carries that no error may show (the key): masked in every DeliveryError. */
  secrets: readonly string[];
}

export interface SmsPort {
  send(sms: OutgoingSms): Promise<{ providerId: string }>;
  close(): Promise<void>;
}
