import { sql, type Kysely } from 'kysely';

/**
 * The registry (issue: lifecycle engine): properties and their policy, units, residents, the lease
 * mirror (last good snapshot, S4), registrations, keys, overrides, blocks, holds, sync runs, audit,
 * the notification outbox and the published network state.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const id = (c: any) => c.primaryKey().generatedAlwaysAsIdentity();
  const now = sql`now()`;

  await db.schema
    .createTable('property')
    .addColumn('id', 'bigint', id)
    .addColumn('account_id', 'bigint', (c) => c.notNull().references('entrata_account.id'))
    .addColumn('entrata_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('ssid', 'text', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('sync_interval_minutes', 'integer', (c) => c.notNull().defaultTo(30))
    .addColumn('sms_enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('first_welcome', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('early_move_in_days', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('late_move_out_days', 'integer', (c) => c.notNull().defaultTo(0))
    // The values set when the property was enabled: "reset to default" (F-06) returns to them.
    .addColumn('default_early_move_in_days', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('default_late_move_out_days', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('enabled_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('first_synced_at', 'timestamptz')
    .addColumn('last_sync_at', 'timestamptz')
    .addColumn('last_success_at', 'timestamptz')
    .addColumn('last_error', 'jsonb')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_sync_at', 'timestamptz')
    .addColumn('next_transition_at', 'timestamptz')
    .addColumn('network_version', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('property_account_entrata_uq', ['account_id', 'entrata_id'])
    .execute();

  await db.schema
    .createTable('unit')
    .addColumn('id', 'bigint', id)
    .addColumn('property_id', 'bigint', (c) => c.notNull().references('property.id').onDelete('cascade'))
    .addColumn('entrata_id', 'text', (c) => c.notNull())
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('building', 'text')
    .addColumn('spaces', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    // S5: a unit Entrata no longer lists is kept until a manager confirms its removal.
    .addColumn('missing_since', 'timestamptz')
    .addColumn('removed_at', 'timestamptz')
    .addColumn('removed_by', 'text')
    .addUniqueConstraint('unit_property_entrata_uq', ['property_id', 'entrata_id'])
    .execute();

  await db.schema
    .createTable('resident')
    .addColumn('id', 'bigint', id)
    .addColumn('account_id', 'bigint', (c) => c.notNull().references('entrata_account.id'))
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('first_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('last_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('email', 'text')
    .addColumn('mobile', 'text')
    .addColumn('contact_problems', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    // E3: a manager may link this customer id to another one of the same person.
    .addColumn('linked_to', 'bigint', (c) => c.references('resident.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('resident_account_customer_uq', ['account_id', 'customer_id'])
    .execute();

  // The lease mirror: the last good version of every lease the property's syncs have read (S2, S4).
  await db.schema
    .createTable('lease_mirror')
    .addColumn('property_id', 'bigint', (c) => c.notNull().references('property.id').onDelete('cascade'))
    .addColumn('lease_id', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    // Customers on the lease: the U rules look up a resident's leases at other properties by it.
    .addColumn('customer_ids', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('quarantine_reason', 'text')
    .addColumn('missing_since', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('lease_mirror_pk', ['property_id', 'lease_id'])
    .execute();
  await sql`create index lease_mirror_customers_idx on lease_mirror using gin (customer_ids)`.execute(db);

  await db.schema
    .createTable('sync_run')
    .addColumn('id', 'bigint', id)
    .addColumn('property_id', 'bigint', (c) => c.notNull().references('property.id').onDelete('cascade'))
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('scope', 'jsonb')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('finished_at', 'timestamptz')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('running'))
    .addColumn('counts', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('error', 'jsonb')
    .addColumn('hold_id', 'bigint')
    .addColumn('actor', 'text')
    .execute();
  await db.schema.createIndex('sync_run_property_idx').on('sync_run').columns(['property_id', 'started_at']).execute();

  await db.schema
    .createTable('registration')
    .addColumn('id', 'bigint', id)
    .addColumn('resident_id', 'bigint', (c) => c.notNull().references('resident.id'))
    .addColumn('property_id', 'bigint', (c) => c.notNull().references('property.id').onDelete('cascade'))
    .addColumn('unit_entrata_id', 'text', (c) => c.notNull())
    .addColumn('space_ids', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('lease_ids', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'active', 'blocked', 'ended')`))
    .addColumn('access_start', 'timestamptz')
    .addColumn('access_end', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .addColumn('rule', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('registration_resident_idx').on('registration').columns(['resident_id', 'state']).execute();
  await db.schema.createIndex('registration_property_idx').on('registration').columns(['property_id', 'state']).execute();

  // PSKs (P1..P4): encrypted; unique within a property through a keyed hash; history kept.
  await db.schema
    .createTable('psk')
    .addColumn('id', 'bigint', id)
    .addColumn('resident_id', 'bigint', (c) => c.notNull().references('resident.id'))
    .addColumn('property_id', 'bigint', (c) => c.notNull().references('property.id').onDelete('cascade'))
    .addColumn('secret_encrypted', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('current', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('rule', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('revoked_at', 'timestamptz')
    .addUniqueConstraint('psk_property_fingerprint_uq', ['property_id', 'fingerprint'])
    .execute();
  await sql`create unique index psk_one_current on psk (resident_id, property_id) where current`.execute(db);

  await db.schema
    .createTable('lease_override')
    .addColumn('property_id', 'bigint', (c) => c.notNull().references('property.id').onDelete('cascade'))
    .addColumn('lease_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    // O1..O4, as instants (a chosen local date becomes the start or end of that day).
    .addColumn('early_start_at', 'timestamptz')
    .addColumn('late_end_at', 'timestamptz')
    .addColumn('move_in_now_at', 'timestamptz')
    .addColumn('move_out_now_at', 'timestamptz')
    .addColumn('transfer_now_at', 'timestamptz')
    .addColumn('pinned_at', 'timestamptz')
    .addColumn('updated_by', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('lease_override_pk', ['property_id', 'lease_id', 'customer_id'])
    .execute();

  await db.schema
    .createTable('block')
    .addColumn('id', 'bigint', id)
    .addColumn('resident_id', 'bigint', (c) => c.notNull().references('resident.id'))
    .addColumn('property_id', 'bigint', (c) => c.notNull().references('property.id').onDelete('cascade'))
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('lifted_at', 'timestamptz')
    .addColumn('lifted_by', 'text')
    .execute();

  await db.schema
    .createTable('hold')
    .addColumn('id', 'bigint', id)
    .addColumn('property_id', 'bigint', (c) => c.notNull().references('property.id').onDelete('cascade'))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('open').check(sql`state in ('open', 'approved', 'rejected')`))
    .addColumn('endings', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('opened_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('opened_by_run', 'bigint')
    .addColumn('decided_at', 'timestamptz')
    .addColumn('decided_by', 'text')
    .execute();
  await sql`create unique index hold_one_open on hold (property_id) where state = 'open'`.execute(db);

  await db.schema
    .createTable('audit_event')
    .addColumn('id', 'bigint', id)
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('property_id', 'bigint', (c) => c.references('property.id').onDelete('cascade'))
    .addColumn('resident_id', 'bigint', (c) => c.references('resident.id'))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('run_id', 'bigint')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('rule', 'text')
    .addColumn('lease_id', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('audit_event_resident_idx').on('audit_event').columns(['resident_id', 'at']).execute();
  await db.schema.createIndex('audit_event_property_idx').on('audit_event').columns(['property_id', 'at']).execute();

  // The outbox (N4): written in the same transaction as the change that causes the message.
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'bigint', id)
    .addColumn('property_id', 'bigint', (c) => c.notNull().references('property.id').onDelete('cascade'))
    .addColumn('resident_id', 'bigint', (c) => c.references('resident.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('rule', 'text')
    .addColumn('payload', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('queued'))
    .addColumn('not_before', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('run_id', 'bigint')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('outbox_due_idx').on('outbox').columns(['state', 'not_before']).execute();

  // The published network state: the keys that must work now, with their unit (F-25, F-26 follow it).
  await db.schema
    .createTable('network_key')
    .addColumn('property_id', 'bigint', (c) => c.notNull().references('property.id').onDelete('cascade'))
    .addColumn('psk_id', 'bigint', (c) => c.notNull().references('psk.id'))
    .addColumn('resident_id', 'bigint', (c) => c.notNull().references('resident.id'))
    .addColumn('unit_entrata_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('network_key_pk', ['property_id', 'psk_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'network_key',
    'outbox',
    'audit_event',
    'hold',
    'block',
    'lease_override',
    'psk',
    'registration',
    'sync_run',
    'lease_mirror',
    'resident',
    'unit',
    'property',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
