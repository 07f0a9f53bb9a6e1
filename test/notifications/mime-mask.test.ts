// P3: a caught e-mail as nodemailer wrote it, masked part by part: the key in no part in any
// encoding (quoted-printable may split it across lines), the QR code replaced, the rest untouched.
import jsQRModule from 'jsqr';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { generatePsk } from '../../src/keys/generate.ts';
import { MASK } from '../../src/notifications/mask.ts';
import { maskMime } from '../../src/notifications/mime-mask.ts';
import { renderMessage } from '../../src/notifications/render.ts';

const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ?? jsQRModule) as unknown as (
  data: Uint8ClampedArray,
  w: number,
  h: number,
) => { data: string } | null;
const qrOf = (png: Buffer) => {
  const img = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(img.data), img.width, img.height)?.data ?? null;
};

async function composed(key: string, name = 'Maple Court'): Promise<string> {
  const m = renderMessage({
    kind: 'welcome',
    property: { name, ssid: 'Maple;Net', timeZone: 'America/Denver', senderName: null, supportEmail: null, supportPhone: null },
    resident: { firstName: 'Ana', lastName: 'B' },
    key,
    payload: { ssid: 'Maple;Net', unitId: 'U1', leaseId: 'L1' },
  });
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
  const info = await transport.sendMail({
    from: 'wifi@example.com',
    to: 'ana@example.com',
    subject: m.subject,
    text: m.text,
    html: m.html,
    messageId: '<pebbles.notification.7@example.com>',
    attachments: [{ cid: m.qr!.cid, filename: 'wifi-qr.png', contentType: 'image/png', content: m.qr!.png, contentDisposition: 'inline' }],
  });
  return (info.message as Buffer).toString('utf8');
}

describe('P3: masking a caught MIME message', () => {
  for (const [name, key, place] of [
    ['a generated key', generatePsk(), 'Maple Court'],
    ['a hand-typed key with spaces and non-ASCII', 'grüne Wiese = 42 & <mehr>', 'Café Lofts'],
  ] as const) {
    it(`P3: ${name}: every part masked, the QR code a placeholder, headers and structure kept`, async () => {
      const raw = await composed(key, place);
      const { raw: masked, hidden } = maskMime(raw, [key]);
      expect(masked.replace(/=\r?\n/g, '')).not.toContain(key);
      expect(hidden).toEqual(['<wifi-qr@pebbles>']);
      const before = await simpleParser(raw);
      const after = await simpleParser(masked);
      expect(before.text).toContain(key);
      expect(after.text).toBe(before.text!.split(key).join(MASK));
      expect(after.html).not.toContain(key);
      expect(after.html).toContain(MASK);
      expect(after.subject).toBe(before.subject);
      expect(after.messageId).toBe(before.messageId);
      expect(qrOf(before.attachments[0]!.content)).toContain('WIFI:');
      expect(after.attachments.map((a) => [a.contentType, a.contentId])).toEqual(before.attachments.map((a) => [a.contentType, a.contentId]));
      expect(qrOf(after.attachments[0]!.content)).toBeNull();
    });
  }

  it('a message with nothing to mask is returned as received', async () => {
    const raw = await composed(generatePsk());
    expect(maskMime(raw, []).raw).toBe(raw);
  });
});
