/**
 * The staff operations (O1..O6, K1..K3, P3, P4, N3, E3, S3, S5), called alike by the command line and
 * the API with the actor for the audit trail. Each lives in a file named for what it acts on; this file
 * only gathers them.
 */
export { OperationError } from './errors.ts';
export { registeredPropertyOf } from './residents.ts';
export type { Target } from './target.ts';
export { moveInNow, moveOutNow, reassign, setDates, transferNow } from './lease-overrides.ts';
export { block, unblock } from './blocks.ts';
export { revealKey, rotateKey } from './keys.ts';
export { resend, resendKeys, type ResendResult } from './resend.ts';
export { link } from './link.ts';
export { approveHold, rejectHold } from './holds.ts';
export { confirmUnitRemoved } from './removed-units.ts';
export { runResidentAction, type ResidentActionRequest, type ResidentOutcome } from './resident-actions.ts';
export { runBulk, BULK_ACTIONS, type BulkActionRequest, type BulkResult } from './bulk.ts';
