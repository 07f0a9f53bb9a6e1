import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ApiTokenId, Caller } from '../../src/auth/caller.ts';
import type { PropertyRole, Role } from '../../src/auth/permissions.ts';
import type { Authenticator } from '../../src/http/api-route.ts';

/**
 * Callers for API tests that are not about sign-in itself: each `as(...)` answers the headers that make
 * a request come from a caller with that role on those properties (database ids).
 */
export interface TestCallers extends Authenticator {
  as(role: Role, properties?: readonly number[]): Record<string, string>;
}

export function testCallers(): TestCallers {
  const byToken = new Map<string, Caller>();
  let next = 1;
  return {
    as(role, properties = []) {
      const token = randomBytes(12).toString('hex');
      const roles = new Map<number, PropertyRole>(role === 'admin' ? [] : properties.map((p) => [p, role]));
      byToken.set(token, { kind: 'token', tokenId: next++ as ApiTokenId, name: `test-${role}`, admin: role === 'admin', roles });
      return { authorization: `Bearer ${token}` };
    },
    async authenticate(req: FastifyRequest) {
      const h = req.headers.authorization;
      return h?.startsWith('Bearer ') ? (byToken.get(h.slice(7)) ?? null) : null;
    },
  };
}
