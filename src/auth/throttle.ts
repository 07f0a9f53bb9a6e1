import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { UserError } from '../errors/user-error.ts';

/**
 * Sign-in throttling. Failed attempts are counted over a sliding window per account (the e-mail as
 * typed, known or not, so the lockout tells nothing about which accounts exist) and per client
 * address. Past the limit the answer is 429 with the time the oldest counted failure leaves the
 * window: the lockout ends by itself. A successful sign-in clears the account's count, not the address's.
 */
export interface ThrottlePolicy {
  windowMs: number;
  perAccount: number;
  perAddress: number;
}

export const THROTTLE_POLICY: ThrottlePolicy = { windowMs: 15 * 60_000, perAccount: 5, perAddress: 30 };

/** Attempts older than this are deleted (nothing counts them any more). */
const KEEP_MS = 86_400_000;

export function throttleKey(email: string): string {
  return email.trim().toLowerCase().slice(0, 320);
}

/** Throws a too-many UserError while the account or the address is locked out. */
export async function assertNotLockedOut(db: Db, a: { email: string; address: string; now: Date }, policy: ThrottlePolicy = THROTTLE_POLICY): Promise<void> {
  const since = new Date(a.now.getTime() - policy.windowMs);
  const email = throttleKey(a.email);
  const byAccount = await db
    .selectFrom('sign_in_attempt')
    .select('at')
    .where('email', '=', email)
    .where('succeeded', '=', false)
    .where('at', '>', since)
    .where('at', '>', (eb) =>
      eb.fn.coalesce(
        eb
          .selectFrom('sign_in_attempt')
          .select((s) => s.fn.max('at').as('at'))
          .where('email', '=', email)
          .where('succeeded', '=', true),
        sql<Date>`'-infinity'::timestamptz`,
      ),
    )
    .orderBy('at', 'desc')
    .limit(policy.perAccount)
    .execute();
  const byAddress = await db
    .selectFrom('sign_in_attempt')
    .select('at')
    .where('address', '=', a.address)
    .where('succeeded', '=', false)
    .where('at', '>', since)
    .orderBy('at', 'desc')
    .limit(policy.perAddress)
    .execute();
  const until = Math.max(
    byAccount.length >= policy.perAccount ? byAccount[byAccount.length - 1]!.at.getTime() + policy.windowMs : 0,
    byAddress.length >= policy.perAddress ? byAddress[byAddress.length - 1]!.at.getTime() + policy.windowMs : 0,
  );
  if (until > a.now.getTime()) {
    const seconds = Math.max(1, Math.ceil((until - a.now.getTime()) / 1000));
    throw new UserError(`too many failed sign-ins: try again in ${describeWait(seconds)}, or reset your password (POST /api/password-reset)`, {
      code: 'sign-in-locked',
      category: 'too-many',
      retryAfterSeconds: seconds,
    });
  }
}

export async function recordAttempt(db: Db, a: { email: string; address: string; now: Date; succeeded: boolean }): Promise<void> {
  await db
    .insertInto('sign_in_attempt')
    .values({ at: a.now, email: throttleKey(a.email), address: a.address, succeeded: a.succeeded })
    .execute();
  if (a.succeeded)
    await db
      .deleteFrom('sign_in_attempt')
      .where('at', '<', new Date(a.now.getTime() - KEEP_MS))
      .execute();
}

function describeWait(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
