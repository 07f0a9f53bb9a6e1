import type { Db } from '../db/database.ts';
import { listProperties } from '../properties/properties.ts';
import type { Caller } from './caller.ts';
import type { Role } from './permissions.ts';

export interface CallerProperty {
  propertyId: string;
  account: string;
  name: string;
  role: Role;
}

/** The properties a caller may see, with their role on each (`admin` on every one for an administrator). */
export async function callerProperties(db: Db, caller: Caller): Promise<CallerProperty[]> {
  const all = await listProperties(db);
  return all
    .filter((p) => caller.admin || caller.roles.has(p.id))
    .map((p) => ({ propertyId: p.entrataId, account: p.accountName, name: p.name, role: caller.admin ? 'admin' : caller.roles.get(p.id)! }));
}
