// E-mail content against a real SMTP server (smtp-server + mailparser): each kind, headers, escaping,
// the Wi-Fi QR code decoded back to its WIFI: string, and the rules that live at delivery:
// N3 (resend carries the current key), P3 (stored copies encrypted, no key in logs), P4 (after a
// rotation the message carries the new key).
import jsQRModule from 'jsqr';
import { sql } from 'kysely';
import type { ParsedMail } from 'mailparser';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverDue, messageIdFor } from '../../src/notifications/deliver.ts';
import { wifiJoinString } from '../../src/notifications/escape.ts';
import { MASK, messageContent, notificationsOf, sendMessage } from '../../src/notifications/staff.ts';
import { resendKeys } from '../../src/operations/resend.ts';
import * as ops from '../../src/operations/operations.ts';
import type { SyncDeps } from '../../src/sync/sync-property.ts';
import { addResident, createBench, deliveries, deliveryDeps, header, MAIL_FROM, queue, startSmtp, T0, type Bench, type TestSmtp } from './support.ts';

// jsqr is CommonJS with a `default` export: take whichever form the loader gives.
const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ?? jsQRModule) as unknown as (
  data: Uint8ClampedArray,
  w: number,
  h: number,
) => { data: string } | null;

let b: Bench;
let smtp: TestSmtp;

beforeAll(async () => {
  // Values from Entrata and staff that must be escaped everywhere.
  b = await createBench({ name: 'Oak & <Pine> "Lofts"', ssid: 'Oak;Pine,"Wi:Fi"\\' });
  smtp = await startSmtp();
});
afterAll(async () => {
  await smtp.stop();
  await b.close();
});

function decodeQr(mail: ParsedMail): string | null {
  const img = mail.attachments.find((a) => a.contentType === 'image/png');
  if (!img) return null;
  const png = PNG.sync.read(img.content);
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
}

async function deliverAll(deps = deliveryDeps(b, { smtp }), now = T0) {
  const r = await deliverDue(deps, now);
  await deps.mail?.close();
  return r;
}

function lastTo(address: string): ParsedMail {
  const m = [...smtp.received].reverse().find((x) => x.to && 'text' in x.to && x.to.text.includes(address));
  if (!m) throw new Error(`no mail to ${address}`);
  return m;
}

