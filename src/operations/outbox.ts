import type { Db } from '../db/database.ts';
import { outboxNotice, type Notice } from '../notifications/payloads.ts';

/**
 * A notification to queue: its kind with the payload of that kind (a payload that does not fit does not
 * compile), and whom it is for. Delivery (src/notifications) picks it up once `notBefore` has come.
 */
export type OutgoingNotification = Notice & {
  propertyId: number;
  residentId: number | null;
  rule: string | null;
  /** Who caused it (O6): the staff actor, or 'sync'. */
  createdBy: string;
  createdAt: Date;
  /** When it may go out; default createdAt. */
  notBefore?: Date;
};

const row = (n: OutgoingNotification) => ({
  property_id: n.propertyId,
  resident_id: n.residentId,
  rule: n.rule,
  ...outboxNotice(n),
  created_by: n.createdBy,
  created_at: n.createdAt,
  not_before: n.notBefore ?? n.createdAt,
});

/** Queues one notification; answers its id. Pass the transaction of the change it tells about. */
export async function enqueue(db: Db, n: OutgoingNotification): Promise<number> {
  return (await db.insertInto('outbox').values(row(n)).returning('id').executeTakeFirstOrThrow()).id;
}

/** Queues many notifications (in chunks, so a blast to thousands stays within PostgreSQL's parameter limit). */
export async function enqueueMany(db: Db, ns: readonly OutgoingNotification[]): Promise<Array<{ id: number; residentId: number | null }>> {
  const out: Array<{ id: number; residentId: number | null }> = [];
  for (let i = 0; i < ns.length; i += 1000) {
    const rows = await db
      .insertInto('outbox')
      .values(ns.slice(i, i + 1000).map(row))
      .returning(['id', 'resident_id'])
      .execute();
    for (const r of rows) out.push({ id: r.id, residentId: r.resident_id });
  }
  return out;
}
