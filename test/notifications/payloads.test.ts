// One payload per notification kind: written as the compiler allows, read back through zod.
import { describe, expect, it } from 'vitest';
import { NOTIFICATION_KINDS, outboxNotice, readNotice, type Notice } from '../../src/notifications/payloads.ts';

describe('notification payloads', () => {
  it('every kind written by this version reads back as written', () => {
    const written: Notice[] = [
      { kind: 'welcome', payload: { ssid: 'Net', unitId: 'U1', leaseId: 'L1' } },
      { kind: 'new-key', payload: { reason: 'new-property', ssid: 'Net', unitId: 'U1', leaseId: null } },
      { kind: 'new-key', payload: { reason: 'rotation', ssid: 'Net' } },
      { kind: 'resend', payload: { ssid: 'Net' } },
      { kind: 'block', payload: { blockId: 7, at: '2026-08-15T15:00:00.000Z', message: 'Rent is late.' } },
      { kind: 'unblock', payload: {} },
      { kind: 'message', payload: { messageId: 3 } },
      { kind: 'blast', payload: { messageId: 4 } },
      { kind: 'password-reset', payload: { link: 'v1:encrypted-link', expiresAt: '2026-08-15T16:00:00.000Z' } },
    ];
    expect(new Set(written.map((n) => n.kind))).toEqual(new Set(NOTIFICATION_KINDS));
    for (const n of written) {
      const row = outboxNotice(n);
      expect(readNotice(row.kind, JSON.parse(row.payload))).toEqual({ notice: n });
    }
  });

  it('the compiler refuses a payload that does not fit its kind (checked by tsc)', () => {
    // @ts-expect-error a block needs the instant it starts and the message
    const block: Notice = { kind: 'block', payload: { blockId: 1 } };
    // @ts-expect-error a welcome is not a staff message
    const welcome = () => outboxNotice({ kind: 'welcome', payload: { messageId: 1 } });
    // @ts-expect-error no such kind
    const other: Notice = { kind: 'postcard', payload: {} };
    expect([block, welcome, other]).toHaveLength(3);
  });

  it('rows of the previous version read: a new key without a reason came from a move (N2); the old channel list is dropped', () => {
    expect(readNotice('new-key', { unitId: 'U1', channels: ['email'], ssid: 'Net', leaseId: 'L1' })).toEqual({
      notice: { kind: 'new-key', payload: { reason: 'new-property', ssid: 'Net', unitId: 'U1', leaseId: 'L1' } },
    });
    expect(readNotice('welcome', { unitId: 'U1', channels: [], ssid: 'Net', leaseId: null })).toEqual({
      notice: { kind: 'welcome', payload: { ssid: 'Net', unitId: 'U1', leaseId: null } },
    });
  });

  it('a stored row that does not fit its kind gives the reason, naming the field', () => {
    expect(readNotice('block', { blockId: 7, message: 'x' })).toEqual({
      reason: expect.stringMatching(/^the stored block notification does not fit what this version sends \(at: /),
    });
    expect(readNotice('message', { messageId: 'seven' })).toEqual({ reason: expect.stringContaining('(messageId: ') });
    expect(readNotice('welcome', null)).toEqual({ reason: expect.stringContaining('the stored welcome notification does not fit') });
    expect(readNotice('postcard', {})).toEqual({ reason: 'unknown notification kind "postcard"' });
  });
});
