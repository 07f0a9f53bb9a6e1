// The public surface of the Entrata room: what the CLI and the sync import.
export { createEntrataClient, EntrataClient, SNAPSHOT_STATUSES, LEASE_IDS_PER_CALL } from './client.ts';
export type { Abortable, LeaseFilter, LeaseReadOptions, SnapshotOptions, UnitRef } from './client.ts';
export { resolveAccount, serviceUrl } from './account.ts';
export type { EntrataAccountConfig, EntrataCredential } from './account.ts';
export type { EntrataDeps, EntrataLogger } from './transport.ts';
export { EntrataError, EntrataInputError, isEntrataError, isPastLastPage, ENTRATA_FAILURE_KINDS } from './errors.ts';
export type { EntrataErrorKind } from './errors.ts';
export { RateBudget, parseRateLimitHeaders } from './rate-limit.ts';
export type { RateLimitReading, RateWindow } from './rate-limit.ts';
export type { EntrataProperty, EntrataStatus, PropertyUnits } from './properties.ts';
export { normaliseLease, normaliseLeases } from './lease-normaliser.ts';
export type { LeaseBatch, LeaseOutcome, NormaliseContext } from './lease-normaliser.ts';
export type { LeaseStatusMap } from './vocabulary.ts';
export { LEASE_CAP } from './lease-pages.ts';
// The snapshot's types belong to the engine (src/engine/snapshot.ts): the client produces them.
