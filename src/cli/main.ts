import { Command } from 'commander';
import dotenv from 'dotenv';
import { commands } from './commands/index.ts';
import { reportError } from './run.ts';

// An optional .env in the working directory; real environment variables win.
dotenv.config({ quiet: true });

const program = new Command('pebbles')
  .description('Personal Wi-Fi keys for apartment residents, driven by their Entrata leases.')
  .showHelpAfterError('(run with --help for usage)')
  .configureHelp({ sortSubcommands: false });

for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  reportError(err);
}
