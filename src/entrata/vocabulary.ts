// Entrata's words for lease statuses and customer types, and the lease-status pick list (docs/entrata.md §3.1, §3.2).
import { EntrataError } from './errors.ts';
import { idStr, listOf, pick, text } from './quirks.ts';
import type { CustomerType, LeaseStatus } from '../engine/snapshot.ts';

const squash = (s: string) => s.toLowerCase().replace(/[^a-z]/g, '');

const STATUS_WORDS: Record<string, LeaseStatus> = {
  applicant: 'applicant',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  future: 'future',
  current: 'current',
  notice: 'notice',
  past: 'past',
};

/** "Current", "CANCELED", … → LeaseStatus; null for any other word. */
export function leaseStatusFromName(name: unknown): LeaseStatus | null {
  return STATUS_WORDS[squash(text(name))] ?? null;
}

const CUSTOMER_TYPE_WORDS: Record<string, CustomerType> = {
  primary: 'primary',
  primaryapplicant: 'primary',
  coapplicant: 'co-applicant',
  responsible: 'co-applicant',
  guarantor: 'guarantor',
  occupant: 'occupant',
  nonresponsible: 'occupant',
};

/** Primary / Co-Applicant (Co-applicant, Responsible) / Guarantor / Occupant (Non-Responsible); null otherwise. */
export function customerTypeFromName(name: unknown): CustomerType | null {
  return CUSTOMER_TYPE_WORDS[squash(text(name))] ?? null;
}

/** Lease status type id (as a string) → LeaseStatus, read from this client's getLeasePickList. */
export type LeaseStatusMap = ReadonlyMap<string, LeaseStatus>;

/**
 * `leaseStatusTypes.leaseStatusType[].@attributes.{id,name}` → map. Entries with another name
 * (a status we do not know) are left out, so leases with that id are quarantined. Throws
 * `malformed` when the list is missing or holds no known status.
 */
export function parseLeaseStatusTypes(result: unknown): LeaseStatusMap {
  const fail = (detail: string) => new EntrataError(detail, { kind: 'malformed', service: 'leases', method: 'getLeasePickList' });
  const container = pick(result, 'leaseStatusTypes');
  if (container === undefined) throw fail('result has no leaseStatusTypes');
  const map = new Map<string, LeaseStatus>();
  for (const item of listOf(container, 'leaseStatusType')) {
    const id = idStr(pick(item, 'id'));
    const status = leaseStatusFromName(pick(item, 'name'));
    if (id && status) map.set(id, status);
  }
  if (map.size === 0) throw fail('leaseStatusTypes holds no known status (Applicant, Cancelled, Future, Current, Notice, Past)');
  return map;
}

/** The status ids for `statuses`, in the pick list's id order; throws `malformed` naming a status the pick list lacks. */
export function statusIdsFor(map: LeaseStatusMap, statuses: readonly LeaseStatus[]): string[] {
  const ids: string[] = [];
  for (const s of new Set(statuses)) {
    const matching = [...map].filter(([, v]) => v === s).map(([id]) => id);
    if (matching.length === 0) {
      throw new EntrataError(`the lease pick list has no status ${s}`, { kind: 'malformed', service: 'leases', method: 'getLeasePickList' });
    }
    ids.push(...matching);
  }
  return ids.sort((a, b) => Number(a) - Number(b));
}
