import { mkdtemp, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, loadOrCreateKeyFile } from '../../src/crypto/secrets.ts';

describe('secrets at rest (P3)', () => {
  it('encrypts with a fresh nonce each time and decrypts back', () => {
    const box = createSecretBox(randomBytes(32));
    const a = box.encrypt('Wifi-Key-123');
    const b = box.encrypt('Wifi-Key-123');
    expect(a).not.toEqual(b);
    expect(a).not.toContain('Wifi-Key-123');
    expect(box.decrypt(a)).toBe('Wifi-Key-123');
  });

  it('refuses a value encrypted under another key or tampered with', () => {
    const box = createSecretBox(randomBytes(32));
    const other = createSecretBox(randomBytes(32));
    const stored = box.encrypt('secret');
    expect(() => other.decrypt(stored)).toThrow(/cannot decrypt/);
    const parts = stored.split('.');
    parts[3] = Buffer.from('garbage!').toString('base64url');
    expect(() => box.decrypt(parts.join('.'))).toThrow(/cannot decrypt/);
  });

  it('fingerprints are stable per key and scope, and differ across scopes', () => {
    const key = randomBytes(32);
    const box = createSecretBox(key);
    expect(box.fingerprint('k', 'p1')).toBe(createSecretBox(key).fingerprint('k', 'p1'));
    expect(box.fingerprint('k', 'p1')).not.toBe(box.fingerprint('k', 'p2'));
  });

  it('generates the embedded key file once, with mode 600', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pebbles-key-'));
    const k1 = await loadOrCreateKeyFile(dir);
    const k2 = await loadOrCreateKeyFile(dir);
    expect(k1.equals(k2)).toBe(true);
    expect((await stat(path.join(dir, 'secret.key'))).mode & 0o777).toBe(0o600);
    expect((await readFile(path.join(dir, 'secret.key'), 'utf8')).trim()).toHaveLength(64);
  });
});
