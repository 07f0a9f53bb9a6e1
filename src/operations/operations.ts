import { sql } from 'kysely';
import { addDays, startOfLocalDay } from '../engine/local-time.ts';
import { asLocalDate, type SnapshotLease } from '../engine/snapshot.ts';
import { outboxNotice } from '../notifications/payloads.ts';
import { getPropertyById, type PropertySettings } from '../properties/properties.ts';
import { insertKeys, publishNetworkState } from '../sync/apply.ts';
import { isOpenStatus, loadMirror } from '../sync/mirror.ts';
import { syncProperty, type SyncDeps, type SyncResult } from '../sync/sync-property.ts';
import { compareIds } from '../sync/registry-state.ts';
import type { Db } from '../db/database.ts';
import { UserError } from '../errors/user-error.ts';

/** A manager operation that cannot be done as asked; the message says why and what to do. */
export class OperationError extends UserError {
  static override defaultCode = 'operation';
  override name = 'OperationError';
}

/** Who asks, and about whom (O6: every operation records its staff member). */
export interface Target {
  propertyDbId: number;
  customerId: string;
  /** Picks the lease when the resident has several at the property. */
  leaseId?: string;
  staff: string;
}

/** The one property where the customers (one, or a selection) are registered now, for an operation given no property. */
export async function registeredPropertyOf(db: Db, customers: string | readonly string[]): Promise<number> {
  const ids = typeof customers === 'string' ? [customers] : [...customers];
  const who = ids.length === 1 ? `customer ${ids[0]} is` : 'these customers are';
  const regs = await db
    .selectFrom('registration as g')
    .innerJoin('resident as r', 'r.id', 'g.resident_id')
    .select('g.property_id')
    .distinct()
    .where('r.customer_id', 'in', ids)
    .where('g.state', '!=', 'ended')
    .execute();
  if (regs.length === 1) return regs[0]!.property_id;
  if (regs.length > 1) throw new OperationError(`${who} registered at several properties: give --property`, { code: 'property-needed' });
  if (ids.length === 1) {
    const known = await db.selectFrom('resident').select('id').where('customer_id', '=', ids[0]!).limit(1).executeTakeFirst();
    if (!known) throw new OperationError(`no resident with customer id ${ids[0]} (see \`pebbles residents --property ID\`)`, { code: 'customer-not-found', category: 'not-found' });
  }
  throw new OperationError(`${ids.length === 1 ? `customer ${ids[0]} has` : 'these customers have'} no current registration: give --property`, { code: 'property-needed' });
}

type OverrideField = 'early_start_at' | 'late_end_at' | 'move_in_now_at' | 'move_out_now_at' | 'transfer_now_at' | 'pinned_at';

async function context(deps: SyncDeps, t: Target) {
  const property = await getPropertyById(deps.db, t.propertyDbId);
  const resident = await deps.db
    .selectFrom('resident')
    .select(['id', 'linked_to', 'customer_id'])
    .where('account_id', '=', property.accountId)
    .where('customer_id', '=', t.customerId)
    .executeTakeFirst();
  const mirror = await loadMirror(deps.db, property.id);
  const leases = [...mirror.values()]
    .map((m) => m.lease)
    .filter((l) => l.customers.some((c) => c.id === t.customerId))
    .sort((a, b) => compareIds(a.id, b.id));
  if (!resident && leases.length === 0) throw new OperationError(`customer ${t.customerId} has no lease at property ${property.entrataId} that Pebbles knows (sync it first)`, { code: 'customer-not-found', category: 'not-found' });
  return { property, resident, leases };
}

