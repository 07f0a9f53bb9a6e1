import { addDays, startOfLocalDay } from '../engine/local-time.ts';
import { asLocalDate, type SnapshotLease } from '../engine/snapshot.ts';
import { getPropertyById, type PropertySettings } from '../properties/properties.ts';
import { isOpenStatus, loadMirror } from '../sync/mirror.ts';
import { compareIds } from '../sync/registry-state.ts';
import type { SyncDeps, SyncResult } from '../sync/sync-property.ts';
import { recordAudit } from './audit.ts';
import { OperationError } from './errors.ts';
import { findResident } from './residents.ts';
import { replan, type Staged, type Target } from './target.ts';

// Per-lease overrides (O1..O4): a manager's decision about one lease, kept in lease_override and read by
// every later plan, so a sync never undoes it.

type OverrideField = 'early_start_at' | 'late_end_at' | 'move_in_now_at' | 'move_out_now_at' | 'transfer_now_at' | 'pinned_at';

async function context(deps: SyncDeps, t: Target) {
  const property = await getPropertyById(deps.db, t.propertyDbId);
  const resident = await findResident(deps.db, property.accountId, t.customerId);
  const mirror = await loadMirror(deps.db, property.id);
  const leases = [...mirror.values()]
    .map((m) => m.lease)
    .filter((l) => l.customers.some((c) => c.id === t.customerId))
    .sort((a, b) => compareIds(a.id, b.id));
  if (resident === null && leases.length === 0)
    throw new OperationError(`customer ${t.customerId} has no lease at property ${property.entrataId} that Pebbles knows (sync it first)`, {
      code: 'customer-not-found',
      category: 'not-found',
    });
  return { property, leases };
}

/** The lease an operation is about: the one named, or the only one that fits. */
function chooseLease(leases: SnapshotLease[], t: Target, fits: (l: SnapshotLease) => boolean, what: string): SnapshotLease {
  if (t.leaseId) {
    const l = leases.find((x) => x.id === t.leaseId);
    if (!l)
      throw new OperationError(
        `lease ${t.leaseId} is not a lease of customer ${t.customerId} here (their leases: ${leases.map((x) => x.id).join(', ') || 'none'})`,
        { code: 'lease-not-found', category: 'not-found' },
      );
    // An override on a lease it cannot act on would be accepted and change nothing.
    if (!fits(l))
      throw new OperationError(l.status === 'applicant' ? `lease ${l.id}${unsigned(l)}` : `lease ${l.id} is ${l.status} in Entrata, not a ${what}`, {
        code: 'lease-not-eligible',
        category: 'conflict',
      });
    return l;
  }
  const candidates = leases.filter(fits);
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length === 0) {
    const applicant = leases.find((l) => l.status === 'applicant');
    throw new OperationError(`customer ${t.customerId} has no ${what}${applicant ? `: lease ${applicant.id}${unsigned(applicant)}` : ''}`, {
      code: 'no-eligible-lease',
      category: 'conflict',
    });
  }
  throw new OperationError(`customer ${t.customerId} has several ${what}s (${candidates.map((l) => l.id).join(', ')}): choose one with --lease (leaseId)`, {
    code: 'lease-needed',
  });
}

async function setOverride(
  deps: SyncDeps,
  p: PropertySettings,
  t: Target,
  leaseId: string,
  fields: Partial<Record<OverrideField, Date | null>>,
  action: string,
): Promise<Staged> {
  const now = deps.now();
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('lease_override')
      .values({ property_id: p.id, lease_id: leaseId, customer_id: t.customerId, ...fields, updated_by: t.staff, updated_at: now })
      .onConflict((oc) => oc.columns(['property_id', 'lease_id', 'customer_id']).doUpdateSet({ ...fields, updated_by: t.staff, updated_at: now }))
      .execute();
    const details = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v?.toISOString() ?? null]));
    await recordAudit(trx, {
      at: now,
      propertyId: p.id,
      residentId: await findResident(trx, p.accountId, t.customerId),
      actor: t.staff,
      action,
      leaseId,
      details,
    });
  });
  return { replan: true };
}

/** W1: an application gives no access, whatever a manager sets on it; only a signed upcoming lease can start early. */
const pendingLease = (l: SnapshotLease) => l.status === 'future';
function unsigned(l: SnapshotLease): string {
  return l.status === 'applicant' ? ' is an application not yet signed: it gives no access until it is (W1)' : '';
}
const openLease = (l: SnapshotLease) => isOpenStatus(l.status);

export interface DatesInput {
  /** Local day access may start (YYYY-MM-DD); null clears it. */
  early?: string | null;
  /** Local day access lasts to the end of; null clears it. */
  late?: string | null;
}

