import type { Db } from '../db/database.ts';
import { UserError } from '../errors/user-error.ts';

/** A property's settings (F-06 policy, N6, SMS) as the engine and the console see them. */
export interface PropertySettings {
  id: number;
  accountId: number;
  accountName: string;
  entrataId: string;
  name: string;
  timeZone: string;
  ssid: string;
  enabled: boolean;
  syncIntervalMinutes: number;
  smsEnabled: boolean;
  firstWelcome: boolean;
  earlyMoveInDays: number;
  lateMoveOutDays: number;
  firstSyncedAt: Date | null;
  lastSyncAt: Date | null;
  lastError: unknown;
}

export class PropertyError extends UserError {
  static override defaultCode = 'property';
  override name = 'PropertyError';
}

export interface EnableProperty {
  accountName?: string;
  entrataId: string;
  timeZone: string;
  ssid: string;
  smsEnabled?: boolean;
  firstWelcome?: boolean;
  earlyMoveInDays?: number;
  lateMoveOutDays?: number;
  syncIntervalMinutes?: number;
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.includes('/') || zone === 'UTC';
  } catch {
    return false;
  }
}

/** The settings a property has that are checked the same way from the command line and the API. */
export type CheckedSetting = 'entrataId' | 'timeZone' | 'ssid' | 'earlyMoveInDays' | 'lateMoveOutDays' | 'syncIntervalMinutes';

/** How the command line names each setting in its messages. */
export const CLI_FLAGS: Record<CheckedSetting, string> = {
  entrataId: '--property',
  timeZone: '--timezone',
  ssid: '--ssid',
  earlyMoveInDays: '--early-days',
  lateMoveOutDays: '--late-days',
  syncIntervalMinutes: '--interval',
};

/**
 * Checks the settings given (absent ones are not checked). `name` says how the message names a setting:
 * the command's flag by default, the JSON field for the API, so the message points at what to fix.
 */
export function checkSettings(p: Partial<Pick<EnableProperty, CheckedSetting>>, name: (s: CheckedSetting) => string = (s) => CLI_FLAGS[s]): void {
  if (p.entrataId !== undefined && !/^[A-Za-z0-9_-]{1,40}$/.test(p.entrataId))
    throw new PropertyError(`${name('entrataId')}: an Entrata property id such as 100123`);
  if (p.timeZone !== undefined && !isTimeZone(p.timeZone))
    throw new PropertyError(`${name('timeZone')}: not an IANA time zone: ${p.timeZone} (for example America/Chicago)`);
  if (p.ssid !== undefined) {
    const ssidBytes = Buffer.byteLength(p.ssid, 'utf8');
    if (ssidBytes < 1 || ssidBytes > 32) throw new PropertyError(`${name('ssid')}: 1 to 32 bytes, as Wi-Fi allows`);
  }
  for (const [field, max, min] of [
    ['earlyMoveInDays', 365, 0],
    ['lateMoveOutDays', 365, 0],
    ['syncIntervalMinutes', 1440, 1],
  ] as const) {
    const v = p[field];
    if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) throw new PropertyError(`${name(field)}: a whole number from ${min} to ${max}`);
  }
}

function validate(p: EnableProperty): void {
  checkSettings(p);
}

/** The account named, or the only one there is. */
export async function resolveAccountId(db: Db, accountName: string | undefined): Promise<number> {
  if (accountName) {
    const row = await db.selectFrom('entrata_account').select('id').where('name', '=', accountName).executeTakeFirst();
    if (!row) throw new PropertyError(`no account named "${accountName}" (see \`pebbles account list\`)`, { code: 'account-not-found', category: 'not-found' });
    return row.id;
  }
  const rows = await db.selectFrom('entrata_account').select('id').limit(2).execute();
  if (rows.length === 1) return rows[0]!.id;
  if (rows.length === 0)
    throw new PropertyError('no Entrata account yet: add one with `pebbles account add`', { code: 'account-not-found', category: 'not-found' });
  throw new PropertyError('--account: needed, there are several accounts (see `pebbles account list`)');
}

/** The account's name, or the only account's when none is given. */
export async function resolveAccountName(db: Db, accountName: string | undefined): Promise<string> {
  const id = await resolveAccountId(db, accountName);
  return (await db.selectFrom('entrata_account').select('name').where('id', '=', id).executeTakeFirstOrThrow()).name;
}