describe('e-mail content by kind', () => {
  it('welcome (N1): network, key, a QR code that decodes to the WIFI: string, headers, escaping', async () => {
    const r = await addResident(b, { firstName: '<b>Zoë</b>', email: 'zoe@example.com' });
    const id = await queue(b, r.residentId, 'welcome');
    const result = await deliverAll();
    expect(result.sent).toBe(1);
    const mail = lastTo('zoe@example.com');

    // Headers: stable Message-ID, the property's sender name, reply to the support address, one recipient.
    expect(mail.messageId).toBe(messageIdFor(id, MAIL_FROM));
    expect(mail.from?.value[0]).toEqual({ name: 'Oak & <Pine> "Lofts" Wi-Fi', address: 'wifi@pebbles.example.com' });
    expect(header(mail, 'reply-to')).toContain('office@commons.example.com');
    expect(mail.to && 'value' in mail.to ? mail.to.value.map((v) => v.address) : []).toEqual(['zoe@example.com']);
    expect(header(mail, 'x-pebbles-notification')).toBe(String(id));
    expect(mail.subject).toBe('Welcome home: your Wi-Fi at Oak & <Pine> "Lofts"');

    // Plain text carries the exact network name and key.
    expect(mail.text).toContain(`Network (SSID): Oak;Pine,"Wi:Fi"\\`);
    expect(mail.text).toContain(`Key (password): ${r.key}`);
    expect(mail.text).toContain('Hi <b>Zoë</b>,');

    // HTML: every value escaped; the phone viewport; the QR image embedded by CID.
    const html = String(mail.html);
    expect(html).toContain('<meta name="viewport"');
    expect(html).toContain('Hi &lt;b&gt;Zoë&lt;/b&gt;,');
    expect(html).not.toContain('<b>Zoë</b>');
    expect(html).toContain('Oak &amp; &lt;Pine&gt; &quot;Lofts&quot;');
    expect(html).toContain('Oak;Pine,&quot;Wi:Fi&quot;\\');
    expect(html).toContain(r.key);
    const img = mail.attachments.find((a) => a.contentType === 'image/png')!;
    expect(img.contentId).toBe('<wifi-qr@pebbles>');
    expect(img.contentDisposition).toBe('inline');
    // mailparser inlines CID images as data URIs; the message itself refers to the attachment by CID.
    expect(smtp.raw[smtp.raw.length - 1]!.toString()).toContain('src=3D"cid:wifi-qr@pebbles"');

    // The QR code decodes back to the escaped join string.
    const decoded = decodeQr(mail);
    expect(decoded).toBe(`WIFI:T:WPA;S:Oak\\;Pine\\,\\"Wi\\:Fi\\"\\\\;P:${r.key};;`);
    expect(decoded).toBe(wifiJoinString('Oak;Pine,"Wi:Fi"\\', r.key!));
  });

  it('new key after a property change, and after a rotation, with their own wording', async () => {
    const r = await addResident(b, { email: 'moved@example.com' });
    await queue(b, r.residentId, 'new-key', { unitId: 'U1', channels: ['email'], leaseId: 'L1' });
    await deliverAll();
    const moved = lastTo('moved@example.com');
    expect(moved.subject).toBe('Your Wi-Fi key for Oak & <Pine> "Lofts"');
    expect(moved.text).toContain(r.key);
    expect(decodeQr(moved)).toBe(wifiJoinString(b.property.ssid, r.key!));

    await queue(b, r.residentId, 'new-key', { reason: 'rotation' });
    await deliverAll();
    const rotated = lastTo('moved@example.com');
    expect(rotated.subject).toBe('Your new Wi-Fi key at Oak & <Pine> "Lofts"');
    expect(rotated.text).toContain('The old key no longer works');
  });

  it('block and unblock notices carry the staff message, escaped, and no key', async () => {
    const r = await addResident(b, { email: 'blocked@example.com' });
    const at = new Date('2026-08-20T06:00:00Z');
    await queue(b, r.residentId, 'block', { message: 'Rent is <late> & overdue.\n\nCall us.', at: at.toISOString() }, T0);
    await queue(b, r.residentId, 'unblock', {});
    await deliverAll();
    const mails = smtp.received.filter((m) => m.to && 'text' in m.to && m.to.text.includes('blocked@example.com'));
    const block = mails.find((m) => m.subject?.includes('paused'))!;
    const unblock = mails.find((m) => m.subject?.includes('back'))!;
    expect(block.subject).toBe('Your Wi-Fi access at Oak & <Pine> "Lofts" is paused');
    expect(block.text).toContain('Rent is <late> & overdue.');
    expect(block.text).toContain('Aug 20, 2026, 12:00 AM MDT');
    expect(String(block.html)).toContain('Rent is &lt;late&gt; &amp; overdue.');
    expect(String(block.html)).not.toContain('<late>');
    expect(block.text).not.toContain(r.key);
    expect(block.attachments).toHaveLength(0);
    expect(unblock.text).toContain('works again with your usual key');
    expect(unblock.text).not.toContain(r.key);
  });

  it('a scheduled block notice waits for its time', async () => {
    const r = await addResident(b, { email: 'later@example.com' });
    const at = new Date(T0.getTime() + 3_600_000);
    const id = await queue(b, r.residentId, 'block', { message: 'Paused.', at: at.toISOString() }, at);
    await deliverAll(undefined, T0);
    expect(await deliveries(b.db, id)).toHaveLength(0);
    expect((await notificationsOf(b.db, b.property.id, { now: T0 })).find((v) => v.id === id)?.state).toBe('scheduled');
    await deliverAll(undefined, at);
    expect((await deliveries(b.db, id))[0]!.state).toBe('sent');
  });

  it('personal message and blast (F-17): one message per recipient, nobody sees another address, body escaped', async () => {
    const a = await addResident(b, { email: 'a.blast@example.com' });
    const _c = await addResident(b, { email: 'c.blast@example.com' });
    await addResident(b, { email: 'gone@example.com', state: 'ended' });
    const personal = await sendMessage(b.db, {
      propertyDbId: b.property.id,
      staff: 'mgr',
      subject: 'Package <here>',
      body: 'Your parcel & more\nis at the desk.',
      customerIds: [a.customerId],
      now: T0,
    });
    expect(personal).toMatchObject({ kind: 'message', recipients: 1 });
    const blast = await sendMessage(b.db, {
      propertyDbId: b.property.id,
      staff: 'mgr',
      subject: 'Pool closed',
      body: 'The pool is closed on Friday.',
      now: T0,
    });
    expect(blast.kind).toBe('blast');
    const before = smtp.received.length;
    await deliverAll();
    const got = smtp.received.slice(before);
    const pm = got.find((m) => m.subject === 'Package <here>')!;
    expect(pm.text).toContain('Your parcel & more\nis at the desk.');
    expect(String(pm.html)).toContain('Your parcel &amp; more<br>is at the desk.');
    const blasts = got.filter((m) => m.subject === 'Pool closed');
    expect(blasts.length).toBe(blast.recipients);
    for (const m of blasts) {
      const to = m.to && 'value' in m.to ? m.to.value : [];
      expect(to).toHaveLength(1);
      expect(m.cc).toBeUndefined();
      expect(m.bcc).toBeUndefined();
    }
    const addresses = blasts.map((m) => (m.to && 'text' in m.to ? m.to.text : ''));
    expect(addresses).toContain('c.blast@example.com');
    expect(addresses).not.toContain('gone@example.com');
  });
});

