import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Config } from '../config/config.ts';
import { startEmbeddedServer, type EmbeddedServer } from './embedded.ts';
import type { DB } from './schema.ts';

// PostgreSQL `bigint` and `numeric` come back as strings by default; counts we read are small.
pg.types.setTypeParser(20, (v) => Number(v));

export type Db = Kysely<DB>;

export interface Database {
  db: Db;
  /** The connection string in use (with the embedded server's generated password). */
  url: string;
  embedded: EmbeddedServer | null;
  close(): Promise<void>;
}

export function createKysely(url: string, poolSize = 10): Db {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: 'pebbles' });
  // An idle client's error (server restarted) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}

/** Connects to DATABASE_URL, or to the embedded server (joining or starting it). */
export async function openDatabase(config: Config, log?: (msg: string) => void): Promise<Database> {
  const embedded = config.databaseUrl ? null : await startEmbeddedServer({ dataDir: config.dataDir, log });
  const url = config.databaseUrl ?? (await ensureDatabase(embedded!, 'pebbles'));
  const db = createKysely(url);
  return {
    db,
    url,
    embedded,
    async close() {
      await db.destroy();
      await embedded?.release();
    },
  };
}

async function ensureDatabase(server: EmbeddedServer, name: string): Promise<string> {
  const client = new pg.Client(server.url('postgres'));
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) {
      await client.query(`create database ${client.escapeIdentifier(name)}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
  return server.url(name);
}