/** Enables a property (or updates the settings of one enabled before). */
export async function enableProperty(db: Db, p: EnableProperty): Promise<PropertySettings> {
  validate(p);
  const accountId = await resolveAccountId(db, p.accountName);
  const early = p.earlyMoveInDays ?? 0;
  const late = p.lateMoveOutDays ?? 0;
  await db
    .insertInto('property')
    .values({
      account_id: accountId,
      entrata_id: p.entrataId,
      time_zone: p.timeZone,
      ssid: p.ssid,
      enabled: true,
      sms_enabled: p.smsEnabled ?? true,
      first_welcome: p.firstWelcome ?? true,
      early_move_in_days: early,
      late_move_out_days: late,
      default_early_move_in_days: early,
      default_late_move_out_days: late,
      sync_interval_minutes: p.syncIntervalMinutes ?? 30,
      next_sync_at: new Date(),
    })
    .onConflict((oc) =>
      oc.columns(['account_id', 'entrata_id']).doUpdateSet((eb) => ({
        enabled: true,
        time_zone: eb.ref('excluded.time_zone'),
        ssid: eb.ref('excluded.ssid'),
        ...(p.smsEnabled !== undefined ? { sms_enabled: p.smsEnabled } : {}),
        ...(p.firstWelcome !== undefined ? { first_welcome: p.firstWelcome } : {}),
        ...(p.earlyMoveInDays !== undefined ? { early_move_in_days: early } : {}),
        ...(p.lateMoveOutDays !== undefined ? { late_move_out_days: late } : {}),
        ...(p.syncIntervalMinutes !== undefined ? { sync_interval_minutes: p.syncIntervalMinutes } : {}),
      })),
    )
    .execute();
  return getProperty(db, p.entrataId, p.accountName);
}

export async function disableProperty(db: Db, entrataId: string, accountName?: string): Promise<PropertySettings> {
  const p = await getProperty(db, entrataId, accountName);
  await db.updateTable('property').set({ enabled: false, next_sync_at: null }).where('id', '=', p.id).execute();
  return { ...p, enabled: false };
}

function query(db: Db) {
  return db
    .selectFrom('property as p')
    .innerJoin('entrata_account as a', 'a.id', 'p.account_id')
    .select([
      'p.id',
      'p.account_id',
      'a.name as account_name',
      'p.entrata_id',
      'p.name',
      'p.time_zone',
      'p.ssid',
      'p.enabled',
      'p.sync_interval_minutes',
      'p.sms_enabled',
      'p.first_welcome',
      'p.early_move_in_days',
      'p.late_move_out_days',
      'p.first_synced_at',
      'p.last_sync_at',
      'p.last_error',
    ]);
}

type Row = Awaited<ReturnType<ReturnType<typeof query>['executeTakeFirstOrThrow']>>;

function toSettings(r: Row): PropertySettings {
  return {
    id: r.id,
    accountId: r.account_id,
    accountName: r.account_name,
    entrataId: r.entrata_id,
    name: r.name,
    timeZone: r.time_zone,
    ssid: r.ssid,
    enabled: r.enabled,
    syncIntervalMinutes: r.sync_interval_minutes,
    smsEnabled: r.sms_enabled,
    firstWelcome: r.first_welcome,
    earlyMoveInDays: r.early_move_in_days,
    lateMoveOutDays: r.late_move_out_days,
    firstSyncedAt: r.first_synced_at,
    lastSyncAt: r.last_sync_at,
    lastError: r.last_error,
  };
}

/** A property by its Entrata id; the account may be left out when only one account has that id. */
export async function getProperty(db: Db, entrataId: string, accountName?: string): Promise<PropertySettings> {
  const rows = await propertiesByEntrataId(db, entrataId, accountName, 'all');
  if (rows.length === 0)
    throw new PropertyError(`property ${entrataId} is not enabled${accountName ? ` for account "${accountName}"` : ''} (see \`pebbles property list\`)`, {
      code: 'property-not-found',
      category: 'not-found',
    });
  if (rows.length > 1) throw new PropertyError(`property ${entrataId} exists in several accounts: add --account`);
  return rows[0]!;
}

/**
 * The properties with this Entrata id (one per account that has it; at most two are read, enough to
 * say "ambiguous"), among `within`: every property, or these database ids (a caller's visible set).
 */
export async function propertiesByEntrataId(
  db: Db,
  entrataId: string,
  accountName: string | undefined,
  within: 'all' | readonly number[],
): Promise<PropertySettings[]> {
  if (within !== 'all' && within.length === 0) return [];
  let q = query(db).where('p.entrata_id', '=', entrataId);
  if (accountName) q = q.where('a.name', '=', accountName);
  if (within !== 'all') q = q.where('p.id', 'in', [...within]);
  return (await q.orderBy('p.id').limit(2).execute()).map(toSettings);
}

export async function getPropertyById(db: Db, id: number): Promise<PropertySettings> {
  return toSettings(await query(db).where('p.id', '=', id).executeTakeFirstOrThrow());
}

export async function listProperties(db: Db): Promise<PropertySettings[]> {
  return (await query(db).orderBy('a.name').orderBy('p.entrata_id').execute()).map(toSettings);
}

/** Every enabled property of an account: the U rules plan across them. */
export async function accountProperties(db: Db, accountId: number): Promise<PropertySettings[]> {
  return (await query(db).where('p.account_id', '=', accountId).where('p.enabled', '=', true).orderBy('p.entrata_id').execute()).map(toSettings);
}
