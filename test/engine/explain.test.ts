// F-11: explanations a manager can read: why this resident has, or lacks, Wi-Fi.
import { describe, expect, it } from 'vitest';
import { explain } from '../../src/engine/explain.ts';
import { at, block, cid, customer, input, lease, override, property, sync, type World } from './builders.ts';

describe('explain', () => {
  const leases = [
    lease('L1', { unit: 'U1', status: 'notice', moveIn: '2025-01-10', leaseEnd: '2025-12-31', customers: [customer('C1')] }),
    lease('L2', { unit: 'U2', status: 'future', moveIn: '2025-10-01', parent: 'L1', isTransfer: true, customers: [customer('C1')] }),
    lease('L3', { unit: 'U3', customers: [customer('C3'), customer('C1', { type: 'guarantor' })] }),
    lease('L9', { unit: 'U9', status: 'past', moveIn: '2025-01-10', moveOut: '2025-12-31', customers: [customer('C9')] }),
  ];
  const w: World = { properties: [property('P1', { leases, policy: { lateMoveOutDays: 2 } })], overrides: [override('L1', 'C1', { lateEndAt: at('2026-01-10') })] };

  it('F-11: names each lease with its window and rule, the home unit and why, the registrations, blocks and what a sync would do', () => {
    const { registry } = sync(w, at('2025-09-15'));
    const withBlock = { ...registry, blocks: [block('B1', 'C1', at('2025-11-01'))] };
    const lines = explain(input({ ...w, registry: withBlock }, at('2025-10-01 08:00')), cid('C1'));
    const text = lines.join('\n');
    expect(lines[0]).toBe('FirstC1 LastC1: resident identified by Entrata customer id C1 (E3).');
    expect(text).toContain('Lease L3 (property P1): customer C1 is a guarantor: never registered, never notified (E1).');
    expect(text).toContain('Lease L1, unit U1 at property P1 (spaces U1-A): status notice.');
    expect(text).toMatch(/closes 2026-01-10 00:00 \(America\/Chicago\) \(move-out day 2025-12-31, 2 late day\(s\) allowed; O2\)/);
    expect(text).toContain('Lease L2, unit U2 at property P1 (spaces U2-A; transfer from lease L1): status future. Window opens 2025-10-01 00:00');
    expect(text).toContain('Home unit: U2 at property P1: transfer: lease L2 opened 2025-10-01 00:00 (America/Chicago) (U3).');
    expect(text).toMatch(/Registration applied-reg-1: active in unit U1/);
    expect(text).toContain('Block B1 at property P1 takes effect at 2025-11-01 00:00 (America/Chicago): "Rent is overdue" (K1).');
    expect(text).toMatch(/A sync of property P1 now would: move-home-unit \[U3, lease L2\]/);
  });

  it('F-11: a resident without access is told why, in plain words', () => {
    const lines = explain(input(w, at('2026-02-01')), cid('C9'));
    expect(lines).toContain('No home unit: no window of this resident is open at any enabled property (U6).');
    expect(lines).toContain('A sync of property P1 now changes nothing for this resident.');
    expect(lines.join('\n')).toMatch(/Lease L9, unit U9 .* status past\. .*closes 2026-01-03 00:00 \(America\/Chicago\) \(move-out day 2025-12-31, 2 late day\(s\) allowed; W4\)\. Now: closed\./);
  });
});
