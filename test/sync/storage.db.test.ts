// The sync at the storage and apply layer: what a full sync writes (and does not write) in
// resident, registration, psk, lease_mirror, audit_event, outbox and network_key, against a real
// PostgreSQL and the Entrata simulator over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseChannels } from '../../src/notifications/channels.ts';
import { approveHold, rejectHold, rotateKey } from '../../src/operations/operations.ts';
import { testSeam } from '../../src/sync/test-seam.ts';
import {
  addLease,
  at,
  audit,
  corruptLease,
  count,
  createHarness,
  currentKey,
  keys,
  liveRegistrations,
  networkKeys,
  outbox,
  registrations,
  REGISTRY_TABLES,
  runs,
  tableContents,
  type Harness,
} from './harness.ts';

const STAFF = 'maria.manager@example.com';

describe('S1: running the same sync twice changes nothing', () => {
  let h: Harness;
  beforeAll(async () => {
    // A realistic portfolio: generated leases in every status, transfers, roommates, Entrata's JSON quirks.
    h = await createHarness({ start: '2025-09-10 10:00', generatedLeases: true, units: 30, seed: 's1-portfolio' });
  });
  afterAll(async () => h?.close());

  it('S1: a second sync of each property at the same moment changes zero rows of the registry tables', async () => {
    for (const p of h.props) expect((await h.sync(p)).status).toBe('applied');
    const before = await tableContents(h.db);
    // The first syncs did real work: otherwise comparing would prove nothing.
    expect(before.registration!.length).toBeGreaterThan(20);
    expect(before.psk!.length).toBeGreaterThan(10);
    expect(before.lease_mirror!.length).toBeGreaterThan(20);
    expect(before.audit_event!.length).toBeGreaterThan(before.registration!.length);
    expect(before.network_key!.length).toBe(await count(h.db, 'registration', "state = 'active'"));

    for (const p of h.props) {
      const r = await h.sync(p);
      expect(r.status).toBe('unchanged');
      expect(r.actions).toEqual([]);
      expect(r.counts.leasesWritten).toBe(0);
    }
    const after = await tableContents(h.db);
    for (const table of REGISTRY_TABLES) expect.soft(after[table], table).toEqual(before[table]);
    const allRuns = [...(await runs(h.db, h.props[0]!.id)), ...(await runs(h.db, h.props[1]!.id))];
    expect(allRuns.map((r) => r.status).sort()).toEqual(['applied', 'applied', 'unchanged', 'unchanged']);
  });

  it('S1: a re-plan from the mirror (no Entrata read) at the same moment changes nothing either', async () => {
    const before = await tableContents(h.db);
    for (const p of h.props) expect((await h.sync(p, { fromMirror: true, trigger: 'transition' })).actions).toEqual([]);
    expect(await tableContents(h.db)).toEqual(before);
  });
});

