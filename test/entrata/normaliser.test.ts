// The lease normaliser: how each Entrata field becomes the snapshot, and what gets quarantined.
import { describe, expect, it } from 'vitest';
import { normaliseLease, normaliseLeases, type LeaseOutcome, type NormaliseContext } from '../../src/entrata/index.ts';
import type { SnapshotCustomer, SnapshotLease } from '../../src/engine/snapshot.ts';
import { fixture, leaseNode, statusMap } from './support/helpers.ts';

const ctx: NormaliseContext = { statusById: statusMap(), country: 'US', propertyId: '100123' };

function ok(out: LeaseOutcome): SnapshotLease {
  if (!out.ok) throw new Error(`quarantined: ${out.quarantined.reason}`);
  return out.lease;
}
function reason(out: LeaseOutcome): string {
  if (out.ok) throw new Error('expected a quarantined lease');
  return out.quarantined.reason;
}
const customer = (over: Record<string, unknown>) => {
  const base = (leaseNode(1).customers as { customer: Record<string, unknown>[] }).customer[0]!;
  const c: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete c[k];
    else c[k] = v;
  }
  return c;
};
const withCustomer = (over: Record<string, unknown>) => leaseNode(1, { customers: { customer: [customer(over)] } });
const firstCustomer = (over: Record<string, unknown>): SnapshotCustomer => ok(normaliseLease(withCustomer(over), ctx)).customers[0]!;

describe('lease status', () => {
  it('comes from leaseStatusTypeId through the pick list', () => {
    for (const [id, status] of statusMap())
      expect(ok(normaliseLease(leaseNode(1, { leaseStatusTypeId: id, leaseIntervalStatus: 'Current' }), ctx)).status).toBe(status);
  });

  it('an id not in the pick list quarantines the lease (never a guessed status)', () => {
    expect(reason(normaliseLease(leaseNode(1, { leaseStatusTypeId: '7' }), ctx))).toMatch(/leaseStatusTypeId 7 is not in the lease pick list/);
  });

  it('without leaseStatusTypeId, the leaseIntervalStatus name is used', () => {
    expect(ok(normaliseLease(leaseNode(1, { leaseStatusTypeId: undefined, leaseIntervalStatus: 'Notice' }), ctx)).status).toBe('notice');
  });

  it('with neither, the lease is quarantined', () => {
    expect(reason(normaliseLease(leaseNode(1, { leaseStatusTypeId: undefined, leaseIntervalStatus: 'Renewed' }), ctx))).toMatch(/no leaseStatusTypeId/);
  });
});

