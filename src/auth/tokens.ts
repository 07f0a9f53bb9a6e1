import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { UserError } from '../errors/user-error.ts';
import type { ApiTokenId, Caller } from './caller.ts';
import type { PropertyRole, Role } from './permissions.ts';
import { digest, newSecret } from './random-secrets.ts';

/**
 * API tokens for automation: a name (the audit's actor, O6), a role on a list of properties (or the
 * administrator role), shown once at creation and stored as a hash. A token stops working when it is
 * revoked or when the staff user who created it is disabled.
 */

export interface TokenView {
  tokenId: ApiTokenId;
  name: string;
  role: Role;
  /** Entrata ids of the properties (none for an administrator token). */
  properties: string[];
  /** The creator's e-mail; null when made on the command line. */
  createdBy: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface NewToken {
  name: string;
  role: Role;
  propertyIds: readonly number[];
  createdBy: number | null;
  now: Date;
}

/** Last use is written at most this often. */
const TOUCH_EVERY_MS = 60_000;

export function tokenNotFound(tokenId: number | string): UserError {
  return new UserError(`no API token ${tokenId}`, { code: 'token-not-found', category: 'not-found' });
}

/** Creates a token; the secret is answered here once and never again. */
export async function createToken(db: Db, t: NewToken): Promise<{ token: TokenView; secret: string }> {
  const name = t.name.trim();
  if (!/^[\w .@:-]{1,80}$/.test(name))
    throw new UserError('name: 1 to 80 letters, digits, spaces or ._@:-', { code: 'invalid-token-name', category: 'invalid' });
  if (t.role !== 'admin' && t.propertyIds.length === 0)
    throw new UserError(`properties: a ${t.role} token needs at least one property`, { code: 'properties-required', category: 'invalid' });
  if (t.role === 'admin' && t.propertyIds.length > 0)
    throw new UserError('properties: an administrator token sees every property; give no property', { code: 'invalid-properties', category: 'invalid' });
  const secret = newSecret('pbt_');
  const id = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('api_token')
      .values({ name, role: t.role, secret_hash: digest(secret), created_by: t.createdBy, created_at: t.now })
      .onConflict((oc) => oc.expression(sql`lower(name)`).where('revoked_at', 'is', null).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row)
      throw new UserError(`a token named "${name}" exists: choose another name, or revoke that one first`, { code: 'token-exists', category: 'conflict' });
    if (t.propertyIds.length > 0)
      await trx
        .insertInto('api_token_property')
        .values([...new Set(t.propertyIds)].map((p) => ({ token_id: row.id, property_id: p })))
        .execute();
    return row.id;
  });
  const [token] = await listTokens(db, { tokenId: id });
  return { token: token!, secret };
}

export async function listTokens(db: Db, o: { tokenId?: number } = {}): Promise<TokenView[]> {
  let q = db
    .selectFrom('api_token as t')
    .leftJoin('staff_user as u', 'u.id', 't.created_by')
    .select(['t.id', 't.name', 't.role', 't.created_at', 't.last_used_at', 't.revoked_at', 'u.email as creator'])
    .select((eb) =>
      eb.fn
        .coalesce(
          sql<
            string[]
          >`(select array_agg(p.entrata_id order by p.entrata_id) from api_token_property tp join property p on p.id = tp.property_id where tp.token_id = t.id)`,
          sql<string[]>`'{}'::text[]`,
        )
        .as('properties'),
    )
    .orderBy('t.id');
  if (o.tokenId !== undefined) q = q.where('t.id', '=', o.tokenId);
  const rows = await q.execute();
  return rows.map((r) => ({
    tokenId: r.id as ApiTokenId,
    name: r.name,
    role: r.role,
    properties: r.properties,
    createdBy: r.creator,
    createdAt: r.created_at.toISOString(),
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
  }));
}

/** Revokes a token (at once: the next request with it answers 401). Revoking it again changes nothing. */
export async function revokeToken(db: Db, tokenId: number, now: Date): Promise<TokenView> {
  await db
    .updateTable('api_token')
    .set({ revoked_at: sql`coalesce(revoked_at, ${now})` })
    .where('id', '=', tokenId)
    .execute();
  const [token] = await listTokens(db, { tokenId });
  if (!token) throw tokenNotFound(tokenId);
  return token;
}

/** The caller a bearer token stands for; null when it is unknown, revoked, or its creator is disabled. */
export async function tokenCaller(db: Db, secret: string, now: Date): Promise<Extract<Caller, { kind: 'token' }> | null> {
  const t = await db
    .selectFrom('api_token as t')
    .leftJoin('staff_user as u', 'u.id', 't.created_by')
    .select(['t.id', 't.name', 't.role', 't.last_used_at', 't.revoked_at', 'u.disabled_at'])
    .where('t.secret_hash', '=', digest(secret))
    .executeTakeFirst();
  if (!t || t.revoked_at || t.disabled_at) return null;
  const properties = t.role === 'admin' ? [] : await db.selectFrom('api_token_property').select('property_id').where('token_id', '=', t.id).execute();
  if (!t.last_used_at || now.getTime() - t.last_used_at.getTime() >= TOUCH_EVERY_MS) {
    await db.updateTable('api_token').set({ last_used_at: now }).where('id', '=', t.id).execute();
  }
  return {
    kind: 'token',
    tokenId: t.id as ApiTokenId,
    name: t.name,
    admin: t.role === 'admin',
    roles: new Map(properties.map((p) => [p.property_id, t.role as PropertyRole])),
  };
}
