// One test per parsing quirk of docs/entrata.md §4.3, named after the quirk.
import { describe, expect, it } from 'vitest';
import {
  asArray,
  asObject,
  compareIds,
  flag,
  idStr,
  isBlank,
  listOf,
  parseEntrataDate,
  parseEntrataTimestamp,
  pick,
  pickRef,
  toEntrataDate,
} from '../../src/entrata/quirks.ts';

describe('quirk 4.3.1: a single object instead of an array', () => {
  it('asArray wraps a single object, keeps arrays, and reads missing, null and "" as empty', () => {
    expect(asArray({ id: 1 })).toEqual([{ id: 1 }]);
    expect(asArray([{ id: 1 }, { id: 2 }])).toEqual([{ id: 1 }, { id: 2 }]);
    expect(asArray(undefined)).toEqual([]);
    expect(asArray(null)).toEqual([]);
    expect(asArray('')).toEqual([]);
    expect(asArray([null, '', { id: 3 }])).toEqual([{ id: 3 }]);
  });

  it('listOf reads `units.unit` whether it is an array, one object, empty or a bare array', () => {
    expect(listOf({ unit: [{ id: 1 }] }, 'unit')).toEqual([{ id: 1 }]);
    expect(listOf({ unit: { id: 1 } }, 'unit')).toEqual([{ id: 1 }]);
    expect(listOf({ unit: '' }, 'unit')).toEqual([]);
    expect(listOf('', 'unit')).toEqual([]);
    expect(listOf([{ id: 1 }], 'unit')).toEqual([{ id: 1 }]);
  });
});

describe('quirk 4.3.1: an empty string where an object is expected is empty', () => {
  it('asObject gives undefined for "", null, arrays and scalars', () => {
    expect(asObject('')).toBeUndefined();
    expect(asObject(null)).toBeUndefined();
    expect(asObject([])).toBeUndefined();
    expect(asObject(7)).toBeUndefined();
    expect(asObject({ a: 1 })).toEqual({ a: 1 });
    expect(pick('', 'unitSpace')).toBeUndefined();
  });
});

describe('quirk 4.3.2: ids come as numbers or strings', () => {
  it('idStr gives the decimal string for both and null for anything that is not a positive integer', () => {
    expect(idStr(17600001)).toBe('17600001');
    expect(idStr('13500001')).toBe('13500001');
    expect(idStr(' 42 ')).toBe('42');
    for (const bad of ['', '  ', 'abc', '12a', 0, '0', -3, 1.5, NaN, null, undefined, {}, [], true]) expect(idStr(bad)).toBeNull();
  });
});

describe('quirk 4.3.2: booleans as 0/1, "0"/"1", "t"/"f" and true/false', () => {
  it('flag reads every spelling, and null for anything else', () => {
    for (const t of [1, '1', 't', 'T', 'true', true, 'yes']) expect(flag(t)).toBe(true);
    for (const f of [0, '0', 'f', 'false', false, 'no']) expect(flag(f)).toBe(false);
    for (const x of [2, 'maybe', '', null, undefined, {}]) expect(flag(x)).toBeNull();
  });
});

describe('quirk 4.3.3: PascalCase keys and @attributes wrappers', () => {
  it('pick finds propertyId as PropertyID, PropertyId or @attributes.id', () => {
    expect(pick({ propertyId: 1 }, 'propertyId')).toBe(1);
    expect(pick({ PropertyID: 2 }, 'propertyId')).toBe(2);
    expect(pick({ PropertyId: 3 }, 'propertyId')).toBe(3);
    expect(pick({ '@attributes': { id: 4, name: 'Current' } }, 'propertyId')).toBe(4);
    expect(pick({ '@attributes': { Id: '17600001' } }, 'id')).toBe('17600001');
    expect(pick({ '@attributes': { name: 'Past' } }, 'name')).toBe('Past');
  });

  it("pickRef reads a reference (a lease's unitId) without mistaking the object's own @attributes.id for it", () => {
    const lease = { '@attributes': { id: 13500001 }, UnitID: 4100001 };
    expect(pickRef(lease, 'unitId')).toBe(4100001);
    expect(pickRef({ '@attributes': { id: 13500001 } }, 'parentLeaseId')).toBeUndefined();
    expect(pick({ '@attributes': { id: 13500001 } }, 'leaseId')).toBe(13500001);
  });

  it('pick tries aliases in order and prefers the exact key', () => {
    expect(pick({ MarketingName: 'A', name: 'B' }, 'MarketingName', 'name')).toBe('A');
    expect(pick({ name: 'B' }, 'MarketingName', 'name')).toBe('B');
    expect(pick({ propertyid: 'lower', propertyId: 'exact' }, 'propertyId')).toBe('exact');
  });
});