describe('customer type and status', () => {
  it.each([
    ['Primary', 'primary'],
    ['Co-Applicant', 'co-applicant'],
    ['Co-applicant', 'co-applicant'],
    ['Responsible', 'co-applicant'],
    ['Guarantor', 'guarantor'],
    ['Occupant', 'occupant'],
    ['Non-Responsible', 'occupant'],
  ])('customerType %s is %s', (word, type) => {
    expect(firstCustomer({ customerType: word }).type).toBe(type);
  });

  it('an unknown or missing customerType quarantines the lease (no guess about who gets Wi-Fi)', () => {
    expect(reason(normaliseLease(withCustomer({ customerType: 'Roommate' }), ctx))).toMatch(/customer 71: customerType "Roommate"/);
    expect(reason(normaliseLease(withCustomer({ customerType: undefined }), ctx))).toMatch(/customer 71: no customerType/);
  });

  it.each([
    ['Current', 'current'],
    ['Past', 'past'],
    ['Cancelled', 'cancelled'],
    ['Canceled', 'cancelled'],
    ['Future', 'future'],
    ['Notice', 'notice'],
  ])('leaseCustomerStatus %s is %s (W6)', (word, status) => {
    expect(firstCustomer({ leaseCustomerStatus: word }).status).toBe(status);
  });

  it('no leaseCustomerStatus gives null; an unknown word quarantines', () => {
    expect(firstCustomer({ leaseCustomerStatus: undefined }).status).toBeNull();
    expect(reason(normaliseLease(withCustomer({ leaseCustomerStatus: 'Evicted-ish' }), ctx))).toMatch(/leaseCustomerStatus/);
  });

  it("customer dates are the customer's own moveInDate/moveOutDate", () => {
    expect(firstCustomer({ moveInDate: '09/01/2025', moveOutDate: '12/15/2025' })).toMatchObject({ moveIn: '2025-09-01', moveOut: '2025-12-15' });
    expect(firstCustomer({ moveInDate: undefined })).toMatchObject({ moveIn: null, moveOut: null });
    expect(reason(normaliseLease(withCustomer({ moveOutDate: '31/12/2025' }), ctx))).toMatch(/customer 71: moveOutDate "31\/12\/2025" is not a date/);
  });

  it('customers are sorted by id and a customer listed twice counts once', () => {
    const l = ok(normaliseLease(leaseNode(1, { customers: { customer: [customer({ id: 30 }), customer({ id: 4 }), customer({ id: '30' })] } }), ctx));
    expect(l.customers.map((c) => c.id)).toEqual(['4', '30']);
  });

  it('emergency contacts (customerContacts) are never customers', () => {
    const lease = fixture('getLeases-r2.response.json').response.result.leases.lease[0];
    const l = ok(normaliseLease(lease, ctx));
    expect(l.customers.map((c) => c.id)).toEqual(['17600001', '17600002']);
    expect(JSON.stringify(l)).not.toContain('900001');
  });

  it('a single customer object instead of a list is read', () => {
    expect(ok(normaliseLease(leaseNode(1, { customers: { customer: customer({}) } }), ctx)).customers).toHaveLength(1);
  });
});

describe('lease end, transfer and parent', () => {
  const intervals = (list: unknown[]) => ({ leaseIntervals: { leaseInterval: list } });

  it('leaseEnd is the endDate of the interval whose id is leaseIntervalId', () => {
    const l = ok(
      normaliseLease(
        leaseNode(1, {
          leaseIntervalId: '22',
          ...intervals([
            { id: 21, startDate: '08/15/2024', endDate: '07/31/2025' },
            { id: 22, startDate: '08/15/2025', endDate: '07/31/2026' },
            { id: 23, startDate: '08/15/2026', endDate: '07/31/2027' },
          ]),
        }),
        ctx,
      ),
    );
    expect(l.leaseEnd).toBe('2026-07-31');
  });

  it('else the interval marked isActiveLeaseInterval "t", else the latest', () => {
    const active = ok(
      normaliseLease(
        leaseNode(1, {
          leaseIntervalId: undefined,
          ...intervals([
            { id: 21, startDate: '08/15/2024', endDate: '07/31/2025', applications: { application: [{ isActiveLeaseInterval: 't' }] } },
            { id: 22, startDate: '08/15/2025', endDate: '07/31/2026', applications: { application: { isActiveLeaseInterval: 'f' } } },
          ]),
        }),
        ctx,
      ),
    );
    expect(active.leaseEnd).toBe('2025-07-31');
    const latest = ok(
      normaliseLease(
        leaseNode(1, {
          leaseIntervalId: '99',
          ...intervals([
            { id: 21, startDate: '08/15/2024', endDate: '07/31/2025' },
            { id: 22, startDate: '08/15/2025', endDate: '07/31/2026' },
          ]),
        }),
        ctx,
      ),
    );
    expect(latest.leaseEnd).toBe('2026-07-31');
  });

  it('no interval: leaseEnd null, not a transfer', () => {
    expect(ok(normaliseLease(leaseNode(1, { leaseIntervals: '' }), ctx))).toMatchObject({ leaseEnd: null, isTransfer: false });
  });

  it('isTransfer: the current interval is of type Transfer (by name; by type id 5 only when the name is absent)', () => {
    const t = (iv: Record<string, unknown>) =>
      ok(normaliseLease(leaseNode(1, { leaseIntervalId: '5', ...intervals([{ id: 5, endDate: '07/31/2026', ...iv }]) }), ctx)).isTransfer;
    expect(t({ leaseIntervalTypeName: 'Transfer', leaseIntervalTypeId: 5 })).toBe(true);
    expect(t({ leaseIntervalTypeId: 5 })).toBe(true);
    expect(t({ leaseIntervalTypeName: 'Renewal', leaseIntervalTypeId: 5 })).toBe(false);
    expect(t({ leaseIntervalTypeName: 'Application', leaseIntervalTypeId: 1 })).toBe(false);
  });

  it('parentLeaseId is read; r1 transferLeaseId (the link to the new lease) is not a parent', () => {
    expect(ok(normaliseLease(leaseNode(1, { parentLeaseId: '13400555' }), ctx)).parentLeaseId).toBe('13400555');
    expect(ok(normaliseLease(leaseNode(1, { parentLeaseId: '' }), ctx)).parentLeaseId).toBeNull();
    expect(ok(normaliseLease(leaseNode(1, { transferLeaseId: '13500999' }), ctx)).parentLeaseId).toBeNull();
  });
});

