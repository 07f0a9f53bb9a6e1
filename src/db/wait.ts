import type { Logger } from '../log/logger.ts';
import { DatabaseUnavailableError, where } from './database.ts';

/** The wait after `failures` failed attempts: 1, 2, 4 ... s, never more than `maxMs`. */
export function backoffMs(failures: number, maxMs: number): number {
  return Math.min(maxMs, 1000 * 2 ** Math.min(failures, 20));
}

/** "8 s", "0.5 s": how long, for a log line. */
export const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

export interface WaitOptions {
  log: Logger;
  /** The longest wait between two attempts. */
  maxWaitMs: number;
  /** DATABASE_URL, named (without its password) in the waiting line; null: the embedded server. */
  url: string | null;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `open` until the database lets it. While `open` fails with a DatabaseUnavailableError (the
 * server down or unreachable, the database not created yet), says so in one line per attempt and
 * tries again after 1, 2, 4 ... s; any other failure is thrown at once. For long-running processes:
 * a one-shot command does not wait, it reports the error. A signal during the wait ends the process
 * as usual (nothing is open then).
 */
export async function untilDatabaseAvailable<T>(open: () => Promise<T>, o: WaitOptions): Promise<T> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let failures = 0; ; failures++) {
    try {
      const opened = await open();
      if (failures > 0) o.log.info('the database answers: starting');
      return opened;
    } catch (err) {
      if (!(err instanceof DatabaseUnavailableError)) throw err;
      const wait = backoffMs(failures, o.maxWaitMs);
      const cause = err.cause as { message?: string; code?: string } | undefined;
      const reason = cause?.message || cause?.code || err.message;
      o.log.warn(`waiting for the database${o.url ? ` at ${where(o.url)}` : ''}: ${reason}; retrying in ${seconds(wait)}`);
      await sleep(wait);
    }
  }
}
