// Fuzzing payload shapes: dropped keys, strings and numbers swapped, single objects for lists,
// garbage values, nested nulls. Malformed input gives a quarantined lease or a typed error:
// never a crash, never a wrong status or customer type.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEntrataClient, EntrataError, normaliseLease, type NormaliseContext } from '../../src/entrata/index.ts';
import { idStr, parseEntrataDate } from '../../src/entrata/quirks.ts';
import { customerTypeFromName, leaseStatusFromName } from '../../src/entrata/vocabulary.ts';
import { fixture, statusMap } from './support/helpers.ts';

const ctx: NormaliseContext = { statusById: statusMap(), country: 'US', propertyId: '100123' };
const STATUS_NAMES: Record<string, string> = { '1': 'Applicant', '2': 'Cancelled', '3': 'Future', '4': 'Current', '5': 'Notice', '6': 'Past' };
// Expected meanings, written out here so the test does not share the code under test.
const STATUS_OF_ID: Record<string, string> = { '1': 'applicant', '2': 'cancelled', '3': 'future', '4': 'current', '5': 'notice', '6': 'past' };
const TYPE_OF_WORD: Record<string, string> = { Primary: 'primary', 'Co-Applicant': 'co-applicant', Guarantor: 'guarantor', Occupant: 'occupant' };
/** Generated ids are at least this; smaller ids only come from garbage (and are unknown to the pick list). */
const MIN_ID = 1000;
const fromGarbage = (id: string) => Number(id) < MIN_ID;

const idArb = fc.integer({ min: MIN_ID, max: 99_999_999 });
const dayArb = fc
  .integer({ min: Date.UTC(2000, 0, 1) / 86_400_000, max: Date.UTC(2035, 11, 31) / 86_400_000 })
  .map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10));
const mdy = (iso: string) => `${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(0, 4)}`;

const truthArb = fc.record({
  id: idArb,
  statusId: fc.constantFrom('1', '2', '3', '4', '5', '6'),
  unitId: idArb,
  moveIn: dayArb,
  end: dayArb,
  spaces: fc.uniqueArray(idArb, { maxLength: 3 }),
  transfer: fc.boolean(),
  parent: fc.option(idArb, { nil: null }),
  customers: fc.uniqueArray(
    fc.record({
      id: idArb,
      type: fc.constantFrom('Primary', 'Co-Applicant', 'Guarantor', 'Occupant'),
      status: fc.constantFrom('Current', 'Future', 'Past', 'Cancelled', 'Notice'),
      email: fc.constantFrom('a@example.com', ' b@example.org ', 'broken@', ''),
      phone: fc.constantFrom('5125550101', '+447911123456', '12', ''),
    }),
    { minLength: 1, maxLength: 4, selector: (c) => c.id },
  ),
});
type Truth = typeof truthArb extends fc.Arbitrary<infer T> ? T : never;

function render(t: Truth): Record<string, unknown> {
  return {
    id: String(t.id),
    leaseStatusTypeId: t.statusId,
    propertyId: '100123',
    moveInDate: mdy(t.moveIn),
    leaseIntervalStatus: STATUS_NAMES[t.statusId],
    leaseIntervalId: String(t.id + 1),
    unitId: String(t.unitId),
    ...(t.parent ? { parentLeaseId: String(t.parent) } : {}),
    unitSpaces: { unitSpace: t.spaces.map((s) => ({ unitSpaceId: s, unitSpace: `${t.unitId}-X` })) },
    customers: {
      customer: t.customers.map((c) => ({
        id: c.id,
        customerType: c.type,
        leaseCustomerStatus: c.status,
        firstName: 'F',
        lastName: 'L',
        moveInDate: mdy(t.moveIn),
        ...(c.email ? { emailAddress: c.email } : {}),
        ...(c.phone ? { phones: { phone: [{ phoneNumber: c.phone, phoneType: 'mobile', countryCode: 1 }] } } : {}),
        customerContacts: { customerContact: [{ id: '900001', firstName: 'Emergency', hasAccessToUnit: '0' }] },
      })),
    },
    leaseIntervals: {
      leaseInterval: [
        {
          id: t.id + 1,
          startDate: mdy(t.moveIn),
          endDate: mdy(t.end),
          leaseIntervalTypeId: t.transfer ? 5 : 1,
          leaseIntervalTypeName: t.transfer ? 'Transfer' : 'Application',
        },
      ],
    },
  };
}

