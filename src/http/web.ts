import type PgBoss from 'pg-boss';
import type { AppContext } from '../app/context.ts';
import { createMetrics, type Metrics } from '../jobs/metrics.ts';
import { createBoss, ensureQueues, type QueueName } from '../jobs/queues.ts';
import { watchReadiness, type ReadinessWatch } from '../jobs/readiness.ts';
import type { JobSettings } from '../jobs/settings.ts';
import { catcherWanted } from '../notifications/worker.ts';
import { warnIfExposed } from './hardening.ts';
import { buildHttpServer, listen } from './server.ts';
import { syncDepsOf } from '../app/sync-deps.ts';
import { createAuthenticator } from '../auth/authenticator.ts';
import { ensureFirstAdmin } from '../auth/users.ts';

export interface RunningWeb {
  url: string;
  /** Where /metrics is served without a token (with `metricsPort`). */
  metricsUrl: string | null;
  stop(): Promise<void>;
}

/**
 * An HTTP server on the app's database: the JSON API when `api` is set (pebbles web, pebbles start),
 * else only /healthz, /readyz and /metrics (pebbles worker --metrics-port). Without a queue of the
 * caller's, it starts one of its own that does no maintenance (workers do that).
 */
export async function startWeb(
  app: AppContext,
  o: {
    settings: JobSettings;
    host: string;
    port: number;
    api: boolean;
    boss?: PgBoss;
    metrics?: Metrics;
    notify?(queue: QueueName): void;
    /** With the API: also serve /healthz, /readyz and /metrics (no token) on this port, for a scraper. */
    metricsPort?: number;
    /** Where the first administrator's one-time password is shown: the terminal (stdout), never a log. */
    announce?: (text: string) => void;
  },
): Promise<RunningWeb> {
  // Before anything listens: once the port answers, start-up is over (a failure here stops the process cleanly).
  const firstAdmin = o.api ? await ensureFirstAdmin(app.db, app.config.firstAdminEmail, new Date()) : null;
  let ownBoss: PgBoss | null = null;
  let watch: ReadinessWatch | null = null;
  let boss = o.boss;
  if (!boss) {
    ownBoss = createBoss({ url: app.database.url, settings: o.settings, supervise: false, poolSize: 3, applicationName: 'pebbles-web' });
    ownBoss.on('error', (err) => (watch ? watch.queueError(err) : app.log.error({ err }, 'job queue error')));
    try {
      await ownBoss.start();
      await ensureQueues(ownBoss, o.settings);
    } catch (err) {
      await ownBoss.stop({ graceful: false }).catch(() => undefined);
      throw err;
    }
    boss = ownBoss;
    // With a queue of its own, this process also watches that the database stays usable (a worker's does).
    watch = watchReadiness({ db: app.db, boss, settings: o.settings, log: app.log });
  }
  const metrics = o.metrics ?? createMetrics({ db: app.db, rateLimitShare: app.config.entrata.rateLimitShare });
  const deps = {
    db: app.db,
    boss,
    metrics,
    log: app.log,
    now: () => new Date(),
    syncNowTimeoutMs: o.settings.syncNowTimeoutMs,
    notify: o.notify,
    http: app.config.http,
    operations: o.api ? syncDepsOf(app) : undefined,
    secrets: app.secrets,
    catcher: catcherWanted(app.config, app.config.databaseUrl === null),
    auth: createAuthenticator({ db: app.db, now: () => new Date(), site: app.config.http }),
  };
  const server = await buildHttpServer({ ...deps, api: o.api });
  const metricsServer = o.api && o.metricsPort !== undefined ? await buildHttpServer({ ...deps, api: false }) : null;
  const closeAll = async () => {
    await server.close();
    await metricsServer?.close();
    await watch?.stop();
  };
  let url: string;
  let metricsUrl: string | null = null;
  try {
    url = await listen(server, o.host, o.port);
    if (metricsServer) metricsUrl = await listen(metricsServer, o.host, o.metricsPort!);
  } catch (err) {
    // Stopped before the database closes under it: the failure's one line is all that is printed.
    await closeAll();
    await ownBoss?.stop({ graceful: false, wait: true }).catch(() => undefined);
    throw err;
  }
  app.log.info({ url, api: o.api }, o.api ? 'web server listening' : 'health and metrics listening');
  if (metricsUrl) app.log.info({ url: metricsUrl, api: false }, 'health and metrics listening');
  if (o.api) warnIfExposed(app.log, o.host, app.config.http);
  if (firstAdmin) announceFirstAdmin(app, firstAdmin, url, o.announce ?? ((text) => process.stdout.write(text)));
  return {
    url,
    metricsUrl,
    async stop() {
      await closeAll();
      await ownBoss?.stop({ graceful: false, wait: true });
    },
  };
}

/** The first start with no staff user: an administrator, whose one-time password is printed once here. */
function announceFirstAdmin(app: AppContext, created: { email: string; password: string }, url: string, announce: (text: string) => void): void {
  app.log.info({ email: created.email }, 'first administrator created; its one-time password is printed on standard output');
  const address = app.config.http.publicUrl ?? url;
  announce(
    `${[
      '',
      'No staff user existed: an administrator was created. Sign in and choose a new password:',
      `  address:  ${address}`,
      `  e-mail:   ${created.email}`,
      `  password: ${created.password}   (one-time: shown only now)`,
      `  api docs: ${address}/api/docs   (sign in with POST /api/session, then POST /api/session/password)`,
      '',
    ].join('\n')}\n`,
  );
}
