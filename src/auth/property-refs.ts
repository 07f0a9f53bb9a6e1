import type { Db } from '../db/database.ts';
import { UserError } from '../errors/user-error.ts';
import { propertiesByEntrataId } from '../properties/properties.ts';

/**
 * The database ids of properties named by their Entrata ids (as staff type them, in the API's paths
 * and on the command line). `ID` alone when one account has it, `ACCOUNT:ID` when several do.
 */
export async function propertyDbIds(db: Db, refs: readonly string[], field = 'properties'): Promise<number[]> {
  const ids: number[] = [];
  for (const ref of new Set(refs.map((r) => r.trim()).filter(Boolean))) {
    const [account, entrataId] = ref.includes(':') ? [ref.slice(0, ref.indexOf(':')), ref.slice(ref.indexOf(':') + 1)] : [undefined, ref];
    const rows = await propertiesByEntrataId(db, entrataId, account, 'all');
    if (rows.length === 0) throw new UserError(`${field}: no property ${ref}`, { code: 'property-not-found', category: 'not-found' });
    if (rows.length > 1)
      throw new UserError(`${field}: property ${ref} exists in several Entrata accounts: write it ACCOUNT:${entrataId}`, {
        code: 'property-ambiguous',
        category: 'conflict',
      });
    ids.push(rows[0]!.id);
  }
  return ids;
}
