import { loadConfig, ConfigError, type Config } from '../config/config.ts';
import { createSecretBox, loadOrCreateKeyFile, type SecretBox } from '../crypto/secrets.ts';
import { asDatabaseUnavailable, openDatabase, type Database, type Db } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { createLogger, type Logger } from '../log/logger.ts';
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

export async function secretKeyFor(config: Config): Promise<Buffer> {
  if (config.secretKey) return config.secretKey;
  if (config.databaseUrl) {
    throw new ConfigError('PEBBLES_SECRET_KEY: required when DATABASE_URL is set (32 bytes as 64 hex characters or base64; `openssl rand -hex 32` makes one)');
  }
  return loadOrCreateKeyFile(config.dataDir);
}

/** Opens the database (migrating it) and everything around it. */
export async function openApp(opts: { config?: Config; log?: Logger } = {}): Promise<AppContext> {
  const config = opts.config ?? loadConfig();
  const log = opts.log ?? createLogger({ level: config.logLevel, format: config.logFormat });
  if (!config.databaseUrl) await ensureDataDir(config.dataDir);
  const secrets = createSecretBox(await secretKeyFor(config));
  const database = await openDatabase(config, (msg) => log.info(msg));
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) log.info({ migrations: applied }, 'database migrated');
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
