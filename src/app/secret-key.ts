import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { ConfigError, type Config } from '../config/config.ts';
import {
  createSecretBox,
  generateKey,
  installNewKeyFile,
  KEY_FILE_NAME,
  keyCheck,
  readKeyFile,
  SecretError,
  writeNewKeyFile,
  type SecretBox,
} from '../crypto/secrets.ts';
import type { Db } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';

/**
 * The secret key is proved against the database before any process uses it: the database holds a
 * check value of the key (src/db/migrations/0006_secret_check.ts), written once by the first
 * process that proves its key, and every later process must present a key with the same check.
 */
export class SecretKeyMismatchError extends SecretError {
  static override defaultCode = 'secret-key-mismatch';
  static override defaultCategory = 'refused' as const;
  override name = 'SecretKeyMismatchError';
}

/** Every encrypted column, by table (the migration's guard lists the same). */
const ENCRYPTED = [
  { table: 'entrata_account', column: 'credential_encrypted', what: 'Entrata credentials' },
  { table: 'psk', column: 'secret_encrypted', what: 'Wi-Fi keys' },
  { table: 'delivery', column: 'content_encrypted', what: 'copies of sent messages' },
  { table: 'caught_message', column: 'raw_encrypted', what: 'caught messages' },
] as const;
type EncryptedTable = (typeof ENCRYPTED)[number]['table'];

interface CheckRow {
  check_value: string;
  key_id: string;
}

async function readCheck(db: Db): Promise<CheckRow | undefined> {
  return db.selectFrom('secret_check').select(['check_value', 'key_id']).where('id', '=', 1).executeTakeFirst();
}

/** The oldest stored value of each encrypted column that holds any. */
async function oldestSecrets(db: Db): Promise<Array<{ table: EncryptedTable; value: string }>> {
  const found = await Promise.all(
    ENCRYPTED.map(async ({ table, column }) => {
      const { rows } = await sql<{
        v: string;
      }>`select ${sql.ref(column)} as v from ${sql.table(table)} where ${sql.ref(column)} is not null order by id limit 1`.execute(db);
      return rows[0] ? { table, value: rows[0].v } : null;
    }),
  );
  return found.filter((f) => f !== null);
}

const mismatch = (source: string) =>
  new SecretKeyMismatchError(
    `the secret key (${source}) is not the one this database's secrets are encrypted with: start with the key it was set up with (or the new one, after pebbles secret rotate)`,
  );

/**
 * Proves `key` against the database: by its check value, or, in a database that has none yet, by
 * decrypting the oldest value of each encrypted column (none: a new database), then writes the
 * check value. Two processes proving different keys at once: one insert wins, the other is refused.
 */
export async function proveSecretKey(db: Db, key: Buffer, source: string): Promise<SecretBox> {
  const box = createSecretBox(key);
  const check = await readCheck(db);
  if (check) {
    if (check.check_value !== box.check) throw mismatch(source);
    return box;
  }
  for (const { table, value } of await oldestSecrets(db)) {
    try {
      box.decrypt(value);
    } catch {
      throw new SecretKeyMismatchError(
        `the secret key (${source}) does not decrypt the stored ${table} secrets: start with the key the database was set up with`,
      );
    }
  }
  await db
    .insertInto('secret_check')
    .values({ check_value: box.check, key_id: box.keyId })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const now = await readCheck(db);
  if (now?.check_value !== box.check) throw mismatch(source);
  return box;
}

/** Whether the key comes from the embedded default's key file (no PEBBLES_SECRET_KEY). */
export const usesKeyFile = (config: Config): boolean => !config.secretKey && !config.databaseUrl;

/** Refuses, before the database is opened, a configuration that cannot name a key at all. */
export function assertSecretKeyConfigured(config: Config): void {
  if (!config.secretKey && config.databaseUrl) {
    throw new ConfigError('PEBBLES_SECRET_KEY: required when DATABASE_URL is set (32 bytes as 64 hex characters or base64; `openssl rand -hex 32` makes one)');
  }
}

/**
 * The secret box of this process, proved against the open database. On the embedded default the
 * key file is read, or generated only for a database that holds neither secrets nor a check value:
 * a key file gone missing with data present is a stop, never a silently new key.
 */
export async function openSecretBox(db: Db, config: Config, log: Logger): Promise<SecretBox> {
  assertSecretKeyConfigured(config);
  if (config.secretKey) return proveSecretKey(db, config.secretKey, 'PEBBLES_SECRET_KEY');
  const file = path.join(config.dataDir, KEY_FILE_NAME);
  let key = await readKeyFile(config.dataDir);
  const check = await readCheck(db);
  if (check && (!key || keyCheck(key).check !== check.check_value)) {
    // A rotation that committed but stopped before putting its new key file in place: finish it.
    const fresh = await readKeyFile(config.dataDir, `${KEY_FILE_NAME}.new`);
    if (fresh && keyCheck(fresh).check === check.check_value) {
      await installNewKeyFile(config.dataDir);
      log.warn({ file }, 'secret key: finished putting the rotated key file in place (the previous one is kept as secret.key.old)');
      key = fresh;
    }
  }
  if (!key) {
    if (check || (await oldestSecrets(db)).length > 0) {
      throw new SecretKeyMismatchError(
        `${file} is missing, but the database holds secrets encrypted with it: put the file back (from a backup), or set PEBBLES_SECRET_KEY to that key; a new key would leave them unreadable`,
        { code: 'secret-key-missing' },
      );
    }
    // Another process starting at once may have written it first: then its key is the one.
    if (await writeNewKeyFile(config.dataDir, generateKey())) log.info({ file }, 'secret key: generated (keep it with backups of the data directory)');
    key = (await readKeyFile(config.dataDir))!;
  }
  return proveSecretKey(db, key, file);
}

