// Password reset by an e-mailed link (F-19): through the outbox and a real SMTP server; single use, expiring.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deliverDue, DEFAULT_POLICY } from '../../src/notifications/deliver.ts';
import { smtpMailPort } from '../../src/notifications/mail.ts';
import { createApiBench, type ApiBench } from '../support/api-bench.ts';
import { startSmtp, type TestSmtp } from '../notifications/support.ts';
import { capturedLogger, PASSWORD, signIn, staffUser } from './support.ts';

let t: ApiBench;
let smtp: TestSmtp;
const logs = capturedLogger();
const PUBLIC = 'https://wifi.example.com';

beforeAll(async () => {
  t = await createApiBench({ http: { log: logs.log, http: { publicUrl: PUBLIC, trustedProxy: false, metricsToken: null } } });
  smtp = await startSmtp();
}, 120_000);
afterAll(async () => {
  await smtp?.stop();
  await t?.close();
});

/** Runs the outbox once, as the delivery worker does, and answers the reset links mailed to `to`. */
async function mailedLinks(to: string): Promise<string[]> {
  await deliverDue(
    {
      db: t.bench.db,
      secrets: t.bench.secrets,
      log: logs.log,
      sms: null,
      mailFrom: 'Pebbles <wifi@pebbles.example.com>',
      workerId: 'reset-test',
      mail: smtpMailPort({ host: '127.0.0.1', port: smtp.port, secure: false, user: null, password: null, poolSize: 1, allowInsecure: true, timeoutMs: 2000 }),
      policy: { ...DEFAULT_POLICY },
    },
    t.bench.clock.now(),
  );
  return smtp.received.filter((m) => m.to && JSON.stringify(m.to).includes(to)).map((m) => /https:\/\/\S+#token=\S+/.exec(m.text ?? '')![0]);
}

const tokenOf = (link: string) => link.split('#token=')[1]!;
const ask = (email: string) => t.app.inject({ method: 'POST', url: '/api/password-reset', payload: { email } });
const complete = (token: string, newPassword: string) => t.app.inject({ method: 'POST', url: '/api/password-reset/complete', payload: { token, newPassword } });

it('mails a single-use link at the public address; it sets the password and ends every session', async () => {
  const u = await staffUser(t, 'manager', [t.bench.props[0]!.id]);
  const before = await signIn(t.app, u.email, PASSWORD);
  const r = await ask(u.email.toUpperCase());
  expect(r.statusCode).toBe(202);
  const [link] = await mailedLinks(u.email);
  expect(link).toMatch(new RegExp(`^${PUBLIC}/reset-password#token=pbr_`));
  const mail = smtp.received.at(-1)!;
  expect(mail.subject).toBe('Reset your Pebbles password');
  expect(mail.text).toMatch(/works once/);
  expect(mail.html).toContain(`<a href="${link}">`);
  // The outbox row holds the link encrypted, never in clear.
  const row = await t.bench.db
    .selectFrom('outbox')
    .select(['payload', 'state', 'staff_user_id', 'property_id'])
    .where('kind', '=', 'password-reset')
    .where('staff_user_id', '=', u.userId)
    .executeTakeFirstOrThrow();
  expect(JSON.stringify(row.payload)).not.toContain(tokenOf(link!));
  expect(row).toMatchObject({ state: 'sent', property_id: null });

  const weak = await complete(tokenOf(link!), 'short');
  expect(weak.statusCode).toBe(400);
  expect(weak.json().message).toMatch(/^newPassword/);
  // A refused password does not use the link up.
  const done = await complete(tokenOf(link!), 'my brand new passphrase');
  expect(done.statusCode).toBe(200);
  expect((await before.request('GET', '/api/session')).statusCode).toBe(401);
  expect((await t.app.inject({ method: 'POST', url: '/api/session', payload: { email: u.email, password: PASSWORD } })).statusCode).toBe(401);
  const after = await signIn(t.app, u.email, 'my brand new passphrase');
  expect(after.signIn.json().mustChangePassword).toBe(false);
  // Single use.
  const again = await complete(tokenOf(link!), 'yet another passphrase');
  expect(again.statusCode).toBe(400);
  expect(again.json().code).toBe('reset-link-invalid');

  const all = logs.lines.join('\n');
  for (const s of [tokenOf(link!), 'my brand new passphrase', PASSWORD, after.csrf, before.csrf]) expect(all).not.toContain(s);
});

it('a link expires after an hour', async () => {
  const u = await staffUser(t, 'employee', [t.bench.props[0]!.id]);
  const start = t.bench.clock.now();
  try {
    await ask(u.email);
    const [link] = await mailedLinks(u.email);
    t.bench.clock.advance(60 * 60_000 + 1000);
    const r = await complete(tokenOf(link!), 'too late a passphrase');
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toMatch(/expired; ask for a new one/);
  } finally {
    t.bench.clock.set(start);
  }
});

it('answers 202 for an unknown address and mails nothing; asking again within a minute mails nothing more', async () => {
  const count = async () =>
    Number(
      (
        await t.bench.db
          .selectFrom('outbox')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('kind', '=', 'password-reset')
          .executeTakeFirstOrThrow()
      ).n,
    );
  const n = await count();
  expect((await ask('stranger@example.com')).statusCode).toBe(202);
  expect(await count()).toBe(n);
  const u = await staffUser(t, 'employee', [t.bench.props[0]!.id]);
  await ask(u.email);
  await ask(u.email);
  expect(await count()).toBe(n + 1);
});

it('refuses a body without the token, naming the field; an unknown token is refused', async () => {
  const r = await t.app.inject({ method: 'POST', url: '/api/password-reset/complete', payload: { newPassword: 'a fine passphrase' } });
  expect(r.statusCode).toBe(400);
  expect(r.json().message).toMatch(/token/);
  expect((await complete('pbr_nothing-like-a-real-token', 'a fine passphrase')).json().code).toBe('reset-link-invalid');
  expect((await t.app.inject({ method: 'POST', url: '/api/password-reset', payload: {} })).json().message).toMatch(/email/);
});
