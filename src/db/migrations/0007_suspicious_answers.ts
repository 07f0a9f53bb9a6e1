import type { Kysely } from 'kysely';

/**
 * A sync whose Entrata answer looks wrong though it was applied (an empty lease list where leases were
 * open: access kept by S2) says why on its run. The property records it as its last error and counts it
 * towards failing (src/sync/sync-property.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sync_run').addColumn('suspicious', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sync_run').dropColumn('suspicious').execute();
}