describe('S4: Entrata failures and malformed leases never change access', () => {
  let h: Harness;
  let p1: Harness['props'][number];
  let A: { leaseId: string; customerIds: string[] };
  let B: { leaseId: string; customerIds: string[] };
  let C: { leaseId: string; customerIds: string[] };

  beforeAll(async () => {
    h = await createHarness({ start: '2025-09-10 10:00', properties: 1, units: 8, entrataTimeoutMs: 400 });
    p1 = h.props[0]!;
    const u = h.units(p1);
    A = addLease(h, u[0]!, { moveIn: '2025-08-15', end: '2026-07-31' });
    B = addLease(h, u[1]!, { moveIn: '2025-08-15', end: '2026-07-31', people: 2 });
    C = addLease(h, u[2]!, { moveIn: '2025-09-20', end: '2026-07-31' });
    expect((await h.sync(p1)).status).toBe('applied');
  });
  afterAll(async () => {
    h.intercept = null;
    await h?.close();
  });

  it('S4: starting point: A and B are active with keys, C is pre-registered', async () => {
    for (const c of [...A.customerIds, ...B.customerIds]) {
      expect((await liveRegistrations(h.db, c)).map((r) => r.state)).toEqual(['active']);
      expect(await currentKey(h, c, p1.id)).not.toBeNull();
    }
    expect((await liveRegistrations(h.db, C.customerIds[0]!)).map((r) => r.state)).toEqual(['pending']);
  });

  it("S4/S2: an empty or short getLeases answer ends nobody's access (asked by id, the leases come back)", async () => {
    const before = await tableContents(h.db);
    for (const kind of ['emptyLeases', 'shortPage'] as const) {
      h.sim.control.injectFault({ method: 'getLeases', kind, times: 1 });
      const r = await h.sync(p1);
      expect(r.status, kind).toBe('unchanged');
      expect(await tableContents(h.db), kind).toEqual(before);
    }
  });

  it('S4/S2: Entrata answering no leases at all, even by id, is not a move-out: access is kept and the leases show as missing', async () => {
    const before = await tableContents(h.db, ['registration', 'psk', 'outbox', 'network_key', 'resident']);
    h.sim.control.injectFault({ method: 'getLeases', kind: 'emptyLeases', times: 'always' });
    const r = await h.sync(p1);
    h.sim.control.clearFaults();
    expect(r.status).toBe('applied');
    expect(r.actions).toEqual([]);
    expect(
      r.warnings
        .filter((w) => w.code === 'missing-in-entrata')
        .map((w) => w.leaseId)
        .sort(),
    ).toEqual([A.leaseId, B.leaseId, C.leaseId].sort());
    expect(await tableContents(h.db, ['registration', 'psk', 'outbox', 'network_key', 'resident'])).toEqual(before);
    const mirror = await h.db.selectFrom('lease_mirror').select(['lease_id', 'missing_since']).orderBy('lease_id').execute();
    expect(mirror.every((m) => m.missing_since?.getTime() === h.now().getTime())).toBe(true);
    // Entrata answers again: the leases are no longer missing, and still nothing else changes.
    const back = await h.sync(p1);
    expect(back.warnings.filter((w) => w.code === 'missing-in-entrata')).toEqual([]);
    expect((await h.db.selectFrom('lease_mirror').select('missing_since').execute()).every((m) => m.missing_since === null)).toBe(true);
    expect(await tableContents(h.db, ['registration', 'psk', 'outbox', 'network_key', 'resident'])).toEqual(before);
  });

  // Changes in Entrata that a successful sync would apply: A moved out yesterday (Past, asked for by
  // id), C cancelled, an empty unit deleted. While Entrata fails, none of them may show.
  const FAULTS = [
    { kind: 'http500', method: 'getLeases', error: 'transient', failure: true },
    { kind: 'http503', method: 'getLeases', error: 'transient', failure: true },
    { kind: 'timeout', method: 'getLeases', error: 'transient', failure: true },
    { kind: 'http429', method: 'getLeases', error: 'rate-limited', failure: true },
    { kind: 'error420', method: 'getLeases', error: 'not-permitted', failure: false },
    { kind: 'error301', method: 'getLeases', error: 'not-permitted', failure: false },
    { kind: 'malformedJson', method: 'getLeases', error: 'malformed', failure: true },
    { kind: 'truncatedBody', method: 'getLeases', error: 'malformed', failure: true },
    { kind: 'http500', method: 'getPropertyUnits', error: 'transient', failure: true },
    { kind: 'truncatedBody', method: 'getLeasePickList', error: 'malformed', failure: true },
  ] as const;

  describe('S4: each Entrata failure leaves registrations, keys and outbox untouched and is recorded on the run and the property', () => {
    let snapshot: Record<string, string[]>;
    beforeAll(async () => {
      h.sim.control.giveNotice({ leaseId: A.leaseId, moveOutDate: '2025-09-09' });
      h.sim.control.cancelLease({ leaseId: C.leaseId });
      h.sim.control.deleteUnit({ unitId: h.units(p1)[7]!.id });
      snapshot = await tableContents(h.db);
    });

    it.each(FAULTS.map((f, i) => ({ ...f, n: i + 1 })))('S4: $kind on $method → $error; access unchanged', async ({ kind, method, error, failure, n }) => {
      // The client's pick list is kept for an hour; make it read again so a pick-list fault bites.
      if (method === 'getLeasePickList') h.resetClients();
      h.sim.control.injectFault({ method, kind, times: 'always' });
      try {
        const r = await h.sync(p1);
        expect(r.status).toBe('failed');
        expect(r.error).toMatchObject({ kind: error, entrataFailure: failure });
        expect(r.actions).toEqual([]);
        const run = (await runs(h.db, p1.id)).at(-1)!;
        expect(run).toMatchObject({ id: r.runId, status: 'failed', error: expect.objectContaining({ kind: error }) });
        expect(run.finished_at).toEqual(h.now());
        const prop = await h.db
          .selectFrom('property')
          .select(['last_error', 'consecutive_failures', 'last_sync_at'])
          .where('id', '=', p1.id)
          .executeTakeFirstOrThrow();
        expect(prop.consecutive_failures).toBe(n);
        expect(prop.last_error).toMatchObject({ kind: error, at: h.now().toISOString() });
        expect(await tableContents(h.db)).toEqual(snapshot);
      } finally {
        h.sim.control.clearFaults();
      }
    });

    it('S4/S2: a failure of the by-id read (the leases that did not come back) fails the sync; nothing is marked missing or ended', async () => {
      h.intercept = async (req, res) =>
        req.method === 'getLeases' && req.params.leaseIds ? new Response('<html>502 Bad Gateway</html>', { status: 502 }) : res;
      try {
        const r = await h.sync(p1);
        expect(r).toMatchObject({ status: 'failed', error: { kind: 'transient' } });
        expect(await tableContents(h.db)).toEqual(snapshot);
      } finally {
        h.intercept = null;
      }
    });

    it('S4: once Entrata answers, the next sync applies the waiting changes and clears the failure', async () => {
      const r = await h.sync(p1);
      expect(r.status).toBe('applied');
      const [a] = await registrations(h.db, A.customerIds[0]!);
      expect(a).toMatchObject({ state: 'ended', rule: 'W4', ended_at: at('2025-09-10') });
      expect(await currentKey(h, A.customerIds[0]!, p1.id)).toBeNull();
      const [c] = await registrations(h.db, C.customerIds[0]!);
      expect(c).toMatchObject({ state: 'ended', rule: 'W5' });
      expect(await outbox(h.db, C.customerIds[0]!)).toEqual([]);
      const unit = await h.db.selectFrom('unit').selectAll().where('entrata_id', '=', h.units(p1)[7]!.id).executeTakeFirstOrThrow();
      expect(unit.missing_since).toEqual(h.now());
      const prop = await h.db
        .selectFrom('property')
        .select(['last_error', 'consecutive_failures', 'last_success_at'])
        .where('id', '=', p1.id)
        .executeTakeFirstOrThrow();
      expect(prop).toEqual({ last_error: null, consecutive_failures: 0, last_success_at: h.now() });
      for (const b of B.customerIds) expect((await liveRegistrations(h.db, b)).map((x) => x.state)).toEqual(['active']);
    });
  });

  describe('S4: a lease that cannot be understood is quarantined; its last good version stays in effect', () => {
    it('S4: a malformed version of a known lease changes nothing; the mirror keeps the good version and the run lists it', async () => {
      h.setClock('2025-09-11 10:00');
      // Last good version: notice with move-out on 09-14, so access ends at the end of that day.
      h.sim.control.giveNotice({ leaseId: B.leaseId, moveOutDate: '2025-09-14' });
      await h.sync(p1);
      const endsAt = at('2025-09-15');
      for (const b of B.customerIds) expect((await liveRegistrations(h.db, b))[0]).toMatchObject({ state: 'active', access_end: endsAt });
      const goodVersion = (await h.db.selectFrom('lease_mirror').select('data').where('lease_id', '=', B.leaseId).executeTakeFirstOrThrow()).data;

      // Entrata then sends B with a move-in date nobody can read, and a later move-out.
      h.sim.control.giveNotice({ leaseId: B.leaseId, moveOutDate: '2025-10-31' });
      h.intercept = corruptLease(B.leaseId, (node) => (node.moveInDate = '31/31/2025'));
      const before = await tableContents(h.db, ['registration', 'psk', 'outbox', 'network_key', 'audit_event', 'resident']);
      h.setClock('2025-09-12 10:00');
      const r = await h.sync(p1);
      expect(r.counts.quarantined).toBe(1);
      expect(r.warnings).toContainEqual(expect.objectContaining({ code: 'quarantined', rule: 'S4', leaseId: B.leaseId }));
      expect(await tableContents(h.db, ['registration', 'psk', 'outbox', 'network_key', 'audit_event', 'resident'])).toEqual(before);
      const m = await h.db.selectFrom('lease_mirror').selectAll().where('lease_id', '=', B.leaseId).executeTakeFirstOrThrow();
      expect(m.data).toEqual(goodVersion);
      expect(m.quarantine_reason).toMatch(/moveInDate/);
      // The same quarantined answer again: nothing at all changes (S1 holds for quarantined leases too).
      const again = await tableContents(h.db);
      await h.sync(p1);
      expect(await tableContents(h.db)).toEqual(again);
    });

    it('S4/W9: time still moves a quarantined lease: its last good move-out day ends access', async () => {
      h.setClock('2025-09-15 09:00');
      const r = await h.sync(p1);
      expect(r.counts.quarantined).toBe(1);
      for (const b of B.customerIds) {
        const [reg] = await registrations(h.db, b);
        expect(reg).toMatchObject({ state: 'ended', ended_at: at('2025-09-15') });
        expect(await currentKey(h, b, p1.id)).toBeNull();
        expect(await networkKeys(h.db, b)).toEqual([]);
      }
      const ends = (await audit(h.db, B.customerIds[0]!)).filter((e) => e.action === 'end');
      expect(ends).toEqual([expect.objectContaining({ lease_id: B.leaseId, run_id: r.runId, rule: expect.stringMatching(/^W[34]$/) })]);
      h.intercept = null;
    });

    it('S4: a lease first seen malformed registers nobody and is listed on the run', async () => {
      const D = addLease(h, h.units(p1)[3]!, { moveIn: '2025-09-01', end: '2026-07-31' });
      h.intercept = corruptLease(D.leaseId, (node) => delete node.customers);
      try {
        const r = await h.sync(p1);
        expect(r.warnings).toContainEqual(expect.objectContaining({ code: 'quarantined', leaseId: D.leaseId }));
        expect(await h.db.selectFrom('resident').select('id').where('customer_id', '=', D.customerIds[0]!).execute()).toEqual([]);
        const run = (await runs(h.db, p1.id)).at(-1)!;
        expect(run.error).toEqual({ quarantined: [expect.objectContaining({ leaseId: D.leaseId, reason: expect.stringMatching(/customer/) })] });
        expect(await h.db.selectFrom('lease_mirror').select('lease_id').where('lease_id', '=', D.leaseId).execute()).toEqual([]);
      } finally {
        h.intercept = null;
      }
      // Fixed in Entrata: the resident moves in with the next sync.
      await h.sync(p1);
      expect((await liveRegistrations(h.db, D.customerIds[0]!)).map((r) => r.state)).toEqual(['active']);
    });
  });
});

