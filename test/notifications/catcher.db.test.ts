// The embedded default: with no SMTP configured Pebbles catches mail and SMS locally and keeps them
// (encrypted) for `pebbles mail list/show`; with DATABASE_URL and no SMTP the mail channel stops
// with a clear message and e-mails wait, queued.
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { caughtMessage, caughtMessages } from '../../src/notifications/caught.ts';
import { catcherWanted, MAIL_STOPPED_MESSAGE, startDelivery } from '../../src/notifications/worker.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { addResident, createBench, deliveries, queue, type Bench } from './support.ts';

let t: TestDatabase;
let b: Bench;

beforeAll(async () => {
  t = await createTestDatabase();
  b = await createBench({ t, name: 'Catcher Court' });
});
afterAll(async () => {
  await t.drop();
});

async function until(check: () => Promise<boolean>, ms = 10_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out waiting');
}

describe('the embedded catcher', () => {
  it('is the default exactly on the embedded database without SMTP_HOST', () => {
    expect(catcherWanted(loadConfig({}), true)).toBe(true);
    expect(catcherWanted(loadConfig({ SMTP_HOST: 'smtp.example.com' }), true)).toBe(false);
    expect(catcherWanted(loadConfig({ DATABASE_URL: 'postgres://x/y' }), false)).toBe(false);
    expect(catcherWanted(loadConfig({ DATABASE_URL: 'postgres://x/y', PEBBLES_CATCHER: 'on' }), false)).toBe(true);
  });

  it('keeps real messages, with their QR codes, encrypted; mail list and show read them', async () => {
    const r = await addResident(b, { email: 'caught@example.com', mobile: '+13035550150' });
    const id = await queue(b, r.residentId, 'welcome');
    const config = loadConfig({ DATABASE_URL: t.url, PEBBLES_CATCHER: 'on' });
    const running = await startDelivery({ config, log: b.log, db: b.db, secrets: b.secrets }, { pollMs: 50 });
    try {
      expect(running.catcher).not.toBeNull();
      await until(async () => (await deliveries(b.db, id)).every((d) => d.state === 'sent'));
    } finally {
      await running.stop();
    }
    const list = await caughtMessages(b.db);
    const mail = list.find((m) => m.channel === 'email' && m.to === 'caught@example.com')!;
    expect(mail.subject).toBe('Welcome home: your Wi-Fi at Catcher Court');
    const sms = list.find((m) => m.channel === 'sms')!;
    expect(sms.to).toBe('+13035550150');
    // Stored encrypted (P3), readable through the secret box.
    const row = await b.db.selectFrom('caught_message').select('raw_encrypted').where('id', '=', mail.id).executeTakeFirstOrThrow();
    expect(row.raw_encrypted).toMatch(/^v1\./);
    expect(row.raw_encrypted).not.toContain(r.key!);
    const full = await caughtMessage(b.db, b.secrets, mail.id);
    const parsed = await simpleParser(full!.raw);
    expect(parsed.text).toContain(r.key);
    expect(parsed.attachments.map((a) => a.contentType)).toEqual(['image/png']);
    expect((await caughtMessage(b.db, b.secrets, sms.id))!.raw).toContain(r.key);
  });

  it('with DATABASE_URL and no SMTP, the mail channel stops with a clear message; e-mails stay queued', async () => {
    const r = await addResident(b, { email: 'waiting@example.com', mobile: null });
    const id = await queue(b, r.residentId, 'welcome');
    const config = loadConfig({ DATABASE_URL: t.url });
    const logs: string[] = [];
    const log = b.log.child({});
    const running = await startDelivery(
      { config, log: Object.assign(Object.create(log), { error: (m: string) => logs.push(m), info: () => undefined }), db: b.db, secrets: b.secrets },
      { pollMs: 50 },
    );
    try {
      expect(running.catcher).toBeNull();
      expect(running.mailStopped).toBe(MAIL_STOPPED_MESSAGE);
      expect(logs.join('\n')).toContain('SMTP_HOST is not set');
      await until(async () => (await deliveries(b.db, id)).length > 0);
      await new Promise((res) => setTimeout(res, 200));
    } finally {
      await running.stop();
    }
    const email = (await deliveries(b.db, id)).find((d) => d.channel === 'email')!;
    expect(email).toMatchObject({ state: 'queued', attempts: 0 });
  });
});
