import type { Command } from 'commander';
import { openAppWhenReachable } from '../../app/open-when-reachable.ts';
import { startWeb } from '../../http/web.ts';
import { loadJobSettings } from '../../jobs/settings.ts';
import { intArg } from './property.ts';
import { untilSignal } from './worker.ts';

export function register(program: Command): void {
  program
    .command('web')
    .description('Serve the HTTP API, /healthz and /readyz on PEBBLES_HOST:PORT (production: any number of these)')
    .option('--metrics-port <n>', 'also serve /healthz, /readyz and /metrics (no token) on PEBBLES_HOST:N, for a scraper', intArg('--metrics-port'))
    .addHelpText(
      'after',
      `
Routes: GET /healthz (alive), GET /readyz (database and queue usable, else what is missing); the API's
routes are listed at /api/docs (browsable) and /api/openapi.json (OpenAPI 3.1). GET /metrics (Prometheus)
answers on PORT only to "Authorization: Bearer $PEBBLES_METRICS_TOKEN"; else scrape --metrics-port.
Requests for another Host than PEBBLES_PUBLIC_URL or a loopback name, or from another site's page
(Origin), are refused (403).
Sync-now requests go through the job queue: a worker (pebbles worker, or pebbles start) runs them.
Every /api route but POST /api/session (sign-in) and the password reset needs a session cookie or
"Authorization: Bearer <token>" (pebbles token create). With no staff user yet, the first start creates
an administrator (PEBBLES_ADMIN_EMAIL) and prints its one-time password here, on standard output, once.
A database that is down or not created yet is waited for (PEBBLES_DATABASE_CHECK_SECONDS); one that
was dropped or restored is waited for until \`pebbles migrate\` has run, without a restart.
Stop with Ctrl-C (SIGINT) or SIGTERM.`,
    )
    .action(async (o: { metricsPort?: number }) => {
      const settings = loadJobSettings();
      const app = await openAppWhenReachable(settings.databaseCheckMs);
      // Armed before starting: a signal during start-up (the first administrator's password hash) stops it cleanly.
      const signalled = untilSignal(app.log);
      try {
        const web = await startWeb(app, { settings, host: app.config.host, port: app.config.port, api: true, metricsPort: o.metricsPort });
        await signalled;
        await web.stop();
      } finally {
        await app.close();
      }
    });
}
