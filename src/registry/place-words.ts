import type { Db } from '../db/database.ts';
import { placeNames, type PlaceNames } from '../engine/names.ts';
import { asPropertyId } from '../engine/snapshot.ts';
import type { PropertySettings } from '../properties/properties.ts';
import { loadUnits } from '../sync/units.ts';

/** How texts for staff name a property's units and bedrooms (src/engine/names.ts), from the units Pebbles knows. */
export async function namesAt(db: Db, p: PropertySettings): Promise<PlaceNames> {
  return placeNames([{ property: { id: asPropertyId(p.entrataId), name: p.name }, units: await loadUnits(db, p.id) }]);
}

/** Residents' names by customer id within one account ("First Last"; the id itself when Pebbles has no name). */
export async function residentNames(db: Db, accountId: number, customerIds: readonly string[]): Promise<Map<string, string>> {
  const ids = [...new Set(customerIds)];
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('resident')
    .select(['customer_id', 'first_name', 'last_name'])
    .where('account_id', '=', accountId)
    .where('customer_id', 'in', ids)
    .execute();
  const byId = new Map(rows.map((r) => [r.customer_id, `${r.first_name} ${r.last_name}`.trim()]));
  return new Map(ids.map((id) => [id, byId.get(id) || `customer ${id}`]));
}