function localDay(d: string) {
  // A calendar day: 2025-02-30 is refused rather than rolled over into March.
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(d) ? Date.parse(`${d}T00:00:00Z`) : Number.NaN;
  const ok = !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(d);
  if (!ok) throw new OperationError(`not a date (YYYY-MM-DD): ${d}`, { code: 'invalid-date', category: 'invalid' });
  return asLocalDate(d);
}

/** O1/O2: records per-lease early move-in and late move-out dates (local days); null clears one. */
export async function stageDates(deps: SyncDeps, t: Target, dates: DatesInput): Promise<Staged> {
  if (dates.early === undefined && dates.late === undefined)
    throw new OperationError('give --early or --late (or both)', { code: 'dates-needed', category: 'invalid' });
  const early = dates.early == null ? dates.early : localDay(dates.early);
  const late = dates.late == null ? dates.late : localDay(dates.late);
  const { property, leases } = await context(deps, t);
  const lease = chooseLease(leases, t, openLease, 'open lease');
  const fields: Partial<Record<OverrideField, Date | null>> = {};
  if (early !== undefined) fields.early_start_at = early === null ? null : new Date(startOfLocalDay(early, property.timeZone));
  if (late !== undefined) fields.late_end_at = late === null ? null : new Date(startOfLocalDay(addDays(late, 1), property.timeZone));
  return setOverride(deps, property, t, lease.id, fields, 'set-dates');
}

/** O3: the upcoming lease's access starts now. */
export async function stageMoveInNow(deps: SyncDeps, t: Target): Promise<Staged> {
  const { property, leases } = await context(deps, t);
  const lease = chooseLease(leases, t, pendingLease, 'upcoming lease');
  return setOverride(deps, property, t, lease.id, { move_in_now_at: deps.now() }, 'move-in-now');
}

/** O3: the current lease's access ends now; a later, different lease opens access again. */
export async function stageMoveOutNow(deps: SyncDeps, t: Target): Promise<Staged> {
  const { property, leases } = await context(deps, t);
  const lease = chooseLease(leases, t, (l) => l.status === 'current' || l.status === 'notice', 'current lease');
  return setOverride(deps, property, t, lease.id, { move_out_now_at: deps.now() }, 'move-out-now');
}

/** O3: the pending transfer lease opens now; U3 moves the registration. */
export async function stageTransferNow(deps: SyncDeps, t: Target): Promise<Staged> {
  const { property, leases } = await context(deps, t);
  const lease = chooseLease(leases, t, (l) => pendingLease(l) && (l.isTransfer || l.parentLeaseId !== null), 'pending transfer lease');
  return setOverride(deps, property, t, lease.id, { transfer_now_at: deps.now() }, 'transfer-now');
}

export interface UnitInput {
  number: string;
  building?: string | null;
}

/** O4: the lease in this unit becomes the home; the previous registration ends at once. */
export async function stageReassign(deps: SyncDeps, t: Target, unit: UnitInput): Promise<Staged> {
  const { property, leases } = await context(deps, t);
  const units = await deps.db
    .selectFrom('unit')
    .select(['entrata_id', 'number', 'building'])
    .where('property_id', '=', property.id)
    .where('number', '=', unit.number)
    .execute();
  const matching = units.filter((u) => !unit.building || u.building === unit.building);
  if (matching.length === 0)
    throw new OperationError(`no unit ${unit.number}${unit.building ? ` in building ${unit.building}` : ''} at property ${property.entrataId}`, {
      code: 'unit-not-found',
      category: 'not-found',
    });
  if (matching.length > 1) throw new OperationError(`unit ${unit.number} exists in several buildings: add --building (building)`, { code: 'building-needed' });
  const unitId = matching[0]!.entrata_id;
  const lease = chooseLease(leases, t, (l) => openLease(l) && l.unitId === unitId, `open lease in unit ${unit.number}`);
  return setOverride(deps, property, t, lease.id, { pinned_at: deps.now() }, 'reassign');
}

const thenReplan = async (deps: SyncDeps, t: Target, staged: Promise<Staged>): Promise<SyncResult> => {
  await staged;
  return replan(deps, t.propertyDbId, t.staff);
};

export const setDates = (deps: SyncDeps, t: Target, dates: DatesInput) => thenReplan(deps, t, stageDates(deps, t, dates));
export const moveInNow = (deps: SyncDeps, t: Target) => thenReplan(deps, t, stageMoveInNow(deps, t));
export const moveOutNow = (deps: SyncDeps, t: Target) => thenReplan(deps, t, stageMoveOutNow(deps, t));
export const transferNow = (deps: SyncDeps, t: Target) => thenReplan(deps, t, stageTransferNow(deps, t));
export const reassign = (deps: SyncDeps, t: Target, unit: UnitInput) => thenReplan(deps, t, stageReassign(deps, t, unit));
