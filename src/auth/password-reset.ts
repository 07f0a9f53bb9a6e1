import { outboxNotice } from '../notifications/payloads.ts';
import { sql } from 'kysely';
import type { SecretBox } from '../crypto/secrets.ts';
import type { Db } from '../db/database.ts';
import { UserError } from '../errors/user-error.ts';
import { checkPasswordRules } from './passwords.ts';
import { digest, newSecret } from './random-secrets.ts';
import { setPassword } from './users.ts';

/**
 * Password reset by an e-mailed link: single use, expiring. The link goes through the outbox like
 * every message (a `password-reset` row addressed to the staff user); its token is stored there
 * encrypted until the mail is composed, and as a hash here. Asking for a reset answers the same
 * whether the address is known or not.
 */
export const RESET_VALID_MS = 60 * 60_000;
/** One link per user per this long: asking again and again fills no mailbox. */
const RESET_EVERY_MS = 60_000;

const invalidLink = () =>
  new UserError('token: this reset link is unknown, used or expired; ask for a new one (POST /api/password-reset)', {
    code: 'reset-link-invalid',
    category: 'invalid',
  });

/** Queues a reset link to the address when it is an enabled staff user's; silently nothing otherwise. */
export async function requestPasswordReset(db: Db, secrets: SecretBox, r: { email: string; baseUrl: string; now: Date }): Promise<void> {
  const user = await db
    .selectFrom('staff_user')
    .select(['id', 'disabled_at'])
    .where(sql<string>`lower(email)`, '=', r.email.trim().toLowerCase())
    .executeTakeFirst();
  if (!user || user.disabled_at) return;
  const token = newSecret('pbr_');
  const expiresAt = new Date(r.now.getTime() + RESET_VALID_MS);
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('password-reset'), ${user.id}::int)`.execute(trx);
    const recent = await trx
      .selectFrom('password_reset')
      .select('id')
      .where('user_id', '=', user.id)
      .where('created_at', '>', new Date(r.now.getTime() - RESET_EVERY_MS))
      .executeTakeFirst();
    if (recent) return;
    await trx
      .insertInto('password_reset')
      .values({ user_id: user.id, token_hash: digest(token), created_at: r.now, expires_at: expiresAt })
      .execute();
    const notice = outboxNotice({
      kind: 'password-reset',
      payload: { link: secrets.encrypt(`${r.baseUrl}/reset-password#token=${token}`), expiresAt: expiresAt.toISOString() },
    });
    await trx
      .insertInto('outbox')
      .values({
        property_id: null,
        staff_user_id: user.id,
        resident_id: null,
        ...notice,
        rule: null,
        created_by: 'pebbles',
        created_at: r.now,
        not_before: r.now,
      })
      .execute();
  });
}

/** Sets the new password with a reset link's token: the link is used up, and every session of the user ends. */
export async function completePasswordReset(db: Db, r: { token: string; newPassword: string; now: Date }): Promise<{ userId: number }> {
  const found = await db
    .selectFrom('password_reset as r')
    .innerJoin('staff_user as u', 'u.id', 'r.user_id')
    .select(['r.id', 'r.user_id', 'u.email'])
    .where('r.token_hash', '=', digest(r.token))
    .where('r.used_at', 'is', null)
    .where('r.expires_at', '>', r.now)
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!found) throw invalidLink();
  // A password the rules refuse does not use the link up: the user tries another with the same link.
  checkPasswordRules(r.newPassword, found.email);
  const used = await db
    .updateTable('password_reset')
    .set({ used_at: r.now })
    .where('id', '=', found.id)
    .where('used_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  if (!used) throw invalidLink(); // used meanwhile by a parallel request
  // Every other link of the user is spent too: one reset ends them all.
  await db.updateTable('password_reset').set({ used_at: r.now }).where('user_id', '=', found.user_id).where('used_at', 'is', null).execute();
  await setPassword(db, { userId: found.user_id, password: r.newPassword, oneTime: false, now: r.now });
  return { userId: found.user_id };
}
