import { sql } from 'kysely';
import { explain } from '../engine/explain.ts';
import { namesOf } from '../engine/context.ts';
import { asCustomerId, asPropertyId } from '../engine/snapshot.ts';
import { getPropertyById, type PropertySettings } from '../properties/properties.ts';
import { isoInZone } from '../registry/views.ts';
import { loadMirror } from '../sync/mirror.ts';
import { buildPlan, type SyncDeps } from '../sync/sync-property.ts';
import { OperationError } from './errors.ts';
import { findResident, propertyLivedAt } from './residents.ts';

/**
 * F-11: why a resident has or lacks access: the engine's reading of their leases, rules and overrides
 * now, then the recorded changes (rule, lease, run or staff member) that brought them here (S6).
 */
export async function explainResident(
  deps: Pick<SyncDeps, 'db' | 'now'>,
  customerId: string,
  propertyDbId?: number,
  /** 'property': only changes recorded at this property, for staff who may see it alone (the API). */
  historyOf: 'account' | 'property' = 'account',
): Promise<string[]> {
  const property = propertyDbId !== undefined ? await getPropertyById(deps.db, propertyDbId) : await propertyOf(deps, customerId);
  const mirror = await loadMirror(deps.db, property.id);
  const built = await buildPlan(deps.db, property, mirror, null, null, deps.now(), false);
  const lines = explain(built.input, asCustomerId(customerId));
  // The person's history: under any id linked to theirs (E3), their changes are kept on the main record.
  const residentId = await findResident(deps.db, property.accountId, customerId);
  const history =
    residentId === null
      ? []
      : await deps.db
          .selectFrom('audit_event as a')
          .leftJoin('property as p', 'p.id', 'a.property_id')
          .select([
            'a.at',
            'a.actor',
            'a.run_id',
            'a.action',
            'a.rule',
            'a.lease_id',
            'a.property_id',
            'p.entrata_id',
            sql<string | null>`a.details->>'reason'`.as('reason'),
          ])
          .where('a.resident_id', '=', residentId)
          .where('a.action', '!=', 'upsert-resident')
          .$if(historyOf === 'property', (q) => q.where((eb) => eb.or([eb('a.property_id', '=', property.id), eb('a.property_id', 'is', null)])))
          .orderBy('a.id', 'desc')
          .limit(15)
          .execute();
  // A change recorded at another property of the account says where (its text names units of that property).
  const names = namesOf(built.input);
  const elsewhere = (h: (typeof history)[number]) => (h.property_id !== property.id && h.entrata_id ? ` at ${names.property(asPropertyId(h.entrata_id))}` : '');
  if (history.length > 0) {
    lines.push('', 'Recorded changes, newest first:');
    for (const h of history) {
      const who = h.actor === 'sync' ? `sync run ${h.run_id}` : `${h.actor}${h.run_id ? ` (run ${h.run_id})` : ''}`;
      lines.push(
        `  ${isoInZone(new Date(h.at), property.timeZone)} ${h.action}${h.rule ? ` [${h.rule}]` : ''}${h.lease_id ? ` lease ${h.lease_id}` : ''}${elsewhere(h)} by ${who}${h.reason ? `: ${h.reason}` : ''}`,
      );
    }
  }
  return lines;
}

/** The property where the resident lives or last lived, else the first with a lease of theirs. */
async function propertyOf(deps: Pick<SyncDeps, 'db'>, customerId: string): Promise<PropertySettings> {
  const id = await propertyLivedAt(deps.db, customerId);
  if (id !== null) return getPropertyById(deps.db, id);
  throw new OperationError(`customer ${customerId} is on no lease Pebbles has read (sync the property first)`, {
    code: 'customer-not-found',
    category: 'not-found',
  });
}