describe('P3: keys are secrets', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ start: '2025-09-01 10:00', properties: 2, units: 10 });
  });
  afterAll(async () => h?.close());

  it('P3/P1: keys are stored encrypted, decrypt with the secret box, are unique per property by fingerprint, and appear in no audit, outbox, run or log line', async () => {
    const [p1, p2] = h.props as [Harness['props'][number], Harness['props'][number]];
    const people: string[] = [];
    for (const [i, u] of h.units(p1).slice(0, 6).entries())
      people.push(...addLease(h, u, { moveIn: '2025-08-20', end: '2026-07-31', people: 1 + (i % 2) }).customerIds);
    for (const u of h.units(p2).slice(0, 3)) people.push(...addLease(h, u, { moveIn: '2025-08-20', end: '2026-07-31' }).customerIds);
    await h.sync(p1);
    await h.sync(p2);
    await rotateKey(h.deps, { propertyDbId: p1.id, customerId: people[0]!, staff: STAFF });

    const rows = await h.db.selectFrom('psk').selectAll().orderBy('id').execute();
    expect(rows.length).toBe(people.length + 1);
    const plain = rows.map((r) => h.secrets.decrypt(r.secret_encrypted));
    for (const [i, r] of rows.entries()) {
      const psk = plain[i]!;
      expect(psk).toMatch(/^[\x21-\x7e]{8,63}$/);
      expect(psk).not.toMatch(/[\\;,:"]/);
      expect(r.secret_encrypted).not.toContain(psk);
      expect(r.secret_encrypted.startsWith('v1.')).toBe(true);
      expect(r.fingerprint).toBe(h.secrets.fingerprint(psk, `property:${r.property_id}`));
    }
    expect(new Set(plain).size).toBe(plain.length);
    for (const p of [p1, p2]) {
      const fps = rows.filter((r) => r.property_id === p.id).map((r) => r.fingerprint);
      expect(new Set(fps).size).toBe(fps.length);
    }
    // The database refuses a second key with the same fingerprint at a property.
    const first = rows[0]!;
    await expect(
      h.db
        .insertInto('psk')
        .values({
          resident_id: rows[1]!.resident_id,
          property_id: first.property_id,
          secret_encrypted: h.secrets.encrypt(plain[0]!),
          fingerprint: first.fingerprint,
          current: false,
        })
        .execute(),
    ).rejects.toMatchObject({ code: '23505' });

    const texts: Array<[string, string]> = [];
    for (const a of await h.db.selectFrom('audit_event').selectAll().execute()) texts.push([`audit ${a.id}`, JSON.stringify(a)]);
    for (const o of await h.db.selectFrom('outbox').selectAll().execute()) texts.push([`outbox ${o.id}`, JSON.stringify(o)]);
    for (const r of await h.db.selectFrom('sync_run').selectAll().execute()) texts.push([`run ${r.id}`, JSON.stringify(r)]);
    texts.push(['log', h.logs.text()]);
    expect(h.logs.lines.length).toBeGreaterThan(5);
    expect(texts.filter(([, t]) => t.includes('Pebbles-1')).length).toBeGreaterThan(0);
    for (const psk of plain) for (const [where, t] of texts) expect(t.includes(psk), `key found in ${where}`).toBe(false);
  });
});

