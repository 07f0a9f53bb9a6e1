import type { RunningSimulator } from '../simulator/server.ts';
import type { AppContext } from './context.ts';
import { startDemo } from './demo.ts';

export interface RunningService {
  stop(): Promise<void>;
}

/** Starts what `pebbles start` runs in one process. */
export async function startService(app: AppContext): Promise<RunningService> {
  const demo = app.config.demo ?? app.database.embedded !== null;
  let sim: RunningSimulator | null = null;
  if (demo) sim = await startDemo(app);
  app.log.info({ database: app.database.embedded ? 'embedded' : 'DATABASE_URL', demo }, 'pebbles is running; Ctrl-C stops it');
  return {
    async stop() {
      await sim?.stop();
    },
  };
}
