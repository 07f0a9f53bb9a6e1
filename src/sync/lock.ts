import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Db } from '../db/database.ts';
import { UserError } from '../errors/user-error.ts';

/** Advisory-lock namespace of property syncs (the first key of the two-key form). */
export const SYNC_LOCK_CLASS = 0x5ebb1e5;

export class PropertyBusyError extends UserError {
  static override defaultCode = 'property-busy';
  static override defaultCategory = 'conflict' as const;
  override name = 'PropertyBusyError';
  constructor(readonly propertyId: number) {
    super(`property ${propertyId} is being synced by another process; try again when it has finished`);
  }
}

/**
 * Runs `fn` holding the property's session-level advisory lock on one reserved connection, so two
 * syncs of one property never overlap, whichever process starts them. A process that dies releases
 * the lock with its connection. `fn` gets that connection to run its transaction on.
 */
export async function withPropertyLock<T>(
  db: Db,
  propertyId: number,
  opts: { wait: boolean; timeoutMs?: number },
  fn: (conn: Kysely<DB>) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    if (opts.wait) {
      await sql`select set_config('lock_timeout', ${`${opts.timeoutMs ?? 600_000}ms`}, false)`.execute(conn);
      try {
        await sql`select pg_advisory_lock(${SYNC_LOCK_CLASS}, ${propertyId})`.execute(conn);
      } catch (err) {
        if ((err as { code?: string }).code === '55P03') throw new PropertyBusyError(propertyId);
        throw err;
      } finally {
        await sql`select set_config('lock_timeout', '0', false)`.execute(conn);
      }
    } else {
      const { rows } = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${SYNC_LOCK_CLASS}, ${propertyId}) as ok`.execute(conn);
      if (!rows[0]?.ok) throw new PropertyBusyError(propertyId);
    }
    try {
      return await fn(conn);
    } finally {
      await sql`select pg_advisory_unlock(${SYNC_LOCK_CLASS}, ${propertyId})`.execute(conn);
    }
  });
}
