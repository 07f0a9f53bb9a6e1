// A sync test bench: a fresh migrated database, an in-process Entrata simulator on real HTTP
// (127.0.0.1), a secret box with a random key, one account pointing at the simulator, its properties
// enabled, and SyncDeps with an explicit, settable clock. The simulator's date is kept equal to the
// clock's local date in the properties' zone (setClock moves both).
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { addAccount } from '../../src/accounts/accounts.ts';
import { entrataClients } from '../../src/accounts/entrata-clients.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createSecretBox, type SecretBox } from '../../src/crypto/secrets.ts';
import type { Db } from '../../src/db/database.ts';
import { localDateOf, startOfLocalDay } from '../../src/engine/local-time.ts';
import { asLocalDate } from '../../src/engine/snapshot.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { enableProperty, getPropertyById, type EnableProperty, type PropertySettings } from '../../src/properties/properties.ts';
import { generatePortfolio, startSimulator, type RunningSimulator, type SimUnit } from '../../src/simulator/index.ts';
import { syncProperty, type SyncDeps, type SyncOptions, type SyncResult } from '../../src/sync/sync-property.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

export const TZ = 'America/Denver';

/** An instant from a local wall time in the properties' zone: '2025-08-15' or '2025-08-15 09:30'. */
export function at(local: string, timeZone = TZ): Date {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2}))?$/.exec(local);
  if (!m) throw new Error(`at(): not YYYY-MM-DD[ HH:mm]: ${local}`);
  const start = startOfLocalDay(asLocalDate(m[1]!), timeZone);
  return new Date(start + (Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 60_000);
}

export interface HarnessOptions {
  /** The first clock reading, local (see at()). */
  start: string;
  /** Simulator properties (all enabled in the one account). Default 2. */
  properties?: number;
  /** Units per property. Default 12. */
  units?: number;
  seed?: string;
  /** Keep the generated leases (a realistic property); default false: every lease is scripted by the test. */
  generatedLeases?: boolean;
  /** Settings of every enabled property (firstWelcome, lateMoveOutDays...). */
  property?: Partial<EnableProperty>;
  /** Per-property settings by index. */
  propertySettings?: Array<Partial<EnableProperty>>;
  /** ENTRATA_TIMEOUT_MS for the client (the timeout fault needs a short one). */
  entrataTimeoutMs?: number;
  /** Entrata client retries (default: the client's, with back-off sleeps skipped). */
  maxRetries?: number;
}

export interface LogCapture {
  lines: string[];
  text(): string;
}

/** Sees (and may replace) every Entrata answer the sync gets: a proxy between Pebbles and the simulator. */
export type Interceptor = (req: { method: string; params: Record<string, unknown> }, res: Response) => Promise<Response>;

export interface Harness {
  /** Set to rewrite Entrata answers (a malformed lease, a failure on one call); null passes them through. */
  intercept: Interceptor | null;
  t: TestDatabase;
  db: Db;
  sim: RunningSimulator;
  secrets: SecretBox;
  /** The secret key as hex (for a child process's PEBBLES_SECRET_KEY). */
  secretKeyHex: string;
  accountId: number;
  accountName: string;
  /** Enabled properties in simulator order. */
  props: PropertySettings[];
  deps: SyncDeps;
  log: Logger;
  logs: LogCapture;
  now(): Date;
  /** Moves the clock and the simulator's date together. */
  setClock(local: string | Date): Date;
  sync(p: PropertySettings | number, opts?: Partial<SyncOptions>): Promise<SyncResult>;
  /** Units of a simulator property (for scripting leases). */
  units(p: PropertySettings): SimUnit[];
  /** A new Entrata client per account (as after a restart): forgets the kept pick list. */
  resetClients(): void;
  /** Refreshes a property's settings (first_synced_at etc.). */
  property(p: PropertySettings | number): Promise<PropertySettings>;
  close(): Promise<void>;
}

