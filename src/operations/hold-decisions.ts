import { UserError } from '../errors/user-error.ts';
import type { PropertySettings } from '../properties/properties.ts';
import { holdInWords, type HoldInWords } from '../registry/hold-words.ts';
import type { SyncDeps } from '../sync/sync-property.ts';
import { approveHold, rejectHold } from './operations.ts';

export type HoldDecision = 'approve' | 'reject';

/**
 * S3: a manager approves (the held endings apply after a fresh sync) or rejects (access stays) a hold of
 * this property. The hold is looked up within the property first, so one of another property is not found.
 */
export async function decideHold(deps: SyncDeps, p: PropertySettings, holdId: number, decision: HoldDecision, actor: string): Promise<HoldInWords> {
  const hold = await holdInWords(deps.db, p, holdId);
  if (hold.state !== 'open')
    throw new UserError(`hold ${holdId} was ${hold.state} already${hold.decidedBy ? ` by ${hold.decidedBy}` : ''}`, {
      code: 'hold-decided',
      category: 'conflict',
    });
  if (decision === 'approve') await approveHold(deps, holdId, actor);
  else await rejectHold(deps, holdId, actor);
  return holdInWords(deps.db, p, holdId);
}
