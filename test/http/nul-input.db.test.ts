// A NUL character (U+0000) anywhere in a request's text is a 400 naming the field, on every route:
// PostgreSQL text cannot hold one, and before this the query failed as a 500.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiBench, type ApiBench } from '../support/api-bench.ts';

let t: ApiBench;
beforeAll(async () => {
  t = await createApiBench();
}, 120_000);
afterAll(async () => t?.close());

const NUL_MESSAGE = 'must not contain a NUL character (\\u0000)';

it.each([
  ['the resident search', (a: string) => `/api/properties/${a}/residents?q=Ko%00`, 'query.q'],
  ['a unit by number', (a: string) => `/api/properties/${a}/units/1%0001`, 'path.unit'],
  ['the audit filter by actor', (a: string) => `/api/properties/${a}/audit?actor=admin%00`, 'query.actor'],
])('a NUL character in %s answers 400 naming the field', async (_what, url, field) => {
  const a = t.bench.props[0]!.entrataId;
  const r = await t.app.inject({ method: 'GET', url: url(a), headers: t.admin });
  expect(r.statusCode).toBe(400);
  expect(r.json()).toEqual({ error: 'Bad Request', code: 'invalid-request', message: `${field}: ${NUL_MESSAGE}` });
});

it('a NUL character in a JSON body answers 400 naming the field, in a list by its index, and nothing is done', async () => {
  const a = t.bench.props[0]!;
  const before = await t.app.inject({ method: 'GET', url: `/api/properties/${a.entrataId}/sync-requests`, headers: t.admin });
  const r = await t.app.inject({
    method: 'POST',
    url: `/api/properties/${a.entrataId}/sync`,
    headers: t.admin,
    payload: { units: ['101', '10\u00002'] },
  });
  expect(r.statusCode).toBe(400);
  expect(r.json().message).toBe(`body.units[1]: ${NUL_MESSAGE}`);
  const after = await t.app.inject({ method: 'GET', url: `/api/properties/${a.entrataId}/sync-requests`, headers: t.admin });
  expect(after.json()).toEqual(before.json());
});

it('signing in with a NUL character in the e-mail is a 400 on body.email, not a 500, and does not repeat the input', async () => {
  const r = await t.app.inject({ method: 'POST', url: '/api/session', payload: { email: 'admin\u0000@example.com', password: 'secret-typed' } });
  expect(r.statusCode).toBe(400);
  expect(r.json().message).toBe(`body.email: ${NUL_MESSAGE}`);
  expect(r.body).not.toContain('admin');
  expect(r.body).not.toContain('secret-typed');
});

it('text without a NUL character is untouched: the same search answers 200', async () => {
  const a = t.bench.props[0]!.entrataId;
  const r = await t.app.inject({ method: 'GET', url: `/api/properties/${a}/residents?q=1`, headers: t.admin });
  expect(r.statusCode).toBe(200);
  expect(r.json().total).toBeGreaterThan(0);
});
