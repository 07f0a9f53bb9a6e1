import type { Command } from 'commander';
import { openAppWhenReachable } from '../../app/open-when-reachable.ts';
import { startWeb, type RunningWeb } from '../../http/web.ts';
import { loadJobSettings } from '../../jobs/settings.ts';
import { startWorker } from '../../jobs/worker.ts';
import type { Logger } from '../../log/logger.ts';
import { intArg } from './property.ts';

/** Resolves at the first SIGINT or SIGTERM (logged). */
export function untilSignal(log: Logger): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping');
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('Run scheduled syncs, transitions and sync-now requests from the job queue (production: any number of these)')
    .option('--metrics-port <n>', 'serve /healthz, /readyz and /metrics on PEBBLES_HOST:N', intArg('--metrics-port'))
    .option('--concurrency <n>', 'property syncs at once in this process (default PEBBLES_WORKER_CONCURRENCY, 8)', intArg('--concurrency'))
    .option('--no-dispatch', 'do not run the dispatcher loop here (some other worker must)')
    .addHelpText(
      'after',
      `
Every worker also runs the dispatcher: each PEBBLES_DISPATCH_SECONDS one of them enqueues the syncs that
are due (within each Entrata account's rate-limit budget) and the transitions whose moment has come.
A sync runs only under its property's lock, so workers never sync one property twice at once.
SIGINT or SIGTERM: a sync still reading Entrata (or waiting on its rate limits) stops at once and its
job goes back to the queue for another worker, with nothing applied and no failure recorded; other
running work finishes (up to 30 s). A killed worker's job is taken over by another worker after
PEBBLES_SYNC_EXPIRE_SECONDS. A sync gives up after PEBBLES_SYNC_TIMEOUT_SECONDS (S4).
A database that is down or not created yet is waited for (PEBBLES_DATABASE_CHECK_SECONDS); one that
was dropped or restored is waited for until \`pebbles migrate\` has run, without a restart.`,
    )
    .action(async (o: { metricsPort?: number; concurrency?: number; dispatch: boolean }) => {
      const settings = loadJobSettings();
      if (o.concurrency !== undefined) settings.concurrency = Math.max(1, o.concurrency);
      const app = await openAppWhenReachable(settings.databaseCheckMs);
      let web: RunningWeb | null = null;
      const signalled = untilSignal(app.log);
      try {
        const worker = await startWorker({
          config: app.config,
          databaseUrl: app.database.url,
          secrets: app.secrets,
          log: app.log,
          settings,
          dispatch: o.dispatch,
        });
        if (o.metricsPort !== undefined) {
          web = await startWeb(app, { settings, host: app.config.host, port: o.metricsPort, api: false, boss: worker.boss, metrics: worker.metrics });
        }
        await signalled;
        await web?.stop();
        await worker.stop();
      } finally {
        await app.close();
      }
    });
}