// ───────────────────────────── rotation ─────────────────────────────

export interface RotationResult {
  /** Values re-encrypted, by what they are. */
  counts: Record<string, number>;
  /** The key file now holding the new key (embedded default), or null: PEBBLES_SECRET_KEY must be changed. */
  keyFile: string | null;
}

const CHUNK = 500;

/**
 * Re-encrypts every stored secret and recomputes the Wi-Fi keys' fingerprints under `newKey`, and
 * replaces the check value, in one transaction. The check row is updated first: that waits for the
 * writers already under way, and the database's guard then refuses any value written under the old
 * key until and after the commit, so nothing is left behind under the old key.
 */
async function reencryptAll(db: Db, current: SecretBox, next: SecretBox): Promise<Record<string, number>> {
  return db.transaction().execute(async (trx) => {
    // Writers already under way on these tables finish first; new ones wait for the commit.
    await sql`lock table entrata_account, psk, delivery, caught_message in share row exclusive mode`.execute(trx);
    const replaced = await trx
      .updateTable('secret_check')
      .set({ check_value: next.check, key_id: next.keyId, rotated_at: sql`now()` })
      .where('id', '=', 1)
      .where('check_value', '=', current.check)
      .executeTakeFirst();
    if (replaced.numUpdatedRows === 0n) throw new SecretKeyMismatchError('the secret key was changed meanwhile by another rotation: nothing was changed here');
    const counts: Record<string, number> = {};
    for (const { table, column, what } of ENCRYPTED) {
      let after = 0;
      counts[what] = 0;
      for (;;) {
        const { rows } = await sql<{ id: number; v: string; property_id: number | null }>`
          select id, ${sql.ref(column)} as v, ${table === 'psk' ? sql`property_id` : sql`null::bigint`} as property_id
          from ${sql.table(table)} where id > ${after} and ${sql.ref(column)} is not null order by id limit ${CHUNK}`.execute(trx);
        if (rows.length === 0) break;
        const values = rows.map((r) => {
          let plain: string;
          try {
            plain = current.decrypt(r.v);
          } catch {
            throw new SecretError(
              `${table} ${r.id} does not decrypt with the current key: nothing was changed (the value is damaged, or was written under another key)`,
            );
          }
          return { id: r.id, v: next.encrypt(plain), f: table === 'psk' ? next.fingerprint(plain, `property:${r.property_id}`) : null };
        });
        const json = JSON.stringify(values);
        if (table === 'psk') {
          await sql`update psk t set secret_encrypted = v.v, fingerprint = v.f from jsonb_to_recordset(${json}::jsonb) as v(id bigint, v text, f text) where t.id = v.id`.execute(
            trx,
          );
        } else {
          await sql`update ${sql.table(table)} t set ${sql.ref(column)} = v.v from jsonb_to_recordset(${json}::jsonb) as v(id bigint, v text) where t.id = v.id`.execute(
            trx,
          );
        }
        counts[what] += rows.length;
        after = rows[rows.length - 1]!.id;
      }
    }
    return counts;
  });
}

/**
 * `pebbles secret rotate`: `current` is the proved box of this process; `newKey` null generates
 * one, which only the embedded default's key file can keep. With the key file, the new key is
 * written to `secret.key.new` before the transaction and put in place after its commit (the old
 * file kept as `secret.key.old`); a failed transaction removes `secret.key.new` again.
 */
export async function rotateSecretKey(db: Db, config: Config, current: SecretBox, newKey: Buffer | null): Promise<RotationResult> {
  const keyFile = usesKeyFile(config);
  if (!newKey && !keyFile)
    throw new SecretError(
      'give the new key with --new-key-file FILE or --new-key - (the key comes from PEBBLES_SECRET_KEY, so no key file can keep a generated one; `openssl rand -hex 32` makes one)',
      { code: 'usage' },
    );
  const key = newKey ?? generateKey();
  const next = createSecretBox(key);
  if (next.check === current.check) throw new SecretError('the new key is the current key', { code: 'usage' });
  const file = path.join(config.dataDir, KEY_FILE_NAME);
  if (keyFile) {
    if (
      await stat(`${file}.old`).then(
        () => true,
        () => false,
      )
    ) {
      throw new SecretError(`${file}.old exists (the key before an earlier rotation, needed for backups made before it): move it away first`);
    }
    if (!(await writeNewKeyFile(config.dataDir, key, `${KEY_FILE_NAME}.new`))) {
      throw new SecretError(`${file}.new exists, left by a rotation that did not commit (the database does not use it): remove it, then run this again`);
    }
  }
  let counts: Record<string, number>;
  try {
    counts = await reencryptAll(db, current, next);
  } catch (err) {
    const deadlocked = (err as { code?: string }).code === '40P01';
    // Removed only when the database proves the old key still holds (a lost COMMIT may have gone through).
    if (keyFile && (await readCheck(db).catch(() => undefined))?.check_value === current.check) await rm(`${file}.new`, { force: true });
    if (deadlocked)
      throw new SecretError('another process was writing the same rows at that moment; nothing was changed: run it again', {
        code: 'secret-rotate-conflict',
        category: 'conflict',
        cause: err,
      });
    throw err;
  }
  if (keyFile) await installNewKeyFile(config.dataDir);
  return { counts, keyFile: keyFile ? file : null };
}