export async function createHarness(opts: HarnessOptions): Promise<Harness> {
  const t = await createTestDatabase();
  const db = t.db;
  const nProps = opts.properties ?? 2;
  const units = opts.units ?? 12;
  const seed = opts.seed ?? 'pebbles-sync-tests';
  let clock = at(opts.start);
  const today = localDateOf(clock.getTime(), TZ);

  const portfolio = generatePortfolio({ seed, properties: nProps, unitsPerProperty: units, today });
  if (!opts.generatedLeases) {
    portfolio.leases.length = 0;
    portfolio.leaseById.clear();
    for (const id of portfolio.leasesByProperty.keys()) portfolio.leasesByProperty.set(id, []);
  }
  const sim = await startSimulator({ port: 0, portfolio, today, rateLimits: false });

  const key = randomBytes(32);
  const secrets = createSecretBox(key);
  const accountName = 'acme';
  await addAccount(db, secrets, { name: accountName, subdomain: 'acme', baseUrl: sim.url, credential: { kind: 'apikey', apiKey: 'demo-key' } });
  const accountId = (await db.selectFrom('entrata_account').select('id').where('name', '=', accountName).executeTakeFirstOrThrow()).id;

  const props: PropertySettings[] = [];
  for (const [i, p] of portfolio.properties.entries()) {
    props.push(
      await enableProperty(db, {
        accountName,
        entrataId: p.id,
        timeZone: TZ,
        ssid: `Pebbles-${i + 1}`,
        ...opts.property,
        ...opts.propertySettings?.[i],
      }),
    );
  }

  const lines: string[] = [];
  const logs: LogCapture = { lines, text: () => lines.join('') };
  const log = createLogger({
    level: 'trace',
    format: 'json',
    destination: { write: (s: string) => (lines.push(s), true) } as unknown as NodeJS.WritableStream,
  });
  const config = loadConfig(opts.entrataTimeoutMs ? { ENTRATA_TIMEOUT_MS: String(opts.entrataTimeoutMs) } : {});
  const box = { intercept: null as Interceptor | null };
  const fetchThrough: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (!box.intercept) return res;
    const body = JSON.parse(typeof init?.body === 'string' ? init.body : '{}') as { method?: { name?: string; params?: Record<string, unknown> } };
    return box.intercept({ method: body.method?.name ?? '', params: body.method?.params ?? {} }, res);
  };
  const deps: SyncDeps = {
    db,
    secrets,
    log,
    // Back-off sleeps are skipped so retried faults fail fast; everything else is the real client.
    clientFor: entrataClients(db, secrets, config, log, { sleep: async () => {}, baseBackoffMs: 1, fetch: fetchThrough }),
    now: () => clock,
  };
  const resetClients = () => {
    deps.clientFor = entrataClients(db, secrets, config, log, { sleep: async () => {}, baseBackoffMs: 1, fetch: fetchThrough });
  };

  const setClock = (local: string | Date): Date => {
    clock = typeof local === 'string' ? at(local) : local;
    sim.control.setDate(localDateOf(clock.getTime(), TZ));
    return clock;
  };
  setClock(clock);

  const idOf = (p: PropertySettings | number) => (typeof p === 'number' ? p : p.id);
  return {
    get intercept() {
      return box.intercept;
    },
    set intercept(f: Interceptor | null) {
      box.intercept = f;
    },
    t,
    db,
    sim,
    secrets,
    secretKeyHex: key.toString('hex'),
    accountId,
    accountName,
    props,
    deps,
    log,
    logs,
    now: () => clock,
    setClock,
    resetClients,
    sync: (p, o = {}) => syncProperty(deps, { propertyDbId: idOf(p), trigger: 'command', ...o }),
    units: (p) => sim.control.portfolio().propertyById.get(p.entrataId)!.units,
    property: (p) => getPropertyById(db, idOf(p)),
    async close() {
      await sim.stop();
      await t.drop();
    },
  };
}

// ───────────────────────────── reading what a manager would check ─────────────────────────────

export async function residentId(db: Db, customerId: string): Promise<number | null> {
  const r = await db.selectFrom('resident').select(['id', 'linked_to']).where('customer_id', '=', customerId).executeTakeFirst();
  return r ? (r.linked_to ?? r.id) : null;
}

async function rid(db: Db, customerId: string): Promise<number> {
  return (await residentId(db, customerId)) ?? -1;
}

export async function registrations(db: Db, customerId: string, propertyDbId?: number) {
  let q = db
    .selectFrom('registration')
    .selectAll()
    .where('resident_id', '=', await rid(db, customerId));
  if (propertyDbId !== undefined) q = q.where('property_id', '=', propertyDbId);
  return q.orderBy('id').execute();
}

/** Registrations that are not ended. */
export async function liveRegistrations(db: Db, customerId: string, propertyDbId?: number) {
  return (await registrations(db, customerId, propertyDbId)).filter((r) => r.state !== 'ended');
}

/** Keys with their decrypted secret (for P3 checks), oldest first. */
export async function keys(h: Pick<Harness, 'db' | 'secrets'>, customerId: string, propertyDbId?: number) {
  let q = h.db
    .selectFrom('psk')
    .selectAll()
    .where('resident_id', '=', await rid(h.db, customerId));
  if (propertyDbId !== undefined) q = q.where('property_id', '=', propertyDbId);
  const rows = await q.orderBy('id').execute();
  return rows.map((r) => ({ ...r, psk: h.secrets.decrypt(r.secret_encrypted) }));
}

export async function currentKey(h: Pick<Harness, 'db' | 'secrets'>, customerId: string, propertyDbId: number) {
  return (await keys(h, customerId, propertyDbId)).find((k) => k.current) ?? null;
}

