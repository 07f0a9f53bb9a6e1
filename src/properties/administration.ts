import type { Db } from '../db/database.ts';
import { recordAdminAction } from './admin-audit.ts';
import { checkSettings, disableProperty, enableProperty, type EnableProperty, type PropertySettings } from './properties.ts';

/**
 * Enables a property (or turns one on again with these settings), with the checks of `pebbles property
 * enable` naming the API's fields, and records who did it (O6). Its first sync is due at once.
 */
export async function enablePropertyAs(db: Db, input: EnableProperty, actor: string, now: Date): Promise<PropertySettings> {
  checkSettings(input, (f) => f);
  const p = await enableProperty(db, input);
  await recordAdminAction(db, {
    propertyId: p.id,
    actor,
    action: 'enable-property',
    at: now,
    details: { account: p.accountName, property: p.entrataId, timeZone: p.timeZone, ssid: p.ssid },
  });
  return p;
}

/** Stops syncing a property; its residents and history are kept. */
export async function disablePropertyAs(db: Db, p: PropertySettings, actor: string, now: Date): Promise<PropertySettings> {
  const after = await disableProperty(db, p.entrataId, p.accountName);
  await recordAdminAction(db, { propertyId: p.id, actor, action: 'disable-property', at: now, details: { account: p.accountName, property: p.entrataId } });
  return after;
}
