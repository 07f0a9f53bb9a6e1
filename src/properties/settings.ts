import type { Db } from '../db/database.ts';
import { NotificationError, setMessageContact } from '../notifications/staff.ts';
import { syncProperty, type SyncDeps } from '../sync/sync-property.ts';
import { recordAdminAction } from './admin-audit.ts';
import { checkSettings, getPropertyById, PropertyError, type CheckedSetting, type PropertySettings } from './properties.ts';

/** The sender name and support contact printed in messages to residents. */
export interface MessageContact {
  senderName: string | null;
  supportEmail: string | null;
  supportPhone: string | null;
}

/** What `settings.change` may change (F-05, N6, SMS, S1, the messages' sender); absent fields stay. */
export interface SettingsChange {
  ssid?: string;
  timeZone?: string;
  smsEnabled?: boolean;
  syncIntervalMinutes?: number;
  firstWelcome?: boolean;
  senderName?: string | null;
  supportEmail?: string | null;
  supportPhone?: string | null;
}

export interface PropertySettingsView {
  settings: PropertySettings;
  contact: MessageContact;
}

/** The policy of F-06: how many days before the move-in access starts, and after the move-out it ends (O1, O2). */
export interface PolicyChange {
  earlyMoveInDays?: number;
  lateMoveOutDays?: number;
}

export interface PolicyView {
  earlyMoveInDays: number;
  lateMoveOutDays: number;
  defaults: { earlyMoveInDays: number; lateMoveOutDays: number };
  /** The re-plan that applied the new policy; null when the property is disabled (its next enable plans). */
  replan: { runId: number | null; status: string; actions: number } | null;
}

/** The API names a setting by its JSON field. */
const fieldName = (s: CheckedSetting) => s;

export async function messageContactOf(db: Db, propertyDbId: number): Promise<MessageContact> {
  const r = await db
    .selectFrom('property')
    .select(['mail_sender_name', 'support_email', 'support_phone'])
    .where('id', '=', propertyDbId)
    .executeTakeFirstOrThrow();
  return { senderName: r.mail_sender_name, supportEmail: r.support_email, supportPhone: r.support_phone };
}

export async function settingsOf(db: Db, propertyDbId: number): Promise<PropertySettingsView> {
  return { settings: await getPropertyById(db, propertyDbId), contact: await messageContactOf(db, propertyDbId) };
}

const CONTACT_FIELDS = ['senderName', 'supportEmail', 'supportPhone'] as const;

/**
 * Changes a property's settings with the command line's checks, records what changed and who changed it
 * (O6), and re-plans the property when its time zone changed (local days move every window, W8).
 */
export async function changeSettings(deps: SyncDeps, propertyDbId: number, change: SettingsChange, actor: string): Promise<PropertySettingsView> {
  if (Object.values(change).every((v) => v === undefined)) throw new PropertyError('give at least one setting to change', { code: 'settings-empty' });
  checkSettings({ ssid: change.ssid, timeZone: change.timeZone, syncIntervalMinutes: change.syncIntervalMinutes }, fieldName);
  const before = await settingsOf(deps.db, propertyDbId);
  await deps.db.transaction().execute(async (trx) => {
    const set = {
      ...(change.ssid !== undefined ? { ssid: change.ssid } : {}),
      ...(change.timeZone !== undefined ? { time_zone: change.timeZone } : {}),
      ...(change.smsEnabled !== undefined ? { sms_enabled: change.smsEnabled } : {}),
      ...(change.syncIntervalMinutes !== undefined ? { sync_interval_minutes: change.syncIntervalMinutes } : {}),
      ...(change.firstWelcome !== undefined ? { first_welcome: change.firstWelcome } : {}),
    };
    if (Object.keys(set).length > 0) await trx.updateTable('property').set(set).where('id', '=', propertyDbId).execute();
    // One field at a time, so a refusal names the field that is wrong.
    for (const field of CONTACT_FIELDS) {
      if (change[field] === undefined) continue;
      try {
        await setMessageContact(trx, propertyDbId, { [field]: change[field] });
      } catch (err) {
        if (err instanceof NotificationError) throw new PropertyError(`${field}: ${err.message}`, { code: 'invalid-setting' });
        throw err;
      }
    }
    const after = await getPropertyById(trx, propertyDbId);
    const contactAfter = await messageContactOf(trx, propertyDbId);
    await recordAdminAction(trx, {
      propertyId: propertyDbId,
      actor,
      action: 'change-settings',
      details: { changed: diff({ ...before.settings, ...before.contact }, { ...after, ...contactAfter }, change) },
      at: deps.now(),
    });
  });
  const after = await settingsOf(deps.db, propertyDbId);
  if (change.timeZone !== undefined && change.timeZone !== before.settings.timeZone) await replan(deps, after.settings, actor);
  return after;
}