describe('quirk 4.3.4: optional keys are omitted rather than null', () => {
  it('a missing key, a null and "" all read as blank, and pick skips nulls', () => {
    expect(isBlank(undefined)).toBe(true);
    expect(isBlank(null)).toBe(true);
    expect(isBlank('  ')).toBe(true);
    expect(isBlank('08/01/2025')).toBe(false);
    expect(pick({ moveOutDate: null, MoveOutDate: '01/02/2026' }, 'moveOutDate')).toBe('01/02/2026');
    expect(pick({}, 'moveOutDate')).toBeUndefined();
  });
});

describe('quirk 4.3.6: dates as MM/DD/YYYY (and YYYY-MM-DD)', () => {
  it('parseEntrataDate turns MM/DD/YYYY and YYYY-MM-DD into YYYY-MM-DD', () => {
    expect(parseEntrataDate('08/15/2025')).toBe('2025-08-15');
    expect(parseEntrataDate('8/5/2025')).toBe('2025-08-05');
    expect(parseEntrataDate('2025-08-15')).toBe('2025-08-15');
    expect(parseEntrataDate(' 02/29/2024 ')).toBe('2024-02-29');
  });

  it('parseEntrataDate refuses impossible or foreign dates', () => {
    for (const bad of ['02/29/2025', '13/01/2025', '00/10/2025', '15/08/2025', '2025/08/15', '08-15-2025', '08/15/25', 'soon', '', 20250815, null]) {
      expect(parseEntrataDate(bad)).toBeNull();
    }
  });

  it('toEntrataDate writes filters back as MM/DD/YYYY', () => {
    expect(toEntrataDate('2025-08-01')).toBe('08/01/2025');
  });
});

describe('quirk 4.3.6: Mountain-time timestamps with MDT/MST and 0 to 6 fraction digits', () => {
  it('MST is -07:00 and MDT is -06:00', () => {
    expect(parseEntrataTimestamp('02/03/2025 14:22:10.123456 MST')).toBe('2025-02-03T21:22:10.123Z');
    expect(parseEntrataTimestamp('07/03/2025 14:22:10 MDT')).toBe('2025-07-03T20:22:10.000Z');
  });

  it('fraction digits may be 5, 6 or absent', () => {
    expect(parseEntrataTimestamp('12/01/2025 10:00:00.5432 MST')).toBe('2025-12-01T17:00:00.543Z');
    expect(parseEntrataTimestamp('12/01/2025 10:00:00.54321 MST')).toBe('2025-12-01T17:00:00.543Z');
    expect(parseEntrataTimestamp('12/01/2025 10:00:00 MST')).toBe('2025-12-01T17:00:00.000Z');
  });

  it('no suffix means America/Denver wall-clock time (summer and winter)', () => {
    expect(parseEntrataTimestamp('07/03/2025 14:22:10')).toBe('2025-07-03T20:22:10.000Z');
    expect(parseEntrataTimestamp('01/03/2025 14:22:10')).toBe('2025-01-03T21:22:10.000Z');
  });

  it('refuses what is not a timestamp', () => {
    for (const bad of ['02/03/2025', '02/03/2025 25:00:00 MST', '02/30/2025 10:00:00 MST', 'yesterday', 12, null]) {
      expect(parseEntrataTimestamp(bad)).toBeNull();
    }
  });
});

describe('snapshot order of ids', () => {
  it('sorts numeric ids by value, numeric before non-numeric, others by code units', () => {
    const ids = ['100', '9', 'b', '10', 'A', '010'];
    expect([...ids].sort(compareIds)).toEqual(['9', '010', '10', '100', 'A', 'b']);
  });
});
