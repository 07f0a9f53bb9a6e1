import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SecretBox } from '../crypto/secrets.ts';
import type { Db } from '../db/database.ts';
import { notificationOfMessage } from './deliver.ts';

/**
 * The embedded default's providers: with no SMTP configured, Pebbles runs an SMTP server and a
 * Twilio-shaped SMS endpoint on loopback and keeps what they receive in `caught_message`, encrypted
 * (the messages carry keys, P3). `pebbles mail list/show` prints them. Nothing leaves the machine.
 */
export interface RunningCatcher {
  smtp: { host: string; port: number };
  sms: { baseUrl: string; accountSid: string; authToken: string; from: string };
  stop(): Promise<void>;
}

interface Caught {
  channel: 'email' | 'sms';
  message_id: string | null;
  /** The notification it was sent for (null: not sent by Pebbles), so a property's caught mail is a join. */
  notification_id: number | null;
  sender: string;
  recipients: string;
  subject: string;
  size: number;
  raw_encrypted: string;
}

export async function startCatcher(db: Db, secrets: SecretBox, opts: { host?: string } = {}): Promise<RunningCatcher> {
  const host = opts.host ?? '127.0.0.1';
  const store = batchedStore(db);
  // An SMS has no subject, and the start of its text, which older catchers kept in clear as one,
  // may hold the key (P3): cleared; the text itself stays, encrypted.
  await db.updateTable('caught_message').set({ subject: '' }).where('channel', '=', 'sms').where('subject', '!=', '').execute();

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    banner: 'Pebbles mail catcher: nothing is sent anywhere',
    size: 10 * 1024 * 1024,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const envelopeTo = session.envelope.rcptTo.map((r) => r.address).join(', ');
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true })
          .then((parsed) =>
            store.add({
              channel: 'email',
              message_id: parsed.messageId ?? null,
              notification_id: parsed.messageId ? (notificationOfMessage(parsed.messageId)?.outboxId ?? null) : null,
              sender: from,
              recipients: envelopeTo,
              subject: parsed.subject ?? '',
              size: raw.length,
              raw_encrypted: secrets.encrypt(raw.toString('utf8')),
            }),
          )
          .then(
            (id) => callback(null, `Message queued as caught-${id}`),
            (err: Error) => {
              const e = new Error(`catcher could not store the message: ${err.message}`) as Error & { responseCode: number };
              e.responseCode = 451;
              callback(e);
            },
          );
      });
    },
  });
  smtp.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    smtp.server.once('error', reject);
    smtp.listen(0, host, () => resolve());
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const accountSid = 'ACcatcher';
  const smsServer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || !/^\/2010-04-01\/Accounts\/[^/]+\/Messages\.json$/.test(req.url ?? '')) return reply(404, { message: 'not found' });
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const to = form.get('To') ?? '';
      const body = form.get('Body') ?? '';
      if (!to || !body) return reply(400, { code: 21604, message: 'To and Body are required' });
      const idempotencyKey = req.headers['idempotency-key']?.toString() ?? null;
      store
        .add({
          channel: 'sms',
          message_id: idempotencyKey,
          notification_id: idempotencyKey ? (notificationOfMessage(idempotencyKey)?.outboxId ?? null) : null,
          sender: form.get('From') ?? '',
          recipients: to,
          subject: '',
          size: Buffer.byteLength(body),
          raw_encrypted: secrets.encrypt(body),
        })
        .then(
          (id) => reply(201, { sid: `SMcaught${id}`, status: 'queued', to, body: '[stored]' }),
          () => reply(503, { message: 'catcher could not store the message' }),
        );
    });
  });
  await new Promise<void>((resolve, reject) => {
    smsServer.once('error', reject);
    smsServer.listen(0, host, () => resolve());
  });
  const smsPort = (smsServer.address() as AddressInfo).port;

  return {
    smtp: { host, port: smtpPort },
    sms: { baseUrl: `http://${host}:${smsPort}`, accountSid, authToken: randomBytes(8).toString('hex'), from: '+15005550006' },
    async stop() {
      await new Promise<void>((r) => smtp.close(() => r()));
      smsServer.closeAllConnections?.();
      await new Promise<void>((r) => smsServer.close(() => r()));
      await store.flush();
    },
  };
}

/** Inserts caught messages in small batches: one round trip per flush, not per message. */
function batchedStore(db: Db) {
  let pending: Array<{ row: Caught; resolve: (id: number) => void; reject: (e: Error) => void }> = [];
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const flush = async (): Promise<void> => {
    timer = null;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    try {
      const ids = await db
        .insertInto('caught_message')
        .values(batch.map((b) => b.row))
        .returning('id')
        .execute();
      for (const [i, b] of batch.entries()) b.resolve(ids[i]!.id);
    } catch (err) {
      for (const b of batch) b.reject(err as Error);
    }
  };
  return {
    add(row: Caught): Promise<number> {
      return new Promise<number>((resolve, reject) => {
        pending.push({ row, resolve, reject });
        if (pending.length >= 100) running = running.then(flush);
        else timer ??= setTimeout(() => (running = running.then(flush)), 10);
      });
    },
    async flush() {
      if (timer) clearTimeout(timer);
      running = running.then(flush);
      await running;
    },
  };
}
