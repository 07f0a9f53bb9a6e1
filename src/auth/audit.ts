import type { Db } from '../db/database.ts';

/** Staff and token administration in the audit trail (O6): who did it, to whom, where. */
export type StaffAuditAction =
  | 'user-add'
  | 'user-disable'
  | 'user-reset-password'
  | 'staff-role-set'
  | 'staff-role-remove'
  | 'token-create'
  | 'token-revoke'
  | 'password-change'
  | 'password-reset';

export async function auditStaff(
  db: Db,
  e: { actor: string; action: StaffAuditAction; propertyId?: number | null; details: Record<string, unknown>; now: Date },
): Promise<void> {
  await db
    .insertInto('audit_event')
    .values({
      at: e.now,
      property_id: e.propertyId ?? null,
      resident_id: null,
      actor: e.actor,
      action: e.action,
      rule: 'O6',
      details: JSON.stringify(e.details),
    })
    .execute();
}
