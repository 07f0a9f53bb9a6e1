import { addAccount } from '../accounts/accounts.ts';
import { entrataClients } from '../accounts/entrata-clients.ts';
import { enableProperty, getProperty } from '../properties/properties.ts';
import { startSimulator, type RunningSimulator } from '../simulator/server.ts';
import { syncProperty } from '../sync/sync-property.ts';
import type { AppContext } from './context.ts';

export const DEMO_ACCOUNT = 'demo';
const DEMO_PROPERTIES = [
  { timeZone: 'America/Chicago', ssid: 'Commons-WiFi' },
  { timeZone: 'America/Denver', ssid: 'CampusEdge-WiFi' },
];

/**
 * The self-contained demo of `npm start`: an Entrata simulator inside this process (never a real
 * Entrata), an account pointing at it and two enabled properties, synced once at start.
 */
export async function startDemo(app: AppContext): Promise<RunningSimulator> {
  const sim = await startSimulator({ port: 0, seed: 'demo', properties: DEMO_PROPERTIES.length, units: 24, rateLimits: false });
  app.log.info({ url: sim.url }, 'demo: Entrata simulator started in this process');
  const existing = await app.db.selectFrom('entrata_account').select('id').where('name', '=', DEMO_ACCOUNT).executeTakeFirst();
  if (existing) {
    // The simulator listens on a new port at every start.
    await app.db.updateTable('entrata_account').set({ base_url: sim.url }).where('id', '=', existing.id).execute();
  } else {
    await addAccount(app.db, app.secrets, { name: DEMO_ACCOUNT, subdomain: 'demo', baseUrl: sim.url, credential: { kind: 'apikey', apiKey: 'demo-key' } });
  }
  const deps = { db: app.db, secrets: app.secrets, log: app.log, clientFor: entrataClients(app.db, app.secrets, app.config, app.log), now: () => new Date() };
  const properties = sim.control.portfolio().properties;
  for (const [i, settings] of DEMO_PROPERTIES.entries()) {
    const entrataId = properties[i]!.id;
    const p = await getProperty(app.db, entrataId, DEMO_ACCOUNT).catch(() =>
      enableProperty(app.db, { accountName: DEMO_ACCOUNT, entrataId, ...settings, earlyMoveInDays: 2, lateMoveOutDays: 1 }),
    );
    const r = await syncProperty(deps, { propertyDbId: p.id, trigger: 'demo' });
    const c = r.counts;
    app.log.info(
      {
        property: entrataId,
        status: r.status,
        registered: (c.register ?? 0) + (c['move-home-unit'] ?? 0),
        activated: c.activate ?? 0,
        keysIssued: c['issue-key'] ?? 0,
        notificationsQueued: c.notify ?? 0,
        ended: c.end ?? 0,
      },
      `demo: synced ${r.property}`,
    );
  }
  app.log.info(`demo: try \`npx pebbles residents --property ${properties[0]!.id}\` or \`npx pebbles explain --customer ID\` in another terminal`);
  return sim;
}
