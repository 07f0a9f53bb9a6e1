import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db } from '../db/database.ts';
import { loadUnits } from '../sync/units.ts';
import { auditNames, auditWords, shownDetails } from './words.ts';

/**
 * F-23, O6: a property's audit trail, newest first, filtered in the database by who acted, about
 * which resident, what kind of change and when; paged, with the total the filter matches.
 */

export interface AuditFilter {
  /** The actor, or part of it: `user:ana@example.com`, `token:deploy`, `sync`, `ana@`. */
  actor?: string;
  /** Entries about this resident (and any id linked to them, E3). */
  customerId?: string;
  /** One kind of entry (`block`, `reveal-key`, `end`, `blast` …). */
  action?: string;
  from?: Date;
  /** Exclusive. */
  to?: Date;
  offset: number;
  limit: number;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  /** The sync run that made the change, for the engine's entries. */
  runId: number | null;
  action: string;
  rule: string | null;
  leaseId: string | null;
  customerId: string | null;
  name: string | null;
  /** What happened, in words. */
  text: string;
  details: Record<string, unknown>;
}

/** `%`, `_` and `\` taken literally in a LIKE pattern. */
const likeLiteral = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function auditTrail(
  db: Db,
  property: { id: number; accountId: number; entrataId: string; name: string },
  f: AuditFilter,
): Promise<{ items: AuditEntry[]; total: number }> {
  const filtered = db.selectFrom('audit_event as a').where((eb) => {
    const conds: Expression<SqlBool>[] = [eb('a.property_id', '=', property.id)];
    if (f.actor) conds.push(eb('a.actor', 'ilike', `%${likeLiteral(f.actor)}%`));
    if (f.action) conds.push(eb('a.action', '=', f.action));
    if (f.from) conds.push(eb('a.at', '>=', f.from));
    if (f.to) conds.push(eb('a.at', '<', f.to));
    if (f.customerId) {
      // Entries are written against the main record of linked ids (E3); older ones may name the other id.
      const ids = eb.selectFrom('resident as c').where('c.account_id', '=', property.accountId).where('c.customer_id', '=', f.customerId);
      conds.push(
        eb.or([eb('a.resident_id', 'in', ids.select('c.id')), eb('a.resident_id', 'in', ids.select(sql<number>`coalesce(c.linked_to, c.id)`.as('id')))]),
      );
    }
    return eb.and(conds);
  });
  const { total } = await filtered.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow();
  const rows = await filtered
    .leftJoin('resident as r', 'r.id', 'a.resident_id')
    .select(['a.id', 'a.at', 'a.actor', 'a.run_id', 'a.action', 'a.rule', 'a.lease_id', 'a.details', 'r.customer_id', 'r.first_name', 'r.last_name'])
    .orderBy('a.at', 'desc')
    .orderBy('a.id', 'desc')
    .offset(f.offset)
    .limit(f.limit)
    .execute();
  const place = auditNames(property, rows.length > 0 ? await loadUnits(db, property.id) : []);
  const items = rows.map((r): AuditEntry => {
    const details = (r.details && typeof r.details === 'object' ? r.details : {}) as Record<string, unknown>;
    const name = r.customer_id ? `${r.first_name ?? ''} ${r.last_name ?? ''}`.trim() || `customer ${r.customer_id}` : null;
    return {
      id: r.id,
      at: r.at.toISOString(),
      actor: r.actor,
      runId: r.run_id,
      action: r.action,
      rule: r.rule,
      leaseId: r.lease_id,
      customerId: r.customer_id,
      name,
      text: auditWords({ at: r.at, action: r.action, rule: r.rule, leaseId: r.lease_id, resident: name, details }, place),
      details: shownDetails(details),
    };
  });
  return { items, total: Number(total) };
}
