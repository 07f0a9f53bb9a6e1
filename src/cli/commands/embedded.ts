import type { Command } from 'commander';
import { loadConfig } from '../../config/config.ts';
import { recoverEmbeddedServer } from '../../db/embedded.ts';

export function register(program: Command): void {
  const embedded = program.command('embedded').description('The embedded PostgreSQL server in PEBBLES_DATA_DIR (used when DATABASE_URL is unset)');
  embedded
    .command('recover')
    .description('Write a new postgres.json for the existing embedded database (a lost or unreadable record)')
    .option('--stop', 'stop the embedded server first if it is running (the Pebbles processes using it must then be restarted)')
    .addHelpText(
      'after',
      `
Sets a new generated password for the database's superuser with PostgreSQL's single-user mode, run
as the database's owner on its files (no network, no change to its authentication), records it in
PEBBLES_DATA_DIR/postgres.json (mode 600), and starts the server once to check it. Nothing else in the
database changes. A server that is running cannot be reached without its record: stop the Pebbles
processes using it, or pass --stop.`,
    )
    .action(async (o: { stop?: boolean }) => {
      const config = loadConfig();
      const result = await recoverEmbeddedServer({ dataDir: config.dataDir, stopRunning: o.stop ?? false, log: (m) => process.stderr.write(`${m}\n`) });
      process.stdout.write(
        result.recovered
          ? `recovered: a new password for the embedded database in ${result.pgDir} is in ${config.dataDir}/postgres.json\n`
          : `nothing to recover: ${config.dataDir}/postgres.json reaches the embedded database in ${result.pgDir}\n`,
      );
    });
}