describe('unit and spaces', () => {
  it('spaceIds come from unitSpaces.unitSpace[].unitSpaceId, sorted, several per lease', () => {
    const l = ok(
      normaliseLease(
        leaseNode(1, {
          unitSpaces: {
            unitSpace: [
              { unitSpaceId: 4192002, unitSpace: '406-B' },
              { unitSpaceId: '4192001', unitSpace: '406-A' },
            ],
          },
        }),
        ctx,
      ),
    );
    expect(l.spaceIds).toEqual(['4192001', '4192002']);
    expect(l.unitId).toBe('4100001');
  });

  it('a whole-unit lease without spaces has no spaceIds', () => {
    expect(ok(normaliseLease(leaseNode(1, { unitSpaces: undefined }), ctx)).spaceIds).toEqual([]);
  });
});

describe('e-mail', () => {
  it('is emailAddress, trimmed', () => {
    expect(firstCustomer({ emailAddress: '  alex@example.com ' })).toMatchObject({ email: 'alex@example.com', contactProblems: [] });
  });

  it('r1 keeps it under addresses.address.email', () => {
    expect(firstCustomer({ emailAddress: undefined, addresses: { address: { addressType: 'Primary', email: 'r1@example.com' } } }).email).toBe(
      'r1@example.com',
    );
  });

  it('an invalid address is null with the problem invalid-email', () => {
    for (const bad of ['alex@', 'alex at example.com', 'alex@example', '@example.com', 'a b@example.com']) {
      expect(firstCustomer({ emailAddress: bad })).toMatchObject({ email: null, contactProblems: ['invalid-email'] });
    }
  });

  it('a missing address is null with the problem no-email', () => {
    expect(firstCustomer({ emailAddress: undefined })).toMatchObject({ email: null, contactProblems: ['no-email'] });
    expect(firstCustomer({ emailAddress: '' })).toMatchObject({ email: null, contactProblems: ['no-email'] });
  });
});

