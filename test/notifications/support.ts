// Test bench for notifications: a fresh database with one account, a property, residents with keys
// and outbox rows; a real SMTP server (smtp-server) that parses what it receives (mailparser), with
// scripted failures; a fake Twilio-shaped SMS provider over HTTP; and DeliveryDeps wired to them.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { addAccount } from '../../src/accounts/accounts.ts';
import { createSecretBox, type SecretBox } from '../../src/crypto/secrets.ts';
import type { Db } from '../../src/db/database.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { DEFAULT_POLICY, type DeliveryDeps, type DeliveryPolicy } from '../../src/notifications/deliver.ts';
import { smtpMailPort } from '../../src/notifications/mail.ts';
import { httpSmsPort } from '../../src/notifications/sms.ts';
import { enableProperty, type PropertySettings } from '../../src/properties/properties.ts';
import { insertKeys } from '../../src/sync/apply.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

export const T0 = new Date('2026-08-15T15:00:00Z');

export interface Bench {
  t: TestDatabase;
  db: Db;
  secrets: SecretBox;
  secretKeyHex: string;
  property: PropertySettings;
  log: Logger;
  logs: string[];
  close(): Promise<void>;
}

let propertySeq = 0;

export async function createBench(opts: { ssid?: string; name?: string; smsEnabled?: boolean; t?: TestDatabase } = {}): Promise<Bench> {
  const t = opts.t ?? (await createTestDatabase());
  const key = randomBytes(32);
  const secrets = createSecretBox(key);
  const account = `acct${++propertySeq}${randomBytes(2).toString('hex')}`;
  await addAccount(t.db, secrets, { name: account, subdomain: account, baseUrl: 'http://127.0.0.1:9', credential: { kind: 'apikey', apiKey: 'k' } });
  const property = await enableProperty(t.db, {
    accountName: account,
    entrataId: `P${propertySeq}`,
    timeZone: 'America/Denver',
    ssid: opts.ssid ?? 'Commons-WiFi',
    smsEnabled: opts.smsEnabled ?? true,
  });
  await t.db
    .updateTable('property')
    .set({ name: opts.name ?? 'The Commons', support_email: 'office@commons.example.com', support_phone: '+1 303 555 0100', mail_sender_name: null })
    .where('id', '=', property.id)
    .execute();
  const logs: string[] = [];
  const log = createLogger({ level: 'trace', format: 'json', destination: { write: (s: string) => (logs.push(s), true) } as unknown as NodeJS.WritableStream });
  return {
    t,
    db: t.db,
    secrets,
    secretKeyHex: key.toString('hex'),
    property: { ...property, name: opts.name ?? 'The Commons' },
    log,
    logs,
    close: () => (opts.t ? Promise.resolve() : t.drop()),
  };
}

let customerSeq = 1000;

