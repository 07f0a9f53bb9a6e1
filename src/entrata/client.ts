// The read-only Entrata client of one account: the methods Pebbles needs, returning normalised values.
import { createHash } from 'node:crypto';
import { resolveAccount, type EntrataAccountConfig, type ResolvedAccount } from './account.ts';
import { EntrataError, EntrataInputError } from './errors.ts';
import { LEASE_CAP, readAllLeaseNodes, type LeaseQuery } from './lease-pages.ts';
import type { LeaseBatch } from './lease-normaliser.ts';
import { LeaseRead, nodeLeaseId } from './lease-read.ts';
import { buildingNames, parseProperties, parsePropertyUnits, parseStatus, type EntrataProperty, type EntrataStatus, type PropertyUnits } from './properties.ts';
import { idStr, pick, pickRef, text } from './quirks.ts';
import type { RateLimitReading } from './rate-limit.ts';
import { LEASE_STATUSES, asPropertyId, type LeaseStatus, type LocalDate, type PropertySnapshot, type SnapshotUnit } from '../engine/snapshot.ts';
import { EntrataTransport, type EntrataDeps } from './transport.ts';
import { parseLeaseStatusTypes, statusIdsFor, type LeaseStatusMap } from './vocabulary.ts';

/** The statuses a property snapshot reads (S2): the leases that give or will give access. */
export const SNAPSHOT_STATUSES: readonly LeaseStatus[] = ['future', 'current', 'notice'];
/** Lease ids per getLeases call when reading by id. */
export const LEASE_IDS_PER_CALL = 100;
/** How long a client trusts its copy of the lease pick list. */
export const PICK_LIST_TTL_MS = 3_600_000;

export interface LeaseFilter {
  /** Statuses by name, sent as `leaseStatusTypeIds` through the pick list. Default: every status the pick list knows. */
  statuses?: readonly LeaseStatus[];
  leaseIds?: readonly string[];
  customerId?: string;
  unitNumber?: string;
  buildingName?: string;
  /** Move-in range, YYYY-MM-DD, inclusive. */
  moveInFrom?: LocalDate;
  moveInTo?: LocalDate;
  /** getLeases revision. r2 (default) has everything the snapshot needs; r1 is read the same way. */
  version?: 'r1' | 'r2';
}

/** Ends every call of a read at once (a wait, a retry, a request in flight), rejecting with the signal's reason. */
export interface Abortable {
  signal?: AbortSignal;
}

export interface LeaseReadOptions extends Abortable {
  /** Units of the property, when known: saves a getPropertyUnits call if the cap forces a building split. */
  units?: readonly SnapshotUnit[];
}

export interface SnapshotOptions extends Abortable {
  /** Name to use when neither getPropertyUnits nor the leases give one. */
  propertyName?: string;
  version?: 'r1' | 'r2';
}

export interface UnitRef {
  unitNumber: string;
  buildingName?: string | null;
  /** When given, leases of other units with the same number are dropped. */
  unitId?: string;
}

function checkId(what: string, id: string): string {
  const s = idStr(id);
  if (!s) throw new EntrataInputError(`${what} must be a positive integer id, got ${JSON.stringify(id)}`);
  return s;
}

export class EntrataClient {
  private readonly account: ResolvedAccount;
  private readonly transport: EntrataTransport;
  private readonly logger: EntrataDeps['logger'];
  private readonly now: () => number;
  private pickList: { map: Promise<LeaseStatusMap>; readAt: number; signal: AbortSignal | undefined } | undefined;

  constructor(config: EntrataAccountConfig, deps: EntrataDeps = {}) {
    this.account = resolveAccount(config);
    this.transport = new EntrataTransport(this.account, deps);
    this.logger = deps.logger;
    this.now = deps.now ?? Date.now;
  }

  /** Latest X-RateLimit readings per service (for the dispatcher and metrics). */
  rateLimitState(): RateLimitReading[] {
    return this.transport.rateLimitState();
  }

  /** "Test connection" (F-01). */
  async getStatus(): Promise<EntrataStatus> {
    return parseStatus(await this.transport.call({ service: 'status', method: 'getStatus', version: 'r1' }));
  }

