import { sql, type Kysely } from 'kysely';
import type { SecretBox } from '../crypto/secrets.ts';
import type { DB } from '../db/schema.ts';
import type { Action, Registration, RegistryState, RuleId } from '../engine/types.ts';
import type { CustomerId } from '../engine/snapshot.ts';
import { generatePsk } from '../keys/generate.ts';
import { outboxNotice } from '../notifications/payloads.ts';
import type { ResidentIds } from './registry-state.ts';

/** Who caused a change: a sync run, or a staff member (O6). */
export type Actor = { kind: 'sync'; runId: number } | { kind: 'staff'; name: string; runId?: number | null };

export const actorName = (a: Actor): string => (a.kind === 'sync' ? 'sync' : a.name);

export interface ApplyContext {
  accountId: number;
  propertyDbId: number;
  ssid: string;
  actor: Actor;
  now: Date;
  secrets: SecretBox;
  /** Residents known before the plan, by canonical customer id; apply adds the ones it creates. */
  residentIds: ResidentIds;
  /** Maps a customer id (or a linked alias, E3) to its canonical id. */
  canonical: (id: CustomerId) => CustomerId;
  before: RegistryState;
}

export interface ApplyResult {
  counts: Record<string, number>;
  holdId: number | null;
  heldEndings: number;
  networkChanged: boolean;
}

type RegRow = {
  id: number | null;
  resident_id: number;
  unit_entrata_id: string;
  space_ids: string[];
  lease_ids: string[];
  state: Registration['state'];
  access_start: string | null;
  access_end: string | null;
  ended_at: string | null;
  rule: string;
};

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/**
 * Carries out one property's plan inside the caller's transaction, with batched statements: a first
 * sync of thousands of residents takes a handful of round trips, not one per row. Registration
 * changes are merged per registration in plan order, so the result equals applying the actions one
 * by one (the engine's applyToState is the executable statement of that meaning).
 */
