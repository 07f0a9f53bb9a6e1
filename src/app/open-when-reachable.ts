import { loadConfig } from '../config/config.ts';
import { untilDatabaseAvailable } from '../db/wait.ts';
import { createLogger } from '../log/logger.ts';
import { openApp, type AppContext } from './context.ts';

/**
 * openApp for the long-running processes (worker, web, start): a database that is down or not
 * created yet is waited for with back-off, up to `maxWaitMs` between attempts, instead of ending
 * the process. Configuration errors still end it at once.
 */
export async function openAppWhenReachable(maxWaitMs: number): Promise<AppContext> {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  return untilDatabaseAvailable(() => openApp({ config, log }), { log, maxWaitMs, url: config.databaseUrl });
}
