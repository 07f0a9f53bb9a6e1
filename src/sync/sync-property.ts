import { sql, type Kysely } from 'kysely';
import type { SecretBox } from '../crypto/secrets.ts';
import type { Db } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { namesOf } from '../engine/context.ts';
import { placeNames, type PlaceNames } from '../engine/names.ts';
import { plan as planProperty } from '../engine/plan.ts';
import type { Action, Plan, PlanInput, PropertyInput } from '../engine/types.ts';
import { EntrataError, type EntrataClient } from '../entrata/index.ts';
import { asPropertyId, type CustomerId, type QuarantinedLease, type SnapshotUnit } from '../engine/snapshot.ts';
import type { Logger } from '../log/logger.ts';
import { accountProperties, getPropertyById, type PropertySettings } from '../properties/properties.ts';
import { applyPlan, type Actor } from './apply.ts';
import { isOpenStatus, loadMirror, mergeMirror, writeMirror, type FreshLeases, type Mirror } from './mirror.ts';
import { withPropertyLock } from './lock.ts';
import { DEFAULT_SYNC_TIMEOUT_MS, startSyncBound, SyncStopped, SyncTimedOut } from './sync-bound.ts';
import { startRun, type SyncStart } from './run-start.ts';
import { finishIfUnchanged, ReadDigests } from './steady.ts';
import { loadMirrorsForCustomers, loadOverrides, loadRegistryState, propertyIds, propertyInputFromMirror } from './registry-state.ts';
import { beforeCommit } from './test-seam.ts';
import { checkScopes, type ScopeProbe } from './scope-check.ts';
import { loadUnits, loadUnitsByIds, syncUnits } from './units.ts';

/** What a sync reads: the whole property, one unit, or one resident (O5). */
export type SyncScope = { kind: 'property' } | { kind: 'unit'; unitNumber: string; building?: string | null } | { kind: 'customer'; customerId: string };

export type SyncTrigger = 'command' | 'schedule' | 'transition' | 'manual' | 'demo' | 'approval' | 'api';

export interface SyncDeps {
  db: Db;
  secrets: SecretBox;
  log: Logger;
  /** The Entrata client of an account (kept per account so its pick list and rate budget persist). */
  clientFor(accountId: number): Promise<EntrataClient>;
  now(): Date;
  /** Longest a sync holds its property reading Entrata before it gives up (PEBBLES_SYNC_TIMEOUT_SECONDS). */
  syncTimeoutMs?: number;
  /** Fires when the process stops: running Entrata reads end at once and their syncs throw SyncStopped. */
  stopping?: AbortSignal;
}

export interface SyncOptions {
  propertyDbId: number;
  scope?: SyncScope;
  trigger: SyncTrigger;
  /** Staff member behind a sync-now or an approval (O6); a sync of its own accord when absent. */
  staff?: string;
  /** Compute and return the plan without changing anything (F-10). */
  dryRun?: boolean;
  /** Plan at this moment instead of now (only with dryRun). */
  at?: Date;
  /** Re-plan with the open hold's endings released (S3 approval). */
  releaseHold?: boolean;
  /** Skip reading Entrata: re-plan from the mirror (time-driven transitions, W9; approvals). */
  fromMirror?: boolean;
  /**
   * How to take the property's lock (default: wait up to 10 minutes). `{ wait: false }` throws
   * PropertyBusyError at once when another sync of the property is running (the job worker).
   */
  lock?: { wait: boolean; timeoutMs?: number };
  /**
   * Steady state (src/sync/steady.ts): a full sync that finds Entrata unchanged skips planning when the
   * database proves nothing plan() reads changed since the last plan and no window opens or closes
   * before now. The result is then `unchanged`, with no actions and no warnings (counts.planSkipped = 1).
   * The job worker's scheduled syncs and sync-now use it; commands show the full plan.
   */
  skipUnchanged?: boolean;
}

