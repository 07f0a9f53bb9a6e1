// F-11: explanations a manager can read: why this resident has, or lacks, Wi-Fi.
import { describe, expect, it } from 'vitest';
import { explain } from '../../src/engine/explain.ts';
import { asSpaceId, type SnapshotLease } from '../../src/engine/snapshot.ts';
import { plan } from '../../src/engine/plan.ts';
import { at, block, cid, customer, input, lease, override, property, sync, syncAll, uid, type World } from './builders.ts';

describe('explain', () => {
  const leases = [
    lease('L1', { unit: 'U1', status: 'notice', moveIn: '2025-01-10', leaseEnd: '2025-12-31', customers: [customer('C1')] }),
    lease('L2', { unit: 'U2', status: 'future', moveIn: '2025-10-01', parent: 'L1', isTransfer: true, customers: [customer('C1')] }),
    lease('L3', { unit: 'U3', customers: [customer('C3'), customer('C1', { type: 'guarantor' })] }),
    lease('L9', { unit: 'U9', status: 'past', moveIn: '2025-01-10', moveOut: '2025-12-31', customers: [customer('C9')] }),
  ];
  const w: World = {
    properties: [property('P1', { leases, policy: { lateMoveOutDays: 2 } })],
    overrides: [override('L1', 'C1', { lateEndAt: at('2026-01-10') })],
  };

  it('F-11: names each lease with its window and rule, the home unit and why, the registrations, blocks and what a sync would do', () => {
    const { registry } = sync(w, at('2025-09-15'));
    const withBlock = { ...registry, blocks: [block('B1', 'C1', at('2025-11-01'))] };
    const lines = explain(input({ ...w, registry: withBlock }, at('2025-10-01 08:00')), cid('C1'));
    const text = lines.join('\n');
    expect(lines[0]).toBe('FirstC1 LastC1: resident identified by Entrata customer id C1 (E3).');
    expect(text).toContain('Lease L3 (unit U3, Property P1): customer C1 is a guarantor: never registered, never notified (E1).');
    expect(text).toContain('Lease L1, unit U1, bedroom U1-A, Property P1: status notice.');
    expect(text).toMatch(/closes 2026-01-10 00:00 \(America\/Chicago\) \(move-out day 2025-12-31, 2 late day\(s\) allowed; O2\)/);
    expect(text).toContain('Lease L2, unit U2, bedroom U2-A, Property P1 (transfer from lease L1): status future. Window opens 2025-10-01 00:00');
    expect(text).toContain('Home unit: unit U2, Property P1: transfer: lease L2 opened 2025-10-01 00:00 (America/Chicago) (U3).');
    expect(text).toMatch(/Registration applied-reg-1: active in unit U1, bedroom U1-A, Property P1 \(leases L1\)/);
    expect(text).toContain('Block B1 at Property P1 takes effect at 2025-11-01 00:00 (America/Chicago): "Rent is overdue" (K1).');
    expect(text).toContain('A sync of Property P1 now would: move-home-unit [U3, lease L2]: moves from unit U1, bedroom U1-A to unit U2, bedroom U2-A:');
  });

  it('F-11: a resident without access is told why, in plain words', () => {
    const lines = explain(input(w, at('2026-02-01')), cid('C9'));
    expect(lines).toContain('No home unit: no window of this resident is open at any enabled property (U6).');
    expect(lines).toContain('A sync of Property P1 now changes nothing for this resident.');
    expect(lines.join('\n')).toMatch(
      /Lease L9, unit U9, bedroom U9-A, Property P1: status past\. .*closes 2026-01-03 00:00 \(America\/Chicago\) \(move-out day 2025-12-31, 2 late day\(s\) allowed; W4\)\. Now: closed\./,
    );
  });

  describe('words staff recognise: unit number, building, bedroom label and property name, not Entrata ids', () => {
    const units = [
      {
        id: uid('4100001'),
        number: '101',
        building: '1',
        spaces: [
          { id: asSpaceId('5100001'), label: '101-A' },
          { id: asSpaceId('5100002'), label: '101-B' },
        ],
      },
      { id: uid('4100002'), number: '101', building: 'Building 2', spaces: [{ id: asSpaceId('5100003'), label: '101-A' }] },
    ];
    const named = (leases: SnapshotLease[]): World => {
      const p = property('100001', { leases, units });
      p.snapshot.property.name = 'Example Commons';
      return { properties: [p] };
    };

    it('F-11: explain names the unit number, building, bedroom label and property name', () => {
      const w = named([lease('13500002', { unit: '4100001', spaces: ['5100001'], customers: [customer('300001')] })]);
      const text = explain(input(w, at('2025-09-01')), cid('300001')).join('\n');
      expect(text).toContain('Lease 13500002, unit 101 (building 1), bedroom 101-A, Example Commons: status current.');
      expect(text).toContain('Home unit: unit 101 (building 1), Example Commons: lease 13500002 window is open (W2).');
      expect(text).toContain('A sync of Example Commons now would: register [W2, lease 13500002]: access starts in unit 101 (building 1), bedroom 101-A:');
      // The rule ids stay; the Entrata ids of places do not appear in the text.
      expect(text).not.toMatch(/4100001|5100001|property 100001/);
    });

    it('F-11: a building already called "Building 2" is not said twice; two bedrooms are listed together', () => {
      const w = named([
        lease('13500003', { unit: '4100002', spaces: ['5100003'] }),
        lease('13500004', { unit: '4100001', spaces: ['5100002', '5100001'], customers: [customer('C9')] }),
      ]);
      expect(explain(input(w, at('2025-09-01')), cid('13500003')).join('\n')).toContain(
        'Lease 13500003, unit 101 (Building 2), bedroom 101-A, Example Commons:',
      );
      expect(explain(input(w, at('2025-09-01')), cid('C9')).join('\n')).toContain(
        'Lease 13500004, unit 101 (building 1), bedrooms 101-A, 101-B, Example Commons:',
      );
    });

    it('F-11: a unit or bedroom missing from the snapshot falls back to its Entrata id, marked as one', () => {
      const w = named([lease('13500005', { unit: '4199999', spaces: ['5199999'], customers: [customer('300005')] })]);
      const text = explain(input(w, at('2025-09-01')), cid('300005')).join('\n');
      expect(text).toContain('Lease 13500005, unit (Entrata id 4199999), bedroom (Entrata id 5199999), Example Commons: status current.');
    });

    it("O4: a move to a unit of another property names that property in the ending's reason", () => {
      const p1 = property('P1', { leases: [lease('L1', { unit: 'U1', moveIn: '2025-08-15', customers: [customer('C1')] })] });
      const p2 = property('P2', { leases: [lease('L2', { unit: 'U7', moveIn: '2025-08-15', customers: [customer('C1')] })] });
      p2.snapshot.property.name = 'Campus Edge';
      const w = { properties: [p1, p2] };
      const { registry } = syncAll(w, at('2025-09-01'));
      const pinned = { ...w, overrides: [override('L2', 'C1', { pinnedAt: at('2025-09-02') })], registry };
      const end = plan(input({ ...pinned, planned: 'P1' }, at('2025-09-02 01:00'))).actions.find((a) => a.kind === 'end');
      expect(end?.reason).toBe('access in unit U1, bedroom U1-A ends: home moved to unit U7, Campus Edge (O4)');
    });

    it('N1: a welcome a plan queues is described as queued, not as sent', () => {
      const w = named([lease('13500002', { unit: '4100001', spaces: ['5100001'], customers: [customer('300001')] })]);
      const text = explain(input(w, at('2025-09-01')), cid('300001')).join('\n');
      expect(text).toContain('would: notify [N1, lease 13500002]: welcome with network and key queued (N1).');
      expect(text).not.toMatch(/\bsent\b/);
    });
  });
});
