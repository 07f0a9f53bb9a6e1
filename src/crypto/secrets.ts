import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeKey } from '../config/config.ts';
import { UserError } from '../errors/user-error.ts';

/**
 * Encryption of stored secrets (Entrata credentials, PSKs, copies of sent messages): AES-256-GCM
 * with a random 96-bit nonce per value. Stored form: `v1.<nonce>.<tag>.<ciphertext>`, base64url.
 * The version prefix lets a later key rotation tell old values from new ones.
 */
export interface SecretBox {
  encrypt(plaintext: string): string;
  decrypt(stored: string): string;
  /** A keyed hash for equality checks on secrets without decrypting (P1 uniqueness). */
  fingerprint(value: string, scope: string): string;
}

export class SecretError extends UserError {
  static override defaultCode = 'secret';
  override name = 'SecretError';
}

export function createSecretBox(masterKey: Buffer): SecretBox {
  if (masterKey.length !== 32) throw new SecretError('the secret key must be 32 bytes');
  // Separate sub-keys so the fingerprint key never doubles as the encryption key.
  const encKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'pebbles/encrypt/v1', 32));
  const macKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'pebbles/fingerprint/v1', 32));
  return {
    encrypt(plaintext) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encKey, nonce);
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', nonce, cipher.getAuthTag(), ct].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
    },
    decrypt(stored) {
      const parts = stored.split('.');
      if (parts.length !== 4 || parts[0] !== 'v1') throw new SecretError('not an encrypted value');
      const [, nonce, tag, ct] = parts.map((p) => Buffer.from(p, 'base64url'));
      try {
        const decipher = createDecipheriv('aes-256-gcm', encKey, nonce!);
        decipher.setAuthTag(tag!);
        return Buffer.concat([decipher.update(ct!), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretError('cannot decrypt a stored secret: wrong PEBBLES_SECRET_KEY or damaged data');
      }
    },
    fingerprint(value, scope) {
      return createHmac('sha256', macKey).update(scope).update('\0').update(value).digest('base64url');
    },
  };
}

export const KEY_FILE_NAME = 'secret.key';

/**
 * The embedded default's key: generated once into the data directory with mode 600. Losing it
 * makes every stored secret unreadable, which the README says plainly.
 */
export async function loadOrCreateKeyFile(dataDir: string): Promise<Buffer> {
  const file = path.join(dataDir, KEY_FILE_NAME);
  try {
    const text = await readFile(file, 'utf8');
    const key = decodeKey(text);
    if (!key) throw new SecretError(`${file} does not hold a 32-byte key`);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32);
  try {
    await writeFile(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateKeyFile(dataDir);
    throw err;
  }
}
