import { sql, type Kysely } from 'kysely';

/**
 * The steady-state proof (src/sync/steady.ts) compares what Entrata answered with what the last full
 * sync read, by digest, before normalising anything:
 * - `answers_digest`: the bytes of every lease answer of that read (cheap: no walk of the parsed JSON);
 * - `nodes_digest`: the lease nodes as parsed, for when the bytes differ but not the data.
 * Both are set only by a full read that the mirror matched (no lease quarantined).
 * `plan_input_change.at` takes the wall clock of the write, not its transaction's start, so the
 * dispatcher's clean-up never removes the record of a long transaction still running.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('property').addColumn('answers_digest', 'text').addColumn('nodes_digest', 'text').execute();
  await sql`alter table plan_input_change alter column at set default clock_timestamp()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table plan_input_change alter column at set default now()`.execute(db);
  await db.schema.alterTable('property').dropColumn('answers_digest').dropColumn('nodes_digest').execute();
}
