import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { SnapshotLease } from '../engine/snapshot.ts';
import { UserError } from '../errors/user-error.ts';
import type { PropertySettings } from '../properties/properties.ts';
import { leaseView, registrationView, unitNames, type LeaseView, type RegistrationView } from './resident-detail.ts';

/** One unit of a property (F-20's unit view): its bedrooms, who is registered there now and lately, its leases. */
export interface UnitView {
  entrataId: string;
  number: string;
  building: string | null;
  spaces: Array<{ id: string; label: string }>;
  /** S5: Entrata stopped listing it (since), and when a manager confirmed its removal. */
  missingSince: string | null;
  removedAt: string | null;
  /** Registrations not ended, then the last 20 ended ones, each with its resident. */
  registrations: Array<RegistrationView & { customerId: string; firstName: string; lastName: string }>;
  /** Everyone registered or on a lease of the unit, by customer id. */
  residents: Array<{ customerId: string; firstName: string; lastName: string; registered: boolean }>;
  leases: LeaseView[];
}

const RECENT_ENDED = 20;

/** The unit with this number (and building, when several buildings have the number) at the property; else 404 or 409. */
export async function unitView(db: Db, property: PropertySettings, number: string, building?: string): Promise<UnitView> {
  let q = db.selectFrom('unit').selectAll().where('property_id', '=', property.id).where('number', '=', number);
  if (building !== undefined) q = q.where('building', '=', building);
  const units = await q.orderBy('id').limit(10).execute();
  if (units.length === 0) {
    throw new UserError(`no unit ${number}${building !== undefined ? ` in building ${building}` : ''} at property ${property.entrataId}`, {
      code: 'unit-not-found',
      category: 'not-found',
    });
  }
  if (units.length > 1) {
    const buildings = units.map((u) => u.building ?? '(none)').join(', ');
    throw new UserError(`several units are numbered ${number} (buildings ${buildings}): add ?building=`, { code: 'unit-ambiguous', category: 'conflict' });
  }
  const unit = units[0]!;
  const regs = await db
    .selectFrom('registration as g')
    .innerJoin('resident as r', 'r.id', 'g.resident_id')
    .selectAll('g')
    .select(['r.customer_id', 'r.first_name', 'r.last_name'])
    .where('g.property_id', '=', property.id)
    .where('g.unit_entrata_id', '=', unit.entrata_id)
    .orderBy(sql`g.state = 'ended'`)
    .orderBy('g.id', 'desc')
    .execute();
  const open = regs.filter((g) => g.state !== 'ended');
  const shown = [...open, ...regs.filter((g) => g.state === 'ended').slice(0, RECENT_ENDED)];
  const mirror = await db
    .selectFrom('lease_mirror')
    .select(['data', 'quarantine_reason', 'missing_since'])
    .where('property_id', '=', property.id)
    .where(sql<string>`data->>'unitId'`, '=', unit.entrata_id)
    .orderBy(sql`data->>'moveIn'`, 'desc')
    .execute();
  const names = await unitNames(db, property.id, [unit.entrata_id]);
  const residents = new Map<string, UnitView['residents'][number]>();
  for (const g of shown) residents.set(g.customer_id, { customerId: g.customer_id, firstName: g.first_name, lastName: g.last_name, registered: true });
  for (const m of mirror) {
    for (const c of (m.data as SnapshotLease).customers) {
      if (!residents.has(c.id) && (c.type === 'primary' || c.type === 'co-applicant'))
        residents.set(c.id, { customerId: c.id, firstName: c.firstName, lastName: c.lastName, registered: false });
    }
  }
  return {
    entrataId: unit.entrata_id,
    number: unit.number,
    building: unit.building,
    spaces: unit.spaces,
    missingSince: unit.missing_since?.toISOString() ?? null,
    removedAt: unit.removed_at?.toISOString() ?? null,
    registrations: shown.map((g) => ({
      ...registrationView(g, names, property.timeZone),
      customerId: g.customer_id,
      firstName: g.first_name,
      lastName: g.last_name,
    })),
    residents: [...residents.values()].sort(
      (a, b) => a.lastName.localeCompare(b.lastName) || a.firstName.localeCompare(b.firstName) || a.customerId.localeCompare(b.customerId),
    ),
    leases: mirror.map((m) => leaseView(m, names)),
  };
}
