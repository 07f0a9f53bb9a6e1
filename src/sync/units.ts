import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { asSpaceId, asUnitId, type SnapshotUnit } from '../engine/snapshot.ts';
import { canonicalJson } from './canonical-json.ts';

export async function loadUnits(db: Kysely<DB>, propertyId: number): Promise<SnapshotUnit[]> {
  const rows = await db.selectFrom('unit').selectAll().where('property_id', '=', propertyId).where('removed_at', 'is', null).orderBy('id').execute();
  return rows.map((r) => ({
    id: asUnitId(r.entrata_id),
    number: r.number,
    building: r.building,
    spaces: spacesOf(r.spaces),
  }));
}

/** Just these units of other properties (by database property id): what texts need to name them. */
export async function loadUnitsByIds(db: Kysely<DB>, wanted: ReadonlyMap<number, ReadonlySet<string>>): Promise<Map<number, SnapshotUnit[]>> {
  const out = new Map<number, SnapshotUnit[]>();
  const pairs = [...wanted].flatMap(([p, ids]) => [...ids].map((id) => ({ p, id })));
  if (pairs.length === 0) return out;
  const rows = await db
    .selectFrom('unit')
    .selectAll()
    .where('property_id', 'in', [...wanted.keys()])
    .where('entrata_id', 'in', [...new Set(pairs.map((x) => x.id))])
    .orderBy('id')
    .execute();
  for (const r of rows) {
    if (!wanted.get(r.property_id)?.has(r.entrata_id)) continue;
    const list = out.get(r.property_id) ?? [];
    list.push({ id: asUnitId(r.entrata_id), number: r.number, building: r.building, spaces: spacesOf(r.spaces) });
    out.set(r.property_id, list);
  }
  return out;
}

const spacesOf = (spaces: unknown) => (spaces as Array<{ id: string; label: string }>).map((s) => ({ id: asSpaceId(s.id), label: s.label }));

/**
 * Brings the unit list in line with Entrata's (full syncs only). A unit Entrata no longer lists is
 * marked missing for a manager to confirm, never removed on its own (S5). Writes only what changed.
 */
export async function syncUnits(trx: Kysely<DB>, propertyId: number, fresh: SnapshotUnit[], now: Date): Promise<{ changed: number; missing: number }> {
  const existing = await trx.selectFrom('unit').selectAll().where('property_id', '=', propertyId).execute();
  const byId = new Map(existing.map((r) => [r.entrata_id, r]));
  const changed = fresh.filter((u) => {
    const r = byId.get(u.id);
    return (
      !r ||
      r.number !== u.number ||
      r.building !== u.building ||
      r.missing_since !== null ||
      r.removed_at !== null ||
      canonicalJson(r.spaces) !== canonicalJson(u.spaces)
    );
  });
  if (changed.length > 0) {
    await trx
      .insertInto('unit')
      .values(changed.map((u) => ({ property_id: propertyId, entrata_id: u.id, number: u.number, building: u.building, spaces: JSON.stringify(u.spaces) })))
      .onConflict((oc) =>
        oc.columns(['property_id', 'entrata_id']).doUpdateSet({
          // A unit Entrata lists again is back, even if a manager had confirmed it gone.
          number: sql`excluded.number`,
          building: sql`excluded.building`,
          spaces: sql`excluded.spaces`,
          missing_since: null,
          removed_at: null,
          removed_by: null,
        }),
      )
      .execute();
  }
  const freshIds = new Set(fresh.map((u) => u.id as string));
  const gone = existing.filter((r) => !freshIds.has(r.entrata_id) && r.missing_since === null && r.removed_at === null).map((r) => r.id);
  if (gone.length > 0) await trx.updateTable('unit').set({ missing_since: now }).where('id', 'in', gone).execute();
  return { changed: changed.length, missing: gone.length };
}
