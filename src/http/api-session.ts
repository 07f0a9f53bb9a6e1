import { DEFAULT_HTTP_SETTINGS } from './hardening.ts';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { auditStaff } from '../auth/audit.ts';
import { clearSessionCookie, clientAddress, setSessionCookie } from '../auth/authenticator.ts';
import { actorOf, type Caller } from '../auth/caller.ts';
import { completePasswordReset, requestPasswordReset } from '../auth/password-reset.ts';
import { checkPasswordRules, verifyPassword } from '../auth/passwords.ts';
import { csrfTokenOf, revokeAllSessions, revokeSession } from '../auth/sessions.ts';
import { signIn } from '../auth/sign-in.ts';
import { assertNotLockedOut, recordAttempt } from '../auth/throttle.ts';
import { getUser, passwordHashOf, setPassword } from '../auth/users.ts';
import { callerProperties } from '../auth/who-am-i.ts';
import { UserError } from '../errors/user-error.ts';
import { apiRoute } from './api-route.ts';
import type { HttpDeps } from './server.ts';
import { ErrorBody } from './errors.ts';

// ── schemas ──────────────────────────────────────────────────────────────────────────────────────

const Email = z.string().min(3).max(320);
const Password = z.string().min(1).max(1024);

const SignInBody = z.object({ email: Email, password: Password }).strict();
const PasswordChangeBody = z.object({ currentPassword: Password, newPassword: Password }).strict();
const ResetRequestBody = z.object({ email: Email }).strict();
const ResetCompleteBody = z.object({ token: z.string().min(10).max(200), newPassword: Password }).strict();

const Role = z.enum(['admin', 'owner', 'manager', 'employee']);
const CallerProperty = z.object({ propertyId: z.string(), account: z.string(), name: z.string(), role: Role });
const SessionUser = z.object({ userId: z.number(), email: z.string(), admin: z.boolean() });

const SignedIn = z.object({ user: SessionUser, csrfToken: z.string(), mustChangePassword: z.boolean(), expiresAt: z.string() });
const WhoAmI = z.object({
  kind: z.enum(['user', 'token']),
  user: SessionUser.optional(),
  token: z.object({ tokenId: z.number(), name: z.string(), admin: z.boolean() }).optional(),
  mustChangePassword: z.boolean(),
  /** The session's CSRF token, for X-CSRF-Token (sessions only). */
  csrfToken: z.string().optional(),
  properties: z.array(CallerProperty),
});
const Done = z.object({ message: z.string() });
const SignedOutEverywhere = z.object({ message: z.string(), sessionsEnded: z.number() });

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody };

// ── helpers ──────────────────────────────────────────────────────────────────────────────────────

function sessionOf(caller: Caller): Extract<Caller, { kind: 'user' }> {
  if (caller.kind !== 'user')
    throw new UserError('an API token has no session or password; an administrator revokes a token with DELETE /api/tokens/{tokenId}', {
      code: 'not-a-session',
      category: 'invalid',
    });
  return caller;
}

/** The public address and proxy settings (config.http): Secure cookies, client addresses, reset links. */
const siteOf = (deps: HttpDeps) => deps.http ?? DEFAULT_HTTP_SETTINGS;

/** The address reset links point at: the configured public URL, else this server's own address (never the request's Host). */
function linkBase(app: FastifyInstance, deps: HttpDeps): string {
  const site = siteOf(deps);
  if (site.publicUrl) return site.publicUrl;
  const listening = app.addresses().filter((x) => typeof x === 'object');
  const a = listening.find((x) => x.family === 'IPv4') ?? listening[0];
  if (!a) return 'http://127.0.0.1';
  // Listening on every interface names none: the link says localhost (set PEBBLES_PUBLIC_URL for others).
  const host = a.address === '0.0.0.0' || a.address === '::' ? 'localhost' : a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `http://${host}:${a.port}`;
}

// ── routes ───────────────────────────────────────────────────────────────────────────────────────

