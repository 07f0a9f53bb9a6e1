import { sql } from 'kysely';
import { addDays, startOfLocalDay } from '../engine/local-time.ts';
import type { SnapshotLease } from '../engine/snapshot.ts';
import { getPropertyById } from '../properties/properties.ts';
import { loadMirror } from '../sync/mirror.ts';
import { syncProperty, type SyncDeps, type SyncResult } from '../sync/sync-property.ts';
import { recordAudit } from './audit.ts';
import { OperationError } from './errors.ts';
import { replan } from './target.ts';

/** S3: approve a hold: a fresh sync re-plans against the newest data with the held endings released. */
export async function approveHold(deps: SyncDeps, holdId: number, staff: string): Promise<SyncResult> {
  const hold = await deps.db.selectFrom('hold').selectAll().where('id', '=', holdId).executeTakeFirst();
  if (!hold) throw new OperationError(`no hold ${holdId} (see \`pebbles holds --property ID\`)`, { code: 'hold-not-found', category: 'not-found' });
  if (hold.state !== 'open') throw new OperationError(`hold ${holdId} is ${hold.state} already`, { code: 'hold-decided', category: 'conflict' });
  const result = await syncProperty(deps, { propertyDbId: hold.property_id, trigger: 'approval', staff, releaseHold: true });
  if (result.status === 'failed')
    throw new OperationError(`Entrata could not be read, so the hold stays open: ${result.error?.message}`, {
      code: 'entrata-failed',
      category: 'unavailable',
    });
  // The plan closes the hold it released; a hold whose endings no longer apply closes here.
  await deps.db
    .updateTable('hold')
    .set({ state: 'approved', decided_at: deps.now(), decided_by: staff })
    .where('id', '=', holdId)
    .where('state', '=', 'open')
    .execute();
  await recordAudit(deps.db, { at: deps.now(), propertyId: hold.property_id, actor: staff, action: 'approve-hold', rule: 'S3', details: { holdId } });
  return result;
}

/**
 * S3: reject a hold: its endings are not applied; access stays as it is. The engine knows only open holds
 * (the rejected endings would look scheduled at the next sync and apply then), so the rejection is kept as
 * a late move-out date (O2) on each held lease: access lasts to the registration's planned end, or when it
 * had none (an open-ended lease flipped to Past), to the end of the lease term plus the property's
 * allowance. Entrata turning the lease back, or a later move-out date, then works as usual; a manager can
 * still move the resident out now (O3).
 */
export async function rejectHold(deps: SyncDeps, holdId: number, staff: string): Promise<void> {
  const now = deps.now();
  const hold = await deps.db.selectFrom('hold').selectAll().where('id', '=', holdId).executeTakeFirst();
  if (!hold) throw new OperationError(`no hold ${holdId}`, { code: 'hold-not-found', category: 'not-found' });
  if (hold.state !== 'open') throw new OperationError(`hold ${holdId} is ${hold.state} already`, { code: 'hold-decided', category: 'conflict' });
  const property = await getPropertyById(deps.db, hold.property_id);
  const mirror = await loadMirror(deps.db, property.id);
  const endings = hold.endings as Array<{ registrationId: string; customerId: string; leaseIds: string[] }>;
  const regs = endings.length
    ? await deps.db
        .selectFrom('registration')
        .select(['id', 'state', 'access_end'])
        .where(
          'id',
          'in',
          endings.map((e) => Number(e.registrationId)),
        )
        .execute()
    : [];
  const kept: Array<{ customerId: string; leaseIds: string[]; until: string }> = [];
  await deps.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('hold')
      .set({ state: 'rejected', decided_at: now, decided_by: staff })
      .where('id', '=', holdId)
      .where('state', '=', 'open')
      .returning('id')
      .executeTakeFirst();
    // Decided by someone else since it was read.
    if (!updated) throw new OperationError(`hold ${holdId} was decided by someone else just now`, { code: 'hold-decided', category: 'conflict' });
    for (const e of endings) {
      const reg = regs.find((r) => r.id === Number(e.registrationId));
      if (!reg || (reg.state !== 'active' && reg.state !== 'blocked')) continue;
      const termEnds = e.leaseIds
        .map((id) => mirror.get(id as SnapshotLease['id'])?.lease.leaseEnd ?? null)
        .filter((d): d is NonNullable<typeof d> => d !== null)
        .map((d) => startOfLocalDay(addDays(d, 1 + property.lateMoveOutDays), property.timeZone));
      const until = reg.access_end?.getTime() ?? (termEnds.length > 0 ? Math.max(...termEnds) : null);
      if (until === null || until <= now.getTime()) continue;
      const at = new Date(until);
      for (const leaseId of e.leaseIds) {
        await trx
          .insertInto('lease_override')
          .values({ property_id: property.id, lease_id: leaseId, customer_id: e.customerId, late_end_at: at, updated_by: staff, updated_at: now })
          .onConflict((oc) =>
            oc.columns(['property_id', 'lease_id', 'customer_id']).doUpdateSet({
              late_end_at: sql`greatest(lease_override.late_end_at, excluded.late_end_at)`,
              updated_by: staff,
              updated_at: now,
            }),
          )
          .execute();
      }
      kept.push({ customerId: e.customerId, leaseIds: e.leaseIds, until: at.toISOString() });
    }
    await recordAudit(trx, { at: now, propertyId: property.id, actor: staff, action: 'reject-hold', rule: 'S3', details: { holdId, kept } });
  });
  if (kept.length > 0) await replan(deps, property.id, staff);
}
