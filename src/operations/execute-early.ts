import { sql } from 'kysely';
import { UserError } from '../errors/user-error.ts';
import type { PropertySettings } from '../properties/properties.ts';
import type { UpcomingKind } from '../registry/upcoming.ts';
import type { SyncDeps, SyncResult } from '../sync/sync-property.ts';
import { moveInNow, moveOutNow, transferNow, type Target } from './operations.ts';

/** O3: an upcoming change done now instead of on its day, by the manager operation of its kind. */
const NOW: Record<UpcomingKind, (deps: SyncDeps, t: Target) => Promise<SyncResult>> = {
  'move-in': moveInNow,
  'move-out': moveOutNow,
  transfer: transferNow,
};

/**
 * Runs an upcoming move-in, move-out or transfer now (O3), re-planning the property at once. Only a
 * customer on a lease of this property is acted on: one known only at another property of the account
 * is not found here, as one that does not exist.
 */
export async function executeEarly(deps: SyncDeps, p: PropertySettings, kind: UpcomingKind, t: Omit<Target, 'propertyDbId'>): Promise<SyncResult> {
  const lease = await deps.db
    .selectFrom('lease_mirror')
    .select('lease_id')
    .where('property_id', '=', p.id)
    .where(sql<boolean>`${t.customerId} = any(customer_ids)`)
    .limit(1)
    .executeTakeFirst();
  if (!lease)
    throw new UserError(`customer ${t.customerId} has no lease at property ${p.entrataId} that Pebbles knows (sync it first)`, {
      code: 'customer-not-found',
      category: 'not-found',
    });
  return NOW[kind](deps, { ...t, propertyDbId: p.id });
}
