import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { decodeKey } from '../config/config.ts';
import { UserError } from '../errors/user-error.ts';

/**
 * Encryption of stored secrets (Entrata credentials, PSKs, copies of sent messages): AES-256-GCM
 * with a random 96-bit nonce per value. Stored form: `v1.<nonce>.<tag>.<ciphertext>.<keyId>`
 * (base64url); values written before key ids (no fifth part) still decrypt.
 * The key id names the key a value was written under, so the database itself can refuse a value
 * written under any other key than the one its check value names (src/db/migrations/0006).
 */
export interface SecretBox {
  encrypt(plaintext: string): string;
  decrypt(stored: string): string;
  /** A keyed hash for equality checks on secrets without decrypting (P1 uniqueness). */
  fingerprint(value: string, scope: string): string;
  /** A keyed hash of a constant that tells this key from any other, never the key itself. */
  readonly check: string;
  /** A short public name of this key, written into every value it encrypts. */
  readonly keyId: string;
}

export class SecretError extends UserError {
  static override defaultCode = 'secret';
  override name = 'SecretError';
}

const subKey = (masterKey: Buffer, info: string) => Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, 32));

/** The check value of a key, and the key id derived from it (its first 16 characters: 96 bits). */
export function keyCheck(masterKey: Buffer): { check: string; keyId: string } {
  const check = createHmac('sha256', subKey(masterKey, 'pebbles/check/v1')).update('pebbles secret key check').digest('base64url');
  return { check, keyId: check.slice(0, 16) };
}

export function createSecretBox(masterKey: Buffer): SecretBox {
  if (masterKey.length !== 32) throw new SecretError('the secret key must be 32 bytes');
  // Separate sub-keys so the fingerprint key never doubles as the encryption key.
  const encKey = subKey(masterKey, 'pebbles/encrypt/v1');
  const macKey = subKey(masterKey, 'pebbles/fingerprint/v1');
  const { check, keyId } = keyCheck(masterKey);
  return {
    check,
    keyId,
    encrypt(plaintext) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encKey, nonce);
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', ...[nonce, cipher.getAuthTag(), ct].map((p) => p.toString('base64url')), keyId].join('.');
    },
    decrypt(stored) {
      const parts = stored.split('.');
      if (parts[0] !== 'v1' || (parts.length !== 4 && parts.length !== 5)) throw new SecretError('not an encrypted value');
      const [nonce, tag, ct] = parts.slice(1, 4).map((p) => Buffer.from(p, 'base64url'));
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
 * The embedded default's key file, or null when there is none. A file readable by others is put
 * back to mode 600 (refused when that cannot be done): the key opens every stored secret.
 */
export async function readKeyFile(dataDir: string, name = KEY_FILE_NAME): Promise<Buffer | null> {
  const file = path.join(dataDir, name);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SecretError(`${file} cannot be read (${(err as Error).message}): fix its owner or mode`, { cause: err });
  }
  const key = decodeKey(text);
  if (!key) throw new SecretError(`${file} does not hold a 32-byte key (64 hex characters or base64)`);
  const mode = (await stat(file)).mode & 0o777;
  if (mode & 0o077) {
    await chmod(file, 0o600).catch((err: Error) => {
      throw new SecretError(`${file} has mode ${mode.toString(8)}, readable by others, and cannot be set to 600 (${err.message}): run chmod 600 on it`, {
        cause: err,
      });
    });
  }
  return key;
}

/** Writes a key file that must not exist yet (mode 600, synced); false when it already exists. */
export async function writeNewKeyFile(dataDir: string, key: Buffer, name = KEY_FILE_NAME): Promise<boolean> {
  await mkdir(dataDir, { recursive: true });
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path.join(dataDir, name), 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    await fh.writeFile(`${key.toString('hex')}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return true;
}

/**
 * Puts `secret.key.new` in place of `secret.key` after a rotation committed, keeping the old file
 * as `secret.key.old` (a hard link, so `secret.key` exists at every moment). A crash half way is
 * finished by the next start (the database's check value says which file is right). Never
 * overwrites a `secret.key.old` holding another key: the rotation refuses to start while one exists.
 */
export async function installNewKeyFile(dataDir: string): Promise<void> {
  const file = path.join(dataDir, KEY_FILE_NAME);
  try {
    await link(file, `${file}.old`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      // Left by an install that stopped after linking: it must be this very key.
      const [cur, old] = await Promise.all([readFile(file, 'utf8'), readFile(`${file}.old`, 'utf8')]);
      if (cur.trim() !== old.trim()) throw new SecretError(`${file}.old holds another key: move it away, then run this again`);
    } else if (code !== 'ENOENT') throw err;
  }
  await rename(`${file}.new`, file);
}

/** A new random key. */
export const generateKey = (): Buffer => randomBytes(32);