export interface SyncResult {
  runId: number | null;
  property: string;
  status: 'applied' | 'unchanged' | 'failed';
  counts: Record<string, number>;
  held: { holdId: number; endings: number } | null;
  error: null | { kind: string; message: string; entrataFailure: boolean };
  actions: Action[];
  warnings: Plan['warnings'];
  nextTransitionAt: string | null;
  /** What staff call the property and the units and bedrooms the actions speak of (for texts; never in --json). */
  names: PlaceNames;
  /** Why Entrata's answer looks wrong though it was applied (an empty lease list where leases were open), or null. */
  suspicious: string | null;
}

/** Reads Entrata for a property (or part of it), plans, and applies the plan in one transaction (S1). */
export async function syncProperty(deps: SyncDeps, opts: SyncOptions): Promise<SyncResult> {
  const scope = opts.scope ?? { kind: 'property' };
  // A unit or resident the property does not have is refused before anything is read or recorded.
  const scoped = scope.kind !== 'property' ? await getPropertyById(deps.db, opts.propertyDbId) : null;
  if (scoped) await checkScopes(deps.db, scoped, [scope], entrataProbe(deps, scoped));
  if (opts.dryRun) {
    const property = scoped ?? (await getPropertyById(deps.db, opts.propertyDbId));
    const bound = startSyncBound(deps.syncTimeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS, deps.stopping);
    try {
      return await runSync(deps, deps.db, property, scope, opts, null, deps.log.child({ property: property.entrataId }), bound.signal);
    } finally {
      bound.end();
    }
  }
  // The settings are read while the lock is taken (on another connection), and the run is recorded while
  // Entrata is read: round trips a steady-state sync would otherwise wait for one after the other.
  const settings = getPropertyById(deps.db, opts.propertyDbId);
  settings.catch(() => undefined); // awaited below; a busy lock must not leave it unhandled
  return withPropertyLock(deps.db, opts.propertyDbId, opts.lock ?? { wait: true }, async (conn) => {
    const property = await settings;
    const run = startRun(conn, { propertyId: property.id, trigger: opts.trigger, scope, startedAt: deps.now(), actor: opts.staff ?? null });
    run.catch(() => undefined); // awaited by runSync
    // The bound starts with the lock held: it limits how long this sync keeps the property from others.
    const bound = startSyncBound(deps.syncTimeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS, deps.stopping);
    try {
      return await runSync(deps, conn, property, scope, opts, run, deps.log.child({ property: property.entrataId }), bound.signal);
    } catch (err) {
      // Not an Entrata failure (those are recorded by runSync): the transaction rolled back; the run says why.
      // A stopping process hands the sync back: the run says so, the property records no failure.
      const { runId } = await run;
      const error = {
        kind: err instanceof SyncStopped ? 'stopped' : 'internal',
        message: err instanceof Error ? err.message : String(err),
        entrataFailure: false,
      };
      await conn
        .updateTable('sync_run')
        .set({ finished_at: deps.now(), status: 'failed', error: JSON.stringify(error) })
        .where('id', '=', runId)
        .where('status', '=', 'running')
        .execute()
        .catch(() => undefined);
      throw err;
    } finally {
      bound.end();
    }
  });
}

/** What a scope check may ask Entrata (src/sync/scope-check.ts), through the account's own client. */
function entrataProbe(deps: SyncDeps, property: PropertySettings): ScopeProbe {
  return {
    units: async () => (await deps.clientFor(property.accountId)).getPropertyUnits(property.entrataId),
    customerHasLeases: async (customerId) => {
      const batch = await (await deps.clientFor(property.accountId)).readLeasesByCustomer(property.entrataId, customerId);
      return batch.leases.length + batch.quarantined.length > 0;
    },
  };
}

