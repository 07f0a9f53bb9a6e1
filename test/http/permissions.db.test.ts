/// <reference types="vite/client" />
import type { HTTPMethods } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROPERTY_ROLES, roleAllows, type Role } from '../../src/auth/permissions.ts';
import { setPassword } from '../../src/auth/users.ts';
import { apiRoutesOf, type RouteAccess } from '../../src/http/api-route.ts';
import { CSRF_HEADER } from '../../src/http/security-schemes.ts';
import { searchResidents } from '../../src/registry/resident-search.ts';
import { createApiBench, type ApiBench } from '../support/api-bench.ts';
import { signIn, staffUser } from '../auth/support.ts';
import { SESSION_PASSWORD, type AccessCase, type PropertyFixture } from './access/types.ts';

// The permission test (F-19): every API route × every kind of caller, against the matrix of
// src/auth/permissions.ts. The routes come from the app (apiRoutesOf), the way to call each from
// test/http/access/*.ts, so a route added without a case fails here.

const files = import.meta.glob<{ cases: AccessCase[] }>(['./access/*.ts', '!./access/types.ts'], { eager: true });
const cases = Object.entries(files).flatMap(([file, m]) => (m.cases ?? []).map((c) => ({ ...c, file })));

/**
 * A caller of the test: how it reaches the API (an API token, a staff user's session cookie with its
 * CSRF token, or nothing), its role, and which property it holds it on ('A', 'B', or every one).
 */
interface Who {
  name: string;
  kind: 'token' | 'session' | 'anonymous';
  role: Role | null;
  on: 'A' | 'B' | 'all' | null;
  /** A session of a user who has not yet changed their one-time password. */
  oneTimePassword?: boolean;
  /** A session whose requests carry the cookie but not the X-CSRF-Token header. */
  withoutCsrf?: boolean;
}

const ROLES: Array<Pick<Who, 'name' | 'role' | 'on'>> = [
  { name: 'administrator', role: 'admin', on: 'all' },
  ...PROPERTY_ROLES.map((role) => ({ name: `${role} of A`, role, on: 'A' as const })),
  ...PROPERTY_ROLES.map((role) => ({ name: `${role} of B only`, role, on: 'B' as const })),
];

const WHO: Who[] = [
  ...ROLES.map((r): Who => ({ ...r, name: `${r.name} (token)`, kind: 'token' })),
  ...ROLES.map((r): Who => ({ ...r, name: `${r.name} (signed in)`, kind: 'session' })),
  { name: 'anonymous', kind: 'anonymous', role: null, on: null },
  { name: 'administrator with a one-time password (signed in)', kind: 'session', role: 'admin', on: 'all', oneTimePassword: true },
  { name: 'administrator without the CSRF header (signed in)', kind: 'session', role: 'admin', on: 'all', withoutCsrf: true },
];

/**
 * What a caller must get: `allowed` is any answer but 401, 403, 404 and 500; `done` is a 2xx; else
 * that status, and that error code when one is named.
 */
type Verdict = 'allowed' | 'done' | { status: 400 | 401 | 403 | 404; code?: string };

/** Methods that change nothing: a session needs no CSRF token for them. */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

function expected(route: RouteAccess, c: AccessCase, who: Who): Verdict {
  const { access } = route;
  if (access === 'public') return 'allowed';
  if (who.kind === 'anonymous') return { status: 401, code: 'sign-in-required' };
  if (who.withoutCsrf && !READS.has(route.method)) return { status: 403, code: 'csrf-refused' };
  if (who.oneTimePassword && !route.allowBeforePasswordChange) return { status: 403, code: 'password-change-required' };
  if (c.actsOnOwnSession) return who.kind === 'token' ? { status: 400, code: 'not-a-session' } : 'done';
  const seesA = who.on === 'all' || who.on === 'A';
  if (access === 'signed-in') return c.namesObjectOfProperty && !seesA ? { status: 404 } : 'allowed';
  if (access.on === 'platform') return who.role === 'admin' ? 'allowed' : { status: 403 };
  if (!seesA) return { status: 404 };
  return roleAllows(who.role!, access.permission) ? 'allowed' : { status: 403 };
}

function matches(verdict: Verdict, status: number, code: string | undefined): boolean {
  if (verdict === 'allowed') return ![401, 403, 404, 500].includes(status);
  if (verdict === 'done') return status >= 200 && status < 300;
  return status === verdict.status && (verdict.code === undefined || code === verdict.code);
}

const show = (v: Verdict) => (typeof v === 'string' ? v : `${v.status}${v.code ? ` ${v.code}` : ''}`);

let t: ApiBench;
let fx: PropertyFixture;
let routes: Map<string, RouteAccess>;
/** The headers each caller sends: shared by every case but those that act on the caller's own session. */
const headers = new Map<string, Record<string, string>>();

/** The property database ids a caller of this role holds it on (none for an administrator). */
function propertiesOf(who: Who): number[] {
  const [a, b] = t.bench.props;
  return who.on === 'A' ? [a!.id] : who.on === 'B' ? [b!.id] : [];
}

/**
 * A new staff user of the caller's role, signed in through POST /api/session as a browser does: the
 * headers its requests carry (the cookie, and the CSRF token unless the caller leaves it out).
 */