/** The lease an operation is about: the one named, or the only one that fits. */
function chooseLease(leases: SnapshotLease[], t: Target, fits: (l: SnapshotLease) => boolean, what: string): SnapshotLease {
  if (t.leaseId) {
    const l = leases.find((x) => x.id === t.leaseId);
    if (!l) throw new OperationError(`lease ${t.leaseId} is not a lease of customer ${t.customerId} here (their leases: ${leases.map((x) => x.id).join(', ') || 'none'})`);
    // An override on a lease it cannot act on would be accepted and change nothing.
    if (!fits(l)) throw new OperationError(l.status === 'applicant' ? `lease ${l.id}${unsigned(l)}` : `lease ${l.id} is ${l.status} in Entrata, not a ${what}`);
    return l;
  }
  const candidates = leases.filter(fits);
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length === 0) {
    const applicant = leases.find((l) => l.status === 'applicant');
    throw new OperationError(`customer ${t.customerId} has no ${what}${applicant ? `: lease ${applicant.id}${unsigned(applicant)}` : ''}`);
  }
  throw new OperationError(`customer ${t.customerId} has several ${what}s (${candidates.map((l) => l.id).join(', ')}): choose one with --lease`);
}

async function setOverride(deps: SyncDeps, p: PropertySettings, t: Target, leaseId: string, fields: Partial<Record<OverrideField, Date | null>>, action: string) {
  const now = deps.now();
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('lease_override')
      .values({ property_id: p.id, lease_id: leaseId, customer_id: t.customerId, ...fields, updated_by: t.staff, updated_at: now })
      .onConflict((oc) => oc.columns(['property_id', 'lease_id', 'customer_id']).doUpdateSet({ ...fields, updated_by: t.staff, updated_at: now }))
      .execute();
    await audit(trx, p.id, t, action, leaseId, Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v?.toISOString() ?? null])), now);
  });
  return replan(deps, p, t.staff);
}

async function audit(db: SyncDeps['db'], propertyId: number, t: Target, action: string, leaseId: string | null, details: object, at: Date, rule: string | null = null) {
  // The resident of this property's account (customer ids are unique per account only), through a link (E3).
  const r = await db
    .selectFrom('resident')
    .select(['id', 'linked_to'])
    .where('customer_id', '=', t.customerId)
    .where('account_id', '=', (eb) => eb.selectFrom('property').select('account_id').where('id', '=', propertyId))
    .executeTakeFirst();
  await db.insertInto('audit_event').values({
    at, property_id: propertyId, resident_id: r ? (r.linked_to ?? r.id) : null, actor: t.staff, action, rule, lease_id: leaseId, details: JSON.stringify(details),
  }).execute();
}

/** Applies an override at once: the property is re-planned from its mirror, under its lock. */
function replan(deps: SyncDeps, p: PropertySettings, staff: string): Promise<SyncResult> {
  return syncProperty(deps, { propertyDbId: p.id, trigger: 'manual', staff, fromMirror: true });
}

/** W1: an application gives no access, whatever a manager sets on it; only a signed upcoming lease can start early. */
const pendingLease = (l: SnapshotLease) => l.status === 'future';
function unsigned(l: SnapshotLease): string {
  return l.status === 'applicant' ? ' is an application not yet signed: it gives no access until it is (W1)' : '';
}
const openLease = (l: SnapshotLease) => isOpenStatus(l.status);

/** O1/O2: per-lease early move-in and late move-out dates (local days); null clears one. */
export async function setDates(deps: SyncDeps, t: Target, dates: { early?: string | null; late?: string | null }) {
  const { property, leases } = await context(deps, t);
  const lease = chooseLease(leases, t, openLease, 'open lease');
  const fields: Partial<Record<OverrideField, Date | null>> = {};
  const day = (d: string) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new OperationError(`not a date (YYYY-MM-DD): ${d}`);
    return asLocalDate(d);
  };
  if (dates.early !== undefined) fields.early_start_at = dates.early === null ? null : new Date(startOfLocalDay(day(dates.early), property.timeZone));
  if (dates.late !== undefined) fields.late_end_at = dates.late === null ? null : new Date(startOfLocalDay(addDays(day(dates.late), 1), property.timeZone));
  if (Object.keys(fields).length === 0) throw new OperationError('give --early or --late (or both)');
  return setOverride(deps, property, t, lease.id, fields, 'set-dates');
}

/** O3: the lease's access starts now. */
export async function moveInNow(deps: SyncDeps, t: Target) {
  const { property, leases } = await context(deps, t);
  const lease = chooseLease(leases, t, pendingLease, 'upcoming lease');
  return setOverride(deps, property, t, lease.id, { move_in_now_at: deps.now() }, 'move-in-now');
}