describe('N: notifications are written with the change that causes them', () => {
  let h: Harness;
  let p1: Harness['props'][number];
  let p2: Harness['props'][number];
  beforeAll(async () => {
    h = await createHarness({ start: '2025-08-01 10:00', properties: 2, units: 10 });
    [p1, p2] = h.props as [typeof p1, typeof p2];
    // First syncs of empty properties: later move-ins are ordinary ones (N1, not N6).
    await h.sync(p1);
    await h.sync(p2);
  });
  afterAll(async () => {
    testSeam.beforeCommit = null;
    await h?.close();
  });

  it('N1/N4: a move-in creates exactly one welcome row, committed in the same transaction as the registration, key and audit', async () => {
    const L = addLease(h, h.units(p1)[0]!, { moveIn: '2025-08-15', end: '2026-07-31', guarantor: true });
    const [c, guarantor] = L.customerIds as [string, string];
    await h.sync(p1);
    expect((await liveRegistrations(h.db, c)).map((r) => r.state)).toEqual(['pending']);
    expect(await outbox(h.db, c)).toEqual([]);

    h.setClock('2025-08-15 08:00');
    let seenInside: unknown = null;
    testSeam.beforeCommit = async (runId) => {
      // Another connection, while the sync's transaction has written everything but not committed.
      seenInside = {
        runId,
        states: (await registrations(h.db, c)).map((r) => r.state),
        outbox: (await outbox(h.db, c)).length,
        keys: (await keys(h, c)).length,
        audit: await count(h.db, 'audit_event', `run_id = ${runId}`),
        network: await count(h.db, 'network_key'),
      };
    };
    const r = await h.sync(p1);
    testSeam.beforeCommit = null;
    expect(seenInside).toEqual({ runId: r.runId, states: ['pending'], outbox: 0, keys: 0, audit: 0, network: 0 });

    const rows = await outbox(h.db, c);
    expect(rows).toEqual([
      expect.objectContaining({
        kind: 'welcome',
        rule: 'N1',
        run_id: r.runId,
        created_by: 'sync',
        state: 'queued',
        property_id: p1.id,
        created_at: h.now(),
        not_before: h.now(),
        payload: { ssid: 'Pebbles-1', unitId: h.units(p1)[0]!.id, leaseId: L.leaseId },
      }),
    ]);
    expect((await registrations(h.db, c))[0]).toMatchObject({ state: 'active', access_start: h.now(), rule: 'W2' });
    const ev = (await audit(h.db, c)).filter((e) => e.run_id === r.runId).map((e) => [e.action, e.rule, e.lease_id]);
    expect(ev).toEqual([
      ['activate', 'W2', L.leaseId],
      ['issue-key', 'P1', L.leaseId],
      ['notify', 'N1', L.leaseId],
    ]);
    // E1: the guarantor is neither registered nor notified.
    expect(await registrations(h.db, guarantor)).toEqual([]);
    expect(await count(h.db, 'outbox')).toBe(1);
    // And a later sync does not send it again.
    await h.sync(p1);
    h.setClock('2025-08-15 12:00');
    await h.sync(p1);
    expect((await outbox(h.db, c)).length).toBe(1);
  });

  it('N2/P2/U3: a transfer to another property issues a new key there and one new-key row; the old key is revoked when the old window closes', async () => {
    const L = addLease(h, h.units(p1)[1]!, { moveIn: '2025-08-10', end: '2026-07-31' });
    const c = L.customerIds[0]!;
    await h.sync(p1);
    const oldKey = (await currentKey(h, c, p1.id))!;
    expect(oldKey).not.toBeNull();
    const welcome = await outbox(h.db, c);
    expect(welcome.map((o) => o.kind)).toEqual(['welcome']);

    const t = h.sim.control.transfer({ leaseId: L.leaseId, toUnitId: h.units(p2)[0]!.id, moveInDate: '2025-09-01' });
    const newLease = t.createdLeaseIds[0]!;
    await h.sync(p1);
    await h.sync(p2);
    expect(await keys(h, c, p2.id)).toEqual([]);

    h.setClock('2025-09-01 09:00');
    const r2 = await h.sync(p2);
    const r1 = await h.sync(p1);
    expect(r1.actions.filter((a) => 'customerId' in a && a.customerId === c)).toEqual([]);
    const newKey = (await currentKey(h, c, p2.id))!;
    expect(newKey).toMatchObject({ rule: 'P2', current: true });
    expect(newKey.psk).not.toBe(oldKey.psk);
    expect((await outbox(h.db, c, p2.id)).map((o) => [o.kind, o.rule, o.run_id, (o.payload as { leaseId: string }).leaseId])).toEqual([
      ['new-key', 'N2', r2.runId, newLease],
    ]);
    // U3: registered at both during the overlap, each with that property's key.
    expect((await liveRegistrations(h.db, c)).map((r) => [r.property_id, r.state])).toEqual([
      [p1.id, 'active'],
      [p2.id, 'active'],
    ]);
    expect((await networkKeys(h.db, c)).map((n) => [n.property_id, n.psk_id])).toEqual([
      [p1.id, oldKey.id],
      [p2.id, newKey.id],
    ]);

    h.setClock('2025-09-02 09:00');
    await h.sync(p1);
    await h.sync(p2);
    expect((await liveRegistrations(h.db, c)).map((r) => r.property_id)).toEqual([p2.id]);
    expect((await keys(h, c, p1.id)).map((k) => [k.current, k.revoked_at])).toEqual([[false, h.now()]]);
    expect((await networkKeys(h.db, c)).map((n) => n.property_id)).toEqual([p2.id]);
    expect((await outbox(h.db, c)).length).toBe(2);
  });

  it('N2/P4: a rotation makes a new key current, takes the old one off the network and queues one new-key row', async () => {
    const L = addLease(h, h.units(p1)[2]!, { moveIn: '2025-08-10', end: '2026-07-31' });
    const c = L.customerIds[0]!;
    await h.sync(p1);
    const old = (await currentKey(h, c, p1.id))!;
    const before = (await outbox(h.db, c)).length;
    await rotateKey(h.deps, { propertyDbId: p1.id, customerId: c, staff: STAFF });
    const ks = await keys(h, c, p1.id);
    expect(ks.map((k) => [k.id, k.current, k.revoked_at])).toEqual([
      [old.id, false, h.now()],
      [ks[1]!.id, true, null],
    ]);
    expect(ks[1]!.psk).not.toBe(old.psk);
    expect((await networkKeys(h.db, c)).map((n) => n.psk_id)).toEqual([ks[1]!.id]);
    const rows = await outbox(h.db, c);
    expect(rows.length).toBe(before + 1);
    expect(rows.at(-1)).toMatchObject({ kind: 'new-key', created_by: STAFF });
    expect((await audit(h.db, c)).at(-1)).toMatchObject({ action: 'rotate-key', rule: 'P4', actor: STAFF });
    // A sync afterwards keeps the new key.
    await h.sync(p1);
    expect((await currentKey(h, c, p1.id))!.id).toBe(ks[1]!.id);
  });

  it('N5/W5: a cancelled future lease withdraws the pre-registration quietly; a sync with no change writes no outbox row', async () => {
    const L = addLease(h, h.units(p1)[3]!, { moveIn: '2025-10-01', end: '2026-07-31', people: 2 });
    await h.sync(p1);
    for (const c of L.customerIds) expect((await liveRegistrations(h.db, c)).map((r) => r.state)).toEqual(['pending']);
    h.sim.control.cancelLease({ leaseId: L.leaseId });
    const outboxBefore = await count(h.db, 'outbox');
    const r = await h.sync(p1);
    for (const c of L.customerIds) {
      const [reg] = await registrations(h.db, c);
      expect(reg).toMatchObject({ state: 'ended', rule: 'W5', ended_at: h.now() });
      expect(await outbox(h.db, c)).toEqual([]);
      expect(await keys(h, c)).toEqual([]);
      expect((await audit(h.db, c)).filter((e) => e.run_id === r.runId).map((e) => [e.action, e.rule, e.lease_id])).toEqual([['withdraw', 'W5', L.leaseId]]);
    }
    expect(await count(h.db, 'outbox')).toBe(outboxBefore);
    const quiet = await h.sync(p1);
    expect(quiet.status).toBe('unchanged');
    expect(await count(h.db, 'outbox')).toBe(outboxBefore);
  });
});

