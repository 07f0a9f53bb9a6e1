import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { UserError } from '../errors/user-error.ts';
import type { StaffUserId } from './caller.ts';
import { checkPasswordRules, hashPassword, oneTimePassword } from './passwords.ts';
import type { PropertyRole, Role } from './permissions.ts';

/**
 * Staff users: an e-mail (unique whatever its case), an argon2id password, and either the platform
 * administrator flag or a role per property. A disabled user keeps their row (the audit names them)
 * but signs in no more, and their sessions and tokens stop at once.
 */

export interface StaffRoleView {
  /** The property's Entrata id, as in the API's paths. */
  propertyId: string;
  propertyName: string;
  role: PropertyRole;
}

export interface StaffUserView {
  userId: StaffUserId;
  email: string;
  admin: boolean;
  mustChangePassword: boolean;
  disabledAt: string | null;
  createdAt: string;
  roles: StaffRoleView[];
}

/** What a new user is: an administrator, or a property role on these properties (database ids). */
export interface NewUser {
  email: string;
  role: Role;
  propertyIds: readonly number[];
  /** Null: a one-time password is generated, answered once, and must be changed at first sign-in. */
  password: string | null;
  now: Date;
}

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

/** An e-mail as staff type it: trimmed; refused with a message naming `field` when it is not one. */
export function staffEmail(email: string, field = 'email'): string {
  const e = email.trim();
  if (!EMAIL.test(e) || e.length > 254)
    throw new UserError(`${field}: not an e-mail address such as ana@example.com`, { code: 'invalid-email', category: 'invalid' });
  return e;
}

export function userNotFound(userId: number | string): UserError {
  return new UserError(`no staff user ${userId}`, { code: 'user-not-found', category: 'not-found' });
}

/** Creates a staff user; answers it with the one-time password when none was given (shown once). */
export async function createUser(db: Db, u: NewUser): Promise<{ user: StaffUserView; oneTimePassword: string | null }> {
  const email = staffEmail(u.email);
  if (u.role !== 'admin' && u.propertyIds.length === 0)
    throw new UserError(`properties: a ${u.role} needs at least one property`, { code: 'properties-required', category: 'invalid' });
  if (u.role === 'admin' && u.propertyIds.length > 0)
    throw new UserError('properties: an administrator sees every property; give no property', { code: 'invalid-properties', category: 'invalid' });
  if (u.password !== null) checkPasswordRules(u.password, email, 'password');
  const password = u.password ?? oneTimePassword();
  const passwordHash = await hashPassword(password);
  const id = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('staff_user')
      .values({
        email,
        password_hash: passwordHash,
        admin: u.role === 'admin',
        must_change_password: u.password === null,
        created_at: u.now,
        updated_at: u.now,
      })
      .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) throw new UserError(`a staff user ${email} already exists`, { code: 'user-exists', category: 'conflict' });
    if (u.role !== 'admin') {
      await trx
        .insertInto('staff_role')
        .values([...new Set(u.propertyIds)].map((p) => ({ user_id: row.id, property_id: p, role: u.role as PropertyRole, created_at: u.now })))
        .execute();
    }
    return row.id;
  });
  return { user: await getUser(db, id), oneTimePassword: u.password === null ? password : null };
}

/** The users, with their roles: every one, or those holding a role at one property (database id). */
export async function listUsers(db: Db, o: { propertyId?: number; userId?: number } = {}): Promise<StaffUserView[]> {
  let q = db
    .selectFrom('staff_user as u')
    .select(['u.id', 'u.email', 'u.admin', 'u.must_change_password', 'u.disabled_at', 'u.created_at'])
    .orderBy(sql`lower(u.email)`);
  if (o.userId !== undefined) q = q.where('u.id', '=', o.userId);
  if (o.propertyId !== undefined) q = q.where('u.id', 'in', db.selectFrom('staff_role').select('user_id').where('property_id', '=', o.propertyId));
  const users = await q.execute();
  if (users.length === 0) return [];
  const roles = await db
    .selectFrom('staff_role as r')
    .innerJoin('property as p', 'p.id', 'r.property_id')
    .select(['r.user_id', 'r.role', 'p.entrata_id', 'p.name'])
    .where(
      'r.user_id',
      'in',
      users.map((u) => u.id),
    )
    .orderBy('p.entrata_id')
    .execute();
  return users.map((u) => ({
    userId: u.id as StaffUserId,
    email: u.email,
    admin: u.admin,
    mustChangePassword: u.must_change_password,
    disabledAt: u.disabled_at?.toISOString() ?? null,
    createdAt: u.created_at.toISOString(),
    roles: roles.filter((r) => r.user_id === u.id).map((r) => ({ propertyId: r.entrata_id, propertyName: r.name, role: r.role })),
  }));
}

export async function getUser(db: Db, userId: number): Promise<StaffUserView> {
  const [user] = await listUsers(db, { userId });
  if (!user) throw userNotFound(userId);
  return user;
}

