// `pebbles residents`: the same list, search and filters as the console's residents page, from the command line.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchResidents } from '../../src/registry/resident-search.ts';
import { createJobBench, type JobBench } from '../jobs/support.ts';
import { cleanEnv, runPebbles } from '../support/cli.ts';

describe('pebbles residents', { timeout: 120_000 }, () => {
  let bench: JobBench;
  let env: NodeJS.ProcessEnv;
  let cwd: string;

  beforeAll(async () => {
    bench = await createJobBench({ start: new Date(), timeZone: 'America/Chicago', properties: 1, units: 12 });
    await bench.step();
    env = cleanEnv({ DATABASE_URL: bench.t.url, PEBBLES_SECRET_KEY: bench.secretKeyHex, LOG_LEVEL: 'error' });
    cwd = await mkdtemp(path.join(os.tmpdir(), 'pebbles-residents-'));
  }, 120_000);
  afterAll(async () => {
    await bench?.close();
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  const json = async (args: string[]) => {
    const r = await runPebbles(['residents', '--property', bench.props[0]!.entrataId, '--json', ...args], env, { cwd });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Array<{ customerId: string; firstName: string; lastName: string; unit: string | null; state: string; problems: string[] }>;
  };

  it('lists every resident as the API does, sorted by unit (2 before 10), and searches by name fragment and by unit number', async () => {
    const p = bench.props[0]!;
    const all = await json([]);
    const api = await searchResidents(bench.db, p, { offset: 0, limit: 200 });
    expect(all.map((r) => r.customerId)).toEqual(api.items.map((r) => r.customerId));
    expect(all.length).toBe(api.total);
    const units = all.map((r) => r.unit ?? '');
    expect(units).toEqual([...units].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })));

    const someone = all.find((r) => r.lastName.length >= 4)!;
    const byName = await json(['--q', someone.lastName.slice(0, 4).toUpperCase()]);
    expect(byName.map((r) => r.customerId)).toContain(someone.customerId);
    expect(byName.every((r) => `${r.firstName} ${r.lastName}`.toLowerCase().includes(someone.lastName.slice(0, 4).toLowerCase()))).toBe(true);

    const byUnit = await json(['--q', someone.unit!]);
    expect(byUnit.map((r) => r.customerId)).toContain(someone.customerId);
    expect(byUnit.every((r) => r.unit!.toLowerCase().startsWith(someone.unit!.toLowerCase()) || `${r.firstName} ${r.lastName}`.includes(someone.unit!))).toBe(
      true,
    );
  });

  it('filters by state; a state it does not know is refused naming the choices', async () => {
    const active = await json(['--state', 'active']);
    expect(active.length).toBeGreaterThan(0);
    expect(active.every((r) => r.state === 'active')).toBe(true);
    const bad = await runPebbles(['residents', '--property', bench.props[0]!.entrataId, '--state', 'happy'], env, { cwd });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--state.*happy.*pending, active, blocked, ended/s);
  });
});
