import type { Db } from '../db/database.ts';
import { getPropertyById, type PropertySettings } from '../properties/properties.ts';
import type { SyncDeps } from '../sync/sync-property.ts';
import { recordAudits } from './audit.ts';
import { OperationError } from './errors.ts';
import { enqueueMany } from './outbox.ts';
import { findResidents } from './residents.ts';
import type { Staged, Target } from './target.ts';

// N3: send the current key again. One implementation for one resident (the resident operation) and for a
// selection (`pebbles resend`): each resident gets their own notification, which carries the key current
// when it is sent, and their own audit entry.

export interface ResendResult {
  queued: Array<{ customerId: string; notificationId: number }>;
  /** Customer ids that could not be queued, with the reason. */
  refused: Array<{ customerId: string; reason: string }>;
}

interface Refusal {
  customerId: string;
  code: 'customer-not-found' | 'no-key';
  reason: string;
}

interface Wanted {
  customerId: string;
  residentId: number;
}

/** Who of the selection can be sent their key: a resident of the account with a current key here. */
async function sortOut(db: Db, property: PropertySettings, customerIds: readonly string[]): Promise<{ wanted: Wanted[]; refused: Refusal[] }> {
  const residents = await findResidents(db, property.accountId, customerIds);
  const keyed = new Set(
    residents.size === 0
      ? []
      : (
          await db
            .selectFrom('psk')
            .select('resident_id')
            .where('property_id', '=', property.id)
            .where('current', '=', true)
            .where('resident_id', 'in', [...residents.values()])
            .execute()
        ).map((k) => k.resident_id),
  );
  const wanted: Wanted[] = [];
  const refused: Refusal[] = [];
  for (const customerId of customerIds) {
    const residentId = residents.get(customerId);
    if (residentId === undefined) refused.push({ customerId, code: 'customer-not-found', reason: 'not a resident Pebbles knows at this account' });
    else if (!keyed.has(residentId)) refused.push({ customerId, code: 'no-key', reason: `has no key at property ${property.entrataId}` });
    // Two linked ids of one person (E3) get one message.
    else if (!wanted.some((w) => w.residentId === residentId)) wanted.push({ customerId, residentId });
  }
  return { wanted, refused };
}

/** Queues one resend per resident with its audit entry, in one transaction; answers resident id → notification id. */
async function queueResends(db: Db, property: PropertySettings, wanted: readonly Wanted[], staff: string, now: Date): Promise<Map<number, number>> {
  return db.transaction().execute(async (trx) => {
    const rows = await enqueueMany(
      trx,
      wanted.map((w) => ({
        propertyId: property.id,
        residentId: w.residentId,
        kind: 'resend',
        rule: 'N3',
        payload: { ssid: property.ssid },
        createdBy: staff,
        createdAt: now,
      })),
    );
    await recordAudits(
      trx,
      wanted.map((w) => ({
        at: now,
        propertyId: property.id,
        residentId: w.residentId,
        actor: staff,
        action: 'resend',
        rule: 'N3',
        details: { selection: wanted.length },
      })),
    );
    return new Map(rows.map((r) => [r.residentId!, r.id]));
  });
}

/** N3 for a selection: those without a key here are listed, not queued. */
export async function resendKeys(db: Db, who: { propertyDbId: number; customerIds: string[]; staff: string; now?: Date }): Promise<ResendResult> {
  const property = await getPropertyById(db, who.propertyDbId);
  const ids = [...new Set(who.customerIds)];
  if (ids.length === 0) throw new OperationError('choose at least one resident', { code: 'customers-needed' });
  const { wanted, refused } = await sortOut(db, property, ids);
  const result: ResendResult = { queued: [], refused: refused.map(({ customerId, reason }) => ({ customerId, reason })) };
  if (wanted.length === 0) return result;
  const byResident = await queueResends(db, property, wanted, who.staff, who.now ?? new Date());
  for (const w of wanted) result.queued.push({ customerId: w.customerId, notificationId: byResident.get(w.residentId)! });
  return result;
}

/** N3 for one resident: refused with the reason when they have no key here. */
export async function stageResend(deps: SyncDeps, t: Target): Promise<Staged> {
  const property = await getPropertyById(deps.db, t.propertyDbId);
  const { wanted, refused } = await sortOut(deps.db, property, [t.customerId]);
  const no = refused[0];
  if (no) throw new OperationError(`customer ${t.customerId} ${no.reason}`, { code: no.code, category: no.code === 'no-key' ? 'conflict' : 'not-found' });
  const byResident = await queueResends(deps.db, property, wanted, t.staff, deps.now());
  return { replan: false, notificationId: byResident.get(wanted[0]!.residentId)! };
}

export async function resend(deps: SyncDeps, t: Target): Promise<void> {
  await stageResend(deps, t);
}