describe('N6: the first sync of a newly enabled property', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ start: '2025-09-01 10:00', properties: 2, units: 8, propertySettings: [{ firstWelcome: false }, { firstWelcome: true }] });
  });
  afterAll(async () => h?.close());

  it('N6: with firstWelcome off it issues keys to current residents but writes no welcome; with it on, one welcome per active resident', async () => {
    const [quiet, loud] = h.props as [Harness['props'][number], Harness['props'][number]];
    const lease = (p: typeof quiet, i: number, moveIn: string, people = 1) => addLease(h, h.units(p)[i]!, { moveIn, end: '2026-07-31', people });
    const quietActive = [...lease(quiet, 0, '2025-08-15', 2).customerIds, ...lease(quiet, 1, '2025-08-20').customerIds];
    const quietLater = lease(quiet, 2, '2025-09-15').customerIds;
    const loudActive = [...lease(loud, 0, '2025-08-15', 2).customerIds, ...lease(loud, 1, '2025-08-20').customerIds];
    const loudLater = lease(loud, 2, '2025-09-15').customerIds;

    const rq = await h.sync(quiet);
    const rl = await h.sync(loud);
    for (const c of quietActive) {
      expect((await liveRegistrations(h.db, c)).map((r) => r.state)).toEqual(['active']);
      expect(await currentKey(h, c, quiet.id)).toMatchObject({ rule: 'P1' });
      expect(await outbox(h.db, c)).toEqual([]);
    }
    expect(await count(h.db, 'outbox', `property_id = ${quiet.id}`)).toBe(0);
    for (const c of loudActive) {
      expect(await currentKey(h, c, loud.id)).toMatchObject({ rule: 'P1' });
      expect((await outbox(h.db, c)).map((o) => [o.kind, o.rule, o.run_id])).toEqual([['welcome', 'N6', rl.runId]]);
    }
    for (const c of [...quietLater, ...loudLater]) {
      expect((await liveRegistrations(h.db, c)).map((r) => r.state)).toEqual(['pending']);
      expect(await outbox(h.db, c)).toEqual([]);
    }
    expect(await count(h.db, 'outbox', `property_id = ${loud.id}`)).toBe(loudActive.length);
    expect(rq.runId).not.toBeNull();
    expect((await h.property(quiet)).firstSyncedAt).toEqual(h.now());

    // Later move-ins are not first welcomes: they are sent at both properties (N1).
    h.setClock('2025-09-15 09:00');
    await h.sync(quiet);
    await h.sync(loud);
    for (const c of [...quietLater, ...loudLater]) expect((await outbox(h.db, c)).map((o) => [o.kind, o.rule])).toEqual([['welcome', 'N1']]);
  });
});

