// Texts for staff name places as staff know them: the unit number and building, the bedroom label and the
// property's name (as `pebbles residents` shows them), never Entrata's ids; --json and the audit details keep the ids.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainResident } from '../../src/operations/explain.ts';
import type { SimUnit } from '../../src/simulator/index.ts';
import { createHarness, residentId, type Harness } from './harness.ts';

const run = promisify(execFile);

describe('words staff recognise (sync list, audit, explain)', () => {
  let h: Harness;
  let dataDir: string;
  /** What staff call a unit of the simulator: its number, building name and bedroom labels. */
  let unit: SimUnit;
  let building: string;
  let propertyName: string;
  let otherUnit: SimUnit;
  let otherBuilding: string;
  let otherName: string;
  let customerId: string;
  let leaseId: string;

  beforeAll(async () => {
    h = await createHarness({ start: '2025-08-01 10:00', properties: 2, units: 12 });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'pebbles-words-'));
    const portfolio = h.sim.control.portfolio();
    const names = (i: number) => {
      const sim = portfolio.propertyById.get(h.props[i]!.entrataId)!;
      const u = h.units(h.props[i]!).find((x) => x.spaces.length >= 2)!;
      return { u, b: sim.buildings.find((b) => b.id === u.buildingId)!.name, name: sim.name };
    };
    ({ u: unit, b: building, name: propertyName } = names(0));
    ({ u: otherUnit, b: otherBuilding, name: otherName } = names(1));
    // First syncs (nothing leased yet), so a later move-in is welcomed (N1) and both properties' units are stored.
    for (const p of h.props) await h.sync(p);
    const added = h.sim.control.addLease({ spaceIds: [unit.spaces[0]!.id], moveInDate: '2025-08-01', endDate: '2026-07-31' });
    leaseId = added.createdLeaseIds[0]!;
    customerId = added.customerIds[0]!;
    // The same person has a lease ahead at the other property (same Entrata account).
    h.sim.control.addLease({ spaceIds: [otherUnit.spaces[1]!.id], customers: [{ customerId }], moveInDate: '2026-08-01', endDate: '2027-07-31' });
    await h.sync(h.props[1]!);
  }, 120_000);
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
    await h?.close();
  });

  const pebbles = (...args: string[]) =>
    run(process.execPath, ['bin/pebbles.js', ...args], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: h.t.url,
        PEBBLES_SECRET_KEY: h.secretKeyHex,
        PEBBLES_DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
      },
    });

  it('F-10: `sync --dry-run` lists actions with the unit number, building, bedroom label and property name; N1: the welcome is queued', async () => {
    const p = h.props[0]!;
    const { stdout } = await pebbles('sync', '--property', p.entrataId, '--account', h.accountName, '--dry-run', '--at', h.now().toISOString());
    expect(stdout).toContain(`plan for property ${p.entrataId} (${propertyName}):`);
    const place = `unit ${unit.number} (building ${building})`;
    expect(stdout).toContain(
      `register customer ${customerId}, ${place}: access starts in ${place}, bedroom ${unit.spaces[0]!.label}: lease ${leaseId} window opened`,
    );
    expect(stdout).toContain(`notify customer ${customerId}, ${place}: welcome with network and key queued (N1)`);
    expect(stdout).not.toMatch(/\bsent\b/);
    // Neither the unit's nor the bedroom's Entrata id is how the text names them.
    expect(stdout).not.toContain(unit.id);
    expect(stdout).not.toContain(unit.spaces[0]!.id);
  });

  it('F-10: `sync --dry-run --json` still carries the Entrata ids', async () => {
    const p = h.props[0]!;
    const { stdout } = await pebbles('sync', '--property', p.entrataId, '--account', h.accountName, '--dry-run', '--at', h.now().toISOString(), '--json');
    const json = JSON.parse(stdout) as { property: string; actions: Array<Record<string, unknown>> };
    expect(json.property).toBe(p.entrataId);
    expect(json.actions).toContainEqual(
      expect.objectContaining({ kind: 'register', rule: 'W2', customerId, leaseId, unit: unit.id, unitId: unit.id, spaceIds: [unit.spaces[0]!.id] }),
    );
    expect(json.actions).toContainEqual(
      expect.objectContaining({ kind: 'notify', rule: 'N1', customerId, unit: unit.id, reason: 'welcome with network and key queued (N1)' }),
    );
    expect(json).not.toHaveProperty('names');
  });

  it('S6: the audit text names the place; its details keep the ids', async () => {
    const p = h.props[0]!;
    const r = await h.sync(p);
    expect(r.status).toBe('applied');
    const rows = await h.db
      .selectFrom('audit_event')
      .select(['action', 'rule', 'lease_id', 'details'])
      .where('resident_id', '=', (await residentId(h.db, customerId))!)
      .where('property_id', '=', p.id)
      .orderBy('id')
      .execute();
    const register = rows.find((x) => x.action === 'register')!;
    expect(register.lease_id).toBe(leaseId);
    expect(register.details).toMatchObject({
      unitId: unit.id,
      spaceIds: [unit.spaces[0]!.id],
      reason: expect.stringContaining(`access starts in unit ${unit.number} (building ${building}), bedroom ${unit.spaces[0]!.label}: lease ${leaseId}`),
    });
    expect((register.details as { reason: string }).reason).not.toContain(unit.id);
    expect(rows.find((x) => x.action === 'notify')!.details).toMatchObject({ unitId: unit.id, reason: 'welcome with network and key queued (N1)' });
  });

  it('F-11: explain names units, buildings, bedrooms and properties (the other property too), and shows the named audit text', async () => {
    const text = (await explainResident(h.deps, customerId, h.props[0]!.id)).join('\n');
    expect(text).toContain(`Lease ${leaseId}, unit ${unit.number} (building ${building}), bedroom ${unit.spaces[0]!.label}, ${propertyName}: status current.`);
    expect(text).toMatch(
      new RegExp(`, unit ${otherUnit.number} \\(building ${otherBuilding}\\), bedroom ${otherUnit.spaces[1]!.label}, ${otherName}: status future\\.`),
    );
    expect(text).toContain(`Home unit: unit ${unit.number} (building ${building}), ${propertyName}:`);
    expect(text).toContain(`active in unit ${unit.number} (building ${building}), bedroom ${unit.spaces[0]!.label}, ${propertyName} (leases ${leaseId})`);
    expect(text).toMatch(new RegExp(`register \\[W2\\] lease ${leaseId} by sync run \\d+: access starts in unit ${unit.number} \\(building ${building}\\)`));
    expect(text).toContain('notify [N1]');
    // The pre-registration was recorded by the other property's sync: the history says where.
    expect(text).toMatch(
      new RegExp(
        `register \\[W2\\] lease \\d+ at ${otherName} by sync run \\d+: pre-registered in unit ${otherUnit.number} \\(building ${otherBuilding}\\), bedroom ${otherUnit.spaces[1]!.label}:`,
      ),
    );
    expect(text).not.toMatch(new RegExp(`\\b(${unit.id}|${otherUnit.id}|${unit.spaces[0]!.id})\\b`));
    expect(text).not.toMatch(/at property \d/);
  });
});
