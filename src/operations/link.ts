import { sql } from 'kysely';
import { getPropertyById } from '../properties/properties.ts';
import type { SyncDeps, SyncResult } from '../sync/sync-property.ts';
import { recordAudit } from './audit.ts';
import { OperationError } from './errors.ts';
import { requireResident } from './residents.ts';
import { replan, type Staged, type Target } from './target.ts';

/** E3: records two customer ids as one person; `withId` becomes an alias of the target's customer id. */
export async function stageLink(deps: SyncDeps, t: Target, withId: string): Promise<Staged> {
  const property = await getPropertyById(deps.db, t.propertyDbId);
  if (withId === t.customerId) throw new OperationError('a customer id cannot be linked to itself', { code: 'link-to-self' });
  const main = await requireResident(deps.db, property.accountId, t.customerId);
  const now = deps.now();
  await deps.db.transaction().execute(async (trx) => {
    const other = await trx
      .insertInto('resident')
      .values({ account_id: property.accountId, customer_id: withId, linked_to: main })
      .onConflict((oc) => oc.columns(['account_id', 'customer_id']).doUpdateSet({ linked_to: main, updated_at: now }))
      .returning('id')
      .executeTakeFirstOrThrow();
    if (other.id === main) throw new OperationError(`${withId} and ${t.customerId} are one resident already`, { code: 'linked-already', category: 'conflict' });
    // Everyone linked to the alias now links to the main record, and its history follows (one PSK history).
    await trx.updateTable('resident').set({ linked_to: main }).where('linked_to', '=', other.id).execute();
    await trx.updateTable('registration').set({ resident_id: main }).where('resident_id', '=', other.id).execute();
    await trx.updateTable('block').set({ resident_id: main }).where('resident_id', '=', other.id).execute();
    await sql`update psk set current = false, revoked_at = ${now} where resident_id = ${other.id} and current and exists (select 1 from psk k where k.resident_id = ${main} and k.property_id = psk.property_id and k.current)`.execute(
      trx,
    );
    await trx.updateTable('psk').set({ resident_id: main }).where('resident_id', '=', other.id).execute();
    // One history: the messages sent and the recorded changes under the alias are the person's too
    // (each audit row keeps the customer id it was made under in its details).
    await trx.updateTable('outbox').set({ resident_id: main }).where('resident_id', '=', other.id).execute();
    await trx.updateTable('audit_event').set({ resident_id: main }).where('resident_id', '=', other.id).execute();
    // A network entry follows its key.
    await trx.updateTable('network_key').set({ resident_id: main }).where('resident_id', '=', other.id).execute();
    await recordAudit(trx, { at: now, propertyId: property.id, residentId: main, actor: t.staff, action: 'link', rule: 'E3', details: { alias: withId } });
  });
  return { replan: true };
}

/** E3: link, then re-plan: the alias's leases now count for the one resident. */
export async function link(deps: SyncDeps, t: Target, withId: string): Promise<SyncResult> {
  await stageLink(deps, t, withId);
  return replan(deps, t.propertyDbId, t.staff);
}