describe('S3: unexpected mass endings are held', () => {
  const harnesses: Harness[] = [];
  afterAll(async () => {
    for (const h of harnesses) await h.close();
  });
  /** A property with 10 active residents, one per unit. */
  async function tenPeople() {
    const h = await createHarness({ start: '2025-09-01 10:00', properties: 1, units: 12 });
    harnesses.push(h);
    const p1 = h.props[0]!;
    const tenants = h
      .units(p1)
      .slice(0, 10)
      .map((u) => addLease(h, u, { moveIn: '2025-08-15', end: '2026-07-31' }));
    await h.sync(p1);
    const state = () => tableContents(h.db, ['registration', 'psk', 'network_key', 'outbox']);
    return { h, p1, tenants, state };
  }

  it('S3: 5 of 10 active residents flipped to Past without a move-out date are held; access is unchanged; a later glitch adds to the same hold; rejectHold leaves access as it is', async () => {
    const { h, p1, tenants, state } = await tenPeople();
    const before = await state();
    h.sim.control.moveOut({ leaseIds: tenants.slice(0, 5).map((t) => t.leaseId), moveOutDate: null });
    const r = await h.sync(p1);
    expect(r.held).toMatchObject({ endings: 5 });
    expect(await state()).toEqual(before);
    const [hold] = await h.db.selectFrom('hold').selectAll().execute();
    expect(hold).toMatchObject({ id: r.held!.holdId, state: 'open', opened_by_run: r.runId });
    expect((hold!.endings as Array<{ customerId: string }>).map((e) => e.customerId).sort()).toEqual(
      tenants
        .slice(0, 5)
        .map((t) => t.customerIds[0])
        .sort(),
    );
    expect((await runs(h.db, p1.id)).at(-1)).toMatchObject({ hold_id: hold!.id });

    // Syncing again changes nothing; one more unexpected ending joins the open hold.
    await h.sync(p1);
    expect(await state()).toEqual(before);
    h.sim.control.moveOut({ leaseIds: [tenants[5]!.leaseId], moveOutDate: null });
    const r3 = await h.sync(p1);
    expect(r3.held).toMatchObject({ holdId: hold!.id, endings: 1 });
    expect(await count(h.db, 'hold')).toBe(1);
    expect(((await h.db.selectFrom('hold').select('endings').executeTakeFirstOrThrow()).endings as unknown[]).length).toBe(6);
    expect(await state()).toEqual(before);

    const keysAndNetwork = () => tableContents(h.db, ['psk', 'network_key', 'outbox']);
    const kn = await keysAndNetwork();
    await rejectHold(h.deps, hold!.id, STAFF);
    expect(await h.db.selectFrom('hold').select(['state', 'decided_by', 'decided_at']).executeTakeFirstOrThrow()).toEqual({
      state: 'rejected',
      decided_by: STAFF,
      decided_at: h.now(),
    });
    expect(await h.db.selectFrom('audit_event').select(['actor', 'action', 'rule']).where('action', '=', 'reject-hold').execute()).toEqual([
      { actor: STAFF, action: 'reject-hold', rule: 'S3' },
    ]);
    expect(await keysAndNetwork()).toEqual(kn);
    for (const t of tenants.slice(0, 6)) {
      const c = t.customerIds[0]!;
      // Kept to the end of the lease term as last known (07-31), as a late move-out date by the staff member.
      expect((await liveRegistrations(h.db, c))[0]).toMatchObject({ state: 'active', access_end: at('2026-08-01') });
      expect((await audit(h.db, c)).filter((e) => e.actor === STAFF).map((e) => [e.action, e.rule])).toEqual([['set-window', 'O2']]);
    }
    // Rejected means not applied: the next syncs, with Entrata still saying the same, keep their access
    // (to the end of their lease term as last known, when a late move-out date ends it as usual).
    for (const when of ['2025-09-01 11:00', '2025-09-02 11:00']) {
      h.setClock(when);
      await h.sync(p1);
      for (const t of tenants.slice(0, 6)) {
        expect(
          (await liveRegistrations(h.db, t.customerIds[0]!)).map((x) => x.state),
          `lease ${t.leaseId}`,
        ).toEqual(['active']);
      }
      expect(await keysAndNetwork()).toEqual(kn);
    }
    expect(await count(h.db, 'hold', "state = 'open'")).toBe(0);
    h.setClock('2026-08-01 00:30');
    const end = await h.sync(p1, { fromMirror: true, trigger: 'transition' });
    expect(end.held).toBeNull();
    // Once the term's last day has passed, W4 itself closes a Past lease without a move-out date at the end
    // of that day (plus late days, none here): the same instant as the rejection's late date.
    for (const t of tenants.slice(0, 6))
      expect((await registrations(h.db, t.customerIds[0]!))[0]).toMatchObject({ state: 'ended', rule: 'W4', ended_at: at('2026-08-01') });
  });

  it("S3: approveHold re-plans against the newest data and ends the held residents' access, with no message; the others keep theirs", async () => {
    const { h, p1, tenants, state } = await tenPeople();
    const before = await state();
    const gone = tenants.slice(0, 6);
    h.sim.control.moveOut({ leaseIds: gone.map((t) => t.leaseId), moveOutDate: null });
    const r = await h.sync(p1);
    expect(r.held).toMatchObject({ endings: 6 });
    expect(await state()).toEqual(before);
    const outboxBefore = await count(h.db, 'outbox');
    h.setClock('2025-09-01 12:00');
    const res = await approveHold(h.deps, r.held!.holdId, STAFF);
    expect(res.status).toBe('applied');
    for (const t of gone) {
      const c = t.customerIds[0]!;
      expect(await liveRegistrations(h.db, c)).toEqual([]);
      expect((await registrations(h.db, c))[0]).toMatchObject({ state: 'ended', rule: 'W4' });
      expect(await currentKey(h, c, p1.id)).toBeNull();
      expect(await networkKeys(h.db, c)).toEqual([]);
      expect((await audit(h.db, c)).filter((e) => e.action === 'end').map((e) => [e.actor, e.run_id])).toEqual([[STAFF, res.runId]]);
    }
    for (const t of tenants.slice(6)) expect((await liveRegistrations(h.db, t.customerIds[0]!)).map((x) => x.state)).toEqual(['active']);
    expect(await count(h.db, 'outbox')).toBe(outboxBefore);
    expect(await h.db.selectFrom('hold').select(['state', 'decided_by']).where('id', '=', r.held!.holdId).executeTakeFirstOrThrow()).toEqual({
      state: 'approved',
      decided_by: STAFF,
    });
    expect(await h.db.selectFrom('audit_event').select(['actor', 'rule']).where('action', '=', 'approve-hold').execute()).toEqual([
      { actor: STAFF, rule: 'S3' },
    ]);
  });
});

