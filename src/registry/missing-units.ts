import type { Db } from '../db/database.ts';
import { placeNames } from '../engine/names.ts';
import { asPropertyId, asUnitId } from '../engine/snapshot.ts';
import type { PropertySettings } from '../properties/properties.ts';

/** A unit Entrata no longer lists that staff have not yet confirmed removed (S5). */
export interface MissingUnitView {
  unitId: string;
  number: string;
  building: string | null;
  place: string;
  missingSince: string;
  /** Residents still registered in it (active, blocked or pending): they must be moved out before it can be confirmed. */
  registered: Array<{ customerId: string; name: string; state: string }>;
  says: string;
}

export async function missingUnits(db: Db, p: PropertySettings): Promise<MissingUnitView[]> {
  const units = await db
    .selectFrom('unit')
    .selectAll()
    .where('property_id', '=', p.id)
    .where('missing_since', 'is not', null)
    .where('removed_at', 'is', null)
    .orderBy('number')
    .execute();
  if (units.length === 0) return [];
  const regs = await db
    .selectFrom('registration as g')
    .innerJoin('resident as r', 'r.id', 'g.resident_id')
    .select(['g.unit_entrata_id', 'g.state', 'r.customer_id', 'r.first_name', 'r.last_name'])
    .where('g.property_id', '=', p.id)
    .where('g.state', 'in', ['active', 'blocked', 'pending'])
    .where(
      'g.unit_entrata_id',
      'in',
      units.map((u) => u.entrata_id),
    )
    .orderBy('r.customer_id')
    .execute();
  const names = placeNames([
    {
      property: { id: asPropertyId(p.entrataId), name: p.name },
      units: units.map((u) => ({ id: asUnitId(u.entrata_id), number: u.number, building: u.building, spaces: [] })),
    },
  ]);
  return units.map((u) => {
    const registered = regs
      .filter((g) => g.unit_entrata_id === u.entrata_id)
      .map((g) => ({ customerId: g.customer_id, name: `${g.first_name} ${g.last_name}`.trim() || `customer ${g.customer_id}`, state: g.state }));
    const place = names.describe({ propertyId: asPropertyId(p.entrataId), unitId: asUnitId(u.entrata_id) });
    return {
      unitId: u.entrata_id,
      number: u.number,
      building: u.building,
      place,
      missingSince: u.missing_since!.toISOString(),
      registered,
      says:
        registered.length === 0
          ? `Entrata no longer lists ${place}; nobody is registered in it: confirm it removed (S5)`
          : `Entrata no longer lists ${place}; ${registered.length} still registered (${registered.map((r) => r.name).join(', ')}): move them out before confirming it removed (S5)`,
    };
  });
}
