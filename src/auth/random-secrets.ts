import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The random secrets staff carry (session cookies, API tokens, reset links). Only their SHA-256 is
 * stored: 256 random bits need no slow hash, and a copy of the database signs no one in.
 */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function digest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares two short strings in constant time (a CSRF token against the session's). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
