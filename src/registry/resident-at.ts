import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { UserError } from '../errors/user-error.ts';
import { findResident } from '../operations/residents.ts';

/** A resident as seen from one property: their record, and every customer id they are known by there (E3). */
export interface ResidentAt {
  /** The main record (a linked id resolves to the record it was linked to); null for someone only on a lease (never registered). */
  residentId: number | null;
  customerId: string;
  /** The asked id, the main record's id and the ids linked to it. */
  customerIds: string[];
  firstName: string;
  lastName: string;
  email: string | null;
  mobile: string | null;
  contactProblems: string[];
}

export function residentNotFound(customerId: string, entrataId: string): UserError {
  return new UserError(`no resident ${customerId} at property ${entrataId} (search the property's residents for their customer id)`, {
    code: 'resident-not-found',
    category: 'not-found',
  });
}

/**
 * The resident with this customer id, looked up within the property: they have (or had) a registration
 * there, or are on a lease of its mirror. Anyone else, including a resident of another property of the
 * same account, is not found, exactly like an id that does not exist.
 */
export async function residentAt(db: Db, property: { id: number; accountId: number; entrataId: string }, customerId: string): Promise<ResidentAt> {
  const mainId = await findResident(db, property.accountId, customerId);
  const main = mainId === null ? null : await db.selectFrom('resident').selectAll().where('id', '=', mainId).executeTakeFirstOrThrow();
  const ids = main
    ? [
        ...new Set([
          customerId,
          main.customer_id,
          ...(await db.selectFrom('resident').select('customer_id').where('linked_to', '=', main.id).execute()).map((r) => r.customer_id),
        ]),
      ]
    : [customerId];
  const registered = main
    ? await db.selectFrom('registration').select('id').where('property_id', '=', property.id).where('resident_id', '=', main.id).limit(1).executeTakeFirst()
    : undefined;
  const leased = registered
    ? true
    : (await db
        .selectFrom('lease_mirror')
        .select('lease_id')
        .where('property_id', '=', property.id)
        .where(sql<boolean>`customer_ids && ${sql.val(ids)}::text[]`)
        .limit(1)
        .executeTakeFirst()) !== undefined;
  if (!leased) throw residentNotFound(customerId, property.entrataId);
  return {
    residentId: main?.id ?? null,
    customerId: main?.customer_id ?? customerId,
    customerIds: ids,
    firstName: main?.first_name ?? '',
    lastName: main?.last_name ?? '',
    email: main?.email ?? null,
    mobile: main?.mobile ?? null,
    contactProblems: main?.contact_problems ?? [],
  };
}