describe('W4/O2: a lease whose move-out Entrata omits', () => {
  let h: Harness;
  afterAll(async () => {
    if (h) h.intercept = null;
    await h?.close();
  });

  // Entrata leaves moveOutDate out when it equals the lease end (the simulator's quirk does the same for
  // some leases). W3 reads the end of the current interval for a Notice lease; the same lease turned Past
  // must keep that day, and the property's late move-out allowance (O2), instead of ending at once.
  it('W4/O2: a Past lease without a move-out date keeps its last day and the late move-out allowance', async () => {
    h = await createHarness({ start: '2025-09-20 10:00', properties: 1, units: 4, property: { lateMoveOutDays: 3 } });
    const p1 = h.props[0]!;
    const L = addLease(h, h.units(p1)[0]!, { moveIn: '2025-03-01', end: '2025-09-30' });
    const c = L.customerIds[0]!;
    h.sim.control.giveNotice({ leaseId: L.leaseId, moveOutDate: '2025-09-30' });
    h.intercept = corruptLease(L.leaseId, (node) => {
      delete node.moveOutDate;
      const list = (node.customers as { customer: unknown }).customer;
      for (const cust of (Array.isArray(list) ? list : [list]) as Array<Record<string, unknown>>) delete cust.moveOutDate;
    });
    await h.sync(p1);
    // Notice without a move-out date: the interval's end day, plus three days (W3, O2).
    expect((await liveRegistrations(h.db, c))[0]).toMatchObject({ state: 'active', access_end: at('2025-10-04') });

    h.setClock('2025-10-01 09:00');
    const r = await h.sync(p1);
    expect(h.sim.control.statusOf(L.leaseId)).toBe('Past');
    expect(
      r.actions.filter((a) => a.kind === 'end'),
      'no ending before the allowance is over',
    ).toEqual([]);
    expect((await liveRegistrations(h.db, c))[0]).toMatchObject({ state: 'active', access_end: at('2025-10-04') });

    h.setClock('2025-10-04 00:30');
    await h.sync(p1);
    expect((await registrations(h.db, c))[0]).toMatchObject({ state: 'ended', ended_at: at('2025-10-04') });
  });
});

