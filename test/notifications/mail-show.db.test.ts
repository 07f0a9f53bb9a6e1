// P3: `pebbles mail show` prints a caught message with the key masked and the QR code replaced
// (text, --raw, --html) unless --reveal-key, which is recorded in the audit trail exactly as
// `pebbles notifications --content --reveal-key` is. Through the real command.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import jsQRModule from 'jsqr';
import { simpleParser } from 'mailparser';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { caughtMessage, caughtMessages } from '../../src/notifications/caught.ts';
import { wifiJoinString } from '../../src/notifications/escape.ts';
import { MASK } from '../../src/notifications/staff.ts';
import { startDelivery } from '../../src/notifications/worker.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { addResident, createBench, deliveries, queue, type Bench } from './support.ts';
import { cleanEnv, runPebbles, type CliRun } from '../support/cli.ts';

const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ?? jsQRModule) as unknown as (
  data: Uint8ClampedArray,
  w: number,
  h: number,
) => { data: string } | null;

let t: TestDatabase;
let b: Bench;
let dataDir: string;
let key: string;
let residentId: number;
let mailId: number;
let smsId: number;
let staleId: number;

async function until(check: () => Promise<boolean>, ms = 15_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out waiting');
}

beforeAll(async () => {
  t = await createTestDatabase();
  b = await createBench({ t, name: 'Show Court', ssid: 'Show;Net' });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'pebbles-mail-show-'));
  const r = await addResident(b, { email: 'shown@example.com', mobile: '+13035550160' });
  key = r.key!;
  residentId = r.residentId;
  // What an older catcher kept: the start of an SMS, key included, in clear as its subject.
  const stale = await b.db
    .insertInto('caught_message')
    .values({
      channel: 'sms',
      message_id: null,
      sender: '+15005550006',
      recipients: '+13035550160',
      subject: `Show Court Wi-Fi: network Show;Net, key ${key}`.slice(0, 60),
      size: 80,
      raw_encrypted: b.secrets.encrypt(`Show Court Wi-Fi: network Show;Net, key ${key}`),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  staleId = stale.id;
  const id = await queue(b, r.residentId, 'welcome');
  const running = await startDelivery(
    { config: loadConfig({ DATABASE_URL: t.url, PEBBLES_CATCHER: 'on' }), log: b.log, db: b.db, secrets: b.secrets },
    { pollMs: 50 },
  );
  try {
    await until(async () => (await deliveries(b.db, id)).every((d) => d.state === 'sent'));
  } finally {
    await running.stop();
  }
  const list = await caughtMessages(b.db);
  mailId = list.find((m) => m.channel === 'email' && m.to === 'shown@example.com')!.id;
  smsId = list.find((m) => m.channel === 'sms' && m.id !== staleId)!.id;
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await t.drop();
});

function pebbles(...args: string[]): Promise<CliRun> {
  return runPebbles(
    args,
    cleanEnv({
      DATABASE_URL: t.url,
      PEBBLES_SECRET_KEY: b.secretKeyHex,
      PEBBLES_DATA_DIR: dataDir,
      PEBBLES_STAFF: 'dana',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
    }),
  );
}

const reveals = () => b.db.selectFrom('audit_event').selectAll().where('action', '=', 'reveal-key').orderBy('id').execute();

function qrOf(png: Buffer): string | null {
  const img = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(img.data), img.width, img.height)?.data ?? null;
}

/** The key in none of the forms an e-mail carries it: as is, or split by a quoted-printable line break. */
function expectNoKey(text: string) {
  expect(text).not.toContain(key);
  expect(text.replace(/=\r?\n/g, '')).not.toContain(key);
}

