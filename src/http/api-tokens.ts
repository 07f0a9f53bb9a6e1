import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { auditStaff } from '../auth/audit.ts';
import { actorOf } from '../auth/caller.ts';
import { ROLES, type Role } from '../auth/permissions.ts';
import { propertyDbIds } from '../auth/property-refs.ts';
import { createToken, listTokens, revokeToken } from '../auth/tokens.ts';
import { apiRoute } from './api-route.ts';
import type { HttpDeps } from './server.ts';
import { ErrorBody } from './errors.ts';

const RoleSchema = z.enum(ROLES as [Role, ...Role[]]);
const Token = z.object({
  tokenId: z.number(),
  name: z.string(),
  role: RoleSchema,
  properties: z.array(z.string()),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
const TokenList = z.object({ items: z.array(Token), total: z.number() });
const CreateTokenBody = z
  .object({
    name: z.string().min(1).max(80),
    role: RoleSchema,
    /** Entrata ids (ACCOUNT:ID when several accounts have it); none for an administrator token. */
    properties: z.array(z.string().min(1).max(140)).max(1000).default([]),
  })
  .strict();
/** `secret` is the bearer token: answered this once, stored only as a hash. */
const CreatedToken = z.object({ token: Token, secret: z.string() });
const TokenParams = z.object({
  tokenId: z
    .string()
    .regex(/^\d{1,15}$/, 'a token id (digits)')
    .transform(Number),
});

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** API tokens for automation (F-28): administrators create, list and revoke them. */
export function registerTokenApi(app: FastifyInstance, deps: HttpDeps): void {
  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/tokens',
    access: { permission: 'token.manage', on: 'platform' },
    schema: {
      summary: 'API tokens with their role, properties and last use (never the token itself)',
      tags: ['tokens'],
      response: { 200: TokenList, ...errors },
    },
    handler: async () => {
      const items = await listTokens(deps.db);
      return { items, total: items.length };
    },
  });

  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/tokens',
    access: { permission: 'token.manage', on: 'platform' },
    schema: {
      summary: 'Create an API token (shown once, in this answer: send it as "Authorization: Bearer <secret>")',
      tags: ['tokens'],
      body: CreateTokenBody,
      response: { 201: CreatedToken, ...errors },
    },
    handler: async (req, reply, { caller }) => {
      const now = deps.now();
      const propertyIds = await propertyDbIds(deps.db, req.body.properties);
      const created = await createToken(deps.db, {
        name: req.body.name,
        role: req.body.role,
        propertyIds,
        createdBy: caller.kind === 'user' ? caller.userId : null,
        now,
      });
      await auditStaff(deps.db, {
        actor: actorOf(caller),
        action: 'token-create',
        details: { tokenId: created.token.tokenId, name: created.token.name, role: created.token.role, properties: created.token.properties },
        now,
      });
      return reply.status(201).send(created);
    },
  });

  apiRoute(app, deps, {
    method: 'DELETE',
    url: '/api/tokens/:tokenId',
    access: { permission: 'token.manage', on: 'platform' },
    schema: { summary: 'Revoke an API token (at once)', tags: ['tokens'], params: TokenParams, response: { 200: Token, ...errors } },
    handler: async (req, _reply, { caller }) => {
      const now = deps.now();
      const token = await revokeToken(deps.db, req.params.tokenId, now);
      await auditStaff(deps.db, { actor: actorOf(caller), action: 'token-revoke', details: { tokenId: token.tokenId, name: token.name }, now });
      return token;
    },
  });
}