describe('B1/E2: what a registration covers and who is registered', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ start: '2025-09-01 10:00', properties: 1, units: 16, seed: 'spaces' });
  });
  afterAll(async () => h?.close());

  it('B1: two spaces of one unit on two leases make one registration with one key; when one lease ends the registration keeps the other space', async () => {
    const p1 = h.props[0]!;
    const u = h.units(p1).find((x) => x.spaces.length >= 2)!;
    expect(u).toBeDefined();
    const first = h.sim.control.addLease({
      spaceIds: [u.spaces[0]!.id],
      customers: [{ firstName: 'Bea', lastName: 'Twobeds', email: 'bea@example.com' }],
      moveInDate: '2025-08-15',
      endDate: '2026-07-31',
    });
    const c = first.customerIds[0]!;
    const second = h.sim.control.addLease({ spaceIds: [u.spaces[1]!.id], customers: [{ customerId: c }], moveInDate: '2025-08-20', endDate: '2026-07-31' });
    const r = await h.sync(p1);
    const regs = await liveRegistrations(h.db, c);
    expect(regs).toEqual([
      expect.objectContaining({
        state: 'active',
        unit_entrata_id: u.id,
        space_ids: [u.spaces[0]!.id, u.spaces[1]!.id].sort(),
        lease_ids: [first.createdLeaseIds[0], second.createdLeaseIds[0]].sort(),
      }),
    ]);
    expect(await keys(h, c)).toHaveLength(1);
    expect((await outbox(h.db, c)).map((o) => [o.kind, o.run_id])).toEqual([['welcome', r.runId]]);

    h.sim.control.giveNotice({ leaseId: second.createdLeaseIds[0]!, moveOutDate: '2025-09-05' });
    h.setClock('2025-09-06 09:00');
    const r2 = await h.sync(p1);
    expect(await liveRegistrations(h.db, c)).toEqual([
      expect.objectContaining({ id: regs[0]!.id, state: 'active', space_ids: [u.spaces[0]!.id], lease_ids: [first.createdLeaseIds[0]] }),
    ]);
    expect((await audit(h.db, c)).filter((e) => e.run_id === r2.runId).map((e) => [e.action, e.rule])).toEqual([['set-leases', 'B1']]);
    expect(await keys(h, c)).toHaveLength(1);
    expect((await outbox(h.db, c)).length).toBe(1);
  });

  it('E2: a resident with no e-mail and no mobile is registered and gets a key; the welcome is queued (it has no channel when it falls due) and the problem is shown', async () => {
    const p1 = h.props[0]!;
    const u = h.units(p1).find((x) => x.spaces.length === 1)!;
    const L = h.sim.control.addLease({
      unitId: u.id,
      customers: [{ firstName: 'Nora', lastName: 'Nocontact' }],
      moveInDate: '2025-09-01',
      endDate: '2026-07-31',
    });
    const c = L.customerIds[0]!;
    const r = await h.sync(p1);
    expect((await liveRegistrations(h.db, c)).map((x) => x.state)).toEqual(['active']);
    expect(await currentKey(h, c, p1.id)).not.toBeNull();
    const resident = await h.db.selectFrom('resident').selectAll().where('customer_id', '=', c).executeTakeFirstOrThrow();
    expect(resident).toMatchObject({ email: null, mobile: null, contact_problems: ['no-email', 'no-mobile'] });
    expect(await outbox(h.db, c)).toEqual([expect.objectContaining({ kind: 'welcome', state: 'queued' })]);
    expect(chooseChannels('welcome', resident, { smsEnabled: true, smsCountries: ['US', 'CA'] }).map((x) => x.verdict)).toEqual(['skip', 'skip']);
    expect(r.warnings).toContainEqual(expect.objectContaining({ code: 'no-contact', rule: 'E2', customerId: c }));
  });
});
