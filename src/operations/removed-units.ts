import type { SyncDeps } from '../sync/sync-property.ts';
import { recordAudit } from './audit.ts';
import { OperationError } from './errors.ts';

/** S5: confirm that a unit Entrata deleted is gone; refused while anyone is registered in it. */
export async function confirmUnitRemoved(deps: SyncDeps, propertyDbId: number, unitEntrataId: string, staff: string): Promise<void> {
  const now = deps.now();
  const unit = await deps.db.selectFrom('unit').selectAll().where('property_id', '=', propertyDbId).where('entrata_id', '=', unitEntrataId).executeTakeFirst();
  if (!unit) throw new OperationError(`no unit ${unitEntrataId} at this property`, { code: 'unit-not-found', category: 'not-found' });
  if (!unit.missing_since) throw new OperationError(`unit ${unit.number} is still listed by Entrata`, { code: 'unit-listed', category: 'conflict' });
  const live = await deps.db
    .selectFrom('registration')
    .select('id')
    .where('property_id', '=', propertyDbId)
    .where('unit_entrata_id', '=', unitEntrataId)
    .where('state', 'in', ['active', 'blocked', 'pending'])
    .execute();
  if (live.length > 0)
    throw new OperationError(`unit ${unit.number} still has ${live.length} registrations: move those residents out first (S5)`, {
      code: 'unit-occupied',
      category: 'conflict',
    });
  await deps.db.updateTable('unit').set({ removed_at: now, removed_by: staff }).where('id', '=', unit.id).execute();
  await recordAudit(deps.db, {
    at: now,
    propertyId: propertyDbId,
    actor: staff,
    action: 'confirm-unit-removed',
    rule: 'S5',
    details: { unit: unit.number, unitId: unitEntrataId },
  });
}
