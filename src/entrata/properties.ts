// Answers of getStatus, getProperties and getPropertyUnits → plain values (docs/entrata.md §2.5, §7.6, §7.7, §7.9).
import { EntrataError } from './errors.ts';
import { compareIds, flag, idStr, isObj, listOf, pick, sortById, text } from './quirks.ts';
import { asPropertyId, asSpaceId, asUnitId, type PropertyId, type SnapshotSpace, type SnapshotUnit } from '../engine/snapshot.ts';

export interface EntrataStatus {
  /** True when Entrata says "Success". */
  ok: boolean;
  status: string;
  message: string;
}

export function parseStatus(result: unknown): EntrataStatus {
  const status = text(pick(result, 'status'));
  if (!status) throw new EntrataError('result has no status', { kind: 'malformed', service: 'status', method: 'getStatus' });
  return { ok: status.toLowerCase() === 'success', status, message: text(pick(result, 'message')) };
}

export interface EntrataProperty {
  id: PropertyId;
  name: string;
  type: string | null;
  isDisabled: boolean;
  address: { street: string; city: string; state: string; postalCode: string; country: string } | null;
}

/** `PhysicalProperty.Property[]` (PascalCase); entries without a property id are left out. Sorted by id. */
export function parseProperties(result: unknown): EntrataProperty[] {
  const container = pick(result, 'PhysicalProperty');
  if (container === undefined) throw new EntrataError('result has no PhysicalProperty', { kind: 'malformed', service: 'properties', method: 'getProperties' });
  const byId = new Map<string, EntrataProperty>();
  for (const p of listOf(container, 'Property')) {
    const id = idStr(pick(p, 'PropertyID', 'propertyId'));
    if (!id || byId.has(id)) continue;
    const addr = pick(p, 'Address');
    byId.set(id, {
      id: asPropertyId(id),
      name: text(pick(p, 'MarketingName', 'propertyName', 'name')),
      type: text(pick(p, 'Type')) || null,
      isDisabled: flag(pick(p, 'IsDisabled')) ?? false,
      address: isObj(addr)
        ? {
            street: text(pick(addr, 'Address', 'streetLine')),
            city: text(pick(addr, 'City')),
            state: text(pick(addr, 'State')),
            postalCode: text(pick(addr, 'PostalCode')),
            country: text(pick(addr, 'Country')),
          }
        : null,
    });
  }
  return sortById([...byId.values()], (p) => p.id);
}

export interface PropertyUnits {
  propertyId: PropertyId;
  /** `propertyName` of the answer, null when absent (getProperties may not be permitted, this is). */
  propertyName: string | null;
  units: SnapshotUnit[];
  /** Unit or space entries left out because they had no usable id (a warning for the logs). */
  skipped: string[];
}

/**
 * `properties.property[].units.unit[]` for one property → units sorted by id, spaces sorted by id.
 * Throws `malformed` when `properties` is missing or does not include the property.
 */
export function parsePropertyUnits(result: unknown, propertyId: string): PropertyUnits {
  const container = pick(result, 'properties');
  if (container === undefined) throw new EntrataError('result has no properties', { kind: 'malformed', service: 'propertyunits', method: 'getPropertyUnits' });
  const props = listOf(container, 'property').filter(isObj);
  const prop =
    props.find((p) => idStr(pick(p, 'propertyId')) === propertyId) ??
    (props.length === 1 && idStr(pick(props[0], 'propertyId')) === null ? props[0] : undefined);
  if (!prop) {
    // Claiming "no units" would make every unit look deleted (S5): fail the read instead.
    throw new EntrataError(`answer does not include property ${propertyId}`, { kind: 'malformed', service: 'propertyunits', method: 'getPropertyUnits' });
  }
  const skipped: string[] = [];
  const units = new Map<string, SnapshotUnit>();
  for (const u of listOf(pick(prop, 'units'), 'unit')) {
    const id = idStr(pick(u, 'id', 'unitId'));
    if (!id) {
      skipped.push(`unit without an id (${text(pick(u, 'unitNumber')) || 'no number'})`);
      continue;
    }
    if (units.has(id)) continue;
    const spaces = new Map<string, SnapshotSpace>();
    for (const s of listOf(pick(u, 'unitSpaces'), 'unitSpace')) {
      const sid = idStr(pick(s, 'unitSpaceId', 'id'));
      if (!sid) {
        skipped.push(`space without an id in unit ${id}`);
        continue;
      }
      if (!spaces.has(sid)) spaces.set(sid, { id: asSpaceId(sid), label: text(pick(s, 'unitNumber', 'unitSpace', 'unitNumberSpace')) });
    }
    units.set(id, {
      id: asUnitId(id),
      number: text(pick(u, 'unitNumber')),
      building: text(pick(u, 'buildingName')) || null,
      spaces: [...spaces.values()].sort((a, b) => compareIds(a.id, b.id)),
    });
  }
  return {
    propertyId: asPropertyId(propertyId),
    propertyName: text(pick(prop, 'propertyName', 'MarketingName')) || null,
    units: sortById([...units.values()], (u) => u.id),
    skipped,
  };
}

/** Distinct building names of the units, or null when some unit has none (a building split would miss it). */
export function buildingNames(units: readonly SnapshotUnit[]): string[] | null {
  if (units.some((u) => !u.building)) return null;
  return [...new Set(units.map((u) => u.building as string))].sort();
}