describe('mobile phone', () => {
  const phones = (...list: Record<string, unknown>[]) => ({ phones: { phone: list } });

  it('a phone whose phoneType or phoneTypeName says mobile or cell, as E.164', () => {
    expect(firstCustomer(phones({ phoneNumber: '(512) 555-0101', phoneType: 'mobile', countryCode: 1 })).mobile).toBe('+15125550101');
    expect(firstCustomer(phones({ phoneNumber: '512.555.0101', phoneTypeName: 'Cell Phone' })).mobile).toBe('+15125550101');
  });

  it('work and personal phones are not mobiles: no mobile gives no-mobile', () => {
    expect(firstCustomer(phones({ phoneNumber: '5125550101', phoneType: 'work' }, { phoneNumber: '5125550102', phoneType: 'personal' }))).toMatchObject({
      mobile: null,
      contactProblems: ['no-mobile'],
    });
    expect(firstCustomer({ phones: undefined }).contactProblems).toEqual(['no-mobile']);
  });

  it("the data's countryCode gives the calling code", () => {
    expect(firstCustomer(phones({ phoneNumber: '7911 123456', phoneType: 'mobile', countryCode: 44 })).mobile).toBe('+447911123456');
    expect(firstCustomer(phones({ phoneNumber: '+44 7911 123456', phoneType: 'mobile', countryCode: 1 })).mobile).toBe('+447911123456');
  });

  it("without a countryCode the account's default country is used", () => {
    const gb = { ...ctx, country: 'GB' as const };
    const l = normaliseLease(withCustomer(phones({ phoneNumber: '07911 123456', phoneType: 'mobile' })), gb);
    expect(ok(l).customers[0]!.mobile).toBe('+447911123456');
  });

  it('a number that cannot be a valid E.164 number is null with invalid-phone', () => {
    for (const bad of ['12', '555-555-0101', 'call me', '5125550101999999']) {
      expect(firstCustomer(phones({ phoneNumber: bad, phoneType: 'mobile', countryCode: 1 }))).toMatchObject({
        mobile: null,
        contactProblems: ['invalid-phone'],
      });
    }
  });

  it('the first valid mobile wins; r1 has one `phone` object', () => {
    expect(firstCustomer(phones({ phoneNumber: 'x', phoneType: 'mobile' }, { phoneNumber: '5125550199', phoneType: 'Mobile' })).mobile).toBe('+15125550199');
    expect(firstCustomer({ phones: undefined, phone: { phoneType: 'Mobile', phoneNumber: '5125550101', countryCode: '1' } }).mobile).toBe('+15125550101');
  });

  it('contact problems combine in a fixed order', () => {
    expect(firstCustomer({ emailAddress: 'nope', phones: undefined }).contactProblems).toEqual(['invalid-email', 'no-mobile']);
  });
});

describe('quarantine: a lease that cannot be understood, while the rest of the property is read', () => {
  it.each([
    ['no id', { id: undefined }, /lease without an id/],
    ['a garbage id', { id: 'ABC-1' }, /lease id "ABC-1" is not an id/],
    ['no unit', { unitId: undefined }, /no unitId/],
    ['an unparseable move-in date', { moveInDate: '2025/08/15' }, /moveInDate "2025\/08\/15" is not a date/],
    ['no move-in date', { moveInDate: undefined }, /no moveInDate/],
    ['an unknown status id', { leaseStatusTypeId: '42' }, /not in the lease pick list/],
    ['a bad lease move-out', { moveOutDate: 'soon' }, /moveOutDate "soon"/],
    ['a bad interval end date', { leaseIntervals: { leaseInterval: { id: 91, endDate: '02/30/2026' } } }, /current interval endDate/],
    ['no customers', { customers: undefined }, /no customers/],
    ['a customer without an id', { customers: { customer: [{ customerType: 'Primary' }] } }, /no customer id/],
    ['another property', { propertyId: '999' }, /belongs to property "999"/],
    ['a space without an id', { unitSpaces: { unitSpace: [{ unitSpace: '406-A' }] } }, /no unitSpaceId/],
    ['a garbage parent lease id', { parentLeaseId: 'n/a' }, /parentLeaseId "n\/a"/],
  ])('%s', (_name, over, why) => {
    expect(reason(normaliseLease(leaseNode(1, over as Record<string, unknown>), ctx))).toMatch(why);
  });

  it('a lease entry that is not an object is quarantined', () => {
    expect(reason(normaliseLease('13500001', ctx))).toMatch(/not an object/);
  });

  it('one bad lease among good ones: the good ones are read, the bad one is quarantined with its id', () => {
    const batch = normaliseLeases([leaseNode(3), leaseNode(2, { moveInDate: 'TBD' }), leaseNode(1), leaseNode(3)], ctx);
    expect(batch.leases.map((l) => l.id)).toEqual(['1', '3']);
    expect(batch.quarantined).toEqual([{ leaseId: '2', reason: 'moveInDate "TBD" is not a date' }]);
  });

  it('a lease moveOutDate omitted (r2 when empty) is null, not a problem', () => {
    expect(ok(normaliseLease(leaseNode(1, { moveOutDate: undefined }), ctx)).moveOut).toBeNull();
    expect(ok(normaliseLease(leaseNode(1, { moveOutDate: '' }), ctx)).moveOut).toBeNull();
  });
});
