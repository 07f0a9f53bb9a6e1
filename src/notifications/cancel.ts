import { staffMessageIdOf } from './payloads.ts';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { UserError } from '../errors/user-error.ts';
import { MessageNotFound } from './history.ts';

export interface CancelResult {
  messageId: number;
  /** Notifications that will now never go. */
  cancelled: number;
  cancelledAt: string;
}

/**
 * F-17: cancel a personal message or blast that has not gone yet. Its notifications are locked
 * first (a delivery worker fanning one out holds it, and we wait for it), so the answer is exact:
 * either every notification was still waiting and none will ever be delivered, or one has begun and
 * nothing is changed (409).
 */
export async function cancelMessage(db: Db, c: { propertyDbId: number; messageId: number; staff: string; now: Date }): Promise<CancelResult> {
  return db.transaction().execute(async (trx) => {
    const message = await trx
      .selectFrom('staff_message')
      .select(['id', 'kind', 'subject', 'send_at', 'cancelled_at', 'cancelled_by'])
      .where('id', '=', c.messageId)
      .where('property_id', '=', c.propertyDbId)
      .forUpdate()
      .executeTakeFirst();
    if (!message) throw new MessageNotFound(`no message ${c.messageId} at this property (a message id is what sending one answered as messageId)`);
    if (message.cancelled_at) {
      throw new UserError(`message ${c.messageId} was already cancelled by ${message.cancelled_by} at ${message.cancelled_at.toISOString()}`, {
        code: 'message-cancelled',
        category: 'conflict',
      });
    }
    const rows = await trx
      .selectFrom('outbox')
      .select(['id', 'state'])
      .where(staffMessageIdOf('payload'), '=', c.messageId)
      .where(sql<boolean>`payload ? 'messageId'`)
      .where('property_id', '=', c.propertyDbId)
      .forUpdate()
      .execute();
    const begun = rows.filter((r) => r.state !== 'queued');
    if (begun.length > 0) {
      const sent = begun.filter((r) => r.state === 'sent').length;
      throw new UserError(
        `message ${c.messageId} can no longer be cancelled: ${begun.length} of its ${rows.length} notification${rows.length === 1 ? ' has' : 's have'} already ${sent > 0 ? 'been sent' : 'started sending'} (see its history)`,
        { code: 'message-already-sending', category: 'conflict' },
      );
    }
    await trx
      .updateTable('outbox')
      .set({ state: 'cancelled', last_error: `cancelled by ${c.staff}` })
      .where('id', 'in', rows.length > 0 ? rows.map((r) => r.id) : [-1])
      .execute();
    await trx.updateTable('staff_message').set({ cancelled_at: c.now, cancelled_by: c.staff }).where('id', '=', message.id).execute();
    await trx
      .insertInto('audit_event')
      .values({
        at: c.now,
        property_id: c.propertyDbId,
        actor: c.staff,
        action: 'cancel-message',
        rule: 'F-17',
        details: JSON.stringify({
          messageId: message.id,
          kind: message.kind,
          subject: message.subject,
          sendAt: message.send_at.toISOString(),
          notifications: rows.length,
        }),
      })
      .execute();
    return { messageId: message.id, cancelled: rows.length, cancelledAt: c.now.toISOString() };
  });
}
