import { sql, type Kysely } from 'kysely';

/**
 * The secret key's check value (src/app/secret-key.ts): one row, written by the first process
 * that proves its key (never by this migration: every database gets its own key), replaced only by
 * `pebbles secret rotate`.
 *
 * A guard on every encrypted column refuses a value whose key id (its fifth part) is not the one
 * the check row names. It reads the row FOR SHARE, so a rotation (which updates the row at its
 * start, in its one transaction) waits for writers already under way and then holds back new ones
 * until it commits; those then see the new key id and fail instead of writing under the old key.
 * An update that leaves the value as it was is not checked, so values with no key id (written
 * before this migration) stay until rotated. With no check row yet (a new database before its
 * first process starts) every value passes.
 */
const GUARDED: Array<[table: string, column: string]> = [
  ['entrata_account', 'credential_encrypted'],
  ['psk', 'secret_encrypted'],
  ['delivery', 'content_encrypted'],
  ['caught_message', 'raw_encrypted'],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('secret_check')
    .addColumn('id', 'smallint', (c) => c.primaryKey().defaultTo(1).check(sql`id = 1`))
    .addColumn('check_value', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('rotated_at', 'timestamptz')
    .execute();

  await sql`
    create function secret_key_guard() returns trigger language plpgsql as $$
    declare
      v text := to_jsonb(new) ->> tg_argv[0];
      kid text;
    begin
      if v is null then return new; end if;
      select key_id into kid from secret_check where id = 1 for share;
      if not found or split_part(v, '.', 5) = kid then return new; end if;
      raise exception 'a secret encrypted under another key than the database''s (%.%): the secret key was changed by pebbles secret rotate; restart this process with the new key', tg_table_name, tg_argv[0]
        using errcode = 'PB001';
    end $$`.execute(db);

  for (const [table, column] of GUARDED) {
    // Updates that leave the column as it was (most of them) do not call the guard at all.
    await sql`create trigger ${sql.id(`${table}_secret_key_guard_insert`)} before insert on ${sql.table(table)}
      for each row execute function secret_key_guard(${sql.lit(column)})`.execute(db);
    await sql`create trigger ${sql.id(`${table}_secret_key_guard_update`)} before update of ${sql.id(column)} on ${sql.table(table)}
      for each row when (old.${sql.id(column)} is distinct from new.${sql.id(column)}) execute function secret_key_guard(${sql.lit(column)})`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [table] of GUARDED) {
    for (const op of ['insert', 'update']) await sql`drop trigger ${sql.id(`${table}_secret_key_guard_${op}`)} on ${sql.table(table)}`.execute(db);
  }
  await sql`drop function secret_key_guard()`.execute(db);
  await db.schema.dropTable('secret_check').execute();
}
