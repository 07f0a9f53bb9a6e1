// The wire oddities of Entrata's JSON (docs/entrata.md §4.3), switched on by default and off with quirks: false.
// Every choice is a pure function of an id, so the same lease always looks the same.
import { unitHash } from './prng.ts';
import { mountainTimestamp, type FractionDigits } from './dates.ts';

export class Wire {
  constructor(readonly quirks: boolean) {}

  /** Ids the real capture gives as numbers (customer, unitSpace, interval ids); strings when tidy. */
  num(id: string): number | string {
    return this.quirks ? Number(id) : id;
  }

  /** Small integers the real capture gives as numbers (isMonthToMonth, type ids). */
  int(value: number): number | string {
    return this.quirks ? value : String(value);
  }

  /** XML-to-JSON leftover: a one-element list as a bare object, where `collapse` says so. */
  list<T>(items: T[], collapse: boolean): T | T[] {
    return this.quirks && collapse && items.length === 1 ? items[0]! : items;
  }

  /** Does this record collapse its one-element lists? About a quarter do, decided by id. */
  collapses(id: string, salt = 11, share = 0.25): boolean {
    return this.quirks && unitHash(id, salt) < share;
  }

  /** Mountain-time timestamp with 0, 4, 5 or 6 fraction digits chosen by key (always 6 when tidy). */
  timestamp(epochSeconds: number, micros: number, key: string): string {
    const digits: FractionDigits = this.quirks ? ([0, 4, 5, 6] as const)[Math.floor(unitHash(key, 23) * 4)]! : 6;
    return mountainTimestamp(epochSeconds, micros, digits);
  }
}