/** Sign-in, the session, sign-out (here and everywhere), password change and reset (F-19). */
export function registerSessionApi(app: FastifyInstance, deps: HttpDeps): void {
  const site = siteOf(deps);
  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/session',
    access: 'public',
    schema: {
      summary: 'Sign in with e-mail and password: sets the session cookie and answers the CSRF token',
      tags: ['session'],
      description:
        'Throttled per account and per address: after repeated failures the answer is 429 with Retry-After. Requests made with the cookie that change anything must send the answered csrfToken in the X-CSRF-Token header.',
      body: SignInBody,
      response: { 200: SignedIn, ...errors },
    },
    handler: async (req, reply) => {
      const now = deps.now();
      const s = await signIn(deps.db, { email: req.body.email, password: req.body.password, address: clientAddress(req, site), now });
      setSessionCookie(reply, req, site, s.secret);
      const { email, admin } = await whoIs(deps, s.userId);
      return {
        user: { userId: s.userId, email, admin },
        csrfToken: s.csrfToken,
        mustChangePassword: s.mustChangePassword,
        expiresAt: s.expiresAt.toISOString(),
      };
    },
  });

  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/session',
    access: 'signed-in',
    allowBeforePasswordChange: true,
    schema: {
      summary: 'Who am I: the signed-in user (or token), the properties I may see and my role on each',
      tags: ['session'],
      response: { 200: WhoAmI, ...errors },
    },
    handler: async (_req, _reply, { caller }) => {
      const properties = await callerProperties(deps.db, caller);
      if (caller.kind === 'token')
        return { kind: 'token' as const, token: { tokenId: caller.tokenId, name: caller.name, admin: caller.admin }, mustChangePassword: false, properties };
      return {
        kind: 'user' as const,
        user: { userId: caller.userId, email: caller.email, admin: caller.admin },
        mustChangePassword: caller.mustChangePassword,
        csrfToken: await csrfTokenOf(deps.db, Number(caller.sessionId)),
        properties,
      };
    },
  });

  apiRoute(app, deps, {
    method: 'DELETE',
    url: '/api/session',
    access: 'signed-in',
    allowBeforePasswordChange: true,
    schema: { summary: 'Sign out: ends this session', tags: ['session'], response: { 200: Done, ...errors } },
    handler: async (req, reply, { caller }) => {
      const user = sessionOf(caller);
      await revokeSession(deps.db, Number(user.sessionId), deps.now());
      clearSessionCookie(reply, req, site);
      return { message: 'signed out' };
    },
  });

  apiRoute(app, deps, {
    method: 'DELETE',
    url: '/api/sessions',
    access: 'signed-in',
    allowBeforePasswordChange: true,
    schema: {
      summary: 'Sign out everywhere: ends every session of the signed-in user, this one included',
      tags: ['session'],
      response: { 200: SignedOutEverywhere, ...errors },
    },
    handler: async (req, reply, { caller }) => {
      const user = sessionOf(caller);
      const n = await revokeAllSessions(deps.db, user.userId, deps.now());
      clearSessionCookie(reply, req, site);
      return { message: `signed out of ${n} session${n === 1 ? '' : 's'}`, sessionsEnded: n };
    },
  });

  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/session/password',
    access: 'signed-in',
    allowBeforePasswordChange: true,
    schema: {
      summary: 'Change my password (a one-time password must be changed before anything else)',
      tags: ['session'],
      description: `At least 12 characters, not the e-mail address. Every other session of the user ends.`,
      body: PasswordChangeBody,
      response: { 200: Done, ...errors },
    },
    handler: async (req, _reply, { caller }) => {
      const user = sessionOf(caller);
      const now = deps.now();
      const address = clientAddress(req, site);
      // A stolen session must not become a way to guess the password: the sign-in throttle counts here too.
      await assertNotLockedOut(deps.db, { email: user.email, address, now });
      const current = await passwordHashOf(deps.db, user.userId);
      if (!(await verifyPassword(current.passwordHash, req.body.currentPassword))) {
        await recordAttempt(deps.db, { email: user.email, address, now, succeeded: false });
        throw new UserError('currentPassword: not your current password', { code: 'wrong-password', category: 'invalid' });
      }
      checkPasswordRules(req.body.newPassword, user.email);
      if (req.body.newPassword === req.body.currentPassword)
        throw new UserError('newPassword: the new password must differ from the current one', { code: 'weak-password', category: 'invalid' });
      await setPassword(deps.db, { userId: user.userId, password: req.body.newPassword, oneTime: false, now, keepSession: Number(user.sessionId) });
      await auditStaff(deps.db, { actor: actorOf(user), action: 'password-change', details: { userId: user.userId }, now });
      return { message: 'password changed; your other sessions were signed out' };
    },
  });

  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/password-reset',
    access: 'public',
    schema: {
      summary: 'Ask for a password reset link by e-mail',
      tags: ['session'],
      description: 'Always answers 202, whether the address belongs to a staff user or not. The link works once, for one hour.',
      body: ResetRequestBody,
      response: { 202: Done, ...errors },
    },
    handler: async (req, reply) => {
      await requestPasswordReset(deps.db, deps.secrets, { email: req.body.email, baseUrl: linkBase(app, deps), now: deps.now() });
      return reply.status(202).send({ message: 'if this address belongs to a staff user, a reset link is on its way; it works once, for one hour' });
    },
  });

  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/password-reset/complete',
    access: 'public',
    schema: {
      summary: 'Set a new password with the token of a reset link',
      tags: ['session'],
      description: 'The token is the part after #token= in the e-mailed link. Every session of the user ends; sign in with the new password.',
      body: ResetCompleteBody,
      response: { 200: Done, ...errors },
    },
    handler: async (req) => {
      const now = deps.now();
      const { userId } = await completePasswordReset(deps.db, { token: req.body.token, newPassword: req.body.newPassword, now });
      await auditStaff(deps.db, { actor: `user:${(await whoIs(deps, userId)).email}`, action: 'password-reset', details: { userId }, now });
      return { message: 'password changed: sign in with it (POST /api/session)' };
    },
  });
}

async function whoIs(deps: HttpDeps, userId: number): Promise<{ email: string; admin: boolean }> {
  const u = await getUser(deps.db, userId);
  return { email: u.email, admin: u.admin };
}
