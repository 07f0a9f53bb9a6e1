// The one choice of channels (N1, N2, E2, F-17, F-18): what delivery does with a notification when it falls due.
import { describe, expect, it } from 'vitest';
import { chooseChannels } from '../../src/notifications/channels.ts';

const on = { smsEnabled: true, smsCountries: ['US', 'CA'] };
const sent = (kind: string, contact: { email: string | null; mobile: string | null } | null, setting = on) =>
  chooseChannels(kind, contact, setting).map((c) => (c.verdict === 'send' ? `${c.channel} → ${c.to}` : `${c.channel} ${c.verdict}: ${c.reason}`));

describe('channels of a notification', () => {
  it('N1: a welcome goes by e-mail, and by SMS when the property has SMS on and the resident a mobile', () => {
    expect(sent('welcome', { email: 'ana@example.com', mobile: '+13035550145' })).toEqual(['email → ana@example.com', 'sms → +13035550145']);
    expect(sent('welcome', { email: 'ana@example.com', mobile: null })).toEqual(['email → ana@example.com', 'sms skip: no mobile number']);
    expect(sent('welcome', { email: 'ana@example.com', mobile: '+13035550145' }, { ...on, smsEnabled: false })).toEqual([
      'email → ana@example.com',
      'sms skip: SMS is off for this property',
    ]);
  });

  it('N2, N3, K1, K3: new keys, resends, blocks and unblocks go the same way', () => {
    for (const kind of ['new-key', 'resend', 'block', 'unblock']) {
      expect(sent(kind, { email: 'ana@example.com', mobile: '+13035550145' })).toEqual(['email → ana@example.com', 'sms → +13035550145']);
    }
  });

  it('F-17: personal messages and blasts go by e-mail only', () => {
    expect(sent('message', { email: 'ana@example.com', mobile: '+13035550145' })).toEqual(['email → ana@example.com']);
    expect(sent('blast', { email: 'ana@example.com', mobile: '+13035550145' })).toEqual(['email → ana@example.com']);
  });

  it('F-18: SMS only to a valid mobile in an allowed country', () => {
    expect(sent('resend', { email: null, mobile: '+1555' })[1]).toBe('sms skip: mobile number is not valid');
    expect(sent('resend', { email: null, mobile: '+447400123456' })[1]).toBe('sms skip: mobile number is in GB, not an allowed SMS country (US, CA)');
    expect(sent('resend', { email: null, mobile: '+447400123456' }, { ...on, smsCountries: ['US', 'CA', 'GB'] })[1]).toBe('sms → +447400123456');
  });

  it('E2: no usable contact: every channel is skipped with its reason (the notification ends undeliverable); a bad address fails', () => {
    expect(sent('welcome', { email: null, mobile: null })).toEqual(['email skip: no e-mail address (E2)', 'sms skip: no mobile number']);
    expect(sent('welcome', { email: 'not an address', mobile: null })[0]).toBe('email fail: invalid e-mail address');
    expect(sent('welcome', null)[0]).toBe('email skip: no resident');
  });

  it('a kind this version does not know gets e-mail only (its delivery then fails with the reason)', () => {
    expect(sent('postcard', { email: 'ana@example.com', mobile: '+13035550145' })).toEqual(['email → ana@example.com']);
  });
});
