/** The two side effects of delivery, behind small ports (real adapters in mail.ts and sms.ts). */

/**
 * A failed send, classified. `permanent`: retrying cannot help (invalid address, HTTP 4xx other
 * than 429). `ambiguous`: the provider may have accepted the message before the failure (a time-out
 * or reset after the message went out), so a retry may deliver it twice and is marked (N4).
 */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly ambiguous = false,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

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
}

export interface SmsPort {
  send(sms: OutgoingSms): Promise<{ providerId: string }>;
  close(): Promise<void>;
}
