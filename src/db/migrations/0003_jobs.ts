import { sql, type Kysely } from 'kysely';

/**
 * Scheduling and scale (issue: the sync runs itself): what the dispatcher keeps between ticks.
 * The job queue itself is pg-boss's own schema (`pgboss`), which pg-boss installs and migrates.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // The Entrata budget's verdict per property: the interval it can have (null = as configured) and why.
  await db.schema
    .alterTable('property')
    .addColumn('effective_interval_minutes', 'integer')
    .addColumn('budget_note', 'text')
    // Entrata calls a full sync of this property costs, per service, as last measured.
    .addColumn('entrata_calls', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();

  // The latest X-RateLimit-* reading per account and service, shared by every process.
  await db.schema
    .createTable('entrata_rate_limit')
    .addColumn('account_id', 'bigint', (c) => c.notNull().references('entrata_account.id').onDelete('cascade'))
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('observed_at', 'timestamptz', (c) => c.notNull())
    // [{name, limit, remaining, resetSeconds}]; [] when Entrata answered without rate-limit headers.
    .addColumn('windows', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addPrimaryKeyConstraint('entrata_rate_limit_pk', ['account_id', 'service'])
    .execute();

  // One row: when the dispatcher last ticked (any process), so several workers tick once between them.
  await db.schema
    .createTable('dispatcher_state')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('last_tick_at', 'timestamptz')
    .addColumn('last_tick_by', 'text')
    .execute();
  await sql`insert into dispatcher_state (id) values (1)`.execute(db);

  // "Is a run of this property in progress?" (sync-now answered by the running run).
  await sql`create index sync_run_running_idx on sync_run (property_id) where status = 'running'`.execute(db);

  // Steady state (S1 at scale): a scheduled sync that finds Entrata unchanged skips plan() when nothing
  // else plan() reads has changed since the last plan. Every write to a table plan() reads records the
  // writing transaction and the account it touched (account 0: every account); a property keeps the
  // snapshot (pg_current_snapshot) its last plan read under, so "anything committed since that the plan
  // did not see?" is one indexed query. Empty statements record nothing.
  await db.schema.alterTable('property').addColumn('plan_snapshot', 'text').addColumn('planned_at', 'timestamptz').execute();
  await sql`create table plan_input_change (
    txid xid8 not null,
    account_id bigint not null,
    at timestamptz not null default now(),
    primary key (txid, account_id)
  )`.execute(db);
  await sql`create index plan_input_change_at_idx on plan_input_change (at)`.execute(db);
  // Looking up a resident's leases elsewhere (U rules) probes this GIN index once per customer; with
  // fastupdate each probe also scans the pending list a cold sync's inserts leave behind (seconds).
  await sql`alter index lease_mirror_customers_idx set (fastupdate = off)`.execute(db);
  await sql`create function pebbles_plan_input_changed() returns trigger language plpgsql as $$
    begin
      -- TG_ARGV[0]: how a row names its account ('account_id' or 'property_id').
      if TG_ARGV[0] = 'account_id' then
        if TG_OP = 'DELETE' then
          insert into plan_input_change (txid, account_id) select distinct pg_current_xact_id(), o.account_id from old_rows o on conflict do nothing;
        else
          insert into plan_input_change (txid, account_id) select distinct pg_current_xact_id(), n.account_id from new_rows n on conflict do nothing;
        end if;
      else
        if TG_OP = 'DELETE' then
          insert into plan_input_change (txid, account_id)
            select distinct pg_current_xact_id(), coalesce(p.account_id, 0) from old_rows o left join property p on p.id = o.property_id on conflict do nothing;
        else
          insert into plan_input_change (txid, account_id)
            select distinct pg_current_xact_id(), coalesce(p.account_id, 0) from new_rows n left join property p on p.id = n.property_id on conflict do nothing;
        end if;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create function pebbles_plan_policy_changed() returns trigger language plpgsql as $$
    begin
      insert into plan_input_change (txid, account_id) values (pg_current_xact_id(), 0) on conflict do nothing;
      return null;
    end $$`.execute(db);
  const inputs: Array<[string, 'account_id' | 'property_id']> = [
    ['resident', 'account_id'],
    ['lease_mirror', 'property_id'],
    ['registration', 'property_id'],
    ['psk', 'property_id'],
    ['lease_override', 'property_id'],
    ['block', 'property_id'],
    ['hold', 'property_id'],
    ['unit', 'property_id'],
  ];
  for (const [table, by] of inputs) {
    for (const [op, ref] of [
      ['insert', 'new table as new_rows'],
      ['update', 'new table as new_rows'],
      ['delete', 'old table as old_rows'],
    ] as const) {
      await sql
        .raw(`create trigger ${table}_plan_input_${op} after ${op} on ${table} referencing ${ref}
        for each statement execute function pebbles_plan_input_changed('${by}')`)
        .execute(db);
    }
  }
  // The property's own policy (what plan() reads of it); the sync's bookkeeping columns are left out.
  await sql`create trigger property_plan_policy after insert or delete or update of enabled, time_zone, ssid, sms_enabled, first_welcome,
    early_move_in_days, late_move_out_days on property for each statement execute function pebbles_plan_policy_changed()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['resident', 'lease_mirror', 'registration', 'psk', 'lease_override', 'block', 'hold', 'unit']) {
    for (const op of ['insert', 'update', 'delete']) await sql.raw(`drop trigger if exists ${table}_plan_input_${op} on ${table}`).execute(db);
  }
  await sql`drop trigger if exists property_plan_policy on property`.execute(db);
  await sql`drop function if exists pebbles_plan_input_changed()`.execute(db);
  await sql`drop function if exists pebbles_plan_policy_changed()`.execute(db);
  await sql`drop table if exists plan_input_change`.execute(db);
  await db.schema.alterTable('property').dropColumn('plan_snapshot').dropColumn('planned_at').execute();
  await sql`alter index lease_mirror_customers_idx reset (fastupdate)`.execute(db);
  await sql`drop index if exists sync_run_running_idx`.execute(db);
  await db.schema.dropTable('dispatcher_state').execute();
  await db.schema.dropTable('entrata_rate_limit').execute();
  await db.schema.alterTable('property').dropColumn('effective_interval_minutes').dropColumn('budget_note').dropColumn('entrata_calls').execute();
}
