// Lease nodes read but not yet normalised (src/entrata/lease-read.ts): what a steady-state sync compares
// instead of normalising. Its digest must change whenever the normalised leases could.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEntrataClient } from '../../src/entrata/index.ts';
import { LeaseRead } from '../../src/entrata/lease-read.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';

const fast = { sleep: async () => {}, random: () => 0 };
const digest = (r: LeaseRead, of: 'answers' | 'nodes' = 'nodes') => {
  const h = createHash('sha256');
  r.digestInto(h, of);
  return h.digest('hex');
};

describe('lease nodes read, normalised only when asked', () => {
  let sim: RunningSimulator;
  const client = () => createEntrataClient({ subdomain: 'acme', baseUrl: sim.url, credential: { kind: 'apikey', apiKey: 'demo-key' } }, fast);
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 'lease-read', properties: 1, units: 30, rateLimits: false, today: '2026-01-15' });
  });
  afterAll(() => sim.stop());

  it('normalises to exactly what readPropertySnapshot gives, and names the same ids', async () => {
    const c = client();
    const raw = await c.readPropertySnapshotNodes('100001');
    const snap = await c.readPropertySnapshot('100001');
    expect(raw.leases.normalise()).toEqual({ leases: snap.leases, quarantined: snap.quarantined });
    expect(raw.units).toEqual(snap.units);
    expect(raw.property).toEqual(snap.property);
    expect(raw.leases.ids()).toEqual(new Set(snap.leases.map((l) => l.id)));
  });

  it('ids() also names the leases normalising would quarantine (S2 must not ask for them again)', async () => {
    const raw = await client().readPropertySnapshotNodes('100001');
    const withBad = new LeaseRead([...raw.leases.nodes, { id: '999999', leaseIntervals: 'garbage' }, { id: 'x1' }, 'not a lease'], {
      statusById: new Map(),
      country: 'US',
      propertyId: '100001',
    });
    const batch = withBad.normalise();
    expect(batch.quarantined.length).toBeGreaterThanOrEqual(3);
    expect(withBad.ids()).toEqual(new Set([...batch.leases.map((l) => l.id as string), ...batch.quarantined.map((q) => q.leaseId as string)]));
  });

  it('the digest is the same for the same answer, and changes with a lease, the pick list or the country', async () => {
    const c = client();
    const first = await c.readPropertySnapshotNodes('100001');
    const again = await c.readPropertySnapshotNodes('100001');
    expect(digest(again.leases)).toBe(digest(first.leases));
    // The answers' bytes too (each read sends its own request id: the one echoed back depends only on the request).
    expect(first.leases.answers).toMatch(/^[A-Za-z0-9+/=]{44}$/);
    expect(digest(again.leases, 'answers')).toBe(digest(first.leases, 'answers'));

    const lease = sim.control.findLease({ propertyId: '100001', status: 'Current' })!;
    sim.control.giveNotice({ leaseId: lease.id, moveOutDate: '2026-05-31' });
    const changed = await c.readPropertySnapshotNodes('100001');
    expect(digest(changed.leases)).not.toBe(digest(first.leases));
    expect(digest(changed.leases, 'answers')).not.toBe(digest(first.leases, 'answers'));

    // The same nodes normalised under another context could differ: so must the digest.
    const nodes = changed.leases.nodes;
    const ctx = { statusById: new Map([['1', 'current' as const]]), country: 'US' as const, propertyId: '100001' };
    const base = digest(new LeaseRead(nodes, ctx));
    expect(digest(new LeaseRead(nodes, { ...ctx, country: 'CA' }))).not.toBe(base);
    expect(digest(new LeaseRead(nodes, { ...ctx, statusById: new Map([['1', 'notice' as const]]) }))).not.toBe(base);
    expect(digest(new LeaseRead(nodes, { ...ctx }))).toBe(base);
    // Built from nodes alone (not read over HTTP), there is no digest of answers to compare.
    expect(() => digest(new LeaseRead(nodes, ctx), 'answers')).toThrow(/not read over HTTP/);
  });

  it('normalises once, however often asked', async () => {
    const raw = await client().readPropertySnapshotNodes('100001');
    const a = raw.leases.normalise();
    expect(raw.leases.normalise()).toBe(a);
  });
});
