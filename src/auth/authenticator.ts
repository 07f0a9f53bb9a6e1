import type {} from '@fastify/cookie'; // req.cookies, reply.setCookie (the plugin is registered in src/http/server.ts)
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/database.ts';
import { UserError } from '../errors/user-error.ts';
import type { Authenticator } from '../http/api-route.ts';
import type { Caller } from './caller.ts';
import { sameSecret } from './random-secrets.ts';
import { SESSION_POLICY, sessionCaller, type SessionEnd, type SessionPolicy } from './sessions.ts';
import { tokenCaller } from './tokens.ts';

/**
 * Who makes an API request: `Authorization: Bearer <token>`, else the session cookie. A request made
 * with the cookie that changes anything (POST, PUT, PATCH, DELETE) must also carry the session's CSRF
 * token in `X-CSRF-Token`: a page of another site can make the browser send the cookie, not read the
 * token. A bearer token is never sent by a browser on its own, so it needs none.
 */
export const SESSION_COOKIE = 'pebbles_session';
export const CSRF_HEADER = 'x-csrf-token';

/** Where the API is served from, as configured (config.http). */
export interface Site {
  publicUrl: string | null;
  trustedProxy: boolean;
}

export interface AuthenticatorDeps {
  db: Db;
  now(): Date;
  site: Site;
  sessionPolicy?: SessionPolicy;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const ENDED: Record<SessionEnd, string> = {
  unknown: 'your session is not known here',
  'signed-out': 'you signed out of this session',
  expired: 'your session expired',
  disabled: 'your account is disabled',
};

export function createAuthenticator(deps: AuthenticatorDeps): Authenticator {
  return {
    async authenticate(req: FastifyRequest): Promise<Caller | null> {
      const authorization = req.headers.authorization;
      if (authorization !== undefined) return bearerCaller(deps, authorization);
      const secret = sessionSecretOf(req);
      if (!secret) return null;
      const s = await sessionCaller(deps.db, secret, deps.now(), deps.sessionPolicy ?? SESSION_POLICY);
      if (typeof s === 'string') {
        throw new UserError(`${ENDED[s]}: sign in again (POST /api/session)`, {
          code: s === 'disabled' ? 'account-disabled' : 'session-ended',
          category: 'unauthenticated',
        });
      }
      if (!SAFE_METHODS.has(req.method)) {
        const sent = req.headers[CSRF_HEADER];
        if (typeof sent !== 'string' || !sameSecret(sent, s.csrfToken)) {
          throw new UserError(
            'this request changes something and was made with the session cookie: send the X-CSRF-Token header with the csrfToken answered by sign-in or GET /api/session',
            { code: 'csrf-refused', category: 'forbidden' },
          );
        }
      }
      return s.caller;
    },
  };
}

async function bearerCaller(deps: AuthenticatorDeps, authorization: string): Promise<Caller> {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!m) throw new UserError('the Authorization header must be "Bearer <token>"', { code: 'bad-authorization', category: 'unauthenticated' });
  const caller = await tokenCaller(deps.db, m[1]!, deps.now());
  if (!caller)
    throw new UserError('this API token is unknown or revoked (or its creator is disabled): ask an administrator for a new one', {
      code: 'token-invalid',
      category: 'unauthenticated',
    });
  return caller;
}

function sessionSecretOf(req: FastifyRequest): string | null {
  const value = req.cookies?.[SESSION_COOKIE];
  return value && value.length <= 200 ? value : null;
}

/** Whether the browser reached us over HTTPS: the configured public address says so, or a trusted proxy does. */
export function servedOverHttps(req: FastifyRequest, site: Site): boolean {
  if (site.publicUrl?.startsWith('https:')) return true;
  if (req.protocol === 'https') return true;
  if (!site.trustedProxy) return false;
  const proto = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(proto) ? proto[0] : proto)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}

/** The session cookie: HttpOnly (no script reads it), SameSite=Lax, Secure when served over HTTPS. */
export function setSessionCookie(reply: FastifyReply, req: FastifyRequest, site: Site, secret: string): void {
  void reply.setCookie(SESSION_COOKIE, secret, { httpOnly: true, sameSite: 'lax', path: '/', secure: servedOverHttps(req, site) });
}

export function clearSessionCookie(reply: FastifyReply, req: FastifyRequest, site: Site): void {
  void reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', path: '/', secure: servedOverHttps(req, site) });
}

/**
 * The client's address, for the sign-in throttle: the socket's, or behind a trusted proxy the one the
 * proxy appended last to X-Forwarded-For (earlier entries are whatever the client claimed).
 */
export function clientAddress(req: FastifyRequest, site: Site): string {
  if (site.trustedProxy) {
    const fwd = req.headers['x-forwarded-for'];
    const last = (Array.isArray(fwd) ? fwd.join(',') : fwd)
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .pop();
    if (last) return last.slice(0, 64);
  }
  return req.socket.remoteAddress ?? req.ip ?? 'unknown';
}
