// One test per E and W rule: who is registered, and when windows open and close.
import { describe, expect, it } from 'vitest';
import { plan } from '../../src/engine/plan.ts';
import { at, customer, day, input, key, kinds, lease, live, NEW_YORK, ofKind, property, registration, resident, sync, emptyRegistry } from './builders.ts';

describe('E: who is eligible', () => {
  it('E1: only the primary and co-applicants are registered; guarantors and occupants never, nor notified', () => {
    const l = lease('L1', {
      customers: [
        customer('C1', { type: 'primary' }),
        customer('C2', { type: 'co-applicant' }),
        customer('C3', { type: 'guarantor' }),
        customer('C4', { type: 'occupant' }),
      ],
    });
    const { plan: p, registry } = sync({ properties: [property('P1', { leases: [l] })] }, at('2025-09-01'));
    expect(ofKind(p, 'register').map((a) => [a.customerId, a.state, a.rule])).toEqual([
      ['C1', 'active', 'W2'],
      ['C2', 'active', 'W2'],
    ]);
    expect(ofKind(p, 'notify').map((a) => a.customerId)).toEqual(['C1', 'C2']);
    expect(p.actions.some((a) => 'customerId' in a && (a.customerId === 'C3' || a.customerId === 'C4'))).toBe(false);
    expect(registry.residents.map((r) => r.customerId)).toEqual(['C1', 'C2']);
  });

  it('E1: a co-applicant Entrata turns into a guarantor loses access, citing E1', () => {
    const before = lease('L1', { customers: [customer('C1'), customer('C2', { type: 'co-applicant' })] });
    const after = lease('L1', { customers: [customer('C1'), customer('C2', { type: 'guarantor' })] });
    const first = sync({ properties: [property('P1', { leases: [before] })] }, at('2025-09-01'));
    const p = plan(input({ properties: [property('P1', { leases: [after] })], registry: first.registry }, at('2025-09-02')));
    expect(ofKind(p, 'end').map((a) => [a.customerId, a.rule, a.leaseId])).toEqual([['C2', 'E1', 'L1']]);
    expect(ofKind(p, 'revoke-key').map((a) => a.customerId)).toEqual(['C2']);
  });

  it('E2: a resident with no e-mail and no mobile is still registered and welcomed (it ends undeliverable), and the missing contact is flagged for managers', () => {
    const c = customer('C1', { email: null, mobile: null, contactProblems: ['no-email', 'no-mobile'] });
    const p = plan(input({ properties: [property('P1', { leases: [lease('L1', { customers: [c] })] })] }, at('2025-09-01')));
    expect(ofKind(p, 'register')).toHaveLength(1);
    expect(ofKind(p, 'issue-key')).toHaveLength(1);
    expect(ofKind(p, 'upsert-resident')[0]).toMatchObject({ contactProblems: ['no-email', 'no-mobile'], email: null, mobile: null });
    expect(ofKind(p, 'notify').map((a) => [a.customerId, a.notification])).toEqual([['C1', 'welcome']]);
    expect(p.warnings).toContainEqual(expect.objectContaining({ code: 'no-contact', rule: 'E2', customerId: 'C1' }));
  });

  it('E3: the same customer id on two leases is one person; a manager-linked id joins that person; other ids are never merged', () => {
    const registry = {
      ...emptyRegistry(),
      residents: [resident('C1', { linkedCustomerIds: [customer('C9').id] })],
      registrations: [registration('R1', { customerId: 'C1', unitId: 'U101', leaseIds: ['L1'], spaceIds: ['U101-A'] })],
      keys: [key('C1')],
    };
    const leases = [
      lease('L1', { customers: [customer('C1')] }),
      // Entrata re-created the same person as C9 on a second lease of the same unit; a manager linked C9 to C1.
      lease('L2', { spaces: ['U101-B'], customers: [customer('C9', { firstName: 'FirstC1', lastName: 'LastC1' })] }),
      // Same name, different id, not linked: a different person.
      lease('L3', { unit: 'U202', customers: [customer('C7', { firstName: 'FirstC1', lastName: 'LastC1' })] }),
    ];
    const p = plan(input({ properties: [property('P1', { leases })], registry }, at('2025-09-01')));
    expect(ofKind(p, 'set-leases')).toEqual([
      expect.objectContaining({ customerId: 'C1', registrationId: 'R1', leaseIds: ['L1', 'L2'], spaceIds: ['U101-A', 'U101-B'], rule: 'B1' }),
    ]);
    expect(ofKind(p, 'register').map((a) => [a.customerId, a.unitId])).toEqual([['C7', 'U202']]);
    expect(p.actions.some((a) => 'customerId' in a && a.customerId === 'C9')).toBe(false);
  });
});

