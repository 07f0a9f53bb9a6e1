import { sql, type Kysely } from 'kysely';

/**
 * Messages over the API (F-16, F-17):
 * - `staff_message.channels`: the channels staff chose for a message or blast (e-mail, SMS or both);
 *   delivery reads them instead of its per-kind default.
 * - `staff_message.unit_entrata_id`: a blast to the current residents of one unit (null: the property).
 * - `staff_message.cancelled_at/by`: a scheduled message cancelled before it went; its notifications
 *   are 'cancelled' and never fan out.
 * - `outbox_message_idx`: the notifications of one staff message (cancel, history).
 * - `caught_message.notification_id`: the notification a caught message was sent for (from its
 *   Message-ID or idempotency key), so a property's caught mail is one join, not a parse per row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('staff_message')
    .addColumn('channels', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{email}'::text[]`))
    .addColumn('unit_entrata_id', 'text')
    .addColumn('cancelled_at', 'timestamptz')
    .addColumn('cancelled_by', 'text')
    .execute();
  // The same expression as staffMessageIdOf (src/notifications/payloads.ts): a messageId that is not a plain number indexes as null.
  await sql`create index outbox_message_idx on outbox ((case when payload->>'messageId' ~ '^[0-9]{1,18}$' then (payload->>'messageId')::bigint end)) where payload ? 'messageId'`.execute(
    db,
  );
  await db.schema.alterTable('caught_message').addColumn('notification_id', 'bigint').execute();
  await sql`
    update caught_message set notification_id = coalesce(
      substring(message_id from '^<?pebbles\\.notification\\.(\\d+)@'),
      substring(message_id from '^pebbles-notification-(\\d+)-(?:email|sms)$'))::bigint
    where message_id is not null`.execute(db);
  await sql`create index caught_message_notification_idx on caught_message (notification_id, id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists caught_message_notification_idx`.execute(db);
  await db.schema.alterTable('caught_message').dropColumn('notification_id').execute();
  await sql`drop index if exists outbox_message_idx`.execute(db);
  await db.schema
    .alterTable('staff_message')
    .dropColumn('channels')
    .dropColumn('unit_entrata_id')
    .dropColumn('cancelled_at')
    .dropColumn('cancelled_by')
    .execute();
}
