import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { SnapshotLease } from '../engine/snapshot.ts';
import { MASK } from '../notifications/mask.ts';
import { notificationsOf, type NotificationView } from '../notifications/staff.ts';
import { explainResident } from '../operations/explain.ts';
import type { PropertySettings } from '../properties/properties.ts';
import { residentAt } from './resident-at.ts';
import { isoInZone } from './views.ts';

/**
 * One resident at one property (F-11, F-20): their leases as the mirror has them, their registrations
 * over time, their keys (never the secret), notifications with delivery state, blocks, the last audit
 * entries and the plain-words explanation of why they have or lack access.
 */

export interface LeaseView {
  leaseId: string;
  status: string;
  unit: string;
  building: string | null;
  spaces: string[];
  moveIn: string;
  moveOut: string | null;
  leaseEnd: string | null;
  isTransfer: boolean;
  /** This resident on the lease: their type, own status and dates (W6). */
  as: { customerId: string; type: string; status: string | null; moveIn: string | null; moveOut: string | null } | null;
  /** S4: Entrata's last answer for it could not be understood; the last good version is shown. */
  quarantineReason: string | null;
  /** S2: Entrata stopped listing it while open. */
  missingSince: string | null;
}

export interface RegistrationView {
  registrationId: number;
  state: string;
  unit: string;
  building: string | null;
  spaces: string[];
  accessStart: string | null;
  accessEnd: string | null;
  endedAt: string | null;
  rule: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface KeyView {
  keyId: number;
  /** Always masked: the key itself is shown only by the reveal route (P3). */
  key: string;
  current: boolean;
  issuedAt: string;
  revokedAt: string | null;
  rule: string | null;
}

export interface BlockView {
  blockId: number;
  startsAt: string;
  message: string | null;
  createdBy: string;
  createdAt: string;
  liftedAt: string | null;
  liftedBy: string | null;
}

export interface AuditView {
  at: string;
  actor: string;
  action: string;
  rule: string | null;
  leaseId: string | null;
  runId: number | null;
  details: unknown;
}

export interface ResidentDetail {
  customerId: string;
  /** Every customer id they are known by here (E3 links). */
  customerIds: string[];
  firstName: string;
  lastName: string;
  email: string | null;
  mobile: string | null;
  contactProblems: string[];
  leases: LeaseView[];
  registrations: RegistrationView[];
  keys: KeyView[];
  blocks: BlockView[];
  notifications: NotificationView[];
  audit: AuditView[];
  explanation: string[];
}

type Spaces = Array<{ id: string; label: string }>;
type UnitNames = Map<string, { number: string; building: string | null; spaces: Spaces }>;

/** The property's units named in these rows, by Entrata id. */
export async function unitNames(db: Db, propertyDbId: number, unitIds: Iterable<string>): Promise<UnitNames> {
  const ids = [...new Set(unitIds)];
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('unit')
    .select(['entrata_id', 'number', 'building', 'spaces'])
    .where('property_id', '=', propertyDbId)
    .where('entrata_id', 'in', ids)
    .execute();
  return new Map(rows.map((u) => [u.entrata_id, { number: u.number, building: u.building, spaces: u.spaces }]));
}

const labelsOf = (names: UnitNames, unitId: string, spaceIds: readonly string[]) => {
  const spaces = new Map((names.get(unitId)?.spaces ?? []).map((s) => [s.id, s.label]));
  return spaceIds.map((id) => spaces.get(id) ?? id);
};

export function leaseView(
  m: { data: unknown; quarantine_reason: string | null; missing_since: Date | null },
  names: UnitNames,
  customerIds: readonly string[] = [],
): LeaseView {
  const l = m.data as SnapshotLease;
  const c = l.customers.find((x) => customerIds.includes(x.id));
  return {
    leaseId: l.id,
    status: l.status,
    unit: names.get(l.unitId)?.number ?? l.unitId,
    building: names.get(l.unitId)?.building ?? null,
    spaces: labelsOf(names, l.unitId, l.spaceIds),
    moveIn: l.moveIn,
    moveOut: l.moveOut,
    leaseEnd: l.leaseEnd,
    isTransfer: l.isTransfer,
    as: c ? { customerId: c.id, type: c.type, status: c.status, moveIn: c.moveIn, moveOut: c.moveOut } : null,
    quarantineReason: m.quarantine_reason,
    missingSince: m.missing_since?.toISOString() ?? null,
  };
}

export function registrationView(
  g: {
    id: number;
    state: string;
    unit_entrata_id: string;
    space_ids: string[];
    access_start: Date | null;
    access_end: Date | null;
    ended_at: Date | null;
    rule: string | null;
    created_at: Date;
    updated_at: Date;
  },
  names: UnitNames,
  timeZone: string,
): RegistrationView {
  return {
    registrationId: g.id,
    state: g.state,
    unit: names.get(g.unit_entrata_id)?.number ?? g.unit_entrata_id,
    building: names.get(g.unit_entrata_id)?.building ?? null,
    spaces: labelsOf(names, g.unit_entrata_id, g.space_ids),
    accessStart: isoInZone(g.access_start, timeZone),
    accessEnd: isoInZone(g.access_end, timeZone),
    endedAt: isoInZone(g.ended_at, timeZone),
    rule: g.rule,
    createdAt: g.created_at.toISOString(),
    updatedAt: g.updated_at.toISOString(),
  };
}

/** Everything about one resident at a property; not found (404) when they are not a resident there. */
export async function residentDetail(deps: { db: Db; now(): Date }, property: PropertySettings, customerId: string): Promise<ResidentDetail> {
  const { db } = deps;
  const who = await residentAt(db, property, customerId);
  const rid = who.residentId;
  const leases = await db
    .selectFrom('lease_mirror')
    .select(['data', 'quarantine_reason', 'missing_since'])
    .where('property_id', '=', property.id)
    .where(sql<boolean>`customer_ids && ${sql.val(who.customerIds)}::text[]`)
    .orderBy(sql`data->>'moveIn'`, 'desc')
    .execute();
  const registrations =
    rid === null
      ? []
      : await db.selectFrom('registration').selectAll().where('property_id', '=', property.id).where('resident_id', '=', rid).orderBy('id', 'desc').execute();
  const names = await unitNames(db, property.id, [...leases.map((m) => (m.data as SnapshotLease).unitId), ...registrations.map((g) => g.unit_entrata_id)]);
  const keys =
    rid === null
      ? []
      : await db
          .selectFrom('psk')
          .select(['id', 'current', 'created_at', 'revoked_at', 'rule'])
          .where('resident_id', '=', rid)
          .where('property_id', '=', property.id)
          .orderBy('id', 'desc')
          .execute();
  const blocks =
    rid === null
      ? []
      : await db.selectFrom('block').selectAll().where('resident_id', '=', rid).where('property_id', '=', property.id).orderBy('id', 'desc').execute();
  const audit =
    rid === null
      ? []
      : await db
          .selectFrom('audit_event')
          .select(['at', 'actor', 'action', 'rule', 'lease_id', 'run_id', 'details'])
          .where('resident_id', '=', rid)
          // What happened at another property of the account is that property's business.
          .where((eb) => eb.or([eb('property_id', '=', property.id), eb('property_id', 'is', null)]))
          .orderBy('at', 'desc')
          .orderBy('id', 'desc')
          .limit(50)
          .execute();
  const notifications = rid === null ? [] : await notificationsOf(db, property.id, { customerId: who.customerId, limit: 100, now: deps.now() });
  // From a lease when they were never registered: the mirror has their name.
  const onLease = leases.flatMap((m) => (m.data as SnapshotLease).customers).find((c) => who.customerIds.includes(c.id));
  return {
    customerId: who.customerId,
    customerIds: who.customerIds,
    firstName: who.firstName || onLease?.firstName || '',
    lastName: who.lastName || onLease?.lastName || '',
    email: who.email,
    mobile: who.mobile,
    contactProblems: who.contactProblems,
    leases: leases.map((m) => leaseView(m, names, who.customerIds)),
    registrations: registrations.map((g) => registrationView(g, names, property.timeZone)),
    keys: keys.map((k) => ({
      keyId: k.id,
      key: MASK,
      current: k.current,
      issuedAt: k.created_at.toISOString(),
      revokedAt: k.revoked_at?.toISOString() ?? null,
      rule: k.rule,
    })),
    blocks: blocks.map((b) => ({
      blockId: b.id,
      startsAt: b.starts_at.toISOString(),
      message: b.message,
      createdBy: b.created_by,
      createdAt: b.created_at.toISOString(),
      liftedAt: b.lifted_at?.toISOString() ?? null,
      liftedBy: b.lifted_by,
    })),
    notifications,
    audit: audit.map((a) => ({
      at: a.at.toISOString(),
      actor: a.actor,
      action: a.action,
      rule: a.rule,
      leaseId: a.lease_id,
      runId: a.run_id,
      details: a.details,
    })),
    // The API's caller may see this property alone: changes recorded at others stay out.
    explanation: await explainResident(deps, customerId, property.id, 'property'),
  };
}
