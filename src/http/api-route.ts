import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z, ZodType } from 'zod';
import type { Caller } from '../auth/caller.ts';
import type { Permission } from '../auth/permissions.ts';
import { resolveProperty } from '../auth/access.ts';
import { EntrataId } from './api-common.ts';
import type { Db } from '../db/database.ts';
import { UserError } from '../errors/user-error.ts';
import type { PropertySettings } from '../properties/properties.ts';
import { errorResponses } from './errors.ts';
import { SECURITY } from './security-schemes.ts';

/**
 * Who may call a route. Every API route declares one, and the helper below enforces it before the
 * handler runs, so a route cannot forget its check:
 * - `public`: anyone (sign-in, password reset);
 * - `signed-in`: any caller (their own session, the property list, which is filtered by what they may see);
 * - `{ permission, on: 'property' }`: the property named by the `:propertyId` path parameter, resolved
 *   among the properties the caller may see (else 404, as for one that does not exist) and on which
 *   they hold the permission (else 403); the handler receives it as `req.property` and looks every
 *   other object (resident, unit, hold, run, message, audit entry) up within it;
 * - `{ permission, on: 'platform' }`: an administrator's permission not about one property.
 */
export type Access = 'public' | 'signed-in' | { permission: Permission; on: 'property' } | { permission: Permission; on: 'platform' };

/** Turns a request into its caller (session cookie or bearer token), or null when it carries neither. */
export interface Authenticator {
  /** Throws a UserError for a credential that is present but bad (expired, revoked, CSRF refused). */
  authenticate(req: FastifyRequest): Promise<Caller | null>;
}

export interface ApiRouteDeps {
  db: Db;
  auth: Authenticator;
}

type Infer<T> = T extends ZodType ? z.output<T> : undefined;

export interface ApiRouteSchema<P, Q, B> {
  summary: string;
  description?: string;
  tags: string[];
  params?: P;
  querystring?: Q;
  body?: B;
  /** Status code → schema of the body. */
  response: Record<number, ZodType>;
}

/** What the handler receives besides the typed request parts. */
export interface ApiContext<A extends Access> {
  caller: A extends 'public' ? Caller | null : Caller;
  property: A extends { on: 'property' } ? PropertySettings : undefined;
}

export interface ApiRouteDef<P, Q, B, A extends Access> {
  method: HTTPMethods;
  url: string;
  access: A;
  /** A one-time or reset password still allows this route (the password change, sign-out, who am I). */
  allowBeforePasswordChange?: boolean;
  /** Largest body in bytes, when smaller than the server's 1 MiB (413 beyond it). */
  bodyLimit?: number;
  schema: ApiRouteSchema<P, Q, B>;
  handler: (req: FastifyRequest<{ Params: Infer<P>; Querystring: Infer<Q>; Body: Infer<B> }>, reply: FastifyReply, ctx: ApiContext<A>) => Promise<unknown>;
}

/** One registered API route and its access, for the permission test and the README's matrix. */
export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
  /** A caller who must still change a one-time password may call it (else 403 password-change-required). */
  allowBeforePasswordChange: boolean;
}

const registered = new WeakMap<FastifyInstance, RouteAccess[]>();

/** The API routes registered on an app, with the access each declares. */
export function apiRoutesOf(app: FastifyInstance): readonly RouteAccess[] {
  return registered.get(app) ?? [];
}

/** Every API route goes through here: typed from its zod schemas, and checked against its access. */
export function apiRoute<
  P extends ZodType | undefined = undefined,
  Q extends ZodType | undefined = undefined,
  B extends ZodType | undefined = undefined,
  A extends Access = Access,
>(app: FastifyInstance, deps: ApiRouteDeps, def: ApiRouteDef<P, Q, B, A>): void {
  const list = registered.get(app) ?? [];
  list.push({ method: def.method as string, url: def.url, access: def.access, allowBeforePasswordChange: def.allowBeforePasswordChange ?? false });
  registered.set(app, list);
  const admitted = new WeakMap<FastifyRequest, ApiContext<A>>();
  app.withTypeProvider<ZodTypeProvider>().route({
    method: def.method,
    url: def.url,
    ...(def.bodyLimit ? { bodyLimit: def.bodyLimit } : {}),
    schema: {
      ...def.schema,
      response: { ...errorResponses(...errorsOf(def.access)), ...def.schema.response },
      ...(def.access === 'public' ? {} : { security: securityOf(def.method) }),
    } as never,
    // Before validation: a caller who may not call the route learns nothing from its validation errors.
    preValidation: async (req) => {
      admitted.set(req, await admit(deps, def, req));
    },
    handler: async (req, reply) => {
      const ctx = admitted.get(req);
      if (!ctx) throw new Error(`${def.method} ${def.url}: handler reached without the access check`);
      return def.handler(req as never, reply, ctx);
    },
  });
}

/** What any route of this access may answer besides its own (the document lists them). */
function errorsOf(access: Access): number[] {
  if (access === 'public') return [400, 500];
  if (access === 'signed-in' || access.on === 'platform') return [400, 401, 403, 500];
  return [400, 401, 403, 404, 500];
}

/** A cookie session must send its CSRF token on a request that changes something; a token is enough alone. */
function securityOf(method: HTTPMethods | HTTPMethods[]): Array<Record<string, string[]>> {
  const reads = ([method].flat() as string[]).every((m) => m === 'GET' || m === 'HEAD');
  const session: Record<string, string[]> = reads ? { [SECURITY.session]: [] } : { [SECURITY.session]: [], [SECURITY.csrf]: [] };
  return [session, { [SECURITY.bearer]: [] }];
}

async function admit<A extends Access>(deps: ApiRouteDeps, def: ApiRouteDef<unknown, unknown, unknown, A>, req: FastifyRequest): Promise<ApiContext<A>> {
  const access: Access = def.access;
  // A stale cookie or a missing CSRF header must not stand in the way of signing in again or resetting a password.
  if (access === 'public') return { caller: await deps.auth.authenticate(req).catch(() => null), property: undefined } as ApiContext<A>;
  const caller = await deps.auth.authenticate(req);
  if (!caller)
    throw new UserError('sign in first (POST /api/session), or send an API token as "Authorization: Bearer <token>"', {
      code: 'sign-in-required',
      category: 'unauthenticated',
    });
  if (caller.kind === 'user' && caller.mustChangePassword && !def.allowBeforePasswordChange) {
    throw new UserError('change your one-time password first (POST /api/session/password)', { code: 'password-change-required', category: 'forbidden' });
  }
  if (access === 'signed-in') return { caller, property: undefined } as ApiContext<A>;
  if (access.on === 'platform') {
    if (!caller.admin) throw new UserError('only a platform administrator may do this', { code: 'forbidden', category: 'forbidden' });
    return { caller, property: undefined } as ApiContext<A>;
  }
  const params = (req.params ?? {}) as { propertyId?: string };
  const query = (req.query ?? {}) as { account?: string };
  if (!params.propertyId) throw new Error(`route ${def.method} ${def.url} declares a property access but has no :propertyId`);
  // Checked here, before the lookup, so a malformed id says so (400) instead of "not found".
  const id = EntrataId.safeParse(params.propertyId);
  if (!id.success) throw new UserError(`params.propertyId: ${id.error.issues[0]!.message}`, { code: 'invalid-request', category: 'invalid' });
  const property = await resolveProperty(deps.db, caller, access.permission, params.propertyId, query.account);
  return { caller, property } as ApiContext<A>;
}
