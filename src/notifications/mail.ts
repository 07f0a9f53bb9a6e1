import nodemailer from 'nodemailer';
import { DeliveryError, type MailPort, type OutgoingMail } from './ports.ts';

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string | null;
  password: string | null;
  /** Pooled connections (SMTP_POOL_SIZE). */
  poolSize: number;
  /** Loopback catcher with a self-signed or no certificate. */
  allowInsecure?: boolean;
  /** Time-outs of connection, greeting and socket inactivity. */
  timeoutMs?: number;
}

/** E-mail over SMTP through a pool of connections (nodemailer). */
export function smtpMailPort(s: SmtpSettings): MailPort {
  const timeout = s.timeoutMs ?? 30_000;
  const transport = nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.secure,
    auth: s.user ? { user: s.user, pass: s.password ?? '' } : undefined,
    pool: true,
    maxConnections: s.poolSize,
    maxMessages: Infinity,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    ignoreTLS: s.allowInsecure ?? false,
    tls: s.allowInsecure ? { rejectUnauthorized: false } : undefined,
    logger: false,
    debug: false,
  });
  const credentials = s.password ? [s.password, `\0${s.user ?? ''}\0${s.password}`] : [];
  return {
    async send(mail: OutgoingMail) {
      const secrets = [...mail.secrets, ...credentials];
      try {
        const info = await transport.sendMail({
          from: { name: mail.from.name, address: mail.from.address },
          to: mail.to,
          replyTo: mail.replyTo ?? undefined,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: mail.messageId,
          headers: mail.headers,
          attachments: mail.attachments.map((a) => ({
            cid: a.cid,
            filename: a.filename,
            contentType: a.contentType,
            content: a.content,
            contentDisposition: 'inline' as const,
          })),
          disableFileAccess: true,
          disableUrlAccess: true,
        });
        const rejected = (info.rejected ?? []) as unknown[];
        if (rejected.length > 0) throw DeliveryError.masked(`the server refused the recipient: ${String(info.response ?? '')}`, secrets, { permanent: true });
        return { providerId: providerIdFrom(info.response, info.messageId) };
      } catch (err) {
        throw classifySmtpError(err, secrets);
      }
    },
    async close() {
      transport.close();
    },
  };
}

/** The server's queue id from its "250 ..." answer when it gives one, else the Message-ID. */
function providerIdFrom(response: unknown, messageId: string): string {
  const text = typeof response === 'string' ? response : '';
  const m = /(?:queued as|id[=: ])\s*([A-Za-z0-9._@<>-]+)/i.exec(text);
  return m ? m[1]! : messageId;
}

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EDNS']);

/**
 * SMTP failures: a 4xx answer is transient, a 5xx answer to the envelope or message is permanent
 * (invalid address, refused content); no answer at all (connection refused, reset, time-out) is
 * transient. A time-out or broken connection after it was open is ambiguous: the server may have
 * accepted the message. Authentication failures are transient: a configuration fix lets them go.
 */
export function classifySmtpError(err: unknown, secrets: readonly string[] = []): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = err as { message?: string; code?: string; responseCode?: number; command?: string; errno?: string | number; syscall?: string };
  // Whole: masked before it is cut short (an SMTP answer may echo the message, or the AUTH exchange).
  const message = e?.message ?? String(err);
  const failure = (text: string, permanent: boolean, ambiguous = false) => DeliveryError.masked(text, secrets, { permanent, ambiguous });
  const code = typeof e?.responseCode === 'number' ? e.responseCode : null;
  if (e?.code === 'EAUTH' || e?.code === 'ENOAUTH') return failure(`SMTP authentication failed (check SMTP_USER/SMTP_PASSWORD): ${message}`, false);
  if (code !== null && code >= 400 && code < 500) return failure(`SMTP ${code}: ${message}`, false);
  if (code !== null && code >= 500) return failure(`SMTP ${code}: ${message}`, true);
  if (e?.code === 'EENVELOPE' || e?.code === 'EMESSAGE' || e?.code === 'ECONFIG') return failure(message, true);
  const sys = String(e?.errno ?? '') || '';
  const connectFailed =
    CONNECT_FAILURES.has(sys) ||
    CONNECT_FAILURES.has(e?.code ?? '') ||
    /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH/.test(message) ||
    (e?.command === 'CONN' && !/timeout|closed unexpectedly/i.test(message));
  // nodemailer does not say whether the message had been streamed when a connection timed out or
  // broke, so any such failure on an open connection counts as ambiguous (marked, never hidden).
  const brokeOpenConnection =
    ['ETIMEDOUT', 'ECONNECTION', 'ESOCKET', 'ECONNRESET', 'EPIPE'].includes(e?.code ?? '') || /timeout|closed unexpectedly|ECONNRESET|EPIPE/i.test(message);
  return failure(message, false, !connectFailed && brokeOpenConnection);
}
