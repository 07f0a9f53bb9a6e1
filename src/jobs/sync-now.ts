import type { Kysely } from 'kysely';
import type PgBoss from 'pg-boss';
import type { DB } from '../db/schema.ts';
import { UserError } from '../errors/user-error.ts';
import type { SyncScope } from '../sync/sync-property.ts';
import { QUEUES, type SyncNowJobData } from './queues.ts';
import { openSyncNowJobs, propertySize, withSyncNowLock } from './sync-now-store.ts';
import type { SyncNowOutput } from './sync-jobs.ts';

/** A selection larger than this share of the property's units (or residents) is synced as the whole property. */
export const WHOLE_PROPERTY_SHARE = 0.25;

/** A request as queued: the job that answers it, and whether it joined one queued or running before. */
export interface SyncNowRequested {
  jobId: string;
  /** What the job syncs (the request's scopes, de-duplicated, or the whole property). */
  scopes: SyncScope[];
  /** Answered by a job already queued or running for the property (same job id). */
  coalesced: boolean;
}

const scopeKey = (s: SyncScope): string =>
  s.kind === 'property' ? 'property' : s.kind === 'unit' ? `unit:${s.unitNumber}:${s.building ?? ''}` : `customer:${s.customerId}`;

/**
 * What a request syncs, at most once each: duplicates dropped; the whole property when asked, or when
 * the selection is larger than a quarter of the property's units or residents (one property sync reads
 * Entrata in a few calls; hundreds of unit syncs make hundreds).
 */
export function plannedScopes(scopes: readonly SyncScope[], size: { units: number; residents: number }): SyncScope[] {
  const unique = uniqueScopes(scopes);
  if (unique.length === 0 || unique.some((s) => s.kind === 'property')) return [{ kind: 'property' }];
  const units = unique.filter((s) => s.kind === 'unit').length;
  const residents = unique.filter((s) => s.kind === 'customer').length;
  if (units > 1 && units > size.units * WHOLE_PROPERTY_SHARE) return [{ kind: 'property' }];
  if (residents > 1 && residents > size.residents * WHOLE_PROPERTY_SHARE) return [{ kind: 'property' }];
  return unique;
}

/** Each scope once, in the order first asked. */
export function uniqueScopes(scopes: readonly SyncScope[]): SyncScope[] {
  return [...new Map(scopes.map((s) => [scopeKey(s), s.kind === 'unit' ? { ...s, building: s.building ?? null } : s])).values()];
}

/** Whether a job of these scopes answers a request for those. */
function covers(job: readonly SyncScope[], wanted: readonly SyncScope[]): boolean {
  const have = new Set(job.map(scopeKey));
  return have.has('property') || wanted.every((s) => have.has(scopeKey(s)));
}

/**
 * Sync now (O5): queues the request on its own queue and worker lane, unless a sync-now of the property
 * already queued or running covers it (the whole property, or every scope asked): then that job answers
 * it. Checked and queued under the property's lock, so requests arriving together make one job.
 */
export async function requestSyncNow(
  db: Kysely<DB>,
  boss: PgBoss,
  req: { propertyId: number; scopes: SyncScope[]; staff: string | null; now: Date },
): Promise<SyncNowRequested> {
  const size = await propertySize(db, req.propertyId);
  const scopes = plannedScopes(req.scopes, size);
  return withSyncNowLock(db, req.propertyId, async (trx, queueDb) => {
    const open = await openSyncNowJobs(trx, req.propertyId);
    const answering = open.find((j) => covers(j.data.scopes, scopes));
    if (answering) return { jobId: answering.id, scopes: answering.data.scopes, coalesced: true };
    const data: SyncNowJobData = { propertyId: req.propertyId, scopes, staff: req.staff, requestedAt: req.now.toISOString() };
    const id = await boss.send(QUEUES.syncNow, data as unknown as object, { db: queueDb });
    if (!id)
      throw new UserError(`the queue ${QUEUES.syncNow} does not exist (start a worker or \`pebbles migrate\`)`, {
        code: 'queue-missing',
        category: 'unavailable',
      });
    return { jobId: id, scopes, coalesced: false };
  });
}

export type SyncNowState =
  | { state: 'queued' | 'running'; jobId: string }
  | { state: 'done'; jobId: string; result: SyncNowOutput }
  | { state: 'failed'; jobId: string; error: string };

export async function syncNowState(boss: PgBoss, jobId: string): Promise<SyncNowState | null> {
  const job = await boss.getJobById<SyncNowJobData>(QUEUES.syncNow, jobId, { includeArchive: true });
  return job ? stateOf({ id: jobId, state: job.state, output: job.output }) : null;
}

/** The request's state from its job's. */
export function stateOf(job: { id: string; state: string; output: unknown }): SyncNowState {
  const jobId = job.id;
  switch (job.state) {
    case 'created':
      return { state: 'queued', jobId };
    case 'retry':
    case 'active':
      return { state: 'running', jobId };
    case 'completed':
      return { state: 'done', jobId, result: job.output as unknown as SyncNowOutput };
    default: {
      const out = job.output as { message?: string; value?: { message?: string } } | null;
      return { state: 'failed', jobId, error: out?.message ?? out?.value?.message ?? job.state };
    }
  }
}

/** Polls until the request is done or failed, or the time is up (then its last state). */
export async function waitForSyncNow(boss: PgBoss, jobId: string, timeoutMs: number, pollMs = 150): Promise<SyncNowState | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await syncNowState(boss, jobId);
    if (!s || s.state === 'done' || s.state === 'failed' || Date.now() >= deadline) return s;
    await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
  }
}