/** O3: the lease's access ends now; a later, different lease opens access again. */
export async function moveOutNow(deps: SyncDeps, t: Target) {
  const { property, leases } = await context(deps, t);
  const lease = chooseLease(leases, t, (l) => l.status === 'current' || l.status === 'notice', 'current lease');
  return setOverride(deps, property, t, lease.id, { move_out_now_at: deps.now() }, 'move-out-now');
}

/** O3: the pending transfer lease opens now; U3 moves the registration. */
export async function transferNow(deps: SyncDeps, t: Target) {
  const { property, leases } = await context(deps, t);
  const lease = chooseLease(leases, t, (l) => pendingLease(l) && (l.isTransfer || l.parentLeaseId !== null), 'pending transfer lease');
  return setOverride(deps, property, t, lease.id, { transfer_now_at: deps.now() }, 'transfer-now');
}

/** O4: make the lease in this unit the home; the previous registration ends at once. */
export async function reassign(deps: SyncDeps, t: Target, unit: { number: string; building?: string | null }) {
  const { property, leases } = await context(deps, t);
  const units = await deps.db.selectFrom('unit').select(['entrata_id', 'number', 'building']).where('property_id', '=', property.id).where('number', '=', unit.number).execute();
  const matching = units.filter((u) => !unit.building || u.building === unit.building);
  if (matching.length === 0) throw new OperationError(`no unit ${unit.number}${unit.building ? ` in building ${unit.building}` : ''} at property ${property.entrataId}`, { code: 'unit-not-found', category: 'not-found' });
  if (matching.length > 1) throw new OperationError(`unit ${unit.number} exists in several buildings: add --building`);
  const unitId = matching[0]!.entrata_id;
  const lease = chooseLease(leases, t, (l) => openLease(l) && l.unitId === unitId, `open lease in unit ${unit.number}`);
  return setOverride(deps, property, t, lease.id, { pinned_at: deps.now() }, 'reassign');
}

async function residentId(deps: SyncDeps, property: PropertySettings, customerId: string): Promise<number> {
  const r = await deps.db.selectFrom('resident').select(['id', 'linked_to']).where('account_id', '=', property.accountId).where('customer_id', '=', customerId).executeTakeFirst();
  if (!r) throw new OperationError(`customer ${customerId} is not a resident Pebbles knows at this account`, { code: 'customer-not-found', category: 'not-found' });
  return r.linked_to ?? r.id;
}

/** K1: block a resident's Wi-Fi now or at a chosen time, with a message to them. */
export async function block(deps: SyncDeps, t: Target, opts: { message: string; at?: Date }) {
  const property = await getPropertyById(deps.db, t.propertyDbId);
  const rid = await residentId(deps, property, t.customerId);
  const now = deps.now();
  const at = opts.at ?? now;
  const open = await deps.db.selectFrom('block').select('id').where('resident_id', '=', rid).where('property_id', '=', property.id).where('lifted_at', 'is', null).executeTakeFirst();
  if (open) throw new OperationError(`customer ${t.customerId} is blocked already (block ${open.id}); unblock first to change it`);
  await deps.db.transaction().execute(async (trx) => {
    const b = await trx.insertInto('block').values({ resident_id: rid, property_id: property.id, starts_at: at, message: opts.message, created_by: t.staff, created_at: now }).returning('id').executeTakeFirstOrThrow();
    await trx.insertInto('outbox').values({
      property_id: property.id, resident_id: rid, rule: 'K1', ...outboxNotice({ kind: 'block', payload: { message: opts.message, blockId: b.id, at: at.toISOString() } }),
      created_by: t.staff, created_at: now, not_before: at,
    }).execute();
    await audit(trx, property.id, t, 'block', null, { blockId: b.id, at: at.toISOString(), message: opts.message }, now, 'K1');
  });
  return replan(deps, property, t.staff);
}

