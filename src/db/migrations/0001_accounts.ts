import { sql, type Kysely } from 'kysely';

// Entrata accounts (F-01): one per management company. The credential is stored encrypted.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('entrata_account')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('subdomain', 'text', (c) => c.notNull())
    .addColumn('base_url', 'text')
    .addColumn('country', 'text', (c) => c.notNull().defaultTo('US'))
    .addColumn('credential_kind', 'text', (c) => c.notNull().check(sql`credential_kind in ('apikey', 'basic')`))
    .addColumn('credential_encrypted', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('entrata_account').execute();
}