async function runSync(
  deps: SyncDeps,
  conn: Kysely<DB>,
  property: PropertySettings,
  scope: SyncScope,
  opts: SyncOptions,
  /** Being recorded (null: a dry run); the sync reads Entrata meanwhile. */
  run: Promise<{ runId: number; start: SyncStart }> | null,
  propertyLog: Logger,
  /** The sync's bound (sync-bound.ts): ends the Entrata read at once. */
  signal: AbortSignal,
): Promise<SyncResult> {
  const now = opts.at ?? deps.now();
  // Read: nothing is written until Entrata has answered in full (S4). The snapshot is taken with the run
  // record, before any plan input is read (the connection runs its statements in order), and is stored
  // with the plan (steady.ts). Only a steady-state candidate reads Entrata before it is taken.
  const mayBeSteady =
    !!opts.skipUnchanged && run !== null && !opts.fromMirror && !opts.releaseHold && scope.kind === 'property' && property.firstSyncedAt !== null;
  let started = mayBeSteady || run === null ? null : await run;
  const runLog = () => (started ? propertyLog.child({ run: started.runId }) : propertyLog);
  const result = (r: Partial<SyncResult> & Pick<SyncResult, 'status'>): SyncResult => ({
    runId: started?.runId ?? null,
    property: property.entrataId,
    counts: {},
    held: null,
    error: null,
    actions: [],
    warnings: [],
    nextTransitionAt: null,
    suspicious: null,
    names: placeNames([{ property: { id: asPropertyId(property.entrataId), name: propertyName }, units: [] }]),
    ...r,
  });
  let prevMirror: Mirror | null = mayBeSteady ? null : await loadMirror(conn, property.id);
  let read: EntrataRead | null = null;
  let propertyName = property.name;
  if (!opts.fromMirror) {
    try {
      const client = await deps.clientFor(property.accountId);
      const openLeaseIds = async () =>
        prevMirror
          ? [...prevMirror.values()].filter((m) => isOpenStatus(m.lease.status)).map((m) => m.lease.id as string)
          : ((await run)?.start.openLeaseIds ?? []);
      read = await readEntrata(client, property, scope, openLeaseIds, signal);
      propertyName = read.name || propertyName;
    } catch (err) {
      if (!(err instanceof EntrataError) && !(err instanceof SyncTimedOut)) throw err;
      // S4: no complete answer within the bound is an Entrata failure like any other.
      const error =
        err instanceof SyncTimedOut
          ? { kind: 'timed-out', message: err.message, entrataFailure: true }
          : { kind: err.kind, message: err.message, entrataFailure: err.isEntrataFailure };
      started ??= run ? await run : null;
      runLog().warn({ err: error }, 'Entrata read failed; access unchanged');
      if (started) await recordFailure(conn, property, started.runId, error, deps.now());
      return result({ status: 'failed', error });
    }
  }
  started ??= run ? await run : null;
  const runId = started?.runId ?? null;
  const start = started?.start ?? null;
  const log = runLog();

  const suspicious = read?.suspicious ?? null;
  if (suspicious) log.warn({ suspicious }, 'Entrata answered with no open lease where leases were open; access kept (S2)');
  if (mayBeSteady && !suspicious && read?.digests && start && runId !== null && read.digests.matches(start.digests)) {
    // Compared before normalising: when the proof holds, the leases are never normalised.
    const finishedAt = deps.now();
    const unchangedCounts = { leasesRead: read.leasesRead, quarantined: 0, leasesChanged: 0, planSkipped: 1 };
    const steady = await finishIfUnchanged(conn, {
      runId,
      propertyId: property.id,
      now,
      finishedAt,
      counts: unchangedCounts,
      name: propertyName,
      snapshot: start.snapshot,
      nextSyncAt: new Date(finishedAt.getTime() + property.syncIntervalMinutes * 60_000),
    });
    if (steady.unchanged) {
      const counts = { ...unchangedCounts, missing: steady.missing };
      log.info({ counts }, 'sync unchanged');
      return result({ status: 'unchanged', counts, nextTransitionAt: steady.nextTransitionAt?.toISOString() ?? null });
    }
  }
  const fresh = read?.fresh() ?? null;
  const freshUnits = read?.units ?? null;
  // What this read brought, as digests a later sync may compare with: a full read the mirror will match
  // (none when a lease is quarantined: its last good version stays in the mirror).
  // A suspicious answer is never matched later (the next sync looks at it again, and counts it again).
  const digests =
    fresh && read?.digests
      ? fresh.quarantined.length === 0 && !suspicious
        ? { answers_digest: read.digests.answers(), nodes_digest: read.digests.nodes() }
        : { answers_digest: null, nodes_digest: null }
      : {};
  prevMirror ??= await loadMirror(conn, property.id);
  const merged = fresh ? mergeMirror(prevMirror, fresh, now) : { next: prevMirror, changed: [], newlyQuarantined: [] as QuarantinedLease[] };
  const planned = await buildPlan(conn, property, merged.next, prevMirror, freshUnits, now, opts.releaseHold ?? false, merged.newlyQuarantined);
  const counts: Record<string, number> = {
    leasesRead: fresh?.leases.length ?? 0,
    quarantined: fresh?.quarantined.length ?? 0,
    missing: [...merged.next.values()].filter((m) => m.missingSince).length,
    leasesChanged: merged.changed.length,
  };
  if (opts.dryRun || runId === null) {
    return result({
      status: planned.plan.actions.length || merged.changed.length ? 'applied' : 'unchanged',
      counts,
      actions: planned.plan.actions,
      warnings: planned.plan.warnings,
      nextTransitionAt: iso(planned.plan.nextTransitionAt),
      names: namesOf(planned.input),
      suspicious,
    });
  }

  // Apply: one transaction for the mirror, units, registry changes, audit, outbox and the run record.
  let finishedAt = deps.now();
  const applied = await conn.transaction().execute(async (trx) => {
    counts.leasesWritten = await writeMirror(trx, property.id, merged.changed, now);
    if (freshUnits && scope.kind === 'property') {
      const u = await syncUnits(trx, property.id, freshUnits, now);
      counts.unitsChanged = u.changed;
      counts.unitsMissing = u.missing;
    }
    const res = await applyPlan(
      trx,
      {
        accountId: property.accountId,
        propertyDbId: property.id,
        ssid: property.ssid,
        actor: runActor(runId, opts.staff),
        now,
        secrets: deps.secrets,
        residentIds: planned.residentIds,
        canonical: planned.canonical,
        before: planned.input.registry,
      },
      planned.plan.actions,
    );
    Object.assign(counts, res.counts);
    const status: SyncResult['status'] = planned.plan.actions.length > 0 || merged.changed.length > 0 ? 'applied' : 'unchanged';
    finishedAt = deps.now();
    await trx
      .updateTable('sync_run')
      .set({
        finished_at: finishedAt,
        status,
        counts: JSON.stringify(counts),
        hold_id: res.holdId,
        suspicious,
        error: merged.newlyQuarantined.length ? JSON.stringify({ quarantined: merged.newlyQuarantined }) : null,
      })
      .where('id', '=', runId)
      .execute();
    // The schedule (S1) counts reads of Entrata: a re-plan from the mirror (W9) leaves the last sync, its
    // error and the next sync alone, and a unit or resident sync does not postpone the property's.
    const readEntrata = !opts.fromMirror;
    // A suspicious answer is applied (S2 keeps access) but is no success: it counts towards failing when it repeats.
    const outcome = suspicious
      ? {
          last_error: JSON.stringify({ kind: 'suspicious-answer', message: suspicious, entrataFailure: false, runId, at: finishedAt.toISOString() }),
          consecutive_failures: sql<number>`consecutive_failures + 1`,
        }
      : { last_success_at: finishedAt, last_error: null, consecutive_failures: 0 };
    await trx
      .updateTable('property')
      .set({
        next_transition_at: planned.plan.nextTransitionAt === null ? null : new Date(planned.plan.nextTransitionAt),
        // What this plan read was read under this snapshot (steady.ts).
        ...(start ? { plan_snapshot: start.snapshot, planned_at: now } : {}),
        ...digests,
        ...(readEntrata ? { name: propertyName, last_sync_at: finishedAt, ...outcome, first_synced_at: property.firstSyncedAt ?? finishedAt } : {}),
        ...(readEntrata && scope.kind === 'property' ? { next_sync_at: new Date(finishedAt.getTime() + property.syncIntervalMinutes * 60_000) } : {}),
      })
      .where('id', '=', property.id)
      .execute();
    await beforeCommit(runId);
    return { status, res };
  });
  log.info({ counts, held: applied.res.heldEndings }, `sync ${applied.status}`);
  return result({
    status: applied.status,
    counts,
    held: applied.res.holdId !== null && applied.res.heldEndings > 0 ? { holdId: applied.res.holdId, endings: applied.res.heldEndings } : null,
    actions: planned.plan.actions,
    warnings: planned.plan.warnings,
    nextTransitionAt: iso(planned.plan.nextTransitionAt),
    names: namesOf(planned.input),
    suspicious,
  });
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

function runActor(runId: number, staff: string | undefined): Actor {
  return staff ? { kind: 'staff', name: staff, runId } : { kind: 'sync', runId };
}

/** What a sync read from Entrata; its leases are normalised when `fresh()` is called (once, by runSync). */
interface EntrataRead {
  fresh: () => FreshLeases;
  /** Of a full read of the property (steady.ts), null for a unit or a resident. */
  digests: ReadDigests | null;
  leasesRead: number;
  units: SnapshotUnit[] | null;
  name: string;
  /** Why the answer looks wrong (see readEntrata), or null. */
  suspicious: string | null;
}

async function readEntrata(
  client: EntrataClient,
  property: PropertySettings,
  scope: SyncScope,
  openLeaseIds: () => Promise<string[]>,
  signal: AbortSignal,
): Promise<EntrataRead> {
  if (scope.kind === 'property') {
    const snap = await client.readPropertySnapshotNodes(property.entrataId, { propertyName: property.name, signal });
    // S2: every lease known open that did not come back is asked for by id.
    const returned = snap.leases.ids();
    const known = await openLeaseIds();
    const askFor = known.filter((id) => !returned.has(id));
    const byId = await client.readLeaseNodesByIds(property.entrataId, askFor, { units: snap.units, signal });
    const fresh = (): FreshLeases => {
      const a = snap.leases.normalise();
      const b = byId.normalise();
      return { leases: [...a.leases, ...b.leases.filter((l) => !returned.has(l.id))], quarantined: [...a.quarantined, ...b.quarantined], complete: true };
    };
    const leasesRead = new Set([...returned, ...byId.ids()].filter((id) => id !== '')).size;
    const suspicious = snap.leases.nodes.length === 0 ? emptyAnswer(known, byId.normalise().leases) : null;
    return { fresh, digests: new ReadDigests(snap.units, [snap.leases, byId]), leasesRead, units: snap.units, name: snap.property.name, suspicious };
  }
  const batch =
    scope.kind === 'unit'
      ? await client.readLeasesByUnit(property.entrataId, { unitNumber: scope.unitNumber, buildingName: scope.building ?? null }, { signal })
      : await client.readLeasesByCustomer(property.entrataId, scope.customerId, { signal });
  const fresh: FreshLeases = { leases: batch.leases, quarantined: batch.quarantined, complete: false };
  return { fresh: () => fresh, digests: null, leasesRead: batch.leases.length, units: null, name: '', suspicious: null };
}

/**
 * An empty list of the property's open leases is suspicious when leases were open before, unless Entrata,
 * asked by id, says every one of them ended (Past or Cancelled): then the answer is coherent. A property
 * that never had an open lease (a first sync of an empty property) gives no such doubt.
 */
function emptyAnswer(knownOpen: readonly string[], askedById: ReadonlyArray<{ id: string; status: string }>): string | null {
  if (knownOpen.length === 0) return null;
  const ended = new Set(askedById.filter((l) => !isOpenStatus(l.status)).map((l) => l.id));
  const unexplained = knownOpen.filter((id) => !ended.has(id)).length;
  if (unexplained === 0) return null;
  return `Entrata answered with no Future, Current or Notice lease where ${knownOpen.length} were open (${unexplained} not reported ended); access kept (S2)`;
}

async function recordFailure(conn: Kysely<DB>, property: PropertySettings, runId: number, error: object, at: Date): Promise<void> {
  await conn
    .updateTable('sync_run')
    .set({ finished_at: at, status: 'failed', error: JSON.stringify(error) })
    .where('id', '=', runId)
    .execute();
  await conn
    .updateTable('property')
    .set((eb) => ({
      last_sync_at: at,
      last_error: JSON.stringify({ ...error, at: at.toISOString() }),
      consecutive_failures: eb('consecutive_failures', '+', 1),
    }))
    .where('id', '=', property.id)
    .execute();
}

/** Gathers everything plan() reads for one property: its mirror, the account's other properties, the registry. */
export async function buildPlan(
  conn: Kysely<DB>,
  property: PropertySettings,
  mirror: Mirror,
  previous: Mirror | null,
  freshUnits: PropertyInput['snapshot']['units'] | null,
  now: Date,
  releaseHold: boolean,
  /** S4: leases Entrata sent in a form that cannot be understood and that have no good version yet: shown to managers, nothing else. */
  unknownQuarantined: QuarantinedLease[] = [],
) {
  const siblings = (await accountProperties(conn, property.accountId)).filter((p) => p.id !== property.id);
  const all = [property, ...siblings];
  const ids = propertyIds(all);
  const customerIds = [...new Set([...mirror.values()].flatMap((m) => m.lease.customers.map((c) => c.id as string)))];
  const { state, residentIds, aliases } = await loadRegistryState(conn, property.accountId, property.id, customerIds, ids);
  // Leases elsewhere of everyone involved, under every id they are known by (E3).
  const everyId = [...new Set([...customerIds, ...aliases.keys(), ...state.residents.map((r) => r.customerId as string)])];
  const otherMirrors = await loadMirrorsForCustomers(
    conn,
    siblings.map((p) => p.id),
    everyId,
  );
  const units = freshUnits ?? (await loadUnits(conn, property.id));
  // The other properties' units these residents lease or are registered in, so texts can name them (U3 across).
  const elsewhere = new Map<number, Set<string>>();
  const note = (dbId: number | undefined, unitId: string) => {
    if (dbId !== undefined) elsewhere.set(dbId, (elsewhere.get(dbId) ?? new Set()).add(unitId));
  };
  const siblingIds = new Map(siblings.map((p) => [p.entrataId, p.id]));
  for (const [dbId, m] of otherMirrors) for (const e of m.values()) note(dbId, e.lease.unitId);
  for (const r of state.registrations) note(siblingIds.get(r.propertyId), r.unitId);
  const siblingUnits = await loadUnitsByIds(conn, elsewhere);
  const planned = propertyInputFromMirror(property, mirror, units, property.firstSyncedAt === null);
  const listed = new Set(planned.snapshot.quarantined.map((q) => q.leaseId));
  planned.snapshot.quarantined.push(...unknownQuarantined.filter((q) => !listed.has(q.leaseId)));
  const input: PlanInput = {
    propertyId: ids.toEntrata(property.id),
    properties: [
      planned,
      ...siblings.map((p) => propertyInputFromMirror(p, otherMirrors.get(p.id) ?? new Map(), siblingUnits.get(p.id) ?? [], p.firstSyncedAt === null)),
    ],
    // S3 compares with what the last sync saw: an end it had already scheduled is not unexpected.
    previousSnapshot: previous && previous.size > 0 ? propertyInputFromMirror(property, previous, units, false).snapshot : null,
    registry: state,
    overrides: await loadOverrides(
      conn,
      all.map((p) => p.id),
    ),
    now: now.getTime(),
    releaseHold,
  };
  const canonical = (id: CustomerId): CustomerId => aliases.get(id) ?? id;
  return { input, plan: planProperty(input), residentIds, canonical };
}
