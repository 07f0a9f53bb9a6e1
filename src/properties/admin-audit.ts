import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';

/** An administrative change (settings, policy, accounts, enabling), not about one resident. */
export interface AdminAction {
  /** The property it changed; null for an account. */
  propertyId: number | null;
  /** `user:<email>` or `token:<name>` (O6). */
  actor: string;
  action: string;
  rule?: string | null;
  /** What changed; never a credential. */
  details: object;
  at: Date;
}

/** O6: every change records who made it. */
export async function recordAdminAction(db: Kysely<DB>, a: AdminAction): Promise<void> {
  await db
    .insertInto('audit_event')
    .values({
      at: a.at,
      property_id: a.propertyId,
      actor: a.actor,
      action: a.action,
      rule: a.rule ?? null,
      details: JSON.stringify(a.details),
    })
    .execute();
}
