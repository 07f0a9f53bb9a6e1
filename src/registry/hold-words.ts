import type { Db } from '../db/database.ts';
import type { HeldEnding } from '../engine/types.ts';
import { asPropertyId, asUnitId } from '../engine/snapshot.ts';
import type { PropertySettings } from '../properties/properties.ts';
import { UserError } from '../errors/user-error.ts';
import { isoInZone } from './views.ts';
import { namesAt, residentNames } from './place-words.ts';

export type HoldState = 'open' | 'approved' | 'rejected';

/** One ending a hold keeps from happening (S3), as staff read it. */
export interface HeldEndingView {
  customerId: string;
  name: string;
  unitId: string;
  /** "unit 101 (building 1)". */
  place: string;
  leaseIds: string[];
  rule: string;
  /** When access would have ended, in the property's time. */
  endsAt: string | null;
  /** "Ann Smith would lose Wi-Fi access in unit 101: Entrata now marks lease 123 Past (W4)". */
  says: string;
}

export interface HoldInWords {
  holdId: number;
  state: HoldState;
  openedAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  /** What approving would do, in one sentence. */
  summary: string;
  endings: HeldEndingView[];
}

/** Why a held registration would end, by the rule its ending cites. */
const CAUSE: Record<string, (leases: string) => string> = {
  W3: (l) => `the move-out day of ${l} passed`,
  W4: (l) => `Entrata now marks ${l} Past without a scheduled move-out`,
  W5: (l) => `Entrata cancelled ${l}`,
  W6: (l) => `the resident's own move-out on ${l}`,
  E1: (l) => `they are no longer a primary or co-applicant on ${l}`,
  U6: () => 'no lease gives this unit any more',
};

function leaseWords(ids: readonly string[]): string {
  return ids.length === 0 ? 'their lease' : `${ids.length === 1 ? 'lease' : 'leases'} ${ids.join(', ')}`;
}

function notFound(holdId: number) {
  return new UserError(`no hold ${holdId} at this property (see GET /api/properties/{propertyId}/holds)`, { code: 'hold-not-found', category: 'not-found' });
}

/** The property's holds, newest first, with what each would do; only one state when given. */
export async function holdsInWords(db: Db, p: PropertySettings, filter: { state?: HoldState; holdId?: number } = {}): Promise<HoldInWords[]> {
  let q = db.selectFrom('hold').selectAll().where('property_id', '=', p.id);
  if (filter.state) q = q.where('state', '=', filter.state);
  if (filter.holdId !== undefined) q = q.where('id', '=', filter.holdId);
  const rows = await q.orderBy('id', 'desc').execute();
  const endingsOf = (h: (typeof rows)[number]) => h.endings as HeldEnding[];
  const names = await residentNames(
    db,
    p.accountId,
    rows.flatMap((h) => endingsOf(h).map((e) => e.customerId)),
  );
  const places = await namesAt(db, p);
  return rows.map((h) => {
    const endings = endingsOf(h).map((e): HeldEndingView => {
      const name = names.get(e.customerId) ?? `customer ${e.customerId}`;
      const place = places.describe({ propertyId: asPropertyId(p.entrataId), unitId: asUnitId(e.unitId) });
      const cause = CAUSE[e.rule]?.(leaseWords(e.leaseIds)) ?? `rule ${e.rule} ends ${leaseWords(e.leaseIds)}`;
      return {
        customerId: e.customerId,
        name,
        unitId: e.unitId,
        place,
        leaseIds: [...e.leaseIds],
        rule: e.rule,
        endsAt: Number.isFinite(e.dueAt) ? isoInZone(new Date(e.dueAt), p.timeZone) : null,
        says: `${name} would lose Wi-Fi access in ${place}: ${cause} (${e.rule})`,
      };
    });
    const people = new Set(endings.map((e) => e.customerId)).size;
    const verb = h.state === 'open' ? 'approving ends' : h.state === 'approved' ? 'approved: ended' : 'rejected: kept';
    return {
      holdId: h.id,
      state: h.state,
      openedAt: new Date(h.opened_at).toISOString(),
      decidedAt: h.decided_at?.toISOString() ?? null,
      decidedBy: h.decided_by,
      summary: `${verb} Wi-Fi access for ${people} ${people === 1 ? 'resident' : 'residents'} (S3)`,
      endings,
    };
  });
}

/** One hold of this property; a hold of another property answers as one that does not exist. */
export async function holdInWords(db: Db, p: PropertySettings, holdId: number): Promise<HoldInWords> {
  const [hold] = await holdsInWords(db, p, { holdId });
  if (!hold) throw notFound(holdId);
  return hold;
}