describe('W: windows', () => {
  const P = (leases: ReturnType<typeof lease>[], o: Parameters<typeof property>[1] = {}) => [property('P1', { ...o, leases })];

  it('W1: an Applicant lease has no window: nothing happens', () => {
    const p = plan(input({ properties: P([lease('L1', { status: 'applicant' })]) }, at('2025-09-01')));
    expect(p.actions).toEqual([]);
    expect(p.nextTransitionAt).toBeNull();
  });

  it('W2: a Future lease pre-registers, then opens at the start of the local move-in day; a lease first seen after move-in opens at once', () => {
    const w = { properties: P([lease('L1', { status: 'future', moveIn: '2025-08-15' })]) };
    const before = sync(w, at('2025-08-14 23:59'));
    expect(ofKind(before.plan, 'register')).toEqual([
      expect.objectContaining({ state: 'pending', rule: 'W2', leaseId: 'L1', accessStart: at('2025-08-15'), unitId: 'U101' }),
    ]);
    expect(ofKind(before.plan, 'notify')).toEqual([]);
    expect(before.plan.nextTransitionAt).toBe(at('2025-08-15'));

    const opened = plan(input({ ...w, registry: before.registry }, at('2025-08-15 00:00')));
    expect(kinds(opened)).toEqual(['activate', 'issue-key', 'notify']);
    expect(ofKind(opened, 'activate')[0]).toMatchObject({ rule: 'W2', state: 'active', dueAt: at('2025-08-15') });

    // Still marked Future by Entrata, but the move-in day came long ago: opens at once.
    const late = plan(input(w, at('2025-10-01 09:30')));
    expect(ofKind(late, 'register')[0]).toMatchObject({ state: 'active', rule: 'W2', accessStart: at('2025-10-01 09:30') });
  });

  it('W3: the window closes at the end of the local move-out day; a Notice lease without one ends with its interval; a Current lease without one stays open', () => {
    const leases = [
      lease('L1', { unit: 'U1', moveOut: '2026-05-31', customers: [customer('C1')] }),
      lease('L2', { unit: 'U2', status: 'notice', leaseEnd: '2026-07-31', customers: [customer('C2')] }),
      lease('L3', { unit: 'U3', leaseEnd: '2025-12-31', customers: [customer('C3')] }),
    ];
    const first = sync({ properties: P(leases) }, at('2025-09-01'));
    expect(ofKind(first.plan, 'register').map((a) => [a.customerId, a.accessEnd])).toEqual([
      ['C1', at('2026-06-01')],
      ['C2', at('2026-08-01')],
      ['C3', null],
    ]);
    const lastMinute = plan(input({ properties: P(leases), registry: first.registry }, at('2026-05-31 23:59')));
    expect(lastMinute.actions).toEqual([]);
    const ended = plan(input({ properties: P(leases), registry: first.registry }, at('2026-06-01 00:00')));
    expect(ofKind(ended, 'end').map((a) => [a.customerId, a.rule, a.leaseId, a.dueAt])).toEqual([['C1', 'W3', 'L1', at('2026-06-01')]]);
    // A holdover: Current with no move-out, long past its lease end, still lives there.
    const holdover = plan(input({ properties: P(leases), registry: first.registry }, at('2026-09-01')));
    expect(ofKind(holdover, 'end').map((a) => a.customerId)).toEqual(['C1', 'C2']);
  });

  it('W4: a Past lease closes at the end of its move-out day (now if passed); a Past lease seen for the first time opens nothing', () => {
    const current = lease('L1', { moveIn: '2025-01-10' });
    const first = sync({ properties: P([current]) }, at('2025-09-01'));
    const pastLater = lease('L1', { moveIn: '2025-01-10', status: 'past', moveOut: '2025-09-03' });
    expect(plan(input({ properties: P([pastLater]), registry: first.registry }, at('2025-09-02'))).actions.filter((a) => a.kind === 'end')).toEqual([]);
    const pastGone = lease('L1', { moveIn: '2025-01-10', status: 'past', moveOut: '2025-08-31' });
    const p = plan(input({ properties: P([pastGone]), registry: first.registry }, at('2025-09-02 10:00')));
    expect(ofKind(p, 'end')).toEqual([expect.objectContaining({ customerId: 'C1', rule: 'W4', leaseId: 'L1', dueAt: at('2025-09-01') })]);

    const stranger = lease('L9', { status: 'past', moveIn: '2025-01-10', moveOut: '2025-09-30', customers: [customer('C9')] });
    expect(plan(input({ properties: P([stranger]) }, at('2025-09-02'))).actions).toEqual([]);

    // No move-out date: once the term's last day has come, the term end is the move-out day (late days apply);
    // before it, a Past lease without a date ends now.
    const late = { policy: { lateMoveOutDays: 3 } };
    const onNotice = sync({ properties: P([lease('L1', { moveIn: '2025-01-10', status: 'notice', leaseEnd: '2025-08-31' })], late) }, at('2025-08-20'));
    const pastAtTermEnd = P([lease('L1', { moveIn: '2025-01-10', status: 'past', leaseEnd: '2025-08-31' })], late);
    expect(plan(input({ properties: pastAtTermEnd, registry: onNotice.registry }, at('2025-09-01 09:00'))).actions.filter((a) => a.kind === 'end')).toEqual([]);
    const afterLate = plan(input({ properties: pastAtTermEnd, registry: onNotice.registry }, at('2025-09-04 00:30')));
    expect(ofKind(afterLate, 'end')).toEqual([expect.objectContaining({ rule: 'W4', dueAt: at('2025-09-04') })]);
    const pastMidTerm = P([lease('L1', { moveIn: '2025-01-10', status: 'past', leaseEnd: '2026-07-31' })], late);
    expect(ofKind(plan(input({ properties: pastMidTerm, registry: onNotice.registry }, at('2025-09-01 09:00'))), 'end')).toEqual([
      expect.objectContaining({ rule: 'W4' }),
    ]);
  });

  it('W5: a Cancelled lease withdraws a pre-registration quietly, and closes a window that had opened at once', () => {
    const w = { properties: P([lease('L1', { status: 'future', moveIn: '2025-10-01', customers: [customer('C1')] })]) };
    const pre = sync(w, at('2025-09-01'));
    const cancelled = P([lease('L1', { status: 'cancelled', moveIn: '2025-10-01', customers: [customer('C1')] })]);
    const p = plan(input({ properties: cancelled, registry: pre.registry }, at('2025-09-02')));
    expect(p.actions).toEqual([expect.objectContaining({ kind: 'withdraw', rule: 'W5', leaseId: 'L1', customerId: 'C1' })]);

    const opened = sync({ properties: P([lease('L2', { customers: [customer('C2')] })]) }, at('2025-09-01'));
    const p2 = plan(input({ properties: P([lease('L2', { status: 'cancelled', customers: [customer('C2')] })]), registry: opened.registry }, at('2025-09-02')));
    expect(kinds(p2)).toEqual(['end', 'revoke-key']);
    expect(ofKind(p2, 'end')[0]).toMatchObject({ rule: 'W5', dueAt: at('2025-09-02') });
  });

  it('W6: a co-applicant who moved out mid-lease loses access on their own move-out day while the primary keeps it', () => {
    const l = (coStatus: 'current' | 'past', coOut: string | null) =>
      lease('L1', {
        moveIn: '2025-08-15',
        customers: [customer('C1'), customer('C2', { type: 'co-applicant', status: coStatus, moveOut: coOut ? day(coOut) : null })],
      });
    const first = sync({ properties: P([l('current', null)]) }, at('2025-09-01'));
    const w = { properties: P([l('past', '2026-01-15')]), registry: first.registry };
    expect(plan(input(w, at('2026-01-15 23:59'))).actions).toEqual([
      expect.objectContaining({ kind: 'set-window', customerId: 'C2', rule: 'W6', accessEnd: at('2026-01-16') }),
    ]);
    const p = plan(input(w, at('2026-01-16')));
    expect(ofKind(p, 'end')).toEqual([expect.objectContaining({ customerId: 'C2', rule: 'W6', leaseId: 'L1', dueAt: at('2026-01-16') })]);
    expect(p.actions.every((a) => a.kind === 'hold' || a.kind === 'release-hold' || a.customerId === 'C2')).toBe(true);
  });

  it('W7: a renewal (a new interval on the same lease) changes nothing and sends nothing', () => {
    const first = sync({ properties: P([lease('L1', { leaseEnd: '2026-07-31' })]) }, at('2025-09-01'));
    const renewed = P([lease('L1', { leaseEnd: '2027-07-31' })]);
    expect(plan(input({ properties: renewed, registry: first.registry }, at('2026-06-01'))).actions).toEqual([]);

    // A Notice lease renewed back to Current: its planned end goes away; no new registration, key or message.
    const notice = sync({ properties: P([lease('L2', { status: 'notice', leaseEnd: '2026-07-31' })]) }, at('2025-09-01'));
    const back = plan(input({ properties: P([lease('L2', { leaseEnd: '2027-07-31' })]), registry: notice.registry }, at('2026-06-01')));
    expect(back.actions).toEqual([expect.objectContaining({ kind: 'set-window', accessEnd: null })]);
  });

  it("W8: Entrata dates are calendar days read in each property's own time zone", () => {
    const chicago = property('P1', { leases: [lease('L1', { status: 'future', moveIn: '2025-08-15' })] });
    const newYork = property('P2', { tz: NEW_YORK, leases: [lease('L2', { status: 'future', moveIn: '2025-08-15' })] });
    const props = [chicago, newYork];
    const atNyMidnight = at('2025-08-15', NEW_YORK);
    expect(ofKind(plan(input({ planned: 'P2', properties: props }, atNyMidnight)), 'register')[0]?.state).toBe('active');
    expect(ofKind(plan(input({ planned: 'P1', properties: props }, atNyMidnight)), 'register')[0]).toMatchObject({
      state: 'pending',
      accessStart: atNyMidnight + 3_600_000,
    });
  });

  it('W9: time alone moves a lease along: the same snapshot planned at later instants opens, then closes, at the planned moments', () => {
    const w = { properties: P([lease('L1', { status: 'future', moveIn: '2025-08-15', moveOut: '2026-05-31' })]) };
    const s1 = sync(w, at('2025-08-01'));
    expect(s1.plan.nextTransitionAt).toBe(at('2025-08-15'));
    const s2 = sync({ ...w, registry: s1.registry }, s1.plan.nextTransitionAt!);
    expect(kinds(s2.plan)).toEqual(['activate', 'issue-key', 'notify']);
    expect(s2.plan.nextTransitionAt).toBe(at('2026-06-01'));
    const s3 = sync({ ...w, registry: s2.registry }, s2.plan.nextTransitionAt!);
    expect(kinds(s3.plan)).toEqual(['end', 'revoke-key']);
    expect(s3.plan.nextTransitionAt).toBeNull();
    expect(live(s3.registry)).toEqual([]);
    // Planned directly at the later moment from nothing, the same snapshot gives nothing: the window is over.
    expect(plan(input(w, at('2026-06-02'))).actions).toEqual([]);
  });
});
