import { getPropertyById } from '../properties/properties.ts';
import type { SyncDeps, SyncResult } from '../sync/sync-property.ts';
import { recordAudit } from './audit.ts';
import { OperationError } from './errors.ts';
import { enqueue } from './outbox.ts';
import { requireResident } from './residents.ts';
import { replan, type Staged, type Target } from './target.ts';

/** What a resident is told when staff give no message of their own. */
export const DEFAULT_BLOCK_MESSAGE = 'Your Wi-Fi access has been paused. Please contact the leasing office.';

export interface BlockInput {
  /** What the resident is told. */
  message: string;
  /** When the block starts; default now. */
  at?: Date;
}

/** K1: records a block of the resident's Wi-Fi, now or at a chosen time, and queues the message to them. */
/** How far ahead a block may be scheduled. */
export const MAX_BLOCK_AHEAD_DAYS = 366;

export async function stageBlock(deps: SyncDeps, t: Target, opts: BlockInput): Promise<Staged> {
  const property = await getPropertyById(deps.db, t.propertyDbId);
  const rid = await requireResident(deps.db, property.accountId, t.customerId);
  const now = deps.now();
  const at = opts.at ?? now;
  // A block is a rent block (K1): one planned further ahead than this is a typing mistake, not a plan.
  if (at.getTime() - now.getTime() > MAX_BLOCK_AHEAD_DAYS * 86_400_000) {
    throw new OperationError(`at: a block starts at most ${MAX_BLOCK_AHEAD_DAYS} days ahead; a time already past starts it now`, {
      code: 'block-too-far',
      category: 'invalid',
    });
  }
  const open = await deps.db
    .selectFrom('block')
    .select('id')
    .where('resident_id', '=', rid)
    .where('property_id', '=', property.id)
    .where('lifted_at', 'is', null)
    .executeTakeFirst();
  if (open)
    throw new OperationError(`customer ${t.customerId} is blocked already (block ${open.id}); unblock first to change it`, {
      code: 'blocked-already',
      category: 'conflict',
    });
  const notificationId = await deps.db.transaction().execute(async (trx) => {
    const b = await trx
      .insertInto('block')
      .values({ resident_id: rid, property_id: property.id, starts_at: at, message: opts.message, created_by: t.staff, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    const id = await enqueue(trx, {
      propertyId: property.id,
      residentId: rid,
      kind: 'block',
      rule: 'K1',
      payload: { message: opts.message, blockId: b.id, at: at.toISOString() },
      createdBy: t.staff,
      createdAt: now,
      notBefore: at,
    });
    await recordAudit(trx, {
      at: now,
      propertyId: property.id,
      residentId: rid,
      actor: t.staff,
      action: 'block',
      rule: 'K1',
      details: { blockId: b.id, at: at.toISOString(), message: opts.message },
    });
    return id;
  });
  return { replan: true, notificationId };
}

/** K3: records the lifting of the block; the re-plan gives access back at once if a window is still open. */
export async function stageUnblock(deps: SyncDeps, t: Target): Promise<Staged> {
  const property = await getPropertyById(deps.db, t.propertyDbId);
  const rid = await requireResident(deps.db, property.accountId, t.customerId);
  const now = deps.now();
  const notificationId = await deps.db.transaction().execute(async (trx) => {
    const lifted = await trx
      .updateTable('block')
      .set({ lifted_at: now, lifted_by: t.staff })
      .where('resident_id', '=', rid)
      .where('property_id', '=', property.id)
      .where('lifted_at', 'is', null)
      .returning('id')
      .execute();
    if (lifted.length === 0) throw new OperationError(`customer ${t.customerId} is not blocked`, { code: 'not-blocked', category: 'conflict' });
    // K3: the engine keeps a blocked registration blocked (K1: no sync restores access), so lifting the
    // block is what makes it active again; the re-plan ends it if no window is open any more.
    await trx
      .updateTable('registration')
      .set({ state: 'active', rule: 'K3', updated_at: now })
      .where('resident_id', '=', rid)
      .where('property_id', '=', property.id)
      .where('state', '=', 'blocked')
      .execute();
    const id = await enqueue(trx, { propertyId: property.id, residentId: rid, kind: 'unblock', rule: 'K3', payload: {}, createdBy: t.staff, createdAt: now });
    await recordAudit(trx, {
      at: now,
      propertyId: property.id,
      residentId: rid,
      actor: t.staff,
      action: 'unblock',
      rule: 'K3',
      details: { blocks: lifted.map((b) => b.id) },
    });
    return id;
  });
  return { replan: true, notificationId };
}

/** K1: block now or at a chosen time; the re-plan takes the key off the network when the block starts. */
export async function block(deps: SyncDeps, t: Target, opts: BlockInput): Promise<SyncResult> {
  await stageBlock(deps, t, opts);
  return replan(deps, t.propertyDbId, t.staff);
}

/** K3: lift the block; the re-plan returns a blocked registration with an open window to active. */
export async function unblock(deps: SyncDeps, t: Target): Promise<SyncResult> {
  await stageUnblock(deps, t);
  return replan(deps, t.propertyDbId, t.staff);
}
