import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { OperationError } from './errors.ts';

/**
 * The one resident lookup of the staff operations. Customer ids are unique per Entrata account only, and
 * one person may have several (E3: an alias links to the main record), so a resident is looked up by
 * account and customer id and answered as the main record's id: the one their keys, registrations,
 * blocks and history hang on.
 */
export async function findResident(db: Db, accountId: number, customerId: string): Promise<number | null> {
  const r = await db
    .selectFrom('resident')
    .select(['id', 'linked_to'])
    .where('account_id', '=', accountId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return r ? (r.linked_to ?? r.id) : null;
}

/** As findResident, for a selection: customer id → main record id; ids Pebbles does not know are absent. */
export async function findResidents(db: Db, accountId: number, customerIds: readonly string[]): Promise<Map<string, number>> {
  if (customerIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('resident')
    .select(['id', 'linked_to', 'customer_id'])
    .where('account_id', '=', accountId)
    .where('customer_id', 'in', [...customerIds])
    .execute();
  return new Map(rows.map((r) => [r.customer_id, r.linked_to ?? r.id]));
}

/** The resident an operation is about, or a not-found error that says so. */
export async function requireResident(db: Db, accountId: number, customerId: string): Promise<number> {
  const id = await findResident(db, accountId, customerId);
  if (id === null)
    throw new OperationError(`customer ${customerId} is not a resident Pebbles knows at this account`, { code: 'customer-not-found', category: 'not-found' });
  return id;
}

/** The one property where the customers (one, or a selection) are registered now, for an operation given no property. */
export async function registeredPropertyOf(db: Db, customers: string | readonly string[]): Promise<number> {
  const ids = typeof customers === 'string' ? [customers] : [...customers];
  const who = ids.length === 1 ? `customer ${ids[0]} is` : 'these customers are';
  const regs = await db
    .selectFrom('registration as g')
    .innerJoin('resident as r', 'r.id', 'g.resident_id')
    .select('g.property_id')
    .distinct()
    .where('r.customer_id', 'in', ids)
    .where('g.state', '!=', 'ended')
    .execute();
  if (regs.length === 1) return regs[0]!.property_id;
  if (regs.length > 1) throw new OperationError(`${who} registered at several properties: give --property`, { code: 'property-needed' });
  if (ids.length === 1) {
    const known = await db.selectFrom('resident').select('id').where('customer_id', '=', ids[0]!).limit(1).executeTakeFirst();
    if (!known)
      throw new OperationError(`no resident with customer id ${ids[0]} (see \`pebbles residents --property ID\`)`, {
        code: 'customer-not-found',
        category: 'not-found',
      });
  }
  throw new OperationError(`${ids.length === 1 ? `customer ${ids[0]} has` : 'these customers have'} no current registration: give --property`, {
    code: 'property-needed',
  });
}

/** Whether the customer is a resident of the property: on a lease of it Pebbles has read, or registered there (under any id linked to theirs, E3). */
export async function knownAtProperty(db: Db, property: { id: number; accountId: number }, customerId: string): Promise<boolean> {
  const onLease = await db
    .selectFrom('lease_mirror')
    .select('lease_id')
    .where('property_id', '=', property.id)
    .where(sql<boolean>`customer_ids @> array[${customerId}]::text[]`)
    .limit(1)
    .executeTakeFirst();
  if (onLease) return true;
  const residentId = await findResident(db, property.accountId, customerId);
  if (residentId === null) return false;
  const registered = await db
    .selectFrom('registration')
    .select('id')
    .where('resident_id', '=', residentId)
    .where('property_id', '=', property.id)
    .limit(1)
    .executeTakeFirst();
  return !!registered;
}

/** Refuses a customer who is not a resident of the property, as not found (a resident elsewhere is not this property's to act on). */
export async function requireResidentAt(db: Db, property: { id: number; accountId: number; entrataId: string }, customerId: string): Promise<void> {
  if (await knownAtProperty(db, property, customerId)) return;
  throw new OperationError(
    `customer ${customerId} is not a resident of property ${property.entrataId} (see \`pebbles residents --property ${property.entrataId}\`)`,
    { code: 'customer-not-found', category: 'not-found' },
  );
}

/** The properties (database ids) of the account where the customer is on a lease or registered: whom an operation on them concerns. */
export async function propertiesOfCustomer(db: Db, accountId: number, customerId: string): Promise<number[]> {
  const residentId = await findResident(db, accountId, customerId);
  const rows = await db
    .selectFrom('lease_mirror as l')
    .innerJoin('property as p', 'p.id', 'l.property_id')
    .select('l.property_id as id')
    .where('p.account_id', '=', accountId)
    .where(sql<boolean>`l.customer_ids @> array[${customerId}]::text[]`)
    .union(
      db
        .selectFrom('registration')
        .select('property_id as id')
        .where('resident_id', '=', residentId ?? -1),
    )
    .execute();
  return [...new Set(rows.map((r) => r.id))];
}

/** The property (database id) where the customer lives or last lived, else the first with a lease of theirs; null when none. */
export async function propertyLivedAt(db: Db, customerId: string): Promise<number | null> {
  const reg = await db
    .selectFrom('registration as g')
    .innerJoin('resident as r', 'r.id', 'g.resident_id')
    .select('g.property_id')
    .where('r.customer_id', '=', customerId)
    .orderBy(sql`case g.state when 'active' then 0 when 'blocked' then 1 when 'pending' then 2 else 3 end`)
    .orderBy('g.id', 'desc')
    .executeTakeFirst();
  if (reg) return reg.property_id;
  const lease = await db.selectFrom('lease_mirror').select('property_id').where(sql<boolean>`${customerId} = any(customer_ids)`).executeTakeFirst();
  return lease?.property_id ?? null;
}
