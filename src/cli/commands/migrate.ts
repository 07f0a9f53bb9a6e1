import type { Command } from 'commander';
import { withApp } from '../run.ts';

export function register(program: Command): void {
  program
    .command('migrate')
    .description('Bring the database schema up to date (also done at every start)')
    .addHelpText('after', '\nUses DATABASE_URL, or the embedded server in PEBBLES_DATA_DIR when it is unset.')
    .action(async () => {
      await withApp(async (app) => {
        app.log.info('database schema is up to date');
      });
    });
}
