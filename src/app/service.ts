import { startWeb, type RunningWeb } from '../http/web.ts';
import { loadJobSettings } from '../jobs/settings.ts';
import { startWorker, type RunningWorker } from '../jobs/worker.ts';
import type { RunningSimulator } from '../simulator/server.ts';
import type { AppContext } from './context.ts';
import { startDemo } from './demo.ts';

export interface RunningService {
  /** Where the HTTP server listens. */
  url: string;
  worker: RunningWorker;
  stop(): Promise<void>;
}

/**
 * Starts what `pebbles start` runs in one process: the demo (on the embedded default), a worker
 * (the queues, the dispatcher and the worker loops) and the web server (API, health, metrics) on
 * PEBBLES_HOST:PORT. Production runs the same parts as separate `pebbles worker` and `pebbles web`.
 */
export async function startService(app: AppContext, opts: { port?: number } = {}): Promise<RunningService> {
  const settings = loadJobSettings();
  const demo = app.config.demo ?? app.database.embedded !== null;
  let sim: RunningSimulator | null = null;
  let worker: RunningWorker | null = null;
  let web: RunningWeb | null = null;
  const stop = async () => {
    await web?.stop();
    await worker?.stop();
    await sim?.stop();
  };
  try {
    if (demo) sim = await startDemo(app);
    worker = await startWorker({ config: app.config, databaseUrl: app.database.url, secrets: app.secrets, log: app.log, settings });
    const w = worker;
    web = await startWeb(app, {
      settings,
      host: app.config.host,
      port: opts.port ?? app.config.port,
      api: true,
      boss: w.boss,
      metrics: w.metrics,
      notify: (q) => w.notify(q),
    });
  } catch (err) {
    await stop();
    throw err;
  }
  app.log.info({ database: app.database.embedded ? 'embedded' : 'DATABASE_URL', demo, url: web.url }, 'pebbles is running; Ctrl-C stops it');
  return { url: web.url, worker, stop };
}
