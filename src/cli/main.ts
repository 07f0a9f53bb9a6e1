import { Command } from 'commander';
import dotenv from 'dotenv';
import { commands } from './commands/index.ts';
import { reportError } from './run.ts';

// An optional .env in the working directory; real environment variables win.
dotenv.config({ quiet: true });

const program = new Command('pebbles')
  .description('Personal Wi-Fi keys for apartment residents, driven by their Entrata leases.')
  // Commander's own errors (an unknown option, a missing one) as every other failure: one line, exit 2.
  .configureOutput({ outputError: (str, write) => write(`pebbles: ${str.replace(/^error: /, '').trim()} (run with --help for usage)\n`) })
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
  .configureHelp({ sortSubcommands: false });

for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  reportError(err);
}
