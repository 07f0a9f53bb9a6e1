import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { UserError } from '../errors/user-error.ts';
import { verifyDecoy, verifyPassword } from './passwords.ts';
import { createSession, SESSION_POLICY, type NewSession, type SessionPolicy } from './sessions.ts';
import { assertNotLockedOut, recordAttempt, THROTTLE_POLICY, throttleKey, type ThrottlePolicy } from './throttle.ts';

export interface SignInPolicy {
  session: SessionPolicy;
  throttle: ThrottlePolicy;
}

export const SIGN_IN_POLICY: SignInPolicy = { session: SESSION_POLICY, throttle: THROTTLE_POLICY };

/** One answer for an unknown e-mail, a wrong password and a disabled account: no account probing. */
const refused = () =>
  new UserError('wrong e-mail or password; a forgotten password can be reset (POST /api/password-reset)', {
    code: 'sign-in-failed',
    category: 'unauthenticated',
  });

/**
 * Signs a staff user in: throttled per account and per address, the password verified (a decoy
 * verified for an unknown e-mail, so both take as long), and a new session on success. Attempts on
 * one e-mail are serialised, so parallel guesses cannot slip past the limit together.
 */
export async function signIn(
  db: Db,
  a: { email: string; password: string; address: string; now: Date },
  policy: SignInPolicy = SIGN_IN_POLICY,
): Promise<NewSession & { userId: number; mustChangePassword: boolean }> {
  return db
    .transaction()
    .execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext('sign-in'), hashtext(${throttleKey(a.email)}))`.execute(trx);
      await assertNotLockedOut(trx, a, policy.throttle);
      const user = await trx
        .selectFrom('staff_user')
        .select(['id', 'password_hash', 'disabled_at', 'must_change_password'])
        .where(sql<string>`lower(email)`, '=', throttleKey(a.email))
        .executeTakeFirst();
      const ok = user ? await verifyPassword(user.password_hash, a.password) : await verifyDecoy(a.password);
      const succeeded = ok && !!user && !user.disabled_at;
      await recordAttempt(trx, { ...a, succeeded });
      if (!succeeded) return null;
      const session = await createSession(trx, user.id, a.now, policy.session);
      return { ...session, userId: user.id, mustChangePassword: user.must_change_password };
    })
    .then((r) => {
      // Thrown outside the transaction: the failed attempt must stay recorded.
      if (!r) throw refused();
      return r;
    });
}
