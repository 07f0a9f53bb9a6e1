import { hash, verify } from '@node-rs/argon2';
import { randomInt } from 'node:crypto';
import { UserError } from '../errors/user-error.ts';

/** Staff passwords: argon2id (the library's default algorithm, with its default memory and time costs). */
export async function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false; // a damaged hash signs no one in
  }
}

let decoy: Promise<string> | null = null;

/**
 * Verifies against a hash no password matches: an unknown e-mail costs the same time as a wrong
 * password, so the answer's delay does not tell which accounts exist.
 */
export async function verifyDecoy(password: string): Promise<false> {
  decoy ??= hash(`decoy-${randomInt(1e9)}-${Date.now()}`);
  await verifyPassword(await decoy, password);
  return false;
}

export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 256;

/** The password rules, with a message that says what to change; `field` names the request field. */
export function checkPasswordRules(password: string, email: string, field = 'newPassword'): void {
  const plain = password.trim().toLowerCase();
  const address = email.trim().toLowerCase();
  const problem =
    [...password].length < MIN_PASSWORD_LENGTH
      ? `must be at least ${MIN_PASSWORD_LENGTH} characters`
      : password.length > MAX_PASSWORD_LENGTH
        ? `must be at most ${MAX_PASSWORD_LENGTH} characters`
        : plain === address || plain === address.split('@')[0]
          ? 'must not be your e-mail address'
          : null;
  if (problem) throw new UserError(`${field}: the password ${problem}`, { code: 'weak-password', category: 'invalid' });
}

// No look-alike characters (0/O, 1/l/I): a one-time password is read off a screen and typed.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A one-time password: 20 characters (about 114 bits), in groups of five for reading aloud. */
export function oneTimePassword(): string {
  const chars = Array.from({ length: 20 }, () => ALPHABET[randomInt(ALPHABET.length)]);
  return [0, 5, 10, 15].map((i) => chars.slice(i, i + 5).join('')).join('-');
}
