import type { AppContext } from './context.ts';

export interface RunningService {
  stop(): Promise<void>;
}

/** Starts what `pebbles start` runs in one process. */
export async function startService(app: AppContext): Promise<RunningService> {
  app.log.info({ database: app.database.embedded ? 'embedded' : 'DATABASE_URL' }, 'pebbles is running');
  return { stop: async () => undefined };
}
