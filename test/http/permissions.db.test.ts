/// <reference types="vite/client" />
import type { HTTPMethods } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROPERTY_ROLES, roleAllows, type Role } from '../../src/auth/permissions.ts';
import { apiRoutesOf, type Access, type RouteAccess } from '../../src/http/api-route.ts';
import { residentsOf } from '../../src/registry/views.ts';
import { createApiBench, type ApiBench } from '../support/api-bench.ts';
import type { AccessCase, PropertyFixture } from './access/types.ts';

// The permission test (F-19): every API route × every kind of caller, against the matrix of
// src/auth/permissions.ts. The routes come from the app (apiRoutesOf), the way to call each from
// test/http/access/*.ts, so a route added without a case fails here.

const files = import.meta.glob<{ cases: AccessCase[] }>(['./access/*.ts', '!./access/types.ts'], { eager: true });
const cases = Object.entries(files).flatMap(([file, m]) => (m.cases ?? []).map((c) => ({ ...c, file })));

/** A caller of the test: its role, and which property it holds it on ('A', 'B', or every one for admin). */
interface Who {
  name: string;
  role: Role | null;
  on: 'A' | 'B' | 'all' | null;
}

const WHO: Who[] = [
  { name: 'administrator', role: 'admin', on: 'all' },
  ...PROPERTY_ROLES.map((role): Who => ({ name: `${role} of A`, role, on: 'A' })),
  ...PROPERTY_ROLES.map((role): Who => ({ name: `${role} of B only`, role, on: 'B' })),
  { name: 'anonymous', role: null, on: null },
];

/** What a caller must get: `allowed` is any answer but 401, 403, 404 and 500. */
type Verdict = 'allowed' | 401 | 403 | 404;

function expected(access: Access, who: Who, namesObjectOfProperty: boolean): Verdict {
  if (access === 'public') return 'allowed';
  if (who.role === null) return 401;
  const seesA = who.on === 'all' || who.on === 'A';
  if (access === 'signed-in') return namesObjectOfProperty && !seesA ? 404 : 'allowed';
  if (access.on === 'platform') return who.role === 'admin' ? 'allowed' : 403;
  if (!seesA) return 404;
  return roleAllows(who.role, access.permission) ? 'allowed' : 403;
}

function matches(verdict: Verdict, status: number): boolean {
  if (verdict === 'allowed') return ![401, 403, 404, 500].includes(status);
  return status === verdict;
}

let t: ApiBench;
let fx: PropertyFixture;
let routes: Map<string, RouteAccess>;
const headers = new Map<string, Record<string, string>>();

/** A resident of the property with an active registration and a key, and their unit. */
async function fixtureOf(p: ApiBench['bench']['props'][number]): Promise<PropertyFixture> {
  const resident = (await residentsOf(t.bench.db, p.id, p.timeZone)).find((r) => r.state === 'active' && r.hasKey && r.unit);
  if (!resident) throw new Error(`property ${p.entrataId} has no active resident with a key after its first sync`);
  return { entrataId: p.entrataId, dbId: p.id, customerId: resident.customerId, unit: resident.unit! };
}

beforeAll(async () => {
  t = await createApiBench();
  const [a, b] = t.bench.props;
  fx = await fixtureOf(a!);
  routes = new Map(apiRoutesOf(t.app).map((r) => [`${r.method} ${r.url}`, r]));
  for (const who of WHO) {
    if (who.role === null) headers.set(who.name, {});
    else if (who.role === 'admin') headers.set(who.name, t.callers.as('admin'));
    else headers.set(who.name, t.callers.as(who.role, [(who.on === 'A' ? a : b)!.id]));
  }
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
});

describe('every route answers each caller as the permission matrix says', () => {
  it.each(cases.map((c) => [c.route, c] as const))('%s', async (route, c) => {
    const registered = routes.get(route);
    expect(registered, `${c.file} has a case for ${route}, which no apiRoute registers`).toBeDefined();
    const [method] = route.split(' ') as [HTTPMethods];
    // One request per caller, all at once: each gets objects of its own from the case.
    const answers = await Promise.all(
      WHO.map(async (who) => {
        const req = await c.request(fx, t);
        const r = await t.app.inject({
          method,
          url: req.url,
          headers: headers.get(who.name)!,
          ...(req.payload === undefined ? {} : { payload: req.payload as object }),
        });
        const want = expected(registered!.access, who, c.namesObjectOfProperty ?? false);
        return { who: who.name, want, status: r.statusCode, body: r.body.slice(0, 300) };
      }),
    );
    const wrong = answers.filter((a) => !matches(a.want, a.status)).map((a) => `${a.who}: expected ${a.want}, got ${a.status} ${a.body}`);
    expect(wrong, `${route} (access ${JSON.stringify(registered!.access)})`).toEqual([]);
  });
});