async function signedIn(who: Who): Promise<{ userId: number; headers: Record<string, string> }> {
  const user = await staffUser(t, who.role!, propertiesOf(who), SESSION_PASSWORD);
  if (who.oneTimePassword) await setPassword(t.bench.db, { userId: user.userId, password: SESSION_PASSWORD, oneTime: true, now: t.bench.clock.now() });
  const browser = await signIn(t.app, user.email, SESSION_PASSWORD);
  expect(browser.signIn.json().mustChangePassword).toBe(who.oneTimePassword ?? false);
  return { userId: user.userId, headers: { cookie: browser.cookie, ...(who.withoutCsrf ? {} : { [CSRF_HEADER]: browser.csrf }) } };
}

async function headersOf(who: Who): Promise<Record<string, string>> {
  if (who.kind === 'anonymous') return {};
  if (who.kind === 'session') return (await signedIn(who)).headers;
  return t.callers.as(who.role!, propertiesOf(who));
}

/** A resident of the property with an active registration and a key, and their unit. */
async function fixtureOf(p: ApiBench['bench']['props'][number]): Promise<PropertyFixture> {
  const resident = (await searchResidents(t.bench.db, p, { state: 'active', offset: 0, limit: 200 })).items.find((r) => r.hasKey && r.unit);
  if (!resident) throw new Error(`property ${p.entrataId} has no active resident with a key after its first sync`);
  return { entrataId: p.entrataId, dbId: p.id, customerId: resident.customerId, unit: resident.unit! };
}

beforeAll(async () => {
  t = await createApiBench();
  fx = await fixtureOf(t.bench.props[0]!);
  routes = new Map(apiRoutesOf(t.app).map((r) => [`${r.method} ${r.url}`, r]));
  for (const who of WHO) headers.set(who.name, await headersOf(who));
}, 120_000);
afterAll(async () => t?.close());

describe('the permission test covers every route', () => {
  it('every route registered through apiRoute has exactly one case in test/http/access/', () => {
    const covered = new Map<string, string[]>();
    for (const c of cases) covered.set(c.route, [...(covered.get(c.route) ?? []), c.file]);
    const missing = [...routes.keys()].filter((r) => !covered.has(r));
    const twice = [...covered].filter(([, fs]) => fs.length > 1).map(([r, fs]) => `${r} (${fs.join(', ')})`);
    expect(missing, 'routes without a case: add one to a file in test/http/access/ (see its README.md)').toEqual([]);
    expect(twice, 'routes with more than one case').toEqual([]);
  });

  it("only the routes of one's own session may be called before a one-time password is changed", () => {
    const early = [...routes].filter(([, r]) => r.allowBeforePasswordChange).map(([k]) => k);
    expect(early.sort()).toEqual(['DELETE /api/session', 'DELETE /api/sessions', 'GET /api/session', 'POST /api/session/password']);
  });
});

describe('every route answers each caller as the permission matrix says', () => {
  it.each(cases.map((c) => [c.route, c] as const))('%s', async (route, c) => {
    const registered = routes.get(route);
    expect(registered, `${c.file} has a case for ${route}, which no apiRoute registers`).toBeDefined();
    const [method] = route.split(' ') as [HTTPMethods];
    // One request per caller, all at once: each gets objects of its own from the case. A signed-in
    // caller signs out or changes its password on a fresh session, so the shared one stays live.
    const answers = await Promise.all(
      WHO.map(async (who) => {
        const req = await c.request(fx, t);
        const own = c.actsOnOwnSession && who.kind === 'session';
        const r = await t.app.inject({
          method,
          url: req.url,
          headers: own ? await headersOf(who) : headers.get(who.name)!,
          ...(req.payload === undefined ? {} : { payload: req.payload as object }),
        });
        const want = expected(registered!, c, who);
        const code = r.statusCode >= 400 ? (r.json() as { code?: string }).code : undefined;
        return { who: who.name, want, status: r.statusCode, code, body: r.body.slice(0, 300) };
      }),
    );
    const wrong = answers.filter((a) => !matches(a.want, a.status, a.code)).map((a) => `${a.who}: expected ${show(a.want)}, got ${a.status} ${a.body}`);
    expect(wrong, `${route} (access ${JSON.stringify(registered!.access)})`).toEqual([]);
  });
});

describe("a disabled user's session", () => {
  it('stops at once: the next request answers 401 account-disabled, reading or changing', async () => {
    const manager: Who = { name: 'manager of A', kind: 'session', role: 'manager', on: 'A' };
    const { userId, headers: h } = await signedIn(manager);
    const residents = { method: 'GET' as const, url: `/api/properties/${fx.entrataId}/residents`, headers: h };
    const resend = { method: 'POST' as const, url: `/api/properties/${fx.entrataId}/residents/${fx.customerId}/resend`, headers: h, payload: {} };
    expect((await t.app.inject(residents)).statusCode).toBe(200);
    const admin = headers.get('administrator (signed in)')!;
    const disabled = await t.app.inject({ method: 'POST', url: `/api/users/${userId}/disable`, headers: admin });
    expect(disabled.statusCode, disabled.body).toBe(200);
    for (const r of [await t.app.inject(residents), await t.app.inject(resend), await t.app.inject({ method: 'GET', url: '/api/session', headers: h })]) {
      expect(r.statusCode, r.body).toBe(401);
      expect(r.json().code).toBe('account-disabled');
    }
  });
});
