import type { Command } from 'commander';
import { openAppWhenReachable } from '../../app/open-when-reachable.ts';
import { startService } from '../../app/service.ts';
import { untilSignal } from './worker.ts';
import { loadJobSettings } from '../../jobs/settings.ts';

export function register(program: Command): void {
  program
    .command('start')
    .description('Run the service (what `npm start` runs); with no configuration, a self-contained demo')
    .addHelpText(
      'after',
      `
With DATABASE_URL unset, Pebbles starts its own embedded PostgreSQL under PEBBLES_DATA_DIR.
With PEBBLES_DEMO on (the default on the embedded server), it also starts an Entrata simulator
in this process with demo properties, adds an account pointing at it, and syncs it.
Stop with Ctrl-C (SIGINT) or SIGTERM.`,
    )
    .action(async () => {
      const app = await openAppWhenReachable(loadJobSettings().databaseCheckMs);
      // Armed before starting: a signal during start-up stops the service as soon as it is up.
      const signalled = untilSignal(app.log);
      const service = await startService(app);
      await signalled;
      await service.stop();
      await app.close();
    });
}
