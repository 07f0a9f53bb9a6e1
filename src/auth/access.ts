import type { Db } from '../db/database.ts';
import { UserError } from '../errors/user-error.ts';
import { propertiesByEntrataId, type PropertySettings } from '../properties/properties.ts';
import { allowedProperties, mayOn, type Caller } from './caller.ts';
import type { Permission } from './permissions.ts';

/**
 * The one access check of the API. A property is looked up only among those the caller may see, so
 * one they may not see answers exactly as one that does not exist (404); seen but without the
 * permission is 403. Every other object is then looked up within the property this returns.
 */
export async function resolveProperty(db: Db, caller: Caller, permission: Permission, entrataId: string, accountName?: string): Promise<PropertySettings> {
  const visible = allowedProperties(caller, 'property.view');
  const rows = await propertiesByEntrataId(db, entrataId, accountName, visible);
  if (rows.length === 0) throw propertyNotFound(entrataId, accountName);
  if (rows.length > 1)
    throw new UserError(`property ${entrataId} exists in several Entrata accounts: add ?account=NAME`, { code: 'property-ambiguous', category: 'conflict' });
  const property = rows[0]!;
  if (!mayOn(caller, permission, property.id)) {
    throw new UserError(`your role at property ${entrataId} does not allow this (${permission}); ask the property's owner or an administrator`, {
      code: 'forbidden',
      category: 'forbidden',
    });
  }
  return property;
}

export function propertyNotFound(entrataId: string, accountName?: string): UserError {
  return new UserError(`no property ${entrataId}${accountName ? ` in account "${accountName}"` : ''} that you may see`, {
    code: 'property-not-found',
    category: 'not-found',
  });
}

/** The property ids the caller holds a permission on, for a query's `where property_id in (…)`; 'all' for administrators. */
export { allowedProperties };