/**
 * Values that carry no meaning: never a known status id, a status or type word, a date, or an id
 * of the generated range. Ids 7..999 are in: unknown to the pick list, they must quarantine.
 */
const garbageArb = fc
  .oneof(
    fc.integer({ min: 7, max: MIN_ID - 1 }),
    fc.integer({ min: 7, max: MIN_ID - 1 }).map(String),
    fc.constantFrom('', ' ', 'abc', '13/45/2025', '-1', '0', 'NaN', '<html>', 'null', '2025-13-01', '4.5'),
    fc.string({ maxLength: 12 }),
    fc.integer({ min: -5, max: 0 }),
    fc.double(),
    fc.boolean(),
    fc.constant({}),
    fc.constant([]),
    fc.constant(null),
    fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
  )
  .filter(
    (g) =>
      (idStr(g) === null || (Number(idStr(g)) >= 7 && Number(idStr(g)) < MIN_ID)) &&
      leaseStatusFromName(g) === null &&
      customerTypeFromName(g) === null &&
      parseEntrataDate(g) === null,
  );

const OPS = ['drop', 'null', 'swap', 'single', 'garbage', 'empty', 'wrap'] as const;
const mutationsArb = fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom(...OPS), garbage: garbageArb }), { maxLength: 6 });

type Slot = { parent: Record<string, unknown> | unknown[]; key: string | number };
function slots(v: unknown, out: Slot[] = []): Slot[] {
  if (Array.isArray(v))
    v.forEach((x, i) => {
      out.push({ parent: v, key: i });
      slots(x, out);
    });
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      out.push({ parent: v as Record<string, unknown>, key: k });
      slots(x, out);
    }
  return out;
}

function mutate(root: unknown, muts: Array<{ at: number; op: (typeof OPS)[number]; garbage: unknown }>): unknown {
  const copy = structuredClone(root);
  for (const m of muts) {
    const all = slots(copy);
    if (all.length === 0) break;
    const { parent, key } = all[m.at % all.length]!;
    const p = parent as Record<string | number, unknown>;
    const v = p[key];
    switch (m.op) {
      case 'drop':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete p[key];
        break;
      case 'null':
        p[key] = null;
        break;
      case 'empty':
        p[key] = '';
        break;
      case 'garbage':
        p[key] = m.garbage;
        break;
      case 'wrap':
        p[key] = [v];
        break;
      case 'single':
        if (Array.isArray(v) && v.length > 0) p[key] = v[0];
        break;
      case 'swap':
        if (typeof v === 'number') p[key] = String(v);
        else if (typeof v === 'string' && /^\d+$/.test(v)) p[key] = Number(v);
        else if (typeof v === 'string') p[key] = -7;
        break;
    }
  }
  return copy;
}

const statusWord = (s: string) => s.toLowerCase();

