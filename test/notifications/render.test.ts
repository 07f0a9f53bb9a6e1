// Pure parts of notifications: escaping, the WIFI: string, GSM-7 segments, the SMS text of every
// key message, back-off, error classification, configuration.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { backoffMs, messageIdFor, parseAddress } from '../../src/notifications/deliver.ts';
import { escapeHtml, escapeWifi, oneLine, textToHtml, wifiJoinString } from '../../src/notifications/escape.ts';
import { gsm7Length, smsSegments, toGsm7 } from '../../src/notifications/gsm.ts';
import { classifySmtpError } from '../../src/notifications/mail.ts';
import { isEmailAddress, smsRecipient } from '../../src/notifications/phone.ts';
import type { Notice } from '../../src/notifications/payloads.ts';
import { renderMessage, type RenderInput } from '../../src/notifications/render.ts';

const property: RenderInput['property'] = {
  name: 'The Commons',
  ssid: 'Commons-WiFi',
  timeZone: 'America/Chicago',
  senderName: null,
  supportEmail: null,
  supportPhone: null,
};
const KEY = 'hK4t-Wq9c-EmyA-73dP';

describe('escaping', () => {
  it('HTML and the WIFI: join string escape every special character', () => {
    expect(escapeHtml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
    expect(escapeWifi('a\\b;c,d:e"f')).toBe('a\\\\b\\;c\\,d\\:e\\"f');
    expect(wifiJoinString('My;Net', 'k:e,y')).toBe('WIFI:T:WPA;S:My\\;Net;P:k\\:e\\,y;;');
    expect(textToHtml('a <b>\nc\n\n\nd')).toBe('<p style="margin:0 0 14px">a &lt;b&gt;<br>c</p>\n<p style="margin:0 0 14px">d</p>');
    expect(oneLine('Evil\r\nBcc: x@y.z')).toBe('Evil Bcc: x@y.z');
  });
});

describe('SMS text', () => {
  it('counts GSM-7 septets, extension characters double, and falls back to UCS-2', () => {
    expect(gsm7Length('abc')).toBe(3);
    expect(gsm7Length('a€[')).toBe(5);
    expect(gsm7Length('✓')).toBeNull();
    expect(smsSegments('x'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegments('x'.repeat(161)).segments).toBe(2);
    expect(smsSegments('✓'.repeat(70))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(toGsm7('Café “Noël” – ok')).toBe('Café "Noel" - ok');
  });

  it('every key message fits one segment, even with the longest names', () => {
    for (const kind of ['welcome', 'new-key', 'resend'] as const) {
      for (const ssid of ['x', 'A'.repeat(32), 'Ñoño-Ωmega-Ünïcode-€€€€€€€€€€€€']) {
        const notice: Notice =
          kind === 'welcome'
            ? { kind, payload: { ssid, unitId: 'U1', leaseId: 'L1' } }
            : kind === 'new-key'
              ? { kind, payload: { reason: 'new-property', ssid, unitId: 'U1', leaseId: 'L1' } }
              : { kind, payload: { ssid } };
        const r = renderMessage(
          {
            ...notice,
            property: { ...property, ssid, name: 'The Very Long Name of a Student Housing Community at the University'.repeat(2) },
            resident: { firstName: 'A', lastName: 'B' },
            key: KEY,
          },
          { qr: false },
        );
        expect(r.sms).toContain(KEY);
        expect(r.sms).toContain(ssid);
        expect(smsSegments(r.sms!).segments).toBe(1);
      }
    }
    const ucs = renderMessage(
      {
        kind: 'welcome',
        property: { ...property, ssid: 'Café✓WiFi' },
        resident: { firstName: 'A', lastName: 'B' },
        key: KEY,
        payload: { ssid: 'Café✓WiFi', unitId: 'U1', leaseId: null },
      },
      { qr: false },
    );
    expect(smsSegments(ucs.sms!)).toMatchObject({ encoding: 'UCS-2', segments: 1 });
  });

  it('a message or blast has an SMS form (sent only when staff choose SMS) of at most three segments; block notices at most two', () => {
    const m = renderMessage({
      kind: 'blast',
      property,
      resident: { firstName: 'A', lastName: 'B' },
      key: null,
      payload: { messageId: 1 },
      staffMessage: { subject: 'Water off', body: 'Tomorrow 9-11.\nSorry!' },
    });
    expect(m.sms).toMatch(/: Water off\. Tomorrow 9-11\. Sorry!$/);
    const long = renderMessage({
      kind: 'message',
      property,
      resident: { firstName: 'A', lastName: 'B' },
      key: null,
      payload: { messageId: 1 },
      staffMessage: { subject: 'S', body: 'y'.repeat(2000) },
    });
    expect(smsSegments(long.sms!).segments).toBeLessThanOrEqual(3);
    const b = renderMessage({
      kind: 'block',
      property,
      resident: { firstName: 'A', lastName: 'B' },
      key: null,
      payload: { blockId: 1, at: '2026-03-01T15:00:00.000Z', message: 'x'.repeat(1000) },
    });
    expect(smsSegments(b.sms!).segments).toBeLessThanOrEqual(2);
  });
});

describe('delivery policy', () => {
  it('back-off doubles per attempt with jitter, capped', () => {
    const p = { retryBaseMs: 1000, retryMaxMs: 10_000 };
    expect(backoffMs(1, p, () => 0)).toBe(500);
    expect(backoffMs(1, p, () => 1)).toBe(1000);
    expect(backoffMs(3, p, () => 1)).toBe(4000);
    expect(backoffMs(10, p, () => 1)).toBe(10_000);
  });

  it('classifies SMTP failures: 4xx and no connection transient, 5xx permanent, a broken open connection ambiguous', () => {
    expect(classifySmtpError({ responseCode: 451, message: 'later' })).toMatchObject({ permanent: false, ambiguous: false });
    expect(classifySmtpError({ responseCode: 550, code: 'EENVELOPE', message: 'no such user' })).toMatchObject({ permanent: true });
    expect(classifySmtpError({ code: 'ESOCKET', errno: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:25', command: 'CONN' })).toMatchObject({
      permanent: false,
      ambiguous: false,
    });
    expect(classifySmtpError({ code: 'ETIMEDOUT', message: 'Timeout', command: 'CONN' })).toMatchObject({ permanent: false, ambiguous: true });
    expect(classifySmtpError({ code: 'EAUTH', responseCode: 535, message: 'bad login' })).toMatchObject({ permanent: false });
  });

  it('addresses, numbers and Message-IDs', () => {
    expect(isEmailAddress('a.b+c@example.co.uk')).toBe(true);
    expect(isEmailAddress('not an address')).toBe(false);
    expect(isEmailAddress('a@b')).toBe(false);
    expect(smsRecipient('+13035550142', ['US', 'CA'])).toEqual({ to: '+13035550142' });
    expect(smsRecipient('+4915123456789', ['US', 'CA'])).toEqual({ skip: 'mobile number is in DE, not an allowed SMS country (US, CA)' });
    expect(parseAddress('"Pebbles" <wifi@x.example>')).toEqual({ name: 'Pebbles', address: 'wifi@x.example' });
    expect(messageIdFor(42, 'Pebbles <wifi@x.example>')).toBe('<pebbles.notification.42@x.example>');
  });
});

describe('configuration', () => {
  it('reads SMTP and SMS settings with defaults, and names a missing companion variable', () => {
    const c = loadConfig({});
    expect(c.mail).toMatchObject({ host: null, port: 587, secure: false, poolSize: 5 });
    expect(c.sms).toMatchObject({ baseUrl: null, countries: ['US', 'CA'] });
    expect(c.notifications).toEqual({ maxAttempts: 10, retryBaseMs: 30_000, retryMaxMs: 3_600_000, batchSize: 200 });
    expect(loadConfig({ SMTP_HOST: 'smtp.example.com', SMTP_SECURE: 'on' }).mail).toMatchObject({ port: 465, secure: true });
    expect(() => loadConfig({ SMS_BASE_URL: 'https://api.twilio.com' })).toThrow(new ConfigError('SMS_ACCOUNT_SID: required when SMS_BASE_URL is set'));
    expect(() => loadConfig({ SMTP_USER: 'u' })).toThrow(/SMTP_PASSWORD/);
    expect(() => loadConfig({ SMS_COUNTRIES: 'us' })).toThrow(/^SMS_COUNTRIES/);
    expect(() => loadConfig({ MAIL_FROM: 'nobody' })).toThrow(/^MAIL_FROM/);
  });
});