/** K3: lift the block; access returns at once if a window is still open. */
export async function unblock(deps: SyncDeps, t: Target) {
  const property = await getPropertyById(deps.db, t.propertyDbId);
  const rid = await residentId(deps, property, t.customerId);
  const now = deps.now();
  await deps.db.transaction().execute(async (trx) => {
    const lifted = await trx.updateTable('block').set({ lifted_at: now, lifted_by: t.staff }).where('resident_id', '=', rid).where('property_id', '=', property.id).where('lifted_at', 'is', null).returning('id').execute();
    if (lifted.length === 0) throw new OperationError(`customer ${t.customerId} is not blocked`);
    // K3: the engine keeps a blocked registration blocked (K1: no sync restores access), so lifting the
    // block is what makes it active again; the re-plan below ends it if no window is open any more.
    await trx.updateTable('registration').set({ state: 'active', rule: 'K3', updated_at: now })
      .where('resident_id', '=', rid).where('property_id', '=', property.id).where('state', '=', 'blocked').execute();
    await trx.insertInto('outbox').values({ property_id: property.id, resident_id: rid, rule: 'K3', ...outboxNotice({ kind: 'unblock', payload: {} }), created_by: t.staff, created_at: now, not_before: now }).execute();
    await audit(trx, property.id, t, 'unblock', null, { blocks: lifted.map((b) => b.id) }, now, 'K3');
  });
  // The re-plan returns a blocked registration with an open window to active (K3).
  return replan(deps, property, t.staff);
}

/** P4: a new key; the old one stops working and the resident is told (N2). */
export async function rotateKey(deps: SyncDeps, t: Target): Promise<void> {
  const property = await getPropertyById(deps.db, t.propertyDbId);
  const rid = await residentId(deps, property, t.customerId);
  const now = deps.now();
  await deps.db.transaction().execute(async (trx) => {
    const old = await trx.updateTable('psk').set({ current: false, revoked_at: now }).where('resident_id', '=', rid).where('property_id', '=', property.id).where('current', '=', true).returning('id').execute();
    if (old.length === 0) throw new OperationError(`customer ${t.customerId} has no key at property ${property.entrataId} to rotate`);
    await insertKeys(trx, { secrets: deps.secrets, propertyDbId: property.id, now }, [{ residentId: rid, rule: 'P4' }]);
    await trx.insertInto('outbox').values({ property_id: property.id, resident_id: rid, rule: 'P4', ...outboxNotice({ kind: 'new-key', payload: { reason: 'rotation', ssid: property.ssid } }), created_by: t.staff, created_at: now, not_before: now }).execute();
    await audit(trx, property.id, t, 'rotate-key', null, { revoked: old.map((k) => k.id) }, now, 'P4');
    await publishNetworkState(trx, property.id);
  });
}

/** N3: send the current key again. */
export async function resend(deps: SyncDeps, t: Target): Promise<void> {
  const property = await getPropertyById(deps.db, t.propertyDbId);
  const rid = await residentId(deps, property, t.customerId);
  const now = deps.now();
  const key = await deps.db.selectFrom('psk').select('id').where('resident_id', '=', rid).where('property_id', '=', property.id).where('current', '=', true).executeTakeFirst();
  if (!key) throw new OperationError(`customer ${t.customerId} has no key at property ${property.entrataId} to resend`);
  await deps.db.transaction().execute(async (trx) => {
    await trx.insertInto('outbox').values({ property_id: property.id, resident_id: rid, rule: 'N3', ...outboxNotice({ kind: 'resend', payload: { ssid: property.ssid } }), created_by: t.staff, created_at: now, not_before: now }).execute();
    await audit(trx, property.id, t, 'resend', null, {}, now, 'N3');
  });
}

