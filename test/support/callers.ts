import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { createAuthenticator } from '../../src/auth/authenticator.ts';
import type { Role } from '../../src/auth/permissions.ts';
import { digest, newSecret } from '../../src/auth/random-secrets.ts';
import type { Db } from '../../src/db/database.ts';
import type { Authenticator } from '../../src/http/api-route.ts';

/**
 * Callers for API tests that are not about sign-in itself: each `as(...)` answers the headers of a REAL
 * API token (a row in the database, checked by the real authenticator) with that role on those
 * properties (database ids). `as` stays synchronous: the token's row is written in the background and
 * `authenticate` waits for every pending write first. Session cookies work too (the same authenticator).
 */
export interface TestCallers extends Authenticator {
  as(role: Role, properties?: readonly number[]): Record<string, string>;
}

export function testCallers(db: () => Db, now: () => Date = () => new Date()): TestCallers {
  const pending: Promise<unknown>[] = [];
  let auth: Authenticator | null = null;
  return {
    as(role, properties = []) {
      const secret = newSecret('pbt_');
      const name = `test-${role}-${randomBytes(4).toString('hex')}`;
      pending.push(
        db()
          .transaction()
          .execute(async (trx) => {
            const t = await trx
              .insertInto('api_token')
              .values({ name, role, secret_hash: digest(secret), created_by: null, created_at: now() })
              .returning('id')
              .executeTakeFirstOrThrow();
            if (role !== 'admin' && properties.length > 0)
              await trx
                .insertInto('api_token_property')
                .values(properties.map((p) => ({ token_id: t.id, property_id: p })))
                .execute();
          }),
      );
      return { authorization: `Bearer ${secret}` };
    },
    async authenticate(req: FastifyRequest) {
      await Promise.all(pending);
      auth ??= createAuthenticator({ db: db(), now, site: { publicUrl: null, trustedProxy: false } });
      return auth.authenticate(req);
    },
  };
}
