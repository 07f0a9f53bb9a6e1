import { sql, type Kysely } from 'kysely';

/**
 * Staff sign-in (F-19, F-28): staff users with a role per property, server-side sessions, API tokens,
 * password resets and the sign-in attempts that throttle guessing. No secret is stored in clear: a
 * password as its argon2id hash, a session, token or reset link as the SHA-256 of its random secret.
 *
 * The outbox also carries mail to a staff user (a password reset): such a row names the user and may
 * name no property (an administrator has none).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const now = sql`now()`;

  await db.schema
    .createTable('staff_user')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('admin', 'boolean', (c) => c.notNull().defaultTo(false))
    // A one-time or administrator-set password: every route but the password change answers 403 until changed.
    .addColumn('must_change_password', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('disabled_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  // One account per address whatever its case: Ana@Example.com and ana@example.com are one person.
  await sql`create unique index staff_user_email_uq on staff_user (lower(email))`.execute(db);

  await db.schema
    .createTable('staff_role')
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('staff_user.id').onDelete('cascade'))
    .addColumn('property_id', 'bigint', (c) => c.notNull().references('property.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('owner', 'manager', 'employee')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('staff_role_pk', ['user_id', 'property_id'])
    .execute();
  await sql`create index staff_role_property_idx on staff_role (property_id)`.execute(db);

  await db.schema
    .createTable('staff_session')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('staff_user.id').onDelete('cascade'))
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    // Sent back in X-CSRF-Token on every state-changing request made with the cookie.
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
    .addColumn('idle_expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await sql`create index staff_session_user_idx on staff_session (user_id) where revoked_at is null`.execute(db);

  await db.schema
    .createTable('api_token')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'owner', 'manager', 'employee')`))
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    // Null: created on the command line. A token stops working when its creator is disabled.
    .addColumn('created_by', 'bigint', (c) => c.references('staff_user.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  // The audit names a token by its name (O6): two live tokens never share one.
  await sql`create unique index api_token_name_uq on api_token (lower(name)) where revoked_at is null`.execute(db);

  await db.schema
    .createTable('api_token_property')
    .addColumn('token_id', 'bigint', (c) => c.notNull().references('api_token.id').onDelete('cascade'))
    .addColumn('property_id', 'bigint', (c) => c.notNull().references('property.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('api_token_property_pk', ['token_id', 'property_id'])
    .execute();

  await db.schema
    .createTable('password_reset')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('staff_user.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();
  await sql`create index password_reset_user_idx on password_reset (user_id, created_at)`.execute(db);

  await db.schema
    .createTable('sign_in_attempt')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    // Lower-cased as typed, known account or not: the throttle must not tell the two apart.
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('succeeded', 'boolean', (c) => c.notNull())
    .execute();
  await sql`create index sign_in_attempt_email_idx on sign_in_attempt (email, at)`.execute(db);
  await sql`create index sign_in_attempt_address_idx on sign_in_attempt (address, at)`.execute(db);
  await sql`create index sign_in_attempt_at_idx on sign_in_attempt (at)`.execute(db);

  await db.schema
    .alterTable('outbox')
    .addColumn('staff_user_id', 'bigint', (c) => c.references('staff_user.id').onDelete('cascade'))
    .execute();
  await sql`alter table outbox alter column property_id drop not null`.execute(db);
  await sql`alter table outbox add constraint outbox_recipient_ck check (property_id is not null or staff_user_id is not null)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from outbox where property_id is null`.execute(db);
  await sql`alter table outbox drop constraint outbox_recipient_ck`.execute(db);
  await sql`alter table outbox alter column property_id set not null`.execute(db);
  await db.schema.alterTable('outbox').dropColumn('staff_user_id').execute();
  for (const t of ['sign_in_attempt', 'password_reset', 'api_token_property', 'api_token', 'staff_session', 'staff_role', 'staff_user'])
    await db.schema.dropTable(t).execute();
}