export async function applyPlan(trx: Kysely<DB>, ctx: ApplyContext, actions: Action[]): Promise<ApplyResult> {
  const counts: Record<string, number> = {};
  for (const a of actions) counts[a.kind] = (counts[a.kind] ?? 0) + 1;
  const runId = ctx.actor.runId ?? null;
  const actor = actorName(ctx.actor);
  const nowIso = ctx.now.toISOString();

  // 1. Residents (E3 identity, E2 contact problems): one upsert for all of them.
  const upserts = actions.filter((a) => a.kind === 'upsert-resident');
  if (upserts.length > 0) {
    const rows = await trx
      .insertInto('resident')
      .values(
        upserts.map((u) => ({
          account_id: ctx.accountId,
          customer_id: u.customerId,
          first_name: u.firstName,
          last_name: u.lastName,
          email: u.email,
          mobile: u.mobile,
          contact_problems: u.contactProblems,
          updated_at: ctx.now,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['account_id', 'customer_id']).doUpdateSet({
          first_name: sql`excluded.first_name`,
          last_name: sql`excluded.last_name`,
          email: sql`excluded.email`,
          mobile: sql`excluded.mobile`,
          contact_problems: sql`excluded.contact_problems`,
          updated_at: sql`excluded.updated_at`,
        }),
      )
      .returning(['id', 'customer_id'])
      .execute();
    for (const r of rows) ctx.residentIds.set(r.customer_id as CustomerId, r.id);
  }
  const residentId = (c: CustomerId): number => {
    const id = ctx.residentIds.get(ctx.canonical(c));
    if (id === undefined) throw new Error(`apply: resident ${c} is unknown and was not created by the plan`);
    return id;
  };

  // 2. Registrations: merge every change per registration, then one update and one insert.
  const before = new Map(ctx.before.registrations.map((r) => [r.id, r]));
  const updates = new Map<string, RegRow>();
  const inserts: RegRow[] = [];
  const current = (id: string): RegRow => {
    const seen = updates.get(id);
    if (seen) return seen;
    const r = before.get(id as Registration['id']);
    if (!r) throw new Error(`apply: registration ${id} is not in the registry state`);
    const row: RegRow = {
      id: Number(r.id),
      resident_id: residentId(r.customerId),
      unit_entrata_id: r.unitId,
      space_ids: r.spaceIds,
      lease_ids: r.leaseIds,
      state: r.state,
      access_start: iso(r.accessStart),
      access_end: iso(r.accessEnd),
      ended_at: null,
      rule: '',
    };
    updates.set(id, row);
    return row;
  };
  const endReg = (id: string, dueAt: number, rule: RuleId) =>
    Object.assign(current(id), { state: 'ended', ended_at: iso(Math.min(dueAt, ctx.now.getTime())), rule });

  for (const a of actions) {
    switch (a.kind) {
      case 'register':
        inserts.push({
          id: null,
          resident_id: residentId(a.customerId),
          unit_entrata_id: a.unitId,
          space_ids: a.spaceIds,
          lease_ids: a.leaseIds,
          state: a.state,
          access_start: iso(a.accessStart),
          access_end: iso(a.accessEnd),
          ended_at: null,
          rule: a.rule,
        });
        break;
      case 'activate':
        Object.assign(current(a.registrationId), {
          state: a.state,
          unit_entrata_id: a.unitId,
          space_ids: a.spaceIds,
          lease_ids: a.leaseIds,
          access_start: iso(a.accessStart),
          access_end: iso(a.accessEnd),
          rule: a.rule,
        });
        break;
      case 'move-home-unit': {
        endReg(a.fromRegistrationId, a.dueAt, a.rule);
        const fields = {
          state: a.state,
          unit_entrata_id: a.unitId,
          space_ids: a.spaceIds,
          lease_ids: a.leaseIds,
          access_start: iso(a.accessStart),
          access_end: iso(a.accessEnd),
          rule: a.rule,
        };
        if (a.toRegistrationId) Object.assign(current(a.toRegistrationId), fields);
        else inserts.push({ id: null, resident_id: residentId(a.customerId), ended_at: null, ...fields });
        break;
      }
      case 'set-window':
        Object.assign(current(a.registrationId), { access_start: iso(a.accessStart), access_end: iso(a.accessEnd), rule: a.rule });
        break;
      case 'set-leases':
        Object.assign(current(a.registrationId), { lease_ids: a.leaseIds, space_ids: a.spaceIds, rule: a.rule });
        break;
      case 'end':
      case 'withdraw':
        endReg(a.registrationId, a.dueAt, a.rule);
        break;
      case 'block':
        Object.assign(current(a.registrationId), { state: 'blocked', rule: a.rule });
        break;
      // Applied in their own batches below: residents (1), keys (3), holds (4), notifications (5).
      case 'upsert-resident':
      case 'issue-key':
      case 'revoke-key':
      case 'hold':
      case 'release-hold':
      case 'notify':
        break;
      default: {
        // A new action kind must be given its meaning here (and in applyToState) before this compiles.
        const unhandled: never = a;
        throw new Error(`apply: unknown action ${JSON.stringify(unhandled)}`);
      }
    }
  }
  if (updates.size > 0) {
    await sql`
      update registration r set
        unit_entrata_id = v.unit_entrata_id, space_ids = v.space_ids, lease_ids = v.lease_ids, state = v.state,
        access_start = v.access_start, access_end = v.access_end, ended_at = coalesce(v.ended_at, r.ended_at),
        rule = coalesce(nullif(v.rule, ''), r.rule), updated_at = ${nowIso}::timestamptz
      from jsonb_to_recordset(${JSON.stringify([...updates.values()])}::jsonb) as v(
        id bigint, unit_entrata_id text, space_ids text[], lease_ids text[], state text,
        access_start timestamptz, access_end timestamptz, ended_at timestamptz, rule text)
      where r.id = v.id`.execute(trx);
  }
  if (inserts.length > 0) {
    await trx
      .insertInto('registration')
      .values(inserts.map(({ id: _id, ...r }) => ({ ...r, property_id: ctx.propertyDbId, created_at: ctx.now, updated_at: ctx.now })))
      .execute();
  }

  // 3. Keys (P1, P2, U6): revoke, then issue; unique per property through the keyed hash.
  const revokes = actions.filter((a) => a.kind === 'revoke-key').map((a) => Number(a.keyId));
  const issues = actions.filter((a) => a.kind === 'issue-key');
  const issuedFor = issues.map((a) => residentId(a.customerId));
  if (revokes.length > 0 || issuedFor.length > 0) {
    await trx
      .updateTable('psk')
      .set({ current: false, revoked_at: ctx.now })
      .where('current', '=', true)
      .where((eb) =>
        eb.or([
          ...(revokes.length ? [eb('id', 'in', revokes)] : []),
          ...(issuedFor.length ? [eb.and([eb('property_id', '=', ctx.propertyDbId), eb('resident_id', 'in', issuedFor)])] : []),
        ]),
      )
      .execute();
  }
  if (issues.length > 0)
    await insertKeys(
      trx,
      ctx,
      issues.map((a, i) => ({ residentId: issuedFor[i]!, rule: a.rule })),
    );

  // 4. Holds (S3).
  let holdId: number | null = null;
  let heldEndings = 0;
  for (const a of actions) {
    if (a.kind === 'hold') {
      heldEndings += a.endings.length;
      if (a.existingHoldId) {
        holdId = Number(a.existingHoldId);
        await sql`update hold set endings = endings || ${JSON.stringify(a.endings)}::jsonb where id = ${holdId}`.execute(trx);
      } else {
        const row = await trx
          .insertInto('hold')
          .values({ property_id: ctx.propertyDbId, endings: JSON.stringify(a.endings), opened_by_run: runId, opened_at: ctx.now })
          .returning('id')
          .executeTakeFirstOrThrow();
        holdId = row.id;
      }
    } else if (a.kind === 'release-hold') {
      await trx.updateTable('hold').set({ state: 'approved', decided_at: ctx.now, decided_by: actor }).where('id', '=', Number(a.holdId)).execute();
    }
  }

  // 5. Notifications (N1, N2, N6) in the same transaction as the change that causes them (N4).
  const notices = actions.filter((a) => a.kind === 'notify');
  if (notices.length > 0) {
    await trx
      .insertInto('outbox')
      .values(
        notices.map((n) => ({
          property_id: ctx.propertyDbId,
          resident_id: residentId(n.customerId),
          rule: n.rule,
          ...outboxNotice(
            n.notification === 'welcome'
              ? { kind: 'welcome', payload: { ssid: ctx.ssid, unitId: n.unitId, leaseId: n.leaseId } }
              : { kind: 'new-key', payload: { reason: 'new-property', ssid: ctx.ssid, unitId: n.unitId, leaseId: n.leaseId } },
          ),
          created_by: actor,
          run_id: runId,
          created_at: ctx.now,
          not_before: ctx.now,
        })),
      )
      .execute();
  }

  // 6. Audit: every change says why (S6) and who (O6).
  if (actions.length > 0) {
    await trx
      .insertInto('audit_event')
      .values(
        actions.map((a) => {
          const resident = 'customerId' in a ? residentId(a.customerId) : null;
          const { kind, rule, propertyId: _p, ...details } = a as Action & { propertyId: string };
          return {
            at: ctx.now,
            property_id: ctx.propertyDbId,
            resident_id: resident,
            actor,
            run_id: runId,
            action: kind,
            rule,
            lease_id: 'leaseId' in a ? a.leaseId : null,
            details: JSON.stringify(details),
          };
        }),
      )
      .execute();
  }

  const networkChanged = await publishNetworkState(trx, ctx.propertyDbId);
  return { counts, holdId, heldEndings, networkChanged };
}

/** Inserts new current keys; a fingerprint collision within the property (P1 uniqueness) draws again. */
export async function insertKeys(
  trx: Kysely<DB>,
  ctx: Pick<ApplyContext, 'secrets' | 'propertyDbId' | 'now'>,
  wanted: Array<{ residentId: number; rule: string }>,
): Promise<void> {
  let pending = wanted;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 5) throw new Error('could not generate unique keys');
    const rows = pending.map((w) => {
      const psk = generatePsk();
      return {
        resident_id: w.residentId,
        property_id: ctx.propertyDbId,
        secret_encrypted: ctx.secrets.encrypt(psk),
        fingerprint: ctx.secrets.fingerprint(psk, `property:${ctx.propertyDbId}`),
        current: true,
        rule: w.rule,
        created_at: ctx.now,
      };
    });
    const inserted = await trx
      .insertInto('psk')
      .values(rows)
      .onConflict((oc) => oc.columns(['property_id', 'fingerprint']).doNothing())
      .returning('resident_id')
      .execute();
    const done = new Set(inserted.map((r) => r.resident_id));
    pending = pending.filter((w) => !done.has(w.residentId));
  }
}

