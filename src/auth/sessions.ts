import type { Db } from '../db/database.ts';
import type { Caller, StaffUserId } from './caller.ts';
import { digest, newSecret } from './random-secrets.ts';
import { rolesOf } from './users.ts';

/**
 * Server-side sessions. The browser holds a random secret in a cookie; the database holds its
 * SHA-256, so a session can be ended from here (sign-out, sign-out everywhere, a disabled user, a
 * password change) and a copy of the table signs no one in. A session ends after `idleMs` without a
 * request, and after `absoluteMs` whatever happens.
 */
export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

export const SESSION_POLICY: SessionPolicy = { idleMs: 8 * 3600_000, absoluteMs: 7 * 86_400_000 };

/** Last-seen is written at most this often: a request a second costs no write a second. */
const TOUCH_EVERY_MS = 60_000;

export interface NewSession {
  sessionId: number;
  /** The cookie's value: given once, never stored. */
  secret: string;
  csrfToken: string;
  expiresAt: Date;
}

export async function createSession(db: Db, userId: number, now: Date, policy: SessionPolicy = SESSION_POLICY): Promise<NewSession> {
  const secret = newSecret('pbs_');
  const csrfToken = newSecret('');
  const expiresAt = new Date(now.getTime() + policy.absoluteMs);
  const row = await db
    .insertInto('staff_session')
    .values({
      user_id: userId,
      secret_hash: digest(secret),
      csrf_token: csrfToken,
      created_at: now,
      last_seen_at: now,
      idle_expires_at: new Date(Math.min(now.getTime() + policy.idleMs, expiresAt.getTime())),
      expires_at: expiresAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { sessionId: row.id, secret, csrfToken, expiresAt };
}

/** Why a session cookie no longer signs in (said to the user: they sign in again in every case). */
export type SessionEnd = 'unknown' | 'signed-out' | 'expired' | 'disabled';

export interface LiveSession {
  caller: Extract<Caller, { kind: 'user' }>;
  csrfToken: string;
}

/** The caller a session cookie stands for, or why it stands for no one any more. */
export async function sessionCaller(db: Db, secret: string, now: Date, policy: SessionPolicy = SESSION_POLICY): Promise<LiveSession | SessionEnd> {
  const s = await db
    .selectFrom('staff_session as s')
    .innerJoin('staff_user as u', 'u.id', 's.user_id')
    .select([
      's.id',
      's.user_id',
      's.csrf_token',
      's.last_seen_at',
      's.idle_expires_at',
      's.expires_at',
      's.revoked_at',
      'u.email',
      'u.admin',
      'u.must_change_password',
      'u.disabled_at',
    ])
    .where('s.secret_hash', '=', digest(secret))
    .executeTakeFirst();
  if (!s) return 'unknown';
  if (s.disabled_at) return 'disabled';
  if (s.revoked_at) return 'signed-out';
  if (now >= s.idle_expires_at || now >= s.expires_at) return 'expired';
  if (now.getTime() - s.last_seen_at.getTime() >= TOUCH_EVERY_MS) {
    const idle = new Date(Math.min(now.getTime() + policy.idleMs, s.expires_at.getTime()));
    await db.updateTable('staff_session').set({ last_seen_at: now, idle_expires_at: idle }).where('id', '=', s.id).execute();
  }
  return {
    caller: {
      kind: 'user',
      userId: s.user_id as StaffUserId,
      email: s.email,
      admin: s.admin,
      roles: s.admin ? new Map() : await rolesOf(db, s.user_id),
      sessionId: String(s.id),
      mustChangePassword: s.must_change_password,
    },
    csrfToken: s.csrf_token,
  };
}

export async function revokeSession(db: Db, sessionId: number, now: Date): Promise<void> {
  await db.updateTable('staff_session').set({ revoked_at: now }).where('id', '=', sessionId).where('revoked_at', 'is', null).execute();
}

/** Sign out everywhere: every open session of the user ends; answers how many there were. */
export async function revokeAllSessions(db: Db, userId: number, now: Date): Promise<number> {
  const r = await db
    .updateTable('staff_session')
    .set({ revoked_at: now })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** The CSRF token of a live session (answered again by GET /api/session, e.g. after a page reload). */
export async function csrfTokenOf(db: Db, sessionId: number): Promise<string> {
  const row = await db.selectFrom('staff_session').select('csrf_token').where('id', '=', sessionId).executeTakeFirstOrThrow();
  return row.csrf_token;
}
