// The steady state of scheduled syncs (src/sync/steady.ts): a sync that finds Entrata unchanged skips
// planning only when the database proves that nothing plan() reads has changed since the last plan.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncProperty, type SyncResult } from '../../src/sync/sync-property.ts';
import { createJobBench, localTime, type JobBench } from './support.ts';

const TZ = 'America/Chicago';

describe('steady-state syncs skip planning only when nothing plan() reads has changed', () => {
  let bench: JobBench;
  let p0: number;
  let p1: number;
  const scheduled = (id: number): Promise<SyncResult> => syncProperty(bench.worker.deps, { propertyDbId: id, trigger: 'schedule', skipUnchanged: true });
  const skipped = (r: SyncResult) => r.counts.planSkipped === 1;
  /** Syncs until a sync skips planning (the first one after a change plans again once). */
  const settle = async (id: number) => {
    for (let i = 0; i < 3; i++) if (skipped(await scheduled(id))) return;
    throw new Error('never reached the steady state');
  };

  beforeAll(async () => {
    bench = await createJobBench({ start: localTime('2026-03-10 10:00', TZ), timeZone: TZ, properties: 2, units: 8 });
    [p0, p1] = bench.props.map((p) => p.id) as [number, number];
    await scheduled(p0);
    await scheduled(p1);
  }, 60_000);
  afterAll(async () => bench?.close());

  it('skips planning when Entrata, the registry and the clock say nothing changed, and changes no registry row', async () => {
    const first = await scheduled(p0); // the other property's first sync changed plan inputs: plans once more
    expect(skipped(first)).toBe(false);
    const before = await sql<{ n: string }>`select md5(string_agg(r::text, '' order by r::text)) as n from registration r`.execute(bench.db);
    const r = await scheduled(p0);
    expect(r).toMatchObject({ status: 'unchanged', actions: [], error: null });
    expect(r.counts).toMatchObject({ planSkipped: 1, leasesChanged: 0 });
    expect(r.counts.leasesRead).toBeGreaterThan(0);
    const after = await sql<{ n: string }>`select md5(string_agg(r::text, '' order by r::text)) as n from registration r`.execute(bench.db);
    expect(after.rows).toEqual(before.rows);
    const run = await bench.db.selectFrom('sync_run').select(['status', 'counts']).where('id', '=', r.runId!).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'unchanged', counts: { planSkipped: 1 } });
  });

  it('plans when a lease changed in Entrata', async () => {
    await settle(p0);
    const lease = bench.sim.control.findLease({ propertyId: bench.props[0]!.entrataId, status: 'Current' })!;
    bench.sim.control.giveNotice({ leaseId: lease.id, moveOutDate: '2026-05-31' });
    const r = await scheduled(p0);
    expect(skipped(r)).toBe(false);
    expect(r.counts.leasesChanged).toBe(1);
  });

  it('plans when a lease Entrata returned before is gone from its answer (S2)', async () => {
    await settle(p0);
    const lease = bench.sim.control.findLease({ propertyId: bench.props[0]!.entrataId, status: 'Current' })!;
    bench.sim.control.dropLease({ leaseId: lease.id });
    const r = await scheduled(p0);
    expect(skipped(r)).toBe(false);
    expect(r.counts.missing).toBeGreaterThan(0);
    bench.sim.control.restoreLease({ leaseId: lease.id });
    await scheduled(p0);
  });

  it('plans when a unit is deleted in Entrata (S5)', async () => {
    await settle(p0);
    const unit = bench.sim.control.portfolio().properties[0]!.units.at(-1)!;
    bench.sim.control.deleteUnit({ unitId: unit.id });
    const r = await scheduled(p0);
    expect(skipped(r)).toBe(false);
    expect(r.counts.unitsMissing).toBe(1);
  });

  it('plans when another property of the account changed (the U rules look across properties)', async () => {
    await settle(p0);
    await settle(p1);
    const lease = bench.sim.control.findLease({ propertyId: bench.props[1]!.entrataId, status: 'Current' })!;
    bench.sim.control.giveNotice({ leaseId: lease.id, moveOutDate: '2026-06-30' });
    expect((await scheduled(p1)).counts.leasesChanged).toBe(1);
    expect(skipped(await scheduled(p0))).toBe(false);
  });

  it('plans after a manager override, a block or a policy change', async () => {
    const lease = bench.sim.control.findLease({ propertyId: bench.props[0]!.entrataId, status: 'Current' })!;
    await settle(p0);
    await bench.db
      .insertInto('lease_override')
      .values({
        property_id: p0,
        lease_id: lease.id,
        customer_id: lease.customers[0]!.customerId,
        late_end_at: new Date('2026-12-31T00:00:00Z'),
        updated_by: 'test',
      })
      .execute();
    expect(skipped(await scheduled(p0))).toBe(false);
    await settle(p0);
    await bench.db.updateTable('property').set({ early_move_in_days: 3 }).where('id', '=', p0).execute();
    expect(skipped(await scheduled(p0))).toBe(false);
    await settle(p0);
    // The sync's own bookkeeping on the property (name, times, schedule) is not a plan input.
    await bench.db.updateTable('property').set({ name: 'Renamed', last_sync_at: new Date() }).where('id', '=', p0).execute();
    expect(skipped(await scheduled(p0))).toBe(true);
  });

  it('plans when a window opens or closes before now (W9), even if nothing else changed', async () => {
    await settle(p0);
    const p = await bench.db.selectFrom('property').select('next_transition_at').where('id', '=', p0).executeTakeFirstOrThrow();
    expect(p.next_transition_at).not.toBeNull();
    bench.clock.set(new Date(p.next_transition_at!.getTime() + 1000));
    expect(skipped(await scheduled(p0))).toBe(false);
  });

  it('proves the steady state again after the stored digest went stale (another version of the normaliser)', async () => {
    await settle(p1);
    await settle(p0);
    await bench.db.updateTable('property').set({ answers_digest: 'stale', nodes_digest: 'stale' }).where('id', '=', p0).execute();
    // Not a plan input: other properties are not disturbed.
    expect(skipped(await scheduled(p1))).toBe(true);
    const r = await scheduled(p0);
    expect(skipped(r)).toBe(false);
    expect(r.counts.leasesWritten).toBe(0);
    expect(skipped(await scheduled(p0))).toBe(true);
  });

  it("compares the parsed leases when the answers' bytes differ (a new pick list, the same data), then the bytes again", async () => {
    await settle(p0);
    await bench.db.updateTable('property').set({ answers_digest: 'other bytes' }).where('id', '=', p0).execute();
    expect(skipped(await scheduled(p0))).toBe(true);
    // Other status type ids: every lease node differs, the leases they normalise to do not.
    bench.sim.control.setStatusTypeIds({ Applicant: 21, Cancelled: 22, Future: 23, Current: 24, Notice: 25, Past: 26 });
    const r = await scheduled(p0);
    expect(skipped(r)).toBe(false);
    expect(r.counts).toMatchObject({ leasesChanged: 0, leasesWritten: 0 });
    expect(skipped(await scheduled(p0))).toBe(true);
  });

  it('is used only when asked for: a command sync always plans', async () => {
    await settle(p0);
    const r = await syncProperty(bench.worker.deps, { propertyDbId: p0, trigger: 'command' });
    expect(r.counts.planSkipped).toBeUndefined();
  });
});
