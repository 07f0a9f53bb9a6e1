import { z } from 'zod';
import { UserError } from '../errors/user-error.ts';
import type { SyncDeps } from '../sync/sync-property.ts';
import type { HttpDeps } from './server.ts';

/** Path and query parts shared by the property routes. */
export const EntrataId = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'expected an Entrata property id such as 100123');
export const CustomerId = z
  .string({ error: 'expected an Entrata customer id as text (digits)' })
  .regex(/^\d{1,20}$/, 'expected an Entrata customer id (digits)');
export const UnitNumber = z
  .string({ error: 'expected a unit number as text' })
  .min(1, 'expected a unit number, not empty text')
  .max(40, 'expected a unit number of at most 40 characters');
export const Building = z
  .string({ error: 'expected a building name as text' })
  .min(1, 'expected a building name, not empty text')
  .max(100, 'expected a building name of at most 100 characters');
export const PropertyParams = z.object({ propertyId: EntrataId });
/** `?account=NAME` picks the property when two Entrata accounts have the same property id. */
export const AccountQuery = { account: z.string().min(1).max(100).optional().describe('The Entrata account, when two accounts have a property of that id') };

/** The dependencies staff operations run with; a process without them cannot serve these routes. */
export function needOperations(deps: HttpDeps): SyncDeps {
  if (!deps.operations)
    throw new UserError('this process cannot run staff operations (no Entrata clients)', { code: 'no-operations', category: 'unavailable' });
  return deps.operations;
}
