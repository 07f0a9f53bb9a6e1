import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './database.ts';
import * as m0001 from './migrations/0001_accounts.ts';
import * as m0002 from './migrations/0002_registry.ts';
import * as m0003 from './migrations/0003_jobs.ts';
import * as m0004 from './migrations/0004_notifications.ts';
import * as m0005 from './migrations/0005_steady_digests.ts';
import * as m0006 from './migrations/0006_secret_check.ts';
import * as m0007 from './migrations/0007_suspicious_answers.ts';
import * as m0008 from './migrations/0008_staff.ts';
import * as m0009 from './migrations/0009_read_indexes.ts';
import * as m0010 from './migrations/0010_message_scope.ts';

/** Every migration, in order. Listed here rather than read from disk so it works the same under any loader. */
const migrations: Record<string, Migration> = {
  '0001_accounts': m0001,
  '0002_registry': m0002,
  '0003_jobs': m0003,
  '0004_notifications': m0004,
  '0005_steady_digests': m0005,
  '0006_secret_check': m0006,
  '0007_suspicious_answers': m0007,
  '0008_staff': m0008,
  '0009_read_indexes': m0009,
  '0010_message_scope': m0010,
};

/** How many migrations this version has (an empty database lacks them all). */
export const MIGRATION_COUNT = Object.keys(migrations).length;

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema up to date; Kysely's lock table keeps concurrent processes from racing. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * The migrations this version knows that the database has not run (all of them in an empty database):
 * what `pebbles migrate` would apply. Cheaper than the Migrator's own listing, for readiness probes.
 */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const table = await sql<{ present: boolean }>`select to_regclass('kysely_migration') is not null as present`.execute(db);
  const rows = table.rows[0]?.present ? (await sql<{ name: string }>`select name from kysely_migration`.execute(db)).rows : [];
  const done = new Set(rows.map((r) => r.name));
  return Object.keys(migrations).filter((name) => !done.has(name));
}
