import type { Db } from '../db/database.ts';
import { checkScopes } from '../sync/scope-check.ts';
import { loadUnits } from '../sync/units.ts';
import { isEmailAddress } from './phone.ts';
import { UserError } from '../errors/user-error.ts';
import type { MessageChannel } from './staff.ts';

// Who a personal message or blast (F-17) goes to: a unit named as staff know it, and the recipients
// no chosen channel reaches (E2), named in the answer so staff can fix their contact in Entrata.

/** A recipient who will not receive the message, and what they lack. */
export interface NoContact {
  customerId: string;
  name: string;
  missing: string;
}

/** The Entrata id of a unit of the property by its number (and building, when several share it). */
export async function unitIdOf(
  db: Db,
  property: { id: number; accountId: number; entrataId: string },
  unit: { number: string; building?: string | null },
): Promise<string> {
  // The sync's own check says what exists when the unit does not.
  await checkScopes(db, property, [{ kind: 'unit', unitNumber: unit.number, building: unit.building ?? null }]);
  const units = (await loadUnits(db, property.id)).filter((u) => u.number === unit.number && (unit.building == null || u.building === unit.building));
  if (units.length === 0) throw new UserError(`unit: no unit ${unit.number} at property ${property.entrataId}`, { code: 'unit-not-found' });
  if (units.length > 1)
    throw new UserError(
      `unit: several units ${unit.number} at property ${property.entrataId}; add its building (${units.map((u) => u.building ?? '(none)').join(', ')})`,
      { code: 'unit-ambiguous' },
    );
  return units[0]!.id;
}

/** Recipients whom no chosen channel can reach (E2): no e-mail address, and no mobile or SMS off. */
export async function withoutContact(db: Db, residentIds: number[], channels: MessageChannel[], smsEnabled: boolean): Promise<NoContact[]> {
  const rows = await db
    .selectFrom('resident')
    .select(['customer_id', 'first_name', 'last_name', 'email', 'mobile'])
    .where('id', 'in', residentIds)
    .orderBy('last_name')
    .orderBy('first_name')
    .execute();
  const out: NoContact[] = [];
  for (const r of rows) {
    const byEmail = channels.includes('email') && !!r.email && isEmailAddress(r.email);
    const bySms = channels.includes('sms') && smsEnabled && !!r.mobile;
    if (byEmail || bySms) continue;
    const missing = [
      ...(channels.includes('email') ? [r.email ? 'a valid e-mail address' : 'an e-mail address'] : []),
      ...(channels.includes('sms') ? [smsEnabled ? 'a mobile number' : 'SMS (off for this property)'] : []),
    ].join(' and ');
    out.push({ customerId: r.customer_id, name: `${r.first_name} ${r.last_name}`.trim(), missing });
  }
  return out;
}
