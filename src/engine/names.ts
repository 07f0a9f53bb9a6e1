// The words staff know places by: a property's name, a unit's number and building, a bedroom's label.
// Entrata's ids stay in the actions, the audit details and every --json; texts for people use these names.

import type { SnapshotUnit } from './snapshot.ts';
import { cmp } from './identity.ts';
import type { PropertyId, PropertySnapshot, SpaceId, UnitId } from './types.ts';

/** A place as the engine speaks of it: a unit of a property, and the leased bedrooms (spaces) in it. */
export interface Place {
  propertyId: PropertyId;
  unitId: UnitId;
  spaceIds?: readonly SpaceId[];
}

export interface PlaceNames {
  /** The property's name; null when none is known. */
  propertyName(id: PropertyId): string | null;
  /** The property's name, or "property ID" when none is known. */
  property(id: PropertyId): string;
  /**
   * "unit 101 (building 1), bedroom 101-A, Example Commons": the bedrooms when given, the property when asked.
   * An id with no known name is shown as "(Entrata id …)", so nobody looks for a unit numbered like an id.
   */
  describe(place: Place, opts?: { property?: boolean }): string;
}

type Named = Pick<PropertySnapshot, 'property' | 'units'>;

/** Names from snapshots (the first snapshot naming a property or unit wins). Indexed on first use: cheap to make. */
export function placeNames(snapshots: Iterable<Named>): PlaceNames {
  const given = [...snapshots];
  let index: Map<PropertyId, { name: string; units: Map<UnitId, SnapshotUnit> }> | null = null;
  const lookup = (id: PropertyId) => {
    if (!index) {
      index = new Map();
      for (const s of given) {
        let p = index.get(s.property.id);
        if (!p) index.set(s.property.id, (p = { name: s.property.name, units: new Map() }));
        if (!p.name) p.name = s.property.name;
        for (const u of s.units) if (!p.units.has(u.id)) p.units.set(u.id, u);
      }
    }
    return index.get(id);
  };
  const propertyName = (id: PropertyId) => lookup(id)?.name.trim() || null;
  const property = (id: PropertyId) => propertyName(id) ?? `property ${id}`;
  return {
    propertyName,
    property,
    describe(place, opts = {}) {
      const unit = lookup(place.propertyId)?.units.get(place.unitId);
      const parts = [unit?.number.trim() ? `unit ${unit.number.trim()}${buildingOf(unit.building)}` : `unit (Entrata id ${place.unitId})`];
      // In id order, whatever order a registration stored them in (the same input, the same words).
      const spaceIds = [...new Set(place.spaceIds ?? [])].sort(cmp);
      if (spaceIds.length > 0) {
        const labels = spaceIds.map((id) => unit?.spaces.find((s) => s.id === id)?.label || `(Entrata id ${id})`);
        parts.push(`${labels.length === 1 ? 'bedroom' : 'bedrooms'} ${labels.join(', ')}`);
      }
      if (opts.property) parts.push(property(place.propertyId));
      return parts.join(', ');
    },
  };
}

/** " (building 1)"; a name that already says "Building …" is not said twice. */
function buildingOf(building: string | null): string {
  const b = building?.trim();
  if (!b) return '';
  return /^(building|bldg)\b/i.test(b) ? ` (${b})` : ` (building ${b})`;
}
