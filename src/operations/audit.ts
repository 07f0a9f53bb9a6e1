import type { Db } from '../db/database.ts';

/** One entry of the audit trail: who (O6) did what, to whom, under which rule. */
export interface AuditEntry {
  at: Date;
  propertyId: number | null;
  /** The main resident record (E3), or null for an action not about one resident. */
  residentId?: number | null;
  /** The staff actor (`user:…`, `token:…`, `cli:…`) or 'sync'. */
  actor: string;
  action: string;
  rule?: string | null;
  leaseId?: string | null;
  details: object;
}

const row = (e: AuditEntry) => ({
  at: e.at,
  property_id: e.propertyId,
  resident_id: e.residentId ?? null,
  actor: e.actor,
  action: e.action,
  rule: e.rule ?? null,
  lease_id: e.leaseId ?? null,
  details: JSON.stringify(e.details),
});

/** Records one audit event. Pass the transaction of the change it records, so neither exists without the other. */
export async function recordAudit(db: Db, e: AuditEntry): Promise<void> {
  await db.insertInto('audit_event').values(row(e)).execute();
}

export async function recordAudits(db: Db, es: readonly AuditEntry[]): Promise<void> {
  if (es.length > 0) await db.insertInto('audit_event').values(es.map(row)).execute();
}
