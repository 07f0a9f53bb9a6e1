import { describe, expect, it } from 'vitest';
import { generatePsk, PSK_ALPHABET, PSK_ENTROPY_BITS } from '../../src/keys/generate.ts';

// The GSM 03.38 basic character set (the SMS alphabet without escapes).
const GSM7 = new Set('@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà');

describe('PSK generation', () => {
  it('P1: keys are WPA2-valid, at least 64 bits, free of look-alikes, QR escapes and non-GSM-7 characters', () => {
    expect(PSK_ENTROPY_BITS).toBeGreaterThanOrEqual(64);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const k = generatePsk();
      expect(k.length).toBeGreaterThanOrEqual(8);
      expect(k.length).toBeLessThanOrEqual(63);
      expect(k).toMatch(/^[\x20-\x7e]+$/);
      expect(k).not.toMatch(/[\\;,:"0O1lI]/);
      for (const ch of k) expect(GSM7.has(ch)).toBe(true);
      seen.add(k);
    }
    expect(seen.size).toBe(2000);
    for (const ch of PSK_ALPHABET) expect('0O1lI\\;,:"'.includes(ch)).toBe(false);
  });

  it('uses the random source it is given for every character', () => {
    expect(generatePsk(() => 0)).toBe('AAAA-AAAA-AAAA-AAAA');
  });
});