/**
 * The published network state: the keys that must work now at the property, with their unit. The
 * version moves only when that set changes, so adapters can follow it cheaply.
 */
export async function publishNetworkState(trx: Kysely<DB>, propertyDbId: number): Promise<boolean> {
  const { rows } = await sql<{ changed: number }>`
    with desired as (
      select k.id as psk_id, r.resident_id, r.unit_entrata_id
      from registration r
      join psk k on k.resident_id = r.resident_id and k.property_id = r.property_id and k.current
      where r.property_id = ${propertyDbId} and r.state = 'active'
    ),
    removed as (
      delete from network_key n
      where n.property_id = ${propertyDbId}
        and not exists (select 1 from desired d where d.psk_id = n.psk_id and d.unit_entrata_id = n.unit_entrata_id)
      returning 1
    ),
    added as (
      insert into network_key (property_id, psk_id, resident_id, unit_entrata_id)
      select ${propertyDbId}, d.psk_id, d.resident_id, d.unit_entrata_id from desired d
      where not exists (select 1 from network_key n where n.property_id = ${propertyDbId} and n.psk_id = d.psk_id and n.unit_entrata_id = d.unit_entrata_id)
      on conflict (property_id, psk_id) do update set unit_entrata_id = excluded.unit_entrata_id, resident_id = excluded.resident_id
      returning 1
    )
    select (select count(*) from removed) + (select count(*) from added) as changed`.execute(trx);
  const changed = Number(rows[0]?.changed ?? 0) > 0;
  if (changed)
    await trx
      .updateTable('property')
      .set((eb) => ({ network_version: eb('network_version', '+', 1) }))
      .where('id', '=', propertyDbId)
      .execute();
  return changed;
}