  /** The properties this API user may read. Throws `not-permitted` when getProperties is not granted. */
  async getProperties(opts: { propertyIds?: readonly string[]; includeDisabled?: boolean } = {}): Promise<EntrataProperty[]> {
    const params: Record<string, unknown> = {};
    if (opts.propertyIds?.length) params.propertyIds = opts.propertyIds.map((id) => checkId('propertyId', id)).join(',');
    if (opts.includeDisabled) params.showAllStatus = 1;
    return parseProperties(await this.transport.call({ service: 'properties', method: 'getProperties', version: 'r1', params }));
  }

  /** getProperties, or `permitted: false` when the API user was not granted it (the ids are then entered by hand). */
  async discoverProperties(): Promise<{ permitted: true; properties: EntrataProperty[] } | { permitted: false; error: EntrataError }> {
    try {
      return { permitted: true, properties: await this.getProperties() };
    } catch (e) {
      if (e instanceof EntrataError && e.kind === 'not-permitted') return { permitted: false, error: e };
      throw e;
    }
  }

  /** Units with building names and spaces, plus the property name when the answer has it. */
  async getPropertyUnitList(propertyId: string, opts: Abortable = {}): Promise<PropertyUnits> {
    const id = checkId('propertyId', propertyId);
    const result = await this.transport.call({
      service: 'propertyunits',
      method: 'getPropertyUnits',
      version: 'r1',
      params: { propertyIds: id, includeDisabledUnits: 1 },
      signal: opts.signal,
    });
    const parsed = parsePropertyUnits(result, id);
    if (parsed.skipped.length > 0) this.logger?.warn({ propertyId: id, skipped: parsed.skipped }, 'getPropertyUnits entries without ids were left out');
    return parsed;
  }

  async getPropertyUnits(propertyId: string, opts: Abortable = {}): Promise<SnapshotUnit[]> {
    return (await this.getPropertyUnitList(propertyId, opts)).units;
  }

  /**
   * Lease status type id → status, from getLeasePickList (never hard-coded). Kept by the client
   * for PICK_LIST_TTL_MS, and read again at once when a lease carries an id it does not know.
   * A failed read is not kept. The read is shared by concurrent callers: one whose own signal has not
   * fired, when the read ended because another caller's did, reads it again.
   */
  async getLeasePickList(opts: Abortable = {}): Promise<LeaseStatusMap> {
    const kept = this.pickList && this.now() - this.pickList.readAt < PICK_LIST_TTL_MS ? this.pickList : undefined;
    const entry = kept ?? this.readPickList(opts.signal);
    try {
      return await entry.map;
    } catch (e) {
      if (e instanceof EntrataError || opts.signal?.aborted || !entry.signal?.aborted) throw e;
      return this.getLeasePickList(opts);
    }
  }

  private readPickList(signal: AbortSignal | undefined): { map: Promise<LeaseStatusMap>; readAt: number; signal: AbortSignal | undefined } {
    const entry = {
      readAt: this.now(),
      signal,
      map: this.transport
        .call({ service: 'leases', method: 'getLeasePickList', version: 'r1', signal })
        .then(parseLeaseStatusTypes)
        .catch((e: unknown) => {
          if (this.pickList === entry) this.pickList = undefined;
          throw e;
        }),
    };
    entry.map.catch(() => undefined); // awaited by getLeasePickList
    this.pickList = entry;
    return entry;
  }

  /** Raw lease nodes of every page (de-duplicated, cap split). For diagnostics; the sync uses getLeases. */
  async getLeaseNodes(propertyId: string, filter: LeaseFilter = {}, opts: LeaseReadOptions = {}): Promise<unknown[]> {
    return (await this.readLeaseNodes(propertyId, filter, opts)).nodes;
  }

  /** Leases matching the filter, normalised; leases that cannot be understood are quarantined. */
  async getLeases(propertyId: string, filter: LeaseFilter = {}, opts: LeaseReadOptions = {}): Promise<LeaseBatch> {
    const id = checkId('propertyId', propertyId);
    return this.leaseRead(await this.readLeaseNodes(id, filter, opts), id).normalise();
  }