export async function outbox(db: Db, customerId: string, propertyDbId?: number) {
  let q = db
    .selectFrom('outbox')
    .selectAll()
    .where('resident_id', '=', await rid(db, customerId));
  if (propertyDbId !== undefined) q = q.where('property_id', '=', propertyDbId);
  return q.orderBy('id').execute();
}

export async function audit(db: Db, customerId: string, propertyDbId?: number) {
  let q = db
    .selectFrom('audit_event')
    .selectAll()
    .where('resident_id', '=', await rid(db, customerId));
  if (propertyDbId !== undefined) q = q.where('property_id', '=', propertyDbId);
  return q.orderBy('id').execute();
}

export async function networkKeys(db: Db, customerId: string, propertyDbId?: number) {
  let q = db
    .selectFrom('network_key')
    .selectAll()
    .where('resident_id', '=', await rid(db, customerId));
  if (propertyDbId !== undefined) q = q.where('property_id', '=', propertyDbId);
  return q.orderBy('psk_id').execute();
}

export async function runs(db: Db, propertyDbId: number) {
  return db.selectFrom('sync_run').selectAll().where('property_id', '=', propertyDbId).orderBy('id').execute();
}

export async function count(db: Db, table: string, where = 'true'): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)} where ${sql.raw(where)}`.execute(db);
  return Number(rows[0]!.n);
}

/** The registry tables S1 compares before and after a sync. */
export const REGISTRY_TABLES = [
  'resident',
  'registration',
  'psk',
  'lease_mirror',
  'audit_event',
  'outbox',
  'network_key',
  'unit',
  'hold',
  'block',
  'lease_override',
] as const;

/** Every row of the given tables, in a stable order, as text: equal snapshots mean no row changed. */
export async function tableContents(db: Db, tables: readonly string[] = REGISTRY_TABLES): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of tables) {
    const { rows } = await sql<{ row: string }>`select t::text as row from ${sql.table(table)} t order by t::text`.execute(db);
    out[table] = rows.map((r) => r.row);
  }
  return out;
}

/** Active residents' customer ids of a simulator lease that are registrable (primary and co-applicants). */
export function leaseholders(h: Harness, leaseId: string): string[] {
  const lease = h.sim.control.lease(leaseId)!;
  return lease.customers.filter((c) => c.type === 'Primary' || c.type === 'Co-Applicant').map((c) => c.customerId);
}

let people = 0;

/** Adds a signed lease in a unit (all its spaces) for new people; returns the lease and customer ids. */
export function addLease(
  h: Harness,
  unit: SimUnit,
  o: {
    moveIn: string;
    end?: string;
    people?: number;
    customers?: Array<{ customerId: string; type?: 'Primary' | 'Co-Applicant' | 'Guarantor' | 'Occupant' }>;
    stage?: 'applicant' | 'signed';
    guarantor?: boolean;
  },
): { leaseId: string; customerIds: string[] } {
  const n = o.people ?? 1;
  const customers: Array<Record<string, unknown>> =
    o.customers ??
    Array.from({ length: n }, (_, i) => {
      const k = ++people;
      return {
        firstName: `Res${unit.number}x${i}`,
        lastName: `Tenant${k}`,
        email: `resident${k}@example.com`,
        phone: `303-555-${String(1000 + (k % 9000)).padStart(4, '0')}`,
      };
    });
  if (o.guarantor) customers.push({ firstName: 'Gus', lastName: 'Guarantor', email: 'g@example.com', type: 'Guarantor' });
  const r = h.sim.control.addLease({ unitId: unit.id, customers: customers as never, moveInDate: o.moveIn, endDate: o.end, stage: o.stage });
  return { leaseId: r.createdLeaseIds[0]!, customerIds: r.customerIds };
}

/**
 * An interceptor that rewrites lease `leaseId` in every getLeases answer with `mutate` (Entrata sending
 * a version of it Pebbles cannot understand), leaving every other lease as the simulator sent it.
 */
export function corruptLease(leaseId: string, mutate: (node: Record<string, unknown>) => void): Interceptor {
  return async (req, res) => {
    if (req.method !== 'getLeases') return res;
    const text = await res.text();
    let json: { response?: { result?: { leases?: { lease?: unknown } } } };
    try {
      json = JSON.parse(text);
    } catch {
      return new Response(text, { status: res.status, headers: res.headers });
    }
    const container = json.response?.result?.leases;
    const list = container?.lease === undefined ? [] : Array.isArray(container.lease) ? container.lease : [container.lease];
    for (const node of list as Array<Record<string, unknown>>) if (String(node.id) === leaseId) mutate(node);
    const headers = new Headers(res.headers);
    headers.delete('content-length');
    return new Response(JSON.stringify(json), { status: res.status, headers });
  };
}
