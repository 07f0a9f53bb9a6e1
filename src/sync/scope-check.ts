import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { idStr } from '../entrata/quirks.ts';
import type { SnapshotUnit } from '../engine/snapshot.ts';
import { UserError } from '../errors/user-error.ts';
import { compareIds } from './registry-state.ts';
import type { SyncScope } from './sync-property.ts';
import { loadUnits } from './units.ts';
import { knownAtProperty } from '../operations/residents.ts';

/** A sync asked for a unit or a resident the property does not have: refused before a run is recorded. */
export class ScopeError extends UserError {
  static override defaultCode = 'sync-scope';
  override name = 'ScopeError';
}

/** The property a scope is checked against. */
export interface ScopeProperty {
  id: number;
  accountId: number;
  entrataId: string;
}

/**
 * Asks Entrata what Pebbles' records cannot answer: the units of a property never read in full, and
 * whether a resident Pebbles has never seen has a lease there (a new lease is what a resident sync is
 * for). Only a process with an Entrata client has one; without it such scopes pass, and the sync that
 * runs them checks again with one.
 */
export interface ScopeProbe {
  units(): Promise<SnapshotUnit[]>;
  customerHasLeases(customerId: string): Promise<boolean>;
}

/**
 * Refuses a unit or resident scope that names nothing at the property, saying what exists. Used by every
 * sync (src/sync/sync-property.ts) and by the sync-now API before a request is queued. A probe that
 * fails (Entrata down) proves nothing: the scope passes and the sync records Entrata's failure as usual.
 */
export async function checkScopes(db: Kysely<DB>, property: ScopeProperty, scopes: readonly SyncScope[], probe?: ScopeProbe): Promise<void> {
  let units: SnapshotUnit[] | undefined;
  for (const scope of scopes) {
    if (scope.kind === 'unit') {
      units ??= await loadUnits(db, property.id);
      if (units.length === 0 && probe) units = await probe.units().catch(() => []);
      checkUnit(property, units, scope);
    } else if (scope.kind === 'customer') {
      await checkCustomer(db, property, scope.customerId, probe);
    }
  }
}

function checkUnit(property: ScopeProperty, units: SnapshotUnit[], scope: Extract<SyncScope, { kind: 'unit' }>): void {
  // Nothing stored and nothing Entrata could say: there is nothing to compare with.
  if (units.length === 0) return;
  const building = scope.building ?? null;
  const numbered = units.filter((u) => u.number === scope.unitNumber);
  if (numbered.some((u) => building === null || u.building === building)) return;
  const see = `see \`pebbles entrata units --property ${property.entrataId}\``;
  if (numbered.length > 0) {
    const where = list(numbered.map((u) => u.building ?? '(none)'));
    throw new ScopeError(
      `no unit ${scope.unitNumber} in building ${building} at property ${property.entrataId} (unit ${scope.unitNumber} is in building${numbered.length > 1 ? 's' : ''} ${where}; ${see})`,
      { code: 'unit-not-found' },
    );
  }
  throw new ScopeError(
    `no unit ${scope.unitNumber}${building ? ` in building ${building}` : ''} at property ${property.entrataId} (${describeUnits(units)}; ${see})`,
    { code: 'unit-not-found' },
  );
}

/** "units 101-460 in buildings 1-4" */
export function describeUnits(units: SnapshotUnit[]): string {
  const numbers = units.map((u) => u.number).sort(compareIds);
  const range = numbers.length === 1 ? `unit ${numbers[0]}` : `${numbers.length} units, ${numbers[0]} to ${numbers[numbers.length - 1]}`;
  const buildings = [...new Set(units.map((u) => u.building).filter((b): b is string => b !== null))].sort(compareIds);
  if (buildings.length === 0) return range;
  return `${range}, in building${buildings.length > 1 ? 's' : ''} ${buildings.length > 6 ? `${buildings[0]} to ${buildings[buildings.length - 1]}` : list(buildings)}`;
}

const list = (xs: string[]) => [...new Set(xs)].join(', ');

async function checkCustomer(db: Kysely<DB>, property: ScopeProperty, customerId: string, probe: ScopeProbe | undefined): Promise<void> {
  if (idStr(customerId) === null) {
    throw new ScopeError(
      `customer ${JSON.stringify(customerId)} is not an Entrata customer id (a number such as 12345; see \`pebbles residents --property ${property.entrataId}\`)`,
      { code: 'invalid-customer-id' },
    );
  }
  if (await knownAtProperty(db, property, customerId)) return;
  // A resident Pebbles has not seen yet may have a new lease: Entrata says.
  const inEntrata = probe ? await probe.customerHasLeases(customerId).catch(() => null) : null;
  if (inEntrata === false) {
    const { count } = await db
      .selectFrom('lease_mirror')
      .select(sql<number>`count(distinct c)`.as('count'))
      .innerJoin(sql`unnest(customer_ids)`.as('c'), (j) => j.onTrue())
      .where('property_id', '=', property.id)
      .executeTakeFirstOrThrow();
    throw new ScopeError(
      `customer ${customerId} has no lease at property ${property.entrataId}, in Entrata or in Pebbles (Pebbles knows ${count} customer${count === 1 ? '' : 's'} there; see \`pebbles residents --property ${property.entrataId}\`)`,
      { code: 'customer-not-found' },
    );
  }
}