describe('rules at delivery', () => {
  it('N3: a resend to a selection is delivered with the key current when it is sent', async () => {
    const x = await addResident(b, { email: 'n3x@example.com' });
    const y = await addResident(b, { email: 'n3y@example.com' });
    const r = await resendKeys(b.db, { propertyDbId: b.property.id, customerIds: [x.customerId, y.customerId, 'nobody'], staff: 'mgr', now: T0 });
    expect(r.queued.map((q) => q.customerId)).toEqual([x.customerId, y.customerId]);
    expect(r.refused).toEqual([{ customerId: 'nobody', reason: 'not a resident Pebbles knows at this account' }]);
    await deliverAll();
    expect(lastTo('n3x@example.com').text).toContain(x.key);
    expect(lastTo('n3y@example.com').subject).toBe('Your Wi-Fi key at Oak & <Pine> "Lofts"');
    expect(lastTo('n3y@example.com').text).toContain(y.key);
    expect(decodeQr(lastTo('n3y@example.com'))).toBe(wifiJoinString(b.property.ssid, y.key!));
    // The one-resident form of src/operations is delivered the same way.
    const deps = { db: b.db, secrets: b.secrets, log: b.log, now: () => T0 } as unknown as SyncDeps;
    await ops.resend(deps, { propertyDbId: b.property.id, customerId: x.customerId, staff: 'mgr' });
    const before = smtp.received.length;
    await deliverAll();
    expect(smtp.received.length).toBe(before + 1);
    expect(lastTo('n3x@example.com').text).toContain(x.key);
  });

  it('P4: after a rotation, the welcome still queued and the new-key message both carry the new key', async () => {
    const r = await addResident(b, { email: 'p4@example.com' });
    const welcome = await queue(b, r.residentId, 'welcome');
    const deps = { db: b.db, secrets: b.secrets, log: b.log, now: () => T0 } as unknown as SyncDeps;
    await ops.rotateKey(deps, { propertyDbId: b.property.id, customerId: r.customerId, staff: 'mgr' });
    const newKey = (
      await b.db.selectFrom('psk').select('secret_encrypted').where('resident_id', '=', r.residentId).where('current', '=', true).executeTakeFirstOrThrow()
    ).secret_encrypted;
    const fresh = b.secrets.decrypt(newKey);
    expect(fresh).not.toBe(r.key);
    const before = smtp.received.length;
    await deliverAll();
    const got = smtp.received.slice(before).filter((m) => m.to && 'text' in m.to && m.to.text === 'p4@example.com');
    expect(got).toHaveLength(2);
    for (const m of got) {
      expect(m.text).toContain(fresh);
      expect(m.text).not.toContain(r.key);
      expect(decodeQr(m)).toBe(wifiJoinString(b.property.ssid, fresh));
    }
    expect(got.map((m) => m.messageId)).toContain(messageIdFor(welcome, MAIL_FROM));
  });

  it('P3: stored copies are encrypted, history masks the key unless revealed (audited), no key in logs', async () => {
    const r = await addResident(b, { email: 'p3@example.com' });
    const id = await queue(b, r.residentId, 'welcome');
    await deliverAll();
    const [d] = await deliveries(b.db, id);
    expect(d!.state).toBe('sent');
    expect(d!.content_encrypted).toMatch(/^v1\./);
    // No table holds the key in the clear.
    const { rows } = await sql<{
      t: string;
    }>`select (select string_agg(t::text, '|') from delivery t) || (select string_agg(t::text, '|') from outbox t) as t`.execute(b.db);
    expect(rows[0]!.t).not.toContain(r.key!);

    const masked = await messageContent(b.db, b.secrets, { deliveryId: d!.id, revealKeys: false, staff: 'employee' });
    expect(masked.keyMasked).toBe(true);
    expect(masked.text).toContain(`Key (password): ${MASK}`);
    expect(masked.text).not.toContain(r.key);
    expect(masked.html).not.toContain(r.key);
    const audits = () =>
      b.db.selectFrom('audit_event').select(['action', 'actor']).where('resident_id', '=', r.residentId).where('action', '=', 'reveal-key').execute();
    expect(await audits()).toHaveLength(0);
    const shown = await messageContent(b.db, b.secrets, { deliveryId: d!.id, revealKeys: true, staff: 'owner' });
    expect(shown.text).toContain(r.key);
    expect(await audits()).toEqual([{ action: 'reveal-key', actor: 'owner' }]);

    const logText = b.logs.join('');
    expect(logText.length).toBeGreaterThan(0);
    for (const k of await b.db.selectFrom('psk').select('secret_encrypted').execute()) expect(logText).not.toContain(b.secrets.decrypt(k.secret_encrypted));
  });
});
