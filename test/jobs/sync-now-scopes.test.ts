import { describe, expect, it } from 'vitest';
import { plannedScopes, uniqueScopes } from '../../src/jobs/sync-now.ts';

const unit = (unitNumber: string, building: string | null = null) => ({ kind: 'unit' as const, unitNumber, building });
const customer = (customerId: string) => ({ kind: 'customer' as const, customerId });
const size = { units: 40, residents: 60 };

describe('what a sync-now request syncs', () => {
  it('each unit or resident once: a unit in another building is another unit; a missing building is none', () => {
    expect(uniqueScopes([unit('101'), { kind: 'unit', unitNumber: '101' }, unit('101', 'B'), unit('101'), unit('102')])).toEqual([
      unit('101'),
      unit('101', 'B'),
      unit('102'),
    ]);
    expect(uniqueScopes([customer('7'), customer('7'), customer('8')])).toEqual([customer('7'), customer('8')]);
  });

  it('the whole property when asked among others, or when nothing is named', () => {
    expect(plannedScopes([unit('101'), { kind: 'property' }], size)).toEqual([{ kind: 'property' }]);
    expect(plannedScopes([], size)).toEqual([{ kind: 'property' }]);
  });

  it('up to a quarter of the units or residents stays a selection; more is the whole property', () => {
    const units = (n: number) => Array.from({ length: n }, (_, i) => unit(String(100 + i)));
    expect(plannedScopes([...units(10), ...units(10)], size)).toHaveLength(10);
    expect(plannedScopes(units(11), size)).toEqual([{ kind: 'property' }]);
    const residents = (n: number) => Array.from({ length: n }, (_, i) => customer(String(i + 1)));
    expect(plannedScopes(residents(15), size)).toHaveLength(15);
    expect(plannedScopes(residents(16), size)).toEqual([{ kind: 'property' }]);
  });

  it('one unit or resident is never made a property sync, even of a tiny property', () => {
    expect(plannedScopes([unit('1')], { units: 1, residents: 1 })).toEqual([unit('1')]);
    expect(plannedScopes([unit('1'), unit('2')], { units: 3, residents: 3 })).toEqual([{ kind: 'property' }]);
  });
});
