import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { QUEUES } from '../../src/jobs/queues.ts';
import type { JobOutcome } from '../../src/jobs/sync-jobs.ts';
import { createJobBench, localTime, type JobBench } from './support.ts';

const CHICAGO = 'America/Chicago';
const MIN = 60_000;

let bench: JobBench | null = null;
afterEach(async () => {
  await bench?.close();
  bench = null;
});

async function registrationOf(db: Db, customerId: string) {
  return db
    .selectFrom('registration as r')
    .innerJoin('resident as p', 'p.id', 'r.resident_id')
    .select(['r.state', 'r.access_start', 'r.access_end', 'r.ended_at', 'p.id as resident_id'])
    .where('p.customer_id', '=', customerId)
    .orderBy('r.id', 'desc')
    .executeTakeFirst();
}

async function welcomes(db: Db, residentId: number) {
  return db.selectFrom('outbox').select(['kind', 'created_by']).where('resident_id', '=', residentId).where('kind', '=', 'welcome').execute();
}

/** A new person leasing a unit of the bench's first property from `moveIn` (and out on `moveOut`). */
function scriptLease(b: JobBench, unitIndex: number, moveIn: string, moveOut?: string) {
  const unit = b.sim.control.portfolio().properties[0]!.units[unitIndex]!;
  const r = b.sim.control.addLease({
    unitId: unit.id,
    moveInDate: moveIn,
    customers: [{ firstName: 'Ada', lastName: `Unit${unitIndex}`, email: `ada${unitIndex}@example.com` }],
  });
  if (moveOut) b.sim.control.giveNotice({ leaseId: r.leaseIds[0]!, moveOutDate: moveOut });
  return { leaseId: r.leaseIds[0]!, customerId: r.customerIds[0]! };
}