/** Each field asked for: its value before and after. */
function diff(before: Record<string, unknown>, after: Record<string, unknown>, change: SettingsChange): Record<string, { from: unknown; to: unknown }> {
  return Object.fromEntries(
    Object.keys(change)
      .filter((k) => change[k as keyof SettingsChange] !== undefined)
      .map((k) => [k, { from: before[k] ?? null, to: after[k] ?? null }]),
  );
}

/**
 * F-06: new early and late allowances, applied at once by a re-plan from the mirror (no Entrata read).
 * `name` says how a refusal names a field (the API's by default; the command line passes its flags).
 */
export async function changePolicy(
  deps: SyncDeps,
  propertyDbId: number,
  change: PolicyChange,
  actor: string,
  name: (s: CheckedSetting) => string = fieldName,
): Promise<PolicyView> {
  if (change.earlyMoveInDays === undefined && change.lateMoveOutDays === undefined) {
    throw new PropertyError(`give ${name('earlyMoveInDays')}, ${name('lateMoveOutDays')} or both`, { code: 'policy-empty' });
  }
  checkSettings(change, name);
  return writePolicy(deps, propertyDbId, () => change, actor, 'change-policy');
}

/** F-06: back to the allowances the property was enabled with. */
export async function resetPolicy(deps: SyncDeps, propertyDbId: number, actor: string): Promise<PolicyView> {
  return writePolicy(deps, propertyDbId, (d) => d, actor, 'reset-policy');
}

type Defaults = { earlyMoveInDays: number; lateMoveOutDays: number };

async function writePolicy(
  deps: SyncDeps,
  propertyDbId: number,
  next: (defaults: Defaults) => PolicyChange,
  actor: string,
  action: string,
): Promise<PolicyView> {
  const defaults = await defaultsOf(deps.db, propertyDbId);
  const before = await getPropertyById(deps.db, propertyDbId);
  const change = next(defaults);
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('property')
      .set({
        ...(change.earlyMoveInDays !== undefined ? { early_move_in_days: change.earlyMoveInDays } : {}),
        ...(change.lateMoveOutDays !== undefined ? { late_move_out_days: change.lateMoveOutDays } : {}),
      })
      .where('id', '=', propertyDbId)
      .execute();
    await recordAdminAction(trx, {
      propertyId: propertyDbId,
      actor,
      action,
      rule: 'F-06',
      at: deps.now(),
      details: {
        from: { earlyMoveInDays: before.earlyMoveInDays, lateMoveOutDays: before.lateMoveOutDays },
        to: { earlyMoveInDays: change.earlyMoveInDays ?? before.earlyMoveInDays, lateMoveOutDays: change.lateMoveOutDays ?? before.lateMoveOutDays },
      },
    });
  });
  const after = await getPropertyById(deps.db, propertyDbId);
  const run = await replan(deps, after, actor);
  return {
    earlyMoveInDays: after.earlyMoveInDays,
    lateMoveOutDays: after.lateMoveOutDays,
    defaults,
    replan: run ? { runId: run.runId, status: run.status, actions: run.actions.length } : null,
  };
}

async function defaultsOf(db: Db, propertyDbId: number): Promise<Defaults> {
  const r = await db
    .selectFrom('property')
    .select(['default_early_move_in_days', 'default_late_move_out_days'])
    .where('id', '=', propertyDbId)
    .executeTakeFirstOrThrow();
  return { earlyMoveInDays: r.default_early_move_in_days, lateMoveOutDays: r.default_late_move_out_days };
}

/** Windows follow the policy and the time zone: re-plan from the mirror under the property's lock, as an override does. */
async function replan(deps: SyncDeps, p: PropertySettings, actor: string) {
  if (!p.enabled) return null;
  return syncProperty(deps, { propertyDbId: p.id, trigger: 'manual', staff: actor, fromMirror: true });
}
