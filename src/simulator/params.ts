// Lenient readers for method params: Entrata takes numbers or strings, CSV strings for lists,
// and 0/1 (number or string) for booleans (docs/entrata.md §1.4).
import { parseUs, type Day } from './dates.ts';
import { rpcErrors } from './errors.ts';

export type Params = Record<string, unknown>;

export function text(params: Params, name: string): string | null {
  const value = params[name];
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'string' || typeof value === 'number') return String(value).trim();
  throw rpcErrors.invalidParam(`${name} must be a string or a number.`);
}

export function csv(params: Params, name: string): string[] | null {
  const value = params[name];
  if (Array.isArray(value)) return value.map((v) => String(v).trim()).filter((v) => v !== '');
  const raw = text(params, name);
  return raw === null
    ? null
    : raw
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
}

export function flag(params: Params, name: string): boolean {
  const raw = text(params, name);
  return raw === '1' || raw === 'true';
}

export function usDate(params: Params, name: string): Day | null {
  const raw = text(params, name);
  if (raw === null) return null;
  const day = parseUs(raw);
  if (day === null) throw rpcErrors.invalidParam(`${name} must be a date as MM/DD/YYYY, got '${raw}'.`);
  return day;
}

/** One numeric id; a CSV where one id is required is an error, as getLeases takes one property per call. */
export function singleId(params: Params, name: string, required: boolean): string | null {
  const raw = text(params, name);
  if (raw === null) {
    if (required) throw rpcErrors.requiredParam(name);
    return null;
  }
  if (!/^\d+$/.test(raw)) throw rpcErrors.invalidParam(`${name} must be a single numeric id, got '${raw}'.`);
  return raw;
}