  /**
   * Lease nodes, and the pick list their query used. A kept pick list may be stale: when a lease
   * carries a status id it does not know, or Entrata refuses the status ids sent, the pick list is
   * read again, and the leases too if it changed.
   */
  private async readLeaseNodes(propertyId: string, filter: LeaseFilter, opts: LeaseReadOptions): Promise<LeaseNodes> {
    const id = checkId('propertyId', propertyId);
    const wasKept = this.pickList !== undefined && this.now() - this.pickList.readAt < PICK_LIST_TTL_MS;
    const map = await this.getLeasePickList(opts);
    let read: { nodes: unknown[]; answers: string };
    try {
      read = await this.queryLeaseNodes(id, map, filter, opts);
    } catch (e) {
      const refused = e instanceof EntrataError && e.kind === 'entrata' && /leaseStatusTypeId/i.test(e.detail);
      if (!refused || !wasKept) throw e;
      const fresh = await this.rereadPickList(id, map, opts);
      if (!fresh) throw e;
      return { ...(await this.queryLeaseNodes(id, fresh, filter, opts)), map: fresh };
    }
    const unknown = read.nodes.some((n) => {
      const sid = idStr(pickRef(n, 'leaseStatusTypeId'));
      return sid !== null && !map.has(sid);
    });
    if (!unknown || !wasKept) return { ...read, map };
    const fresh = await this.rereadPickList(id, map, opts);
    if (!fresh) return { ...read, map };
    return { ...(await this.queryLeaseNodes(id, fresh, filter, opts)), map: fresh };
  }

  /** Reads the pick list again; gives it when it differs from `old`, else null. */
  private async rereadPickList(propertyId: string, old: LeaseStatusMap, opts: Abortable): Promise<LeaseStatusMap | null> {
    this.pickList = undefined;
    const fresh = await this.getLeasePickList(opts);
    if (sameMap(fresh, old)) return null;
    this.logger?.info({ propertyId }, 'the lease pick list changed; reading the leases again');
    return fresh;
  }

  /** The nodes of every page, and a digest of the answers they came in (in the order read). */
  private async queryLeaseNodes(id: string, map: LeaseStatusMap, filter: LeaseFilter, opts: LeaseReadOptions): Promise<{ nodes: unknown[]; answers: string }> {
    const statusIds = statusIdsFor(map, filter.statuses ?? LEASE_STATUSES.filter((s) => [...map.values()].includes(s)));
    const base: LeaseQuery = { propertyId: id, version: filter.version ?? 'r2', statusIds };
    if (filter.customerId !== undefined) base.customerId = checkId('customerId', filter.customerId);
    if (filter.unitNumber) base.unitNumber = filter.unitNumber;
    if (filter.buildingName) base.buildingName = filter.buildingName;
    if (filter.moveInFrom) base.moveInFrom = filter.moveInFrom;
    if (filter.moveInTo) base.moveInTo = filter.moveInTo;
    const digest = createHash('sha256');
    const reader = {
      perPage: this.account.perPage,
      cap: LEASE_CAP,
      logger: this.logger,
      call: (params: Record<string, unknown>, page: { pageNo: number; perPage: number }) =>
        this.transport.call({ service: 'leases', method: 'getLeases', version: base.version, params, page, digest, signal: opts.signal }),
      buildings: async () => buildingNames(opts.units ?? (await this.getPropertyUnits(id, opts))),
    };
    const nodes: unknown[] = [];
    if (filter.leaseIds === undefined) nodes.push(...(await readAllLeaseNodes(reader, base)));
    else {
      const ids = [...new Set(filter.leaseIds.map((l) => checkId('leaseId', l)))];
      for (let i = 0; i < ids.length; i += LEASE_IDS_PER_CALL) {
        nodes.push(...(await readAllLeaseNodes(reader, { ...base, leaseIds: ids.slice(i, i + LEASE_IDS_PER_CALL) })));
      }
    }
    return { nodes, answers: digest.digest('base64') };
  }

  /**
   * S2: leases by id, whatever their status (Past and Cancelled included). Only the asked ids come
   * back (and quarantined leases without an id); an id Entrata no longer returns is simply absent.
   */
  async readLeasesByIds(propertyId: string, leaseIds: readonly string[], opts: LeaseReadOptions = {}): Promise<LeaseBatch> {
    return (await this.readLeaseNodesByIds(propertyId, leaseIds, opts)).normalise();
  }