/** E3: two customer ids of one person; `withId` becomes an alias of `customerId`. */
export async function link(deps: SyncDeps, t: Target, withId: string) {
  const property = await getPropertyById(deps.db, t.propertyDbId);
  if (withId === t.customerId) throw new OperationError('a customer id cannot be linked to itself');
  const main = await residentId(deps, property, t.customerId);
  const now = deps.now();
  await deps.db.transaction().execute(async (trx) => {
    const other = await trx
      .insertInto('resident')
      .values({ account_id: property.accountId, customer_id: withId, linked_to: main })
      .onConflict((oc) => oc.columns(['account_id', 'customer_id']).doUpdateSet({ linked_to: main, updated_at: now }))
      .returning('id')
      .executeTakeFirstOrThrow();
    if (other.id === main) throw new OperationError(`${withId} and ${t.customerId} are one resident already`);
    // Everyone linked to the alias now links to the main record, and its history follows (one PSK history).
    await trx.updateTable('resident').set({ linked_to: main }).where('linked_to', '=', other.id).execute();
    await trx.updateTable('registration').set({ resident_id: main }).where('resident_id', '=', other.id).execute();
    await trx.updateTable('block').set({ resident_id: main }).where('resident_id', '=', other.id).execute();
    await sql`update psk set current = false, revoked_at = ${now} where resident_id = ${other.id} and current and exists (select 1 from psk k where k.resident_id = ${main} and k.property_id = psk.property_id and k.current)`.execute(trx);
    await trx.updateTable('psk').set({ resident_id: main }).where('resident_id', '=', other.id).execute();
    // One history: the messages sent and the recorded changes under the alias are the person's too
    // (each audit row keeps the customer id it was made under in its details).
    await trx.updateTable('outbox').set({ resident_id: main }).where('resident_id', '=', other.id).execute();
    await trx.updateTable('audit_event').set({ resident_id: main }).where('resident_id', '=', other.id).execute();
    // A network entry follows its key.
    await trx.updateTable('network_key').set({ resident_id: main }).where('resident_id', '=', other.id).execute();
    await audit(trx, property.id, t, 'link', null, { alias: withId }, now, 'E3');
  });
  return replan(deps, property, t.staff);
}

/** S3: approve a hold: a fresh sync re-plans against the newest data with the held endings released. */
export async function approveHold(deps: SyncDeps, holdId: number, staff: string): Promise<SyncResult> {
  const hold = await deps.db.selectFrom('hold').selectAll().where('id', '=', holdId).executeTakeFirst();
  if (!hold) throw new OperationError(`no hold ${holdId} (see \`pebbles holds --property ID\`)`, { code: 'hold-not-found', category: 'not-found' });
  if (hold.state !== 'open') throw new OperationError(`hold ${holdId} is ${hold.state} already`);
  const result = await syncProperty(deps, { propertyDbId: hold.property_id, trigger: 'approval', staff, releaseHold: true });
  if (result.status === 'failed') throw new OperationError(`Entrata could not be read, so the hold stays open: ${result.error?.message}`);
  // The plan closes the hold it released; a hold whose endings no longer apply closes here.
  await deps.db.updateTable('hold').set({ state: 'approved', decided_at: deps.now(), decided_by: staff }).where('id', '=', holdId).where('state', '=', 'open').execute();
  await deps.db.insertInto('audit_event').values({ at: deps.now(), property_id: hold.property_id, actor: staff, action: 'approve-hold', rule: 'S3', details: JSON.stringify({ holdId }) }).execute();
  return result;
}

/**
 * S3: reject a hold: its endings are not applied; access stays as it is. The engine knows only open holds
 * (the rejected endings would look scheduled at the next sync and apply then), so the rejection is kept as
 * a late move-out date (O2) on each held lease: access lasts to the registration's planned end, or when it
 * had none (an open-ended lease flipped to Past), to the end of the lease term plus the property's
 * allowance. Entrata turning the lease back, or a later move-out date, then works as usual; a manager can
 * still move the resident out now (O3).
 */