describe('dispatcher (explicit clock)', () => {
  it('enqueues the syncs that are due, once, and not the others', async () => {
    const start = localTime('2026-03-06 10:00', CHICAGO);
    bench = await createJobBench({ start, timeZone: CHICAGO, properties: 3, units: 4 });
    const [p0, p1, p2] = bench.props.map((p) => p.id) as [number, number, number];
    await bench.db.updateTable('property').set({ sync_interval_minutes: 60 }).where('id', '=', p1).execute();
    await bench.db
      .updateTable('property')
      .set({ next_sync_at: new Date(start.getTime() + 45 * MIN) })
      .where('id', '=', p2)
      .execute();

    const first = await bench.tick();
    expect(first.syncs.sort()).toEqual([p0, p1].sort());
    expect(first.waiting).toEqual([]);
    // A second tick before they ran enqueues nothing more (one queued job per property).
    expect((await bench.tick()).syncs).toEqual([]);
    const ran = await bench.drain();
    expect(ran.map((j) => j.queue)).toEqual([QUEUES.sync, QUEUES.sync]);
    expect(ran.every((j) => (j.out as JobOutcome).outcome === 'ran')).toBe(true);

    bench.clock.advance(10 * MIN);
    expect((await bench.step()).report.syncs).toEqual([]);
    bench.clock.set(new Date(start.getTime() + 31 * MIN));
    expect((await bench.step()).report.syncs).toEqual([p0]);
    bench.clock.set(new Date(start.getTime() + 46 * MIN));
    expect((await bench.step()).report.syncs).toEqual([p2]);
    bench.clock.set(new Date(start.getTime() + 60.5 * MIN));
    expect((await bench.step()).report.syncs).toEqual([p1]);

    // Every run was a scheduled one, and nothing was stretched (this Entrata sends no rate limits).
    const runs = await bench.db.selectFrom('sync_run').select(['property_id', 'trigger', 'status']).execute();
    expect(runs.length).toBe(5);
    expect(runs.every((r) => r.trigger === 'schedule' && r.status !== 'failed')).toBe(true);
    const notes = await bench.db.selectFrom('property').select(['budget_note', 'effective_interval_minutes']).execute();
    expect(notes.every((n) => n.budget_note === null && n.effective_interval_minutes === null)).toBe(true);
  });

  it('a scheduled job finds the property synced meanwhile and skips it', async () => {
    const start = localTime('2026-03-06 10:00', CHICAGO);
    bench = await createJobBench({ start, timeZone: CHICAGO, properties: 1, units: 4 });
    expect((await bench.tick()).syncs).toEqual([bench.props[0]!.id]);
    // A sync-now (or `pebbles sync`) gets there first.
    await bench.boss.send(QUEUES.syncNow, { propertyId: bench.props[0]!.id, scopes: [{ kind: 'property' }], staff: null, requestedAt: start.toISOString() });
    const jobs = await bench.drain();
    expect(jobs.map((j) => [j.queue, (j.out as { outcome?: string }).outcome ?? 'ran'])).toEqual([
      [QUEUES.syncNow, 'ran'],
      [QUEUES.sync, 'skipped'],
    ]);
    expect((jobs[1]!.out as JobOutcome & { reason: string }).reason).toBe('not-due');
  });

  it('applies a move-in at 00:00 local at the first tick after it, from the last snapshot', async () => {
    const start = localTime('2026-03-06 10:00', CHICAGO);
    // A daily sync: nothing but time can open the window at midnight.
    bench = await createJobBench({ start, timeZone: CHICAGO, properties: 1, units: 4, generatedLeases: false, property: { syncIntervalMinutes: 1440 } });
    const here = scriptLease(bench, 0, '2026-02-01');
    const coming = scriptLease(bench, 1, '2026-03-07');
    await bench.step();
    expect((await registrationOf(bench.db, here.customerId))?.state).toBe('active');
    expect((await registrationOf(bench.db, coming.customerId))?.state).toBe('pending');
    const p = await bench.db.selectFrom('property').select('next_transition_at').executeTakeFirstOrThrow();
    expect(p.next_transition_at?.toISOString()).toBe(localTime('2026-03-07', CHICAGO).toISOString());
    const callsBefore = bench.sim.control.summary().calls;

    bench.clock.set(localTime('2026-03-06 23:59:30', CHICAGO));
    const before = await bench.step();
    expect(before.report.transitions).toEqual([]);
    expect((await registrationOf(bench.db, coming.customerId))?.state).toBe('pending');

    bench.clock.set(localTime('2026-03-07 00:00:15', CHICAGO));
    const after = await bench.step();
    expect(after.report.transitions).toEqual([bench.props[0]!.id]);
    const reg = await registrationOf(bench.db, coming.customerId);
    expect(reg?.state).toBe('active');
    // Applied within a minute of its moment (W9).
    const lag = reg!.access_start!.getTime() - localTime('2026-03-07', CHICAGO).getTime();
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(60_000);
    expect((await welcomes(bench.db, reg!.resident_id)).length).toBe(1);
    // W9: time alone did it, without asking Entrata.
    expect(bench.sim.control.summary().calls).toEqual(callsBefore);
    const run = await bench.db.selectFrom('sync_run').select(['trigger', 'status']).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(run).toEqual({ trigger: 'transition', status: 'applied' });
  });

  it('follows daylight-saving days in the property zone (23-hour and 25-hour days)', async () => {
    // Spring forward: 2026-03-08 has 23 hours in Chicago (00:00 CST = 06:00Z, 24:00 CDT = 05:00Z next day).
    const start = localTime('2026-03-07 12:00', CHICAGO);
    bench = await createJobBench({ start, timeZone: CHICAGO, properties: 1, units: 4, generatedLeases: false });
    const movingIn = scriptLease(bench, 0, '2026-03-08');
    const movingOut = scriptLease(bench, 1, '2026-01-10', '2026-03-08');
    await bench.step();
    expect((await registrationOf(bench.db, movingIn.customerId))?.state).toBe('pending');
    expect((await registrationOf(bench.db, movingOut.customerId))?.state).toBe('active');

    bench.clock.set(new Date('2026-03-08T05:59:45Z'));
    await bench.step();
    expect((await registrationOf(bench.db, movingIn.customerId))?.state).toBe('pending');
    bench.clock.set(new Date('2026-03-08T06:00:15Z'));
    expect((await bench.step()).report.transitions.length).toBe(1);
    expect((await registrationOf(bench.db, movingIn.customerId))?.state).toBe('active');

    // The move-out day ends at local midnight, 23 hours after it began: 05:00Z, not 06:00Z.
    bench.clock.set(new Date('2026-03-09T04:59:45Z'));
    await bench.step();
    expect((await registrationOf(bench.db, movingOut.customerId))?.state).toBe('active');
    bench.clock.set(new Date('2026-03-09T05:00:15Z'));
    expect((await bench.step()).report.transitions.length).toBe(1);
    const ended = await registrationOf(bench.db, movingOut.customerId);
    expect(ended?.state).toBe('ended');
    expect(ended?.ended_at?.toISOString()).toBe('2026-03-09T05:00:00.000Z');
  });

  it('ends a move-out on the 25-hour fall-back day at local midnight', async () => {
    // Fall back: 2026-11-01 has 25 hours in Chicago (00:00 CDT = 05:00Z, 24:00 CST = 06:00Z next day).
    const start = localTime('2026-10-31 12:00', CHICAGO);
    bench = await createJobBench({ start, timeZone: CHICAGO, properties: 1, units: 4, generatedLeases: false });
    const movingOut = scriptLease(bench, 0, '2026-08-01', '2026-11-01');
    await bench.step();
    bench.clock.set(new Date('2026-11-02T05:00:15Z'));
    await bench.step();
    expect((await registrationOf(bench.db, movingOut.customerId))?.state).toBe('active');
    bench.clock.set(new Date('2026-11-02T06:00:15Z'));
    expect((await bench.step()).report.transitions.length).toBe(1);
    expect((await registrationOf(bench.db, movingOut.customerId))?.ended_at?.toISOString()).toBe('2026-11-02T06:00:00.000Z');
  });

  it('an Entrata failure changes no access, is recorded on the property and backs its schedule off (S4)', async () => {
    const start = localTime('2026-03-06 10:00', CHICAGO);
    bench = await createJobBench({ start, timeZone: CHICAGO, properties: 1, units: 6 });
    const id = bench.props[0]!.id;
    await bench.step();
    const access = async () => await bench!.db.selectFrom('registration').select(['id', 'state']).orderBy('id').execute();
    const before = await access();
    expect(before.some((r) => r.state === 'active')).toBe(true);

    bench.sim.control.injectFault({ method: 'getLeases', kind: 'http500', times: 1000 });
    const gaps: number[] = [];
    let t = start.getTime() + 30 * MIN;
    for (let i = 0; i < 4; i++) {
      bench.clock.set(new Date(t));
      const { report } = await bench.step();
      expect(report.syncs).toEqual([id]);
      const p = await bench.db.selectFrom('property').select(['consecutive_failures', 'last_error', 'next_sync_at']).executeTakeFirstOrThrow();
      expect(p.consecutive_failures).toBe(i + 1);
      expect(p.last_error).toMatchObject({ kind: 'transient' });
      gaps.push((p.next_sync_at!.getTime() - t) / MIN);
      // Not due again before its back-off.
      bench.clock.set(new Date(p.next_sync_at!.getTime() - 1000));
      expect((await bench.tick()).syncs).toEqual([]);
      t = p.next_sync_at!.getTime();
    }
    expect(gaps).toEqual([1, 2, 4, 8]);
    expect(await access()).toEqual(before);
    const { statusReport } = await import('../../src/jobs/status.ts');
    const status = await statusReport(bench.db, { now: bench.clock.now(), rateLimitShare: 0.8, budgetReserve: 0.1 });
    expect(status.properties[0]).toMatchObject({ failing: true, consecutiveFailures: 4 });

    // Entrata recovers: the next sync succeeds and the schedule returns to its interval.
    bench.sim.control.clearFaults();
    bench.clock.set(new Date(t));
    await bench.step();
    const p = await bench.db.selectFrom('property').select(['consecutive_failures', 'last_error', 'next_sync_at']).executeTakeFirstOrThrow();
    expect(p).toMatchObject({ consecutive_failures: 0, last_error: null });
    expect(p.next_sync_at!.getTime() - t).toBe(30 * MIN);
  });
});