describe('P3: pebbles mail show', { timeout: 300_000 }, () => {
  // Each test runs the real command in a child process (seconds each, more on a loaded machine).
  it('P3: an e-mail: the key masked, the QR code hidden, nothing in the audit trail', async () => {
    const r = await pebbles('mail', 'show', String(mailId));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Key (password): ${MASK}`);
    expect(r.stdout).toMatch(/\[attachment\] wifi-qr\.png image\/png hidden: it holds the key/);
    expect(r.stdout).toContain('--reveal-key');
    expectNoKey(r.stdout + r.stderr);
    expect(await reveals()).toEqual([]);
  });

  it('P3: --raw: the MIME message as received, every part masked, the QR image a placeholder that decodes to nothing', async () => {
    const r = await pebbles('mail', 'show', String(mailId), '--raw');
    expect(r.code, r.stderr).toBe(0);
    expectNoKey(r.stdout);
    const parsed = await simpleParser(r.stdout);
    expect(parsed.messageId).toMatch(/^<pebbles\.notification\.\d+@/);
    expect(parsed.text).toContain(`Key (password): ${MASK}`);
    expect(parsed.html).toContain(MASK);
    expect(parsed.html).not.toContain(key);
    const png = parsed.attachments.find((a) => a.contentType === 'image/png')!;
    expect(qrOf(png.content)).toBeNull();
    // The message as caught still holds the real code (nothing changed in the database).
    const original = await simpleParser((await caughtMessage(b.db, b.secrets, mailId))!.raw);
    expect(qrOf(original.attachments[0]!.content)).toBe(wifiJoinString('Show;Net', key));
    expect(await reveals()).toEqual([]);
  });

  it('P3: --html: the HTML written without the key, the QR code replaced by a placeholder', async () => {
    const file = path.join(dataDir, 'masked.html');
    const r = await pebbles('mail', 'show', String(mailId), '--html', file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('QR code replaced by a placeholder');
    const html = await readFile(file, 'utf8');
    expectNoKey(html);
    expect(html).toContain(MASK);
    const img = /src="data:image\/png;base64,([^"]+)"/.exec(html);
    expect(img).not.toBeNull();
    expect(qrOf(Buffer.from(img![1]!, 'base64'))).toBeNull();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('P3: an SMS and the list: the key masked, also in what an older catcher kept as a subject', async () => {
    const r = await pebbles('mail', 'show', String(smsId));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`key ${MASK}`);
    expectNoKey(r.stdout);
    const list = await pebbles('mail', 'list', '--json');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).not.toContain(key.slice(0, 4));
    const stale = await b.db.selectFrom('caught_message').select('subject').where('id', '=', staleId).executeTakeFirstOrThrow();
    expect(stale.subject).toBe('');
  });

  it('P3: --reveal-key shows the key and the real QR code, and records who saw whose key, as notifications --content does', async () => {
    const shown = await pebbles('mail', 'show', String(mailId), '--reveal-key');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Key (password): ${key}`);
    const raw = await pebbles('mail', 'show', String(mailId), '--raw', '--reveal-key');
    const png = (await simpleParser(raw.stdout)).attachments.find((a) => a.contentType === 'image/png')!;
    expect(qrOf(png.content)).toBe(wifiJoinString('Show;Net', key));
    const file = path.join(dataDir, 'revealed.html');
    await pebbles('mail', 'show', String(mailId), '--html', file, '--reveal-key');
    expect(await readFile(file, 'utf8')).toContain(key);

    const audit = await reveals();
    expect(audit).toHaveLength(3);
    const delivery = (await deliveries(b.db)).find((d) => d.channel === 'email' && d.recipient === 'shown@example.com')!;
    for (const a of audit) {
      expect(a).toMatchObject({ actor: 'cli:dana', action: 'reveal-key', rule: 'P3', property_id: b.property.id, resident_id: residentId });
      expect(a.details).toMatchObject({ caughtMessageId: mailId, notificationId: delivery.outbox_id, deliveryId: delivery.id });
    }
    // The same audit event as a reveal of the stored copy.
    const content = await pebbles('notifications', '--property', b.property.entrataId, '--content', String(delivery.id), '--reveal-key');
    expect(content.code, content.stderr).toBe(0);
    const [fromContent] = (await reveals()).slice(3);
    expect(Object.keys(fromContent!).sort()).toEqual(Object.keys(audit[0]!).sort());
    expect(fromContent).toMatchObject({ actor: 'cli:dana', action: 'reveal-key', rule: 'P3', property_id: b.property.id, resident_id: residentId });
  });

  it('an unknown id is one line and a non-zero exit', async () => {
    const r = await pebbles('mail', 'show', '999999');
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe('pebbles: no caught message 999999 (see `pebbles mail list`)');
  });
});
