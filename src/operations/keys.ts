import { getPropertyById } from '../properties/properties.ts';
import { insertKeys, publishNetworkState } from '../sync/apply.ts';
import type { SyncDeps } from '../sync/sync-property.ts';
import { recordAudit } from './audit.ts';
import { OperationError } from './errors.ts';
import { enqueue } from './outbox.ts';
import { requireResident, requireResidentAt } from './residents.ts';
import type { Staged, Target } from './target.ts';

/** P4: a new key; the old one stops working and the resident is told (N2). No re-plan: access is unchanged. */
export async function stageRotateKey(deps: SyncDeps, t: Target): Promise<Staged> {
  const property = await getPropertyById(deps.db, t.propertyDbId);
  const rid = await requireResident(deps.db, property.accountId, t.customerId);
  const now = deps.now();
  const notificationId = await deps.db.transaction().execute(async (trx) => {
    const old = await trx
      .updateTable('psk')
      .set({ current: false, revoked_at: now })
      .where('resident_id', '=', rid)
      .where('property_id', '=', property.id)
      .where('current', '=', true)
      .returning('id')
      .execute();
    if (old.length === 0)
      throw new OperationError(`customer ${t.customerId} has no key at property ${property.entrataId} to rotate`, { code: 'no-key', category: 'conflict' });
    await insertKeys(trx, { secrets: deps.secrets, propertyDbId: property.id, now }, [{ residentId: rid, rule: 'P4' }]);
    const id = await enqueue(trx, {
      propertyId: property.id,
      residentId: rid,
      kind: 'new-key',
      rule: 'P4',
      payload: { reason: 'rotation', ssid: property.ssid },
      createdBy: t.staff,
      createdAt: now,
    });
    await recordAudit(trx, {
      at: now,
      propertyId: property.id,
      residentId: rid,
      actor: t.staff,
      action: 'rotate-key',
      rule: 'P4',
      details: { revoked: old.map((k) => k.id) },
    });
    await publishNetworkState(trx, property.id);
    return id;
  });
  return { replan: false, notificationId };
}

export async function rotateKey(deps: SyncDeps, t: Target): Promise<void> {
  await stageRotateKey(deps, t);
}

/**
 * P3: the resident's current key in clear, for staff allowed to see it. The reveal is recorded before
 * the key is decrypted, so a failure to record shows nothing.
 */
export async function revealKey(deps: SyncDeps, t: Target): Promise<{ ssid: string; key: string }> {
  const property = await getPropertyById(deps.db, t.propertyDbId);
  await requireResidentAt(deps.db, property, t.customerId);
  const rid = await requireResident(deps.db, property.accountId, t.customerId);
  const key = await deps.db
    .selectFrom('psk')
    .select(['id', 'secret_encrypted'])
    .where('resident_id', '=', rid)
    .where('property_id', '=', property.id)
    .where('current', '=', true)
    .executeTakeFirst();
  if (!key) throw new OperationError(`customer ${t.customerId} has no key at property ${property.entrataId}`, { code: 'no-key', category: 'conflict' });
  await recordAudit(deps.db, {
    at: deps.now(),
    propertyId: property.id,
    residentId: rid,
    actor: t.staff,
    action: 'reveal-key',
    rule: 'P3',
    details: { pskId: key.id },
  });
  return { ssid: property.ssid, key: deps.secrets.decrypt(key.secret_encrypted) };
}
