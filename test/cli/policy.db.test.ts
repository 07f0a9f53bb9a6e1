// `pebbles property policy` runs the same service as PUT /api/properties/:id/policy: one way to change F-06.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getPropertyById } from '../../src/properties/properties.ts';
import { createJobBench, type JobBench } from '../jobs/support.ts';
import { cleanEnv, runPebbles } from '../support/cli.ts';

let bench: JobBench;
let env: NodeJS.ProcessEnv;
let cwd: string;

beforeAll(async () => {
  bench = await createJobBench({ start: new Date(), timeZone: 'America/Chicago', properties: 1, units: 4 });
  await bench.step();
  env = cleanEnv({ DATABASE_URL: bench.t.url, PEBBLES_SECRET_KEY: bench.secretKeyHex, LOG_LEVEL: 'error', LOG_FORMAT: 'json', PEBBLES_STAFF: 'dana' });
  cwd = await mkdtemp(path.join(os.tmpdir(), 'pebbles-policy-'));
}, 120_000);
afterAll(async () => {
  await bench?.close();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

it('F-06: `pebbles property policy` sets the allowances, re-plans at once and records the staff member; --reset puts the defaults back; a bad value names the flag', {
  timeout: 180_000,
}, async () => {
  const p = bench.props[0]!;
  const set = await runPebbles(['property', 'policy', '--property', p.entrataId, '--early-days', '3', '--late-days', '1', '--json'], env, { cwd });
  expect(set.code, set.stderr).toBe(0);
  expect(JSON.parse(set.stdout)).toMatchObject({
    property: p.entrataId,
    earlyMoveInDays: 3,
    lateMoveOutDays: 1,
    defaults: { earlyMoveInDays: 0, lateMoveOutDays: 0 },
    replan: { status: expect.any(String) },
  });
  expect(await getPropertyById(bench.db, p.id)).toMatchObject({ earlyMoveInDays: 3, lateMoveOutDays: 1 });
  const audit = await bench.db
    .selectFrom('audit_event')
    .select(['actor', 'action', 'rule'])
    .where('action', 'in', ['change-policy', 'reset-policy'])
    .orderBy('id')
    .execute();
  expect(audit).toEqual([{ actor: 'cli:dana', action: 'change-policy', rule: 'F-06' }]);

  const bad = await runPebbles(['property', 'policy', '--property', p.entrataId, '--early-days', '400'], env, { cwd });
  expect(bad.code).toBe(1);
  expect(bad.stderr.trim()).toBe('pebbles: --early-days: a whole number from 0 to 365');

  const reset = await runPebbles(['property', 'policy', '--property', p.entrataId, '--reset'], env, { cwd });
  expect(reset.code, reset.stderr).toBe(0);
  expect(reset.stdout).toMatch(new RegExp(`^property ${p.entrataId}: 0 early day\\(s\\), 0 late day\\(s\\)`));
  expect(await getPropertyById(bench.db, p.id)).toMatchObject({ earlyMoveInDays: 0, lateMoveOutDays: 0 });
});
