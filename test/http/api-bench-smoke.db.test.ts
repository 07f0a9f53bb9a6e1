import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiBench, type ApiBench } from '../support/api-bench.ts';

let t: ApiBench;
beforeAll(async () => {
  t = await createApiBench();
}, 120_000);
afterAll(async () => t?.close());

it('a manager of property A sees its runs; of property B only, A answers 404; anonymous 401', async () => {
  const [a, b] = t.bench.props;
  const url = `/api/properties/${a!.entrataId}/runs`;
  const ok = await t.app.inject({ method: 'GET', url, headers: t.callers.as('manager', [a!.id]) });
  expect(ok.statusCode).toBe(200);
  expect(ok.json().runs.length).toBeGreaterThan(0);
  expect((await t.app.inject({ method: 'GET', url, headers: t.callers.as('manager', [b!.id]) })).statusCode).toBe(404);
  expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(401);
});
