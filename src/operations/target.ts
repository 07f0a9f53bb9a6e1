import { syncProperty, type SyncDeps, type SyncResult } from '../sync/sync-property.ts';

/** Who asks, and about whom. Every staff operation takes one; the CLI and the API fill it alike. */
export interface Target {
  propertyDbId: number;
  customerId: string;
  /** Picks the lease when the resident has several at the property. */
  leaseId?: string;
  /** The actor recorded in the audit trail (O6): `actorOf(caller)` over HTTP, `cliStaff()` on the command line. */
  staff: string;
}

/**
 * What an operation recorded before the property is re-planned. Operations record first and re-plan
 * after, so a selection (bulk) records each resident in its own transaction and re-plans once.
 */
export interface Staged {
  /** Whether the change reaches access only through a re-plan (overrides, blocks, links). */
  replan: boolean;
  /** A notification queued for the resident (resend, rotation). */
  notificationId?: number;
}

/** Applies what was recorded at once: the property is re-planned from its mirror, under its lock. */
export function replan(deps: SyncDeps, propertyDbId: number, staff: string): Promise<SyncResult> {
  return syncProperty(deps, { propertyDbId, trigger: 'manual', staff, fromMirror: true });
}
