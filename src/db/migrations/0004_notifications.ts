import { sql, type Kysely } from 'kysely';

/**
 * Notifications (issue: outbox delivery by e-mail and SMS, with message history).
 *
 * - `delivery`: one row per outbox row and channel, with its own state machine (see
 *   the header of src/notifications/deliver.ts): queued, sending, sent, retrying,
 *   failed, skipped, and `maybe_twice` for N4's crash window. The stored copy of what was sent is
 *   encrypted (P3).
 * - `staff_message`: the subject and body of a personal message or a blast; one outbox row per
 *   recipient points at it, so recipients never see each other.
 * - `caught_message`: what the embedded SMTP and SMS catchers received (no SMTP configured),
 *   encrypted, so `pebbles mail list/show` can print real messages without sending anything.
 * - property: sender name and support contact printed in every message.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const now = sql`now()`;

  await db.schema.alterTable('property').addColumn('mail_sender_name', 'text').addColumn('support_email', 'text').addColumn('support_phone', 'text').execute();

  await db.schema
    .createTable('staff_message')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('property_id', 'bigint', (c) => c.notNull().references('property.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('message', 'blast')`))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('recipients', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('send_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('delivery')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('outbox_id', 'bigint', (c) => c.notNull().references('outbox.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('email', 'sms')`))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('queued').check(sql`state in ('queued', 'sending', 'sent', 'retrying', 'failed', 'skipped')`))
    // N4: a crash may have fallen between the provider's acceptance and our record; shown as "may have gone twice".
    .addColumn('maybe_twice', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('recipient', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('not_before', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('lease_until', 'timestamptz')
    .addColumn('worker', 'text')
    .addColumn('last_error', 'text')
    .addColumn('provider_id', 'text')
    // The subject as sent (no secret in it), for history lists; the full copy is encrypted (P3).
    .addColumn('subject', 'text')
    .addColumn('content_encrypted', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('sent_at', 'timestamptz')
    .addUniqueConstraint('delivery_outbox_channel_uq', ['outbox_id', 'channel'])
    .execute();
  await sql`create index delivery_due_idx on delivery (not_before, id) where state in ('queued', 'retrying')`.execute(db);
  await sql`create index delivery_sending_idx on delivery (lease_until) where state = 'sending'`.execute(db);
  await sql`create index outbox_queued_idx on outbox (not_before, id) where state = 'queued'`.execute(db);
  await sql`create index outbox_property_created_idx on outbox (property_id, created_at)`.execute(db);

  await db.schema
    .createTable('caught_message')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('email', 'sms')`))
    .addColumn('message_id', 'text')
    .addColumn('sender', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('recipients', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('subject', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('size', 'integer', (c) => c.notNull().defaultTo(0))
    // The raw MIME message or SMS body, encrypted: it carries a key (P3).
    .addColumn('raw_encrypted', 'text', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['caught_message', 'delivery', 'staff_message']) await db.schema.dropTable(t).execute();
  await sql`drop index if exists outbox_queued_idx`.execute(db);
  await sql`drop index if exists outbox_property_created_idx`.execute(db);
  await db.schema.alterTable('property').dropColumn('mail_sender_name').dropColumn('support_email').dropColumn('support_phone').execute();
}
