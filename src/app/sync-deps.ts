import { entrataClients } from '../accounts/entrata-clients.ts';
import { loadJobSettings } from '../jobs/settings.ts';
import type { SyncDeps } from '../sync/sync-property.ts';
import type { AppContext } from './context.ts';

/** What a sync and a staff operation run with in a process that is not a worker (a command, the web server). */
export function syncDepsOf(app: AppContext): SyncDeps {
  return {
    db: app.db,
    secrets: app.secrets,
    log: app.log,
    clientFor: entrataClients(app.db, app.secrets, app.config, app.log),
    now: () => new Date(),
    syncTimeoutMs: loadJobSettings().syncTimeoutMs,
  };
}
