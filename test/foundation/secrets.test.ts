import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, readKeyFile, writeNewKeyFile } from '../../src/crypto/secrets.ts';

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

  it('names the key in every value, and tells keys apart by a check value that is not the key', () => {
    const key = randomBytes(32);
    const box = createSecretBox(key);
    const other = createSecretBox(randomBytes(32));
    expect(box.encrypt('x').split('.')[4]).toBe(box.keyId);
    expect(box.check).toBe(createSecretBox(key).check);
    expect(box.check).not.toBe(other.check);
    expect(box.check).not.toContain(key.toString('base64url').slice(0, 8));
    expect(box.check).not.toContain(key.toString('hex').slice(0, 8));
  });

  it('still decrypts values written before key ids', () => {
    const box = createSecretBox(randomBytes(32));
    const legacy = box.encrypt('old secret').split('.').slice(0, 4).join('.');
    expect(box.decrypt(legacy)).toBe('old secret');
  });

  it('writes a key file only once, with mode 600', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pebbles-key-'));
    expect(await readKeyFile(dir)).toBeNull();
    const k1 = randomBytes(32);
    expect(await writeNewKeyFile(dir, k1)).toBe(true);
    expect(await writeNewKeyFile(dir, randomBytes(32))).toBe(false);
    expect((await readKeyFile(dir))!.equals(k1)).toBe(true);
    expect((await stat(path.join(dir, 'secret.key'))).mode & 0o777).toBe(0o600);
    expect((await readFile(path.join(dir, 'secret.key'), 'utf8')).trim()).toHaveLength(64);
  });

  it('puts a key file readable by others back to mode 600', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pebbles-key-'));
    const key = randomBytes(32);
    await writeFile(path.join(dir, 'secret.key'), `${key.toString('hex')}\n`);
    await chmod(path.join(dir, 'secret.key'), 0o644);
    expect((await readKeyFile(dir))!.equals(key)).toBe(true);
    expect((await stat(path.join(dir, 'secret.key'))).mode & 0o777).toBe(0o600);
  });
});