/** A resident of the bench's property with a current key; returns ids and the key. */
export async function addResident(
  b: Bench,
  o: { email?: string | null; mobile?: string | null; firstName?: string; lastName?: string; key?: boolean; state?: 'active' | 'blocked' | 'ended' } = {},
) {
  const customerId = String(++customerSeq);
  const r = await b.db
    .insertInto('resident')
    .values({
      account_id: b.property.accountId,
      customer_id: customerId,
      first_name: o.firstName ?? 'Ana',
      last_name: o.lastName ?? `Tenant${customerId}`,
      email: o.email === undefined ? `r${customerId}@example.com` : o.email,
      mobile: o.mobile === undefined ? null : o.mobile,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await b.db
    .insertInto('registration')
    .values({ resident_id: r.id, property_id: b.property.id, unit_entrata_id: 'U1', state: o.state ?? 'active', access_start: T0 })
    .execute();
  if (o.key !== false) await insertKeys(b.db, { secrets: b.secrets, propertyDbId: b.property.id, now: T0 }, [{ residentId: r.id, rule: 'P1' }]);
  return {
    residentId: r.id,
    customerId,
    email: o.email === undefined ? `r${customerId}@example.com` : o.email,
    key: o.key === false ? null : await currentKey(b, r.id),
  };
}

export async function currentKey(b: Bench, residentId: number): Promise<string> {
  const k = await b.db
    .selectFrom('psk')
    .select('secret_encrypted')
    .where('resident_id', '=', residentId)
    .where('property_id', '=', b.property.id)
    .where('current', '=', true)
    .executeTakeFirstOrThrow();
  return b.secrets.decrypt(k.secret_encrypted);
}

/** A payload of each kind as this version writes it (src/notifications/payloads.ts); a test overrides fields. */
const typicalPayload = (b: Bench, kind: string): Record<string, unknown> => {
  const ssid = b.property.ssid;
  switch (kind) {
    case 'welcome':
      return { ssid, unitId: 'U1', leaseId: 'L1' };
    case 'new-key':
      return { reason: 'new-property', ssid, unitId: 'U1', leaseId: 'L1' };
    case 'resend':
      return { ssid };
    case 'block':
      return { blockId: 1, at: T0.toISOString(), message: '' };
    default:
      return {};
  }
};

/** An outbox row as the sync engine or an operation writes it (raw: a test may store what an older version wrote). */
export async function queue(b: Bench, residentId: number, kind: string, payload: Record<string, unknown> = {}, notBefore: Date = T0): Promise<number> {
  const row = await b.db
    .insertInto('outbox')
    .values({
      property_id: b.property.id,
      resident_id: residentId,
      kind,
      rule: 'N1',
      payload: JSON.stringify({ ...typicalPayload(b, kind), ...payload }),
      created_by: 'test',
      created_at: T0,
      not_before: notBefore,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

// ───────────────────────────── a real SMTP server ─────────────────────────────

export type SmtpBehaviour = 'accept' | { code: number; message: string } | 'hang';

export interface TestSmtp {
  port: number;
  /** Every message accepted, parsed, in arrival order. */
  received: ParsedMail[];
  raw: Buffer[];
  /** Decides per message (after DATA) what the server answers; default accept. */
  behaviour: (mail: ParsedMail, n: number) => SmtpBehaviour;
  /** Answers RCPT TO: a 550 for addresses starting with "bad". */
  rejectBadRecipients: boolean;
  /** Delay before answering DATA (ms). */
  delayMs: number;
  /** Called when a message is accepted. */
  onAccepted?: (mail: ParsedMail) => void;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startSmtp(port = 0): Promise<TestSmtp> {
  let server: SMTPServer | null = null;
  let n = 0;
  const s: TestSmtp = {
    port,
    received: [],
    raw: [],
    behaviour: () => 'accept',
    rejectBadRecipients: true,
    delayMs: 0,
    async start() {
      server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS', 'AUTH'],
        logger: false,
        onRcptTo(address, _session, cb) {
          if (s.rejectBadRecipients && address.address.startsWith('bad')) {
            const e = new Error('5.1.1 no such mailbox') as Error & { responseCode: number };
            e.responseCode = 550;
            return cb(e);
          }
          cb();
        },
        onData(stream, _session, cb) {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', async () => {
            const raw = Buffer.concat(chunks);
            const mail = await simpleParser(raw);
            const b = s.behaviour(mail, n++);
            if (s.delayMs) await new Promise((r) => setTimeout(r, s.delayMs));
            if (b === 'hang') return;
            if (b !== 'accept') {
              const e = new Error(b.message) as Error & { responseCode: number };
              e.responseCode = b.code;
              return cb(e);
            }
            s.received.push(mail);
            s.raw.push(raw);
            s.onAccepted?.(mail);
            cb(null, `Message queued as Q${s.received.length}`);
          });
        },
      });
      server.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        server!.server.once('error', reject);
        server!.listen(s.port, '127.0.0.1', () => resolve());
      });
      s.port = (server.server.address() as AddressInfo).port;
    },
    async stop() {
      const srv = server;
      server = null;
      if (!srv) return;
      // Drop open connections at once (a server going down), then stop listening.
      for (const c of (srv as unknown as { connections: Set<{ _socket?: { destroy(): void } }> }).connections ?? []) c._socket?.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
  await s.start();
  return s;
}

// ───────────────────────────── a fake SMS provider ─────────────────────────────

export interface FakeSmsRequest {
  to: string;
  from: string;
  body: string;
  auth: string;
  idempotencyKey: string | null;
  path: string;
}

export interface FakeSms {
  url: string;
  requests: FakeSmsRequest[];
  accepted: FakeSmsRequest[];
  /** Status for the next requests, consumed in order; then 201. */
  script: Array<{ status: number; body?: object; retryAfter?: string }>;
  stop(): Promise<void>;
}

export async function startFakeSms(): Promise<FakeSms> {
  const f: FakeSms = { url: '', requests: [], accepted: [], script: [], stop: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const r: FakeSmsRequest = {
        to: form.get('To') ?? '',
        from: form.get('From') ?? '',
        body: form.get('Body') ?? '',
        auth: req.headers.authorization ?? '',
        idempotencyKey: (req.headers['idempotency-key'] as string) ?? null,
        path: req.url ?? '',
      };
      f.requests.push(r);
      const next = f.script.shift();
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (next && next.status >= 300) {
        if (next.retryAfter) headers['retry-after'] = next.retryAfter;
        res.writeHead(next.status, headers);
        return res.end(JSON.stringify(next.body ?? { code: 20000 + next.status, message: `status ${next.status}` }));
      }
      f.accepted.push(r);
      res.writeHead(201, headers);
      res.end(JSON.stringify({ sid: `SM${String(f.accepted.length).padStart(32, '0')}`, status: 'queued' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  f.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  f.stop = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return f;
}

// ───────────────────────────── wiring ─────────────────────────────

export const MAIL_FROM = 'Pebbles Wi-Fi <wifi@pebbles.example.com>';

export function deliveryDeps(
  b: Bench,
  o: { smtp?: TestSmtp | null; sms?: FakeSms | null; policy?: Partial<DeliveryPolicy>; workerId?: string; db?: Db; poolSize?: number; timeoutMs?: number } = {},
): DeliveryDeps {
  return {
    db: o.db ?? b.db,
    secrets: b.secrets,
    log: b.log,
    mail: o.smtp
      ? smtpMailPort({
          host: '127.0.0.1',
          port: o.smtp.port,
          secure: false,
          user: null,
          password: null,
          poolSize: o.poolSize ?? 3,
          allowInsecure: true,
          timeoutMs: o.timeoutMs ?? 2000,
        })
      : null,
    sms: o.sms ? httpSmsPort({ baseUrl: o.sms.url, accountSid: 'ACtest', authToken: 'tok', from: '+15005550006', timeoutMs: o.timeoutMs ?? 2000 }) : null,
    mailFrom: MAIL_FROM,
    policy: { ...DEFAULT_POLICY, retryBaseMs: 1000, retryMaxMs: 60_000, leaseMs: 60_000, ...o.policy },
    workerId: o.workerId ?? `test-${randomBytes(3).toString('hex')}`,
    random: () => 0.5,
  };
}

/** Deliveries of one notification, or of every notification of a property. */
export async function deliveries(db: Db, outboxId?: number, propertyDbId?: number) {
  let q = db.selectFrom('delivery').selectAll('delivery');
  if (outboxId !== undefined) q = q.where('outbox_id', '=', outboxId);
  if (propertyDbId !== undefined) q = q.where('outbox_id', 'in', (eb) => eb.selectFrom('outbox').select('id').where('property_id', '=', propertyDbId));
  return q.orderBy('outbox_id').orderBy('channel').execute();
}

/** Header value as a string. */
export function header(mail: ParsedMail, name: string): string {
  const v = mail.headers.get(name.toLowerCase());
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && 'text' in v) return String((v as { text: string }).text);
  return String(v);
}