  /** readLeasesByIds, not yet normalised. */
  async readLeaseNodesByIds(propertyId: string, leaseIds: readonly string[], opts: LeaseReadOptions = {}): Promise<LeaseRead> {
    const id = checkId('propertyId', propertyId);
    if (leaseIds.length === 0) return this.leaseRead({ nodes: [], map: new Map(), answers: 'none' }, id);
    const read = await this.readLeaseNodes(id, { leaseIds }, opts);
    const asked = new Set(leaseIds.map((l) => idStr(l)));
    const nodes = read.nodes.filter((n) => {
      const leaseId = nodeLeaseId(n);
      return leaseId === '' || asked.has(leaseId);
    });
    return this.leaseRead({ ...read, nodes }, id);
  }

  /** Sync one resident (O5): every lease of a customer at the property, whatever its status. */
  readLeasesByCustomer(propertyId: string, customerId: string, opts: LeaseReadOptions = {}): Promise<LeaseBatch> {
    return this.getLeases(propertyId, { customerId }, opts);
  }

  /** Sync one unit (O5): every lease of a unit, whatever its status. */
  async readLeasesByUnit(propertyId: string, unit: UnitRef, opts: LeaseReadOptions = {}): Promise<LeaseBatch> {
    const filter: LeaseFilter = { unitNumber: unit.unitNumber };
    if (unit.buildingName) filter.buildingName = unit.buildingName;
    const batch = await this.getLeases(propertyId, filter, opts);
    if (!unit.unitId) return batch;
    return { leases: batch.leases.filter((l) => l.unitId === unit.unitId), quarantined: batch.quarantined };
  }

  /** One property's units and its Future, Current and Notice leases, as the engine consumes them. */
  async readPropertySnapshot(propertyId: string, opts: SnapshotOptions = {}): Promise<PropertySnapshot> {
    const raw = await this.readPropertySnapshotNodes(propertyId, opts);
    const batch = raw.leases.normalise();
    this.logger?.debug(
      { propertyId: raw.property.id, units: raw.units.length, leases: batch.leases.length, quarantined: batch.quarantined.length },
      'Entrata property snapshot read',
    );
    return { property: raw.property, units: raw.units, leases: batch.leases, quarantined: batch.quarantined };
  }

  /** readPropertySnapshot with its leases not yet normalised (every page read and parsed). */
  async readPropertySnapshotNodes(
    propertyId: string,
    opts: SnapshotOptions = {},
  ): Promise<Omit<PropertySnapshot, 'leases' | 'quarantined'> & { leases: LeaseRead }> {
    const id = checkId('propertyId', propertyId);
    const units = await this.getPropertyUnitList(id, opts);
    const filter: LeaseFilter = { statuses: SNAPSHOT_STATUSES };
    if (opts.version) filter.version = opts.version;
    const read = await this.readLeaseNodes(id, filter, { units: units.units, signal: opts.signal });
    const leaseName = units.propertyName ? undefined : read.nodes.map((n) => text(pick(n, 'propertyName'))).find(Boolean);
    return {
      property: { id: asPropertyId(id), name: units.propertyName ?? leaseName ?? opts.propertyName ?? '' },
      units: units.units,
      leases: this.leaseRead(read, id),
    };
  }

  /** The one place lease nodes meet the context they normalise in (pick list, country, property). */
  private leaseRead(read: LeaseNodes, propertyId: string): LeaseRead {
    return new LeaseRead(read.nodes, { statusById: read.map, country: this.account.country, propertyId }, read.answers);
  }
}

/** Lease nodes, the pick list their query used, and the digest of the answers they came in. */
interface LeaseNodes {
  nodes: unknown[];
  map: LeaseStatusMap;
  answers: string;
}

function sameMap(a: LeaseStatusMap, b: LeaseStatusMap): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

export function createEntrataClient(account: EntrataAccountConfig, deps: EntrataDeps = {}): EntrataClient {
  return new EntrataClient(account, deps);
}