export async function rejectHold(deps: SyncDeps, holdId: number, staff: string): Promise<void> {
  const now = deps.now();
  const hold = await deps.db.selectFrom('hold').selectAll().where('id', '=', holdId).executeTakeFirst();
  if (!hold || hold.state !== 'open') throw new OperationError(`no open hold ${holdId}`);
  const property = await getPropertyById(deps.db, hold.property_id);
  const mirror = await loadMirror(deps.db, property.id);
  const endings = hold.endings as Array<{ registrationId: string; customerId: string; leaseIds: string[] }>;
  const regs = endings.length
    ? await deps.db.selectFrom('registration').select(['id', 'state', 'access_end']).where('id', 'in', endings.map((e) => Number(e.registrationId))).execute()
    : [];
  const kept: Array<{ customerId: string; leaseIds: string[]; until: string }> = [];
  await deps.db.transaction().execute(async (trx) => {
    const updated = await trx.updateTable('hold').set({ state: 'rejected', decided_at: now, decided_by: staff }).where('id', '=', holdId).where('state', '=', 'open').returning('id').executeTakeFirst();
    if (!updated) throw new OperationError(`no open hold ${holdId}`);
    for (const e of endings) {
      const reg = regs.find((r) => r.id === Number(e.registrationId));
      if (!reg || (reg.state !== 'active' && reg.state !== 'blocked')) continue;
      const termEnds = e.leaseIds
        .map((id) => mirror.get(id as SnapshotLease['id'])?.lease.leaseEnd ?? null)
        .filter((d): d is NonNullable<typeof d> => d !== null)
        .map((d) => startOfLocalDay(addDays(d, 1 + property.lateMoveOutDays), property.timeZone));
      const until = reg.access_end?.getTime() ?? (termEnds.length > 0 ? Math.max(...termEnds) : null);
      if (until === null || until <= now.getTime()) continue;
      const at = new Date(until);
      for (const leaseId of e.leaseIds) {
        await trx
          .insertInto('lease_override')
          .values({ property_id: property.id, lease_id: leaseId, customer_id: e.customerId, late_end_at: at, updated_by: staff, updated_at: now })
          .onConflict((oc) => oc.columns(['property_id', 'lease_id', 'customer_id']).doUpdateSet({
            late_end_at: sql`greatest(lease_override.late_end_at, excluded.late_end_at)`, updated_by: staff, updated_at: now,
          }))
          .execute();
      }
      kept.push({ customerId: e.customerId, leaseIds: e.leaseIds, until: at.toISOString() });
    }
    await trx.insertInto('audit_event').values({ at: now, property_id: property.id, actor: staff, action: 'reject-hold', rule: 'S3', details: JSON.stringify({ holdId, kept }) }).execute();
  });
  if (kept.length > 0) await replan(deps, property, staff);
}

/** S5: confirm that a unit Entrata deleted is gone; refused while anyone is registered in it. */
export async function confirmUnitRemoved(deps: SyncDeps, propertyDbId: number, unitEntrataId: string, staff: string): Promise<void> {
  const now = deps.now();
  const unit = await deps.db.selectFrom('unit').selectAll().where('property_id', '=', propertyDbId).where('entrata_id', '=', unitEntrataId).executeTakeFirst();
  if (!unit) throw new OperationError(`no unit ${unitEntrataId} at this property`, { code: 'unit-not-found', category: 'not-found' });
  if (!unit.missing_since) throw new OperationError(`unit ${unit.number} is still listed by Entrata`);
  const live = await deps.db.selectFrom('registration').select('id').where('property_id', '=', propertyDbId).where('unit_entrata_id', '=', unitEntrataId).where('state', 'in', ['active', 'blocked', 'pending']).execute();
  if (live.length > 0) throw new OperationError(`unit ${unit.number} still has ${live.length} registrations: move those residents out first (S5)`);
  await deps.db.updateTable('unit').set({ removed_at: now, removed_by: staff }).where('id', '=', unit.id).execute();
  await deps.db.insertInto('audit_event').values({ at: now, property_id: propertyDbId, actor: staff, action: 'confirm-unit-removed', rule: 'S5', details: JSON.stringify({ unit: unit.number, unitId: unitEntrataId }) }).execute();
}

/** P3: the resident's current key in clear, for staff allowed to see it; every reveal is audited. */
export async function revealKey(deps: SyncDeps, t: Target): Promise<{ ssid: string; key: string }> {
  const property = await getPropertyById(deps.db, t.propertyDbId);
  const rid = await residentId(deps, property, t.customerId);
  const key = await deps.db.selectFrom('psk').select(['id', 'secret_encrypted']).where('resident_id', '=', rid).where('property_id', '=', property.id).where('current', '=', true).executeTakeFirst();
  if (!key) throw new OperationError(`customer ${t.customerId} has no key at property ${property.entrataId}`);
  await audit(deps.db, property.id, t, 'reveal-key', null, { pskId: key.id }, deps.now(), 'P3');
  return { ssid: property.ssid, key: deps.secrets.decrypt(key.secret_encrypted) };
}
