import type { SyncDeps, SyncResult } from '../sync/sync-property.ts';
import { moveInNow, moveOutNow, transferNow, type Target } from './operations.ts';
import type { UpcomingKind } from '../registry/upcoming.ts';

/** O3: an upcoming change done now instead of on its day, by the manager operation of its kind. */
const NOW: Record<UpcomingKind, (deps: SyncDeps, t: Target) => Promise<SyncResult>> = {
  'move-in': moveInNow,
  'move-out': moveOutNow,
  transfer: transferNow,
};

/**
 * Runs an upcoming move-in, move-out or transfer now (O3). The resident is looked up within the property
 * (a customer with no lease there is not found); the property is re-planned at once and the result returned.
 */
export function executeEarly(deps: SyncDeps, kind: UpcomingKind, t: Target): Promise<SyncResult> {
  return NOW[kind](deps, t);
}
