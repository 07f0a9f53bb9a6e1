import { UserError } from '../errors/user-error.ts';
import type { SyncDeps, SyncResult } from '../sync/sync-property.ts';
import { outcomeOf, stageResidentAction, type ResidentActionRequest, type ResidentOutcome } from './resident-actions.ts';
import { replan, type Staged, type Target } from './target.ts';

/** The actions a selection of residents can take at once (a link names one other id; a reveal shows one key). */
export const BULK_ACTIONS = ['resend', 'rotate-key', 'block', 'unblock', 'move-in-now', 'move-out-now', 'transfer-now', 'reassign', 'dates'] as const;
export type BulkActionRequest = Extract<ResidentActionRequest, { action: (typeof BULK_ACTIONS)[number] }>;

export type BulkItem = ({ ok: true } & ResidentOutcome) | { customerId: string; ok: false; code: string; message: string };

export interface BulkResult {
  results: BulkItem[];
  ok: number;
  failed: number;
}

/**
 * One action over a selection of residents of one property. Each resident is recorded in its own
 * transaction with its own audit entry, and one failing resident never stops the others; the property is
 * then re-planned once (not once per resident), and each resident is answered with their own changes.
 */
export async function runBulk(
  deps: SyncDeps,
  sel: { propertyDbId: number; customerIds: readonly string[]; staff: string },
  r: BulkActionRequest,
): Promise<BulkResult> {
  const staged: Array<{ t: Target; s: Staged } | BulkItem> = [];
  for (const customerId of new Set(sel.customerIds)) {
    const t: Target = { propertyDbId: sel.propertyDbId, customerId, staff: sel.staff };
    try {
      staged.push({ t, s: await stageResidentAction(deps, t, r) });
    } catch (err) {
      if (!(err instanceof UserError)) deps.log.error({ err, customerId }, 'bulk resident action failed');
      staged.push(
        err instanceof UserError
          ? { customerId, ok: false, code: err.code, message: err.message }
          : { customerId, ok: false, code: 'internal', message: 'failed unexpectedly (see the server log); the others went on' },
      );
    }
  }
  const needsReplan = staged.some((x) => 's' in x && x.s.replan);
  const result: SyncResult | null = needsReplan ? await replan(deps, sel.propertyDbId, sel.staff) : null;
  const results = staged.map((x): BulkItem => ('s' in x ? { ok: true, ...outcomeOf(x.t, r, x.s, x.s.replan ? result : null) } : x));
  const ok = results.filter((x) => x.ok).length;
  return { results, ok, failed: results.length - ok };
}
