// P3: a provider that echoes what it was sent (the message with its key, the Authorization header,
// the URL) in its error never puts a key or credential into delivery.last_error, outbox.last_error,
// the worker's log lines or `pebbles notifications --problems --json`; staff still see the reason.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverDue, type DeliveryDeps } from '../../src/notifications/deliver.ts';
import { MASK } from '../../src/notifications/staff.ts';
import { httpSmsPort } from '../../src/notifications/sms.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { addResident, createBench, deliveries, deliveryDeps, queue, startSmtp, T0, type Bench, type TestSmtp } from './support.ts';
import { cleanEnv, runPebbles } from '../support/cli.ts';

type Echo = 'json-body' | 'form-body' | 'headers' | 'url' | 'everything-500';

/** A Twilio-shaped provider that refuses every message, echoing what it received. */
async function startEchoProvider() {
  const p = { url: '', mode: 'json-body' as Echo, requests: 0, stop: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      p.requests++;
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = new URLSearchParams(raw).get('Body') ?? '';
      const answer = (status: number, type: string, text: string) => {
        res.writeHead(status, { 'content-type': type });
        res.end(text);
      };
      switch (p.mode) {
        case 'json-body':
          return answer(400, 'application/json', JSON.stringify({ code: 30007, message: `Rejected message body: ${body}` }));
        case 'form-body':
          return answer(400, 'text/plain', `Bad request. Received: ${raw}`);
        case 'headers':
          return answer(400, 'application/json', JSON.stringify({ code: 20003, message: `Authenticate: request headers ${JSON.stringify(req.headers)}` }));
        case 'url':
          return answer(400, 'text/html', `<html><body>No route for POST ${req.url} (host ${req.headers.host})</body></html>`);
        case 'everything-500':
          return answer(500, 'text/plain', `internal error handling ${req.method} ${req.url}\n${JSON.stringify(req.headers)}\n\n${raw}\n${body}`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  p.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  p.stop = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return p;
}

let t: TestDatabase;
let b: Bench;
let provider: Awaited<ReturnType<typeof startEchoProvider>>;
let smtp: TestSmtp;
const accountSid = `AC${randomBytes(16).toString('hex')}`;
const authToken = randomBytes(16).toString('hex');
const basic = Buffer.from(`${accountSid}:${authToken}`).toString('base64');

beforeAll(async () => {
  t = await createTestDatabase();
  b = await createBench({ t, name: 'Echo Commons', ssid: 'Echo;Net' });
  provider = await startEchoProvider();
  smtp = await startSmtp();
});
afterAll(async () => {
  await provider.stop();
  await smtp.stop();
  await t.drop();
});

function deps(o: { baseUrl?: string; mail?: boolean } = {}): DeliveryDeps {
  const d = deliveryDeps(b, { smtp: o.mail ? smtp : null, policy: { maxAttempts: 3 } });
  return { ...d, sms: httpSmsPort({ baseUrl: o.baseUrl ?? provider.url, accountSid, authToken, from: '+15005550006', timeoutMs: 2000 }) };
}

/** Every way the key or the token could show: as is, URL-encoded, base64, in the Basic header. */
function expectNoSecret(text: string, key: string) {
  for (const s of [key, encodeURIComponent(key), Buffer.from(key).toString('base64'), authToken, basic, key.slice(0, 10), key.slice(-10)])
    expect(text).not.toContain(s);
}

async function rows(id: number) {
  const ds = await deliveries(b.db, id);
  const outbox = await b.db.selectFrom('outbox').select(['state', 'last_error']).where('id', '=', id).executeTakeFirstOrThrow();
  return { sms: ds.find((x) => x.channel === 'sms')!, email: ds.find((x) => x.channel === 'email'), outbox };
}

/** `pebbles notifications --property P --problems --json`, the real command in a child process. */
async function problemsJson(): Promise<string> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pebbles-mask-'));
  try {
    const r = await runPebbles(
      ['notifications', '--property', b.property.entrataId, '--problems', '--json'],
      cleanEnv({ DATABASE_URL: t.url, PEBBLES_SECRET_KEY: b.secretKeyHex, PEBBLES_DATA_DIR: dataDir, LOG_LEVEL: 'warn', LOG_FORMAT: 'json' }),
    );
    expect(r.code, r.stderr).toBe(0);
    return r.stdout + r.stderr;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe('P3: SMS provider errors that echo what they were sent', { timeout: 300_000 }, () => {
  // Each test runs the real command in a child process (seconds each, more on a loaded machine).
  const failed: Array<{ id: number; key: string }> = [];

  for (const [mode, reason] of [
    ['json-body', /HTTP 400: Rejected message body: .*key ••••••••/],
    ['form-body', /HTTP 400: Bad request\. Received: .*Body=.*key\+••••••••/],
    ['headers', /HTTP 400: Authenticate/],
    ['url', /HTTP 400: .*No route for POST \/2010-04-01\/Accounts\//],
  ] as const) {
    it(`P3: a 400 echoing the ${mode.replace('-', ' ')}: failed, the reason stored and logged with the key and token masked`, async () => {
      provider.mode = mode;
      const r = await addResident(b, { email: null, mobile: '+13035550142' });
      const id = await queue(b, r.residentId, 'welcome');
      const logsBefore = b.logs.length;
      await deliverDue(deps(), T0);
      const { sms, outbox } = await rows(id);
      expect(sms.state).toBe('failed');
      expect(sms.last_error).toMatch(reason);
      expect(outbox.last_error).toContain(sms.last_error);
      const logged = b.logs.slice(logsBefore).join('\n');
      expect(logged).toContain('deliveries failed');
      for (const text of [sms.last_error!, outbox.last_error!, logged]) expectNoSecret(text, r.key!);
      if (mode === 'headers') {
        expect(sms.last_error).toContain(`"authorization":"Basic ${MASK}"`);
      }
      failed.push({ id, key: r.key! });
    });
  }

  it('P3: a 500 echoing the URL, the headers and the body: retrying, then given up, masked all the way', async () => {
    provider.mode = 'everything-500';
    const r = await addResident(b, { email: null, mobile: '+13035550143' });
    const id = await queue(b, r.residentId, 'resend');
    const logsBefore = b.logs.length;
    const d = deps();
    await deliverDue(d, T0);
    let now = rows(id);
    expect((await now).sms).toMatchObject({ state: 'retrying', last_error: expect.stringMatching(/^SMS provider HTTP 500: internal error handling POST/) });
    expectNoSecret((await now).sms.last_error!, r.key!);
    expectNoSecret((await now).outbox.last_error!, r.key!);
    expect((await now).sms.last_error).toContain(MASK);
    for (let i = 1; i <= 3; i++) await deliverDue(d, new Date(T0.getTime() + i * 3_600_000));
    now = rows(id);
    expect((await now).sms).toMatchObject({ state: 'failed', last_error: expect.stringMatching(/^gave up after 3 attempts: SMS provider HTTP 500/) });
    const logged = b.logs.slice(logsBefore).join('\n');
    for (const text of [(await now).sms.last_error!, (await now).outbox.last_error!, logged]) expectNoSecret(text, r.key!);
    failed.push({ id, key: r.key! });
  });

  it('P3: a base URL holding a password: the fetch error names the URL, the password masked', async () => {
    const password = randomBytes(12).toString('hex');
    const r = await addResident(b, { email: null, mobile: '+13035550144' });
    const id = await queue(b, r.residentId, 'welcome');
    const withPassword = provider.url.replace('http://', `http://hook:${password}@`);
    await deliverDue(deps({ baseUrl: withPassword }), T0);
    const { sms } = await rows(id);
    expect(sms.last_error).toMatch(/^SMS provider unreachable: /);
    expect(sms.last_error).not.toContain(password);
    expectNoSecret(sms.last_error!, r.key!);
  });

  it('P3: an SMTP server that refuses the message echoing its content: the key masked, the reason kept', async () => {
    smtp.behaviour = (mail) => ({
      code: 554,
      message: `5.7.1 Message rejected as spam. Content: ${mail.text ?? ''} ${typeof mail.html === 'string' ? mail.html : ''}`,
    });
    try {
      const r = await addResident(b, { email: 'spam@example.com', mobile: null });
      const id = await queue(b, r.residentId, 'welcome');
      const logsBefore = b.logs.length;
      const d = deps({ mail: true });
      await deliverDue(d, T0);
      await d.mail?.close();
      const { email, outbox } = await rows(id);
      expect(email!.state).toBe('failed');
      expect(email!.last_error).toMatch(/^SMTP 554: .*Message rejected as spam\. Content: .*Key \(password\): ••••••••/);
      const logged = b.logs.slice(logsBefore).join('\n');
      expect(logged).toContain('deliveries failed');
      for (const text of [email!.last_error!, outbox.last_error!, logged]) expectNoSecret(text, r.key!);
      failed.push({ id, key: r.key! });
    } finally {
      smtp.behaviour = () => 'accept';
    }
  });

  it('P3: `pebbles notifications --problems --json` shows every failure, masked', async () => {
    const out = await problemsJson();
    const items = JSON.parse(out) as Array<{ id: number; state: string; error: string }>;
    for (const f of failed) {
      const item = items.find((i) => i.id === f.id && i.state === 'failed');
      expect(item?.error).toContain(MASK);
      expectNoSecret(out, f.key);
    }
  });
});
