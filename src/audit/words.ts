import { placeNames, type PlaceNames } from '../engine/names.ts';
import { asPropertyId, type SnapshotUnit } from '../engine/snapshot.ts';
import type { UnitId } from '../engine/types.ts';

/**
 * An audit entry in words, for people (F-23). The engine's own entries carry the sentence it wrote
 * when it decided (S6: `reason`); staff actions are phrased here from their details. Units are named
 * as staff know them (src/engine/names.ts), never by their Entrata id alone.
 */

export interface WordsInput {
  /** When it was recorded. */
  at: Date;
  action: string;
  rule: string | null;
  leaseId: string | null;
  /** The resident's name, or null when the entry is about none. */
  resident: string | null;
  details: Record<string, unknown>;
}

/** A property's names (its units) for the phrases. */
export function auditNames(property: { entrataId: string; name: string }, units: SnapshotUnit[]): { names: PlaceNames; propertyId: string } {
  return { names: placeNames([{ property: { id: asPropertyId(property.entrataId), name: property.name }, units }]), propertyId: property.entrataId };
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Staff actions, phrased; each gets the resident ("Ana Lee" or "a resident") and the details. */
const PHRASES: Record<string, (who: string, d: Record<string, unknown>, e: WordsInput) => string> = {
  'move-in-now': (who, _d, e) => `moved ${who} in now${e.leaseId ? ` (lease ${e.leaseId})` : ''}`,
  'move-out-now': (who, _d, e) => `moved ${who} out now${e.leaseId ? ` (lease ${e.leaseId})` : ''}`,
  'transfer-now': (who, _d, e) => `transferred ${who} now${e.leaseId ? ` (lease ${e.leaseId})` : ''}`,
  reassign: (who, _d, e) => `made lease ${e.leaseId ?? '?'} the home of ${who}`,
  'set-dates': (who, d) => `set the early and late dates of ${who}${dates(d)}`,
  block: (who, d) => `blocked ${who}${str(d.at) ? ` from ${str(d.at)}` : ''}${str(d.message) ? `, with the message "${str(d.message)}"` : ''}`,
  unblock: (who) => `unblocked ${who}`,
  'rotate-key': (who) => `gave ${who} a new key (the old one stopped working)`,
  resend: (who) => `sent ${who} their key again`,
  link: (who, d) => `linked customer id ${str(d.alias) ?? '?'} to ${who}`,
  'reveal-key': (who, d) =>
    `revealed the key of ${who}${num(d.caughtMessageId) !== null ? ` in caught message ${num(d.caughtMessageId)}` : num(d.notificationId) !== null ? ` in notification ${num(d.notificationId)}` : ''}`,
  'approve-hold': (_w, d) => `approved held sync ${num(d.holdId) ?? '?'}: its endings apply`,
  'reject-hold': (_w, d) => `rejected held sync ${num(d.holdId) ?? '?'}: access is kept`,
  'confirm-unit-removed': (_w, d) => `confirmed that unit ${str(d.unit) ?? '?'} was removed in Entrata`,
  message: (_w, d, e) => `sent a personal message "${str(d.subject) ?? ''}" to ${count(d.recipients)}${when(d, e.at)}`,
  blast: (_w, d, e) => `sent a blast "${str(d.subject) ?? ''}" to ${count(d.recipients)}${str(d.unit) ? ` of unit ${str(d.unit)}` : ''}${when(d, e.at)}`,
  'cancel-message': (_w, d) => `cancelled ${d.kind === 'blast' ? 'the blast' : 'the message'} "${str(d.subject) ?? ''}" (${count(d.notifications)} not sent)`,
};

function count(v: unknown): string {
  const n = num(v) ?? 0;
  return `${n} resident${n === 1 ? '' : 's'}`;
}

/** ", to go at …" for a scheduled message; nothing for one sent when it was recorded. */
function when(d: Record<string, unknown>, at: Date): string {
  const sendAt = str(d.sendAt);
  return sendAt && Date.parse(sendAt) > at.getTime() + 60_000 ? `, to go at ${sendAt}` : '';
}

function dates(d: Record<string, unknown>): string {
  const parts = Object.entries(d)
    .filter(([, v]) => typeof v === 'string' || v === null)
    .map(([k, v]) => `${k.replace(/_/g, ' ')} ${v ?? 'cleared'}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** One line saying what happened. */
export function auditWords(e: WordsInput, place: { names: PlaceNames; propertyId: string }): string {
  // The engine's own sentence (S6) already names places and its rule; staff actions are phrased here.
  const reason = str(e.details.reason);
  const phrase = PHRASES[e.action];
  const who = e.resident ?? 'a resident';
  const text = reason ?? (phrase ? phrase(who, e.details, e) : `${e.action.replace(/-/g, ' ')}${e.resident ? ` (${e.resident})` : ''}`);
  const unitId = str(e.details.unitId);
  const where = unitId && !/\bunit\b/.test(text) ? `, ${place.names.describe({ propertyId: asPropertyId(place.propertyId), unitId: unitId as UnitId })}` : '';
  if (reason) return `${text}${where}`;
  return `${text}${where}${e.rule ? ` [${e.rule}]` : ''}`;
}

/**
 * The details shown with an entry: everything recorded but secrets. No audit entry should hold one;
 * a field named like one is dropped all the same, so a mistake elsewhere does not surface here.
 */
export function shownDetails(details: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details).filter(([k]) => !SECRET_FIELD.test(k)));
}

const SECRET_FIELD = /secret|password|passphrase|token|cookie|credential|^psk$|^key$/i;
