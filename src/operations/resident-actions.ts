import { getPropertyById } from '../properties/properties.ts';
import type { SyncDeps, SyncResult } from '../sync/sync-property.ts';
import { requireResidentAt } from './residents.ts';
import { stageBlock, stageUnblock } from './blocks.ts';
import { stageRotateKey } from './keys.ts';
import { stageDates, stageMoveInNow, stageMoveOutNow, stageReassign, stageTransferNow } from './lease-overrides.ts';
import { stageLink } from './link.ts';
import { stageResend } from './resend.ts';
import { replan, type Staged, type Target } from './target.ts';

/**
 * The staff operations on one resident, by name: what the command line (`pebbles resident …`), the API
 * (POST …/residents/:customerId/…) and the bulk form run, with the same checks, audit and words.
 */
export type ResidentActionRequest =
  | { action: 'resend' }
  | { action: 'rotate-key' }
  | { action: 'block'; message: string; at?: Date }
  | { action: 'unblock' }
  | { action: 'move-in-now' }
  | { action: 'move-out-now' }
  | { action: 'transfer-now' }
  | { action: 'reassign'; unit: string; building?: string | null }
  | { action: 'dates'; early?: string | null; late?: string | null }
  | { action: 'link'; customerId: string };

export type ResidentActionName = ResidentActionRequest['action'];
type RequestOf<K extends ResidentActionName> = Extract<ResidentActionRequest, { action: K }>;

interface ActionDef<K extends ResidentActionName> {
  stage(deps: SyncDeps, t: Target, r: RequestOf<K>): Promise<Staged>;
  /** What was done, in the words staff read (the CLI's line, the API's `done`). */
  done(r: RequestOf<K>, t: Target): string;
}

const ACTIONS: { [K in ResidentActionName]: ActionDef<K> } = {
  resend: { stage: (d, t) => stageResend(d, t), done: () => 'key queued to be sent again' },
  'rotate-key': { stage: (d, t) => stageRotateKey(d, t), done: () => 'key rotated; the new key is queued for the resident' },
  block: {
    stage: (d, t, r) => stageBlock(d, t, { message: r.message, at: r.at }),
    done: (r) => (r.at ? `block scheduled for ${r.at.toISOString()}` : 'blocked'),
  },
  unblock: { stage: (d, t) => stageUnblock(d, t), done: () => 'unblocked' },
  'move-in-now': { stage: (d, t) => stageMoveInNow(d, t), done: () => 'access started' },
  'move-out-now': { stage: (d, t) => stageMoveOutNow(d, t), done: () => 'access ended' },
  'transfer-now': { stage: (d, t) => stageTransferNow(d, t), done: () => 'transferred' },
  reassign: {
    stage: (d, t, r) => stageReassign(d, t, { number: r.unit, building: r.building ?? null }),
    done: (r) => `home unit is now ${r.unit}${r.building ? ` in building ${r.building}` : ''}`,
  },
  dates: { stage: (d, t, r) => stageDates(d, t, { early: r.early, late: r.late }), done: () => 'dates set' },
  link: { stage: (d, t, r) => stageLink(d, t, r.customerId), done: (r, t) => `${r.customerId} linked to ${t.customerId}` },
};

function defOf<K extends ResidentActionName>(action: K): ActionDef<K> {
  return ACTIONS[action] as ActionDef<K>;
}

/**
 * Records one resident's action (its own transaction and audit entry), without re-planning. The resident
 * must be one of the property's: a customer id of the same account living elsewhere answers not-found.
 */
export async function stageResidentAction(deps: SyncDeps, t: Target, r: ResidentActionRequest): Promise<Staged> {
  await requireResidentAt(deps.db, await getPropertyById(deps.db, t.propertyDbId), t.customerId);
  return defOf(r.action).stage(deps, t, r as never);
}

export function doneWords(t: Target, r: ResidentActionRequest): string {
  return defOf(r.action).done(r as never, t);
}

/** One action of a re-plan, as staff read it: the rule, the place by its name, and the reason. */
export interface ActionInWords {
  rule: string;
  kind: string;
  customerId: string | null;
  leaseId: string | null;
  /** "unit 101 (building 1), bedroom 101-A"; null for an action about no place. */
  place: string | null;
  reason: string;
}

export function actionsInWords(result: SyncResult, customerId?: string): ActionInWords[] {
  return result.actions
    .filter((a) => customerId === undefined || ('customerId' in a && a.customerId === customerId))
    .map((a) => ({
      rule: a.rule,
      kind: a.kind,
      customerId: 'customerId' in a ? a.customerId : null,
      leaseId: 'leaseId' in a ? (a.leaseId ?? null) : null,
      place: 'unitId' in a ? result.names.describe({ propertyId: a.propertyId, unitId: a.unitId, spaceIds: 'spaceIds' in a ? a.spaceIds : undefined }) : null,
      reason: a.reason,
    }));
}

/** What one resident's action did: the words, the notification queued, and the re-plan's changes for them. */
export interface ResidentOutcome {
  customerId: string;
  action: ResidentActionName;
  done: string;
  notificationId: number | null;
  /** The re-plan that applied it; null for an action that needs none (resend, rotate-key). */
  run: { runId: number | null; status: SyncResult['status'] } | null;
  actions: ActionInWords[];
}

export function outcomeOf(t: Target, r: ResidentActionRequest, staged: Staged, result: SyncResult | null): ResidentOutcome {
  return {
    customerId: t.customerId,
    action: r.action,
    done: doneWords(t, r),
    notificationId: staged.notificationId ?? null,
    run: result ? { runId: result.runId, status: result.status } : null,
    actions: result ? actionsInWords(result, t.customerId) : [],
  };
}

/** Runs one resident's action and, when it needs one, the re-plan that applies it at once. */
export async function runResidentAction(deps: SyncDeps, t: Target, r: ResidentActionRequest): Promise<{ outcome: ResidentOutcome; result: SyncResult | null }> {
  const staged = await stageResidentAction(deps, t, r);
  const result = staged.replan ? await replan(deps, t.propertyDbId, t.staff) : null;
  return { outcome: outcomeOf(t, r, staged, result), result };
}
