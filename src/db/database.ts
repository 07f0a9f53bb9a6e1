import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Config } from '../config/config.ts';
import { UserError } from '../errors/user-error.ts';
import { startEmbeddedServer, type EmbeddedServer } from './embedded.ts';
import type { DB } from './schema.ts';

// PostgreSQL `bigint` and `numeric` come back as strings by default; counts we read are small.
pg.types.setTypeParser(20, (v) => Number(v));

export type Db = Kysely<DB>;

/** The database cannot be reached or refuses us: a situation to fix or wait out, not a bug. */
export class DatabaseUnavailableError extends UserError {
  static override defaultCode = 'database-unavailable';
  static override defaultCategory = 'unavailable' as const;
  override name = 'DatabaseUnavailableError';
}

// Connection-level failures: network errors, and PostgreSQL's classes 08 (connection), 28 (authorisation),
// 3D (no such database) and 57P (shutting down, starting up).
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** The same error as a DatabaseUnavailableError when it says the server cannot be used, else unchanged. */
export function asDatabaseUnavailable(err: unknown, url: string): unknown {
  if (err instanceof DatabaseUnavailableError) return err;
  const e = err as { code?: string; message?: string; errors?: { code?: string }[] };
  const code = e?.code ?? e?.errors?.[0]?.code ?? '';
  const timedOut = /timeout|timed out|Connection terminated/i.test(e?.message ?? '');
  if (!NETWORK_CODES.has(code) && !/^(08|28|3D|57P)/.test(code) && !timedOut) return err;
  return new DatabaseUnavailableError(`the database at ${where(url)} cannot be used (${e.message || code}): start it, or check DATABASE_URL`, { cause: err });
}

/** host:port/database of a connection string, never its password. */
export function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

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
  // Nor a checked-out one's: a connection the server ends (a database dropped, a restart) between two
  // queries of a holder has no listener, and its error would end the process. Its next query fails
  // instead, and the pool drops it on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
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