/** The user an e-mail names (any case), with what sign-in needs; undefined when there is none. */
export async function userForSignIn(db: Db, email: string) {
  return db
    .selectFrom('staff_user')
    .select(['id', 'email', 'password_hash', 'disabled_at', 'must_change_password'])
    .where(sql<string>`lower(email)`, '=', email.trim().toLowerCase())
    .executeTakeFirst();
}

export async function passwordHashOf(db: Db, userId: number): Promise<{ email: string; passwordHash: string }> {
  const row = await db.selectFrom('staff_user').select(['email', 'password_hash']).where('id', '=', userId).executeTakeFirst();
  if (!row) throw userNotFound(userId);
  return { email: row.email, passwordHash: row.password_hash };
}

/** The roles a user holds, by property database id (for the caller). */
export async function rolesOf(db: Db, userId: number): Promise<Map<number, PropertyRole>> {
  const rows = await db.selectFrom('staff_role').select(['property_id', 'role']).where('user_id', '=', userId).execute();
  return new Map(rows.map((r) => [r.property_id, r.role]));
}

/**
 * Sets a new password. `oneTime`: an administrator's reset, to be changed at the next sign-in. Every
 * session of the user ends (a password changed because it leaked must not leave a thief signed in),
 * except `keepSession` (the one that changed it).
 */
export async function setPassword(db: Db, p: { userId: number; password: string; oneTime: boolean; now: Date; keepSession?: number }): Promise<void> {
  const passwordHash = await hashPassword(p.password);
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('staff_user')
      .set({ password_hash: passwordHash, must_change_password: p.oneTime, updated_at: p.now })
      .where('id', '=', p.userId)
      .returning('id')
      .executeTakeFirst();
    if (!row) throw userNotFound(p.userId);
    let q = trx.updateTable('staff_session').set({ revoked_at: p.now }).where('user_id', '=', p.userId).where('revoked_at', 'is', null);
    if (p.keepSession !== undefined) q = q.where('id', '!=', p.keepSession);
    await q.execute();
  });
}

/** An administrator's reset: a new one-time password (answered once), every session ended. */
export async function resetToOneTimePassword(db: Db, userId: number, now: Date): Promise<string> {
  const password = oneTimePassword();
  await setPassword(db, { userId, password, oneTime: true, now });
  return password;
}

/** Disables a user: their sessions end and their tokens stop at once (the checks read disabled_at). */
export async function disableUser(db: Db, userId: number, now: Date): Promise<StaffUserView> {
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('staff_user')
      .set({ disabled_at: sql`coalesce(disabled_at, ${now})`, updated_at: now })
      .where('id', '=', userId)
      .returning('id')
      .executeTakeFirst();
    if (!row) throw userNotFound(userId);
    await trx.updateTable('staff_session').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
  });
  return getUser(db, userId);
}

/** Gives a (non-administrator) user a role at a property, or changes it. */
export async function setRole(db: Db, r: { userId: number; propertyId: number; role: PropertyRole; now: Date }): Promise<void> {
  await db
    .insertInto('staff_role')
    .values({ user_id: r.userId, property_id: r.propertyId, role: r.role, created_at: r.now })
    .onConflict((oc) => oc.columns(['user_id', 'property_id']).doUpdateSet({ role: r.role }))
    .execute();
}

/** Removes a user's role at a property; false when they held none there. */
export async function removeRole(db: Db, userId: number, propertyId: number): Promise<boolean> {
  const rows = await db.deleteFrom('staff_role').where('user_id', '=', userId).where('property_id', '=', propertyId).executeTakeFirst();
  return Number(rows.numDeletedRows) > 0;
}

/** The user an e-mail names (any case): their id and whether they are an administrator. */
export async function userByEmail(db: Db, email: string): Promise<{ id: number; admin: boolean } | undefined> {
  return db.selectFrom('staff_user').select(['id', 'admin']).where(sql<string>`lower(email)`, '=', email.trim().toLowerCase()).executeTakeFirst();
}

/**
 * The first start with no staff user: creates an administrator with a one-time password and answers
 * both, to be shown once on the terminal (never logged). Two processes starting together create one:
 * the check and the insert hold one lock. Null when a staff user exists already.
 */
export async function ensureFirstAdmin(db: Db, email: string, now: Date): Promise<{ email: string; password: string } | null> {
  const password = oneTimePassword();
  const passwordHash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('pebbles-first-admin'))`.execute(trx);
    if (await trx.selectFrom('staff_user').select('id').limit(1).executeTakeFirst()) return null;
    await trx
      .insertInto('staff_user')
      .values({
        email: staffEmail(email, 'PEBBLES_ADMIN_EMAIL'),
        password_hash: passwordHash,
        admin: true,
        must_change_password: true,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return { email, password };
  });
}
