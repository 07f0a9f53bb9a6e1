import { loadConfig, type Config } from '../config/config.ts';
import type { SecretBox } from '../crypto/secrets.ts';
import { asDatabaseUnavailable, openDatabase, type Database, type Db } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { assertSecretKeyConfigured, openSecretBox } from './secret-key.ts';
import { ensureDataDir } from './data-dir.ts';

/** What every command and process needs: configuration, logs, the database and the secret box. */
export interface AppContext {
  config: Config;
  log: Logger;
  db: Db;
  database: Database;
  secrets: SecretBox;
  close(): Promise<void>;
}

/**
 * Opens the database (migrating it), then proves the secret key against it (src/app/secret-key.ts):
 * a key that does not match stops here, before anything is written with it.
 */
export async function openApp(opts: { config?: Config; log?: Logger } = {}): Promise<AppContext> {
  const config = opts.config ?? loadConfig();
  const log = opts.log ?? createLogger({ level: config.logLevel, format: config.logFormat });
  if (!config.databaseUrl) await ensureDataDir(config.dataDir);
  assertSecretKeyConfigured(config);
  const database = await openDatabase(config, (msg) => log.info(msg));
  let secrets: SecretBox;
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) log.info({ migrations: applied }, 'database migrated');
    secrets = await openSecretBox(database.db, config, log);
  } catch (err) {
    await database.close();
    // The first statement: a server down, a database missing or a wrong password shows here.
    throw asDatabaseUnavailable(err, database.url);
  }
  return {
    config,
    log,
    db: database.db,
    database,
    secrets,
    close: () => database.close(),
  };
}
