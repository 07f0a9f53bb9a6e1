// P3: every form a provider may echo a key or credential in is masked (provider errors, stored
// copies, caught messages).
import { describe, expect, it } from 'vitest';
import { generatePsk } from '../../src/keys/generate.ts';
import { wifiJoinString } from '../../src/notifications/escape.ts';
import { classifySmtpError } from '../../src/notifications/mail.ts';
import { MASK, maskSecrets } from '../../src/notifications/mask.ts';
import { DeliveryError } from '../../src/notifications/ports.ts';

// A key typed by hand may hold anything a Wi-Fi key may: spaces, escapes of every format, non-ASCII.
const odd = 'p@ss wörd+1/2;"x":\\&<y>=z';
const key = generatePsk();

describe('P3: masking every echoed form of a secret', () => {
  const cases: Array<[string, (s: string) => string]> = [
    ['as is', (s) => `Rejected message body: Wi-Fi: network X, key ${s}. The e-mail`],
    ['URL-encoded', (s) => `bad request /send?Body=${encodeURIComponent(`key ${s}`)}`],
    ['form-encoded (spaces as +)', (s) => `Rejected body: To=%2B13035550142&Body=${new URLSearchParams({ b: `key ${s} end` }).toString().slice(2)}`],
    ['percent-encoded with lower-case hex', (s) => `echo ${encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`],
    ['JSON-escaped', (s) => `{"error":${JSON.stringify(`bad body: key ${s}`)}}`],
    [
      'JSON with \\u escapes and \\/',
      (s) =>
        JSON.stringify(s)
          .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
          .replace(/\//g, '\\/'),
    ],
    [
      'HTML-escaped',
      (s) => `<p>key <b>${s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')}</b></p>`,
    ],
    ['base64', (s) => `payload ${Buffer.from(s).toString('base64')} rejected`],
    ['in a WIFI: join string', (s) => `QR payload ${wifiJoinString('My;Net', s)} too long`],
  ];
  for (const [name, echo] of cases) {
    it(`P3: ${name}`, () => {
      for (const s of [key, odd]) {
        const text = echo(s);
        const masked = maskSecrets(text, [s]);
        expect(masked).toContain(MASK);
        expect(masked).not.toContain(s);
        // Nothing longer than a few characters of the secret survives in any form.
        expect(maskSecrets(masked, [s])).toBe(masked);
      }
    });
  }

  it('P3: quoted-printable with a soft line break inside the key, raw and after whitespace is collapsed', () => {
    const split = `<div style=3D"font-family:Menlo">${key.slice(0, 7)}=\r\n${key.slice(7)}</div>`;
    expect(maskSecrets(split, [key])).toBe(`<div style=3D"font-family:Menlo">${MASK}</div>`);
    expect(maskSecrets(split.replace(/\s+/g, ' '), [key])).toBe(`<div style=3D"font-family:Menlo">${MASK}</div>`);
  });

  it('P3: an echo cut short keeps no more than a few characters of the key', () => {
    const cut = `Rejected: Wi-Fi: network X, key ${key.slice(0, 12)}`;
    expect(maskSecrets(cut, [key])).toBe(`Rejected: Wi-Fi: network X, key ${MASK}`);
  });

  it('leaves text without secrets, and empty secrets, alone', () => {
    expect(maskSecrets('SMS provider HTTP 400: invalid To', [key, ''])).toBe('SMS provider HTTP 400: invalid To');
    expect(maskSecrets('abc', [''])).toBe('abc');
  });
});

describe('P3: a DeliveryError is masked before it is cut short', () => {
  it('P3: a long echo with the key past the cut is masked, not cut in the middle of the key', () => {
    const reason = `SMS provider HTTP 400: ${'x'.repeat(380)} key ${key} and more`;
    const e = DeliveryError.masked(reason, [key], { permanent: true });
    expect(e.message.length).toBeLessThanOrEqual(400);
    for (let n = 6; n <= key.length; n++) expect(e.message).not.toContain(key.slice(0, n));
  });

  it('P3: nodemailer errors (the SMTP answer, the AUTH exchange) are masked with the message and credentials', () => {
    const password = 's3cret-Password!';
    const auth = Buffer.from(`\0wifi\0${password}`).toString('base64');
    const e = classifySmtpError({ code: 'EAUTH', responseCode: 535, message: `Invalid login: 535 5.7.8 bad credentials ${auth}` }, [
      key,
      password,
      `\0wifi\0${password}`,
    ]);
    expect(e.message).not.toContain(auth);
    expect(e.message).toContain(MASK);
    const d = classifySmtpError({ code: 'EMESSAGE', responseCode: 550, message: `Message failed: 550 5.7.1 Rejected content: "Key (password): ${key}"` }, [
      key,
    ]);
    expect(d).toMatchObject({ permanent: true });
    expect(d.message).toBe(`SMTP 550: Message failed: 550 5.7.1 Rejected content: "Key (password): ${MASK}"`);
  });
});
