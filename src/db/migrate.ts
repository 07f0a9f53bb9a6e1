import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './database.ts';
import * as m0001 from './migrations/0001_accounts.ts';
import * as m0002 from './migrations/0002_registry.ts';
import * as m0003 from './migrations/0003_jobs.ts';
import * as m0004 from './migrations/0004_notifications.ts';
import * as m0005 from './migrations/0005_steady_digests.ts';
import * as m0006 from './migrations/0006_secret_check.ts';
import * as m0007 from './migrations/0007_suspicious_answers.ts';

/** Every migration, in order. Listed here rather than read from disk so it works the same under any loader. */
const migrations: Record<string, Migration> = {
  '0001_accounts': m0001,
  '0002_registry': m0002,
  '0003_jobs': m0003,
  '0004_notifications': m0004,
  '0005_steady_digests': m0005,
  '0006_secret_check': m0006,
  '0007_suspicious_answers': m0007,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema up to date; Kysely's lock table keeps concurrent processes from racing. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