describe('fuzzing one lease node', () => {
  it('an unmutated lease reads back exactly what was generated', () => {
    fc.assert(
      fc.property(truthArb, (t) => {
        const out = normaliseLease(render(t), ctx);
        expect(out.ok).toBe(true);
        if (!out.ok) return;
        expect(out.lease).toMatchObject({
          id: String(t.id),
          status: STATUS_OF_ID[t.statusId],
          unitId: String(t.unitId),
          moveIn: t.moveIn,
          leaseEnd: t.end,
          isTransfer: t.transfer,
          parentLeaseId: t.parent ? String(t.parent) : null,
        });
        expect(out.lease.customers.map((c) => c.type)).toEqual([...t.customers].sort((a, b) => a.id - b.id).map((c) => TYPE_OF_WORD[c.type]));
        expect(out.lease.customers.map((c) => c.id)).toEqual(
          t.customers
            .map((c) => c.id)
            .sort((a, b) => a - b)
            .map(String),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('a mutated lease is read right or quarantined: never a crash, a wrong status, a wrong id or a wrong customer type', () => {
    fc.assert(
      fc.property(truthArb, mutationsArb, (t, muts) => {
        const input = mutate(render(t), muts);
        const out = normaliseLease(input, ctx);
        expect(normaliseLease(input, ctx)).toEqual(out);
        if (!out.ok) {
          expect(out.quarantined.reason.length).toBeGreaterThan(0);
          if (!fromGarbage(out.quarantined.leaseId)) expect([String(t.id), '']).toContain(out.quarantined.leaseId);
          return;
        }
        const l = out.lease;
        if (!fromGarbage(l.id)) expect(l.id).toBe(String(t.id));
        expect(l.status).toBe(STATUS_OF_ID[t.statusId]);
        if (!fromGarbage(l.unitId)) expect(l.unitId).toBe(String(t.unitId));
        expect(l.moveIn).toBe(t.moveIn);
        expect(l.customers.length).toBeGreaterThan(0);
        for (const s of l.spaceIds) if (!fromGarbage(s)) expect(t.spaces.map(String)).toContain(s);
        for (const c of l.customers) {
          if (fromGarbage(c.id)) continue;
          const truth = t.customers.find((x) => String(x.id) === c.id);
          expect(truth, `customer ${c.id} was not generated`).toBeDefined();
          expect(c.type).toBe(TYPE_OF_WORD[truth!.type]);
          if (c.status !== null) expect(c.status).toBe(statusWord(truth!.status));
          if (c.email !== null) expect(c.contactProblems).not.toContain('invalid-email');
          if (c.mobile !== null) expect(c.mobile).toMatch(/^\+[1-9]\d{6,14}$/);
          expect(c.id).not.toBe('900001');
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 400) },
    );
  });

  it('anything at all as a lease node never throws', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const out = normaliseLease(v, ctx);
        expect(typeof out.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});

describe('fuzzing a whole getLeases answer', () => {
  const pickList = JSON.stringify(fixture('getLeasePickList-r1.response.json'));

  function clientAnswering(body: string) {
    const fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
      const rpc = JSON.parse(String(init?.body)).method.name;
      return new Response(rpc === 'getLeasePickList' ? pickList : body, { status: 200, headers: { 'Content-Type': 'application/json' } });
    }) as typeof globalThis.fetch;
    return createEntrataClient(
      { subdomain: 'acme', baseUrl: 'http://fuzz.invalid', credential: { kind: 'apikey', apiKey: 'k-fuzz' }, maxRetries: 0 },
      { fetch, sleep: async () => {}, random: () => 0 },
    );
  }

  it('a mutated answer envelope gives leases, quarantined leases, or a typed EntrataError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(truthArb, { maxLength: 4 }), mutationsArb, async (truths, muts) => {
        const answer = mutate({ response: { requestId: '1', code: 200, result: { currencyCode: 'USD', leases: { lease: truths.map(render) } } } }, muts);
        const client = clientAnswering(JSON.stringify(answer));
        try {
          const batch = await client.getLeases('100123', { statuses: ['future', 'current', 'notice'] });
          for (const l of batch.leases) {
            if (fromGarbage(l.id)) continue;
            const truth = truths.find((t) => String(t.id) === l.id);
            expect(truth).toBeDefined();
            expect(l.status).toBe(STATUS_OF_ID[truth!.statusId]);
          }
        } catch (e) {
          expect(e).toBeInstanceOf(EntrataError);
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 200) },
    );
  });

  it('an arbitrary body (any JSON or text) gives a result or a typed EntrataError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        async (body) => {
          const client = clientAnswering(body);
          await client.getLeases('100123').then(
            (b) => expect(Array.isArray(b.leases)).toBe(true),
            (e) => expect(e).toBeInstanceOf(EntrataError),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
