import type { Command } from 'commander';
import * as account from './account.ts';
import * as entrata from './entrata.ts';
import * as migrate from './migrate.ts';
import * as property from './property.ts';
import * as resident from './resident.ts';
import * as simulator from './simulator.ts';
import * as start from './start.ts';
import * as sync from './sync.ts';
import * as views from './views.ts';
import * as worker from './worker.ts';
import * as web from './web.ts';
import * as status from './status.ts';
import * as notifications from './notifications.ts';
import * as mail from './mail.ts';
import * as embedded from './embedded.ts';
import * as secret from './secret.ts';
import * as user from './user.ts';
import * as token from './token.ts';

/** Every command, in the order `pebbles --help` lists them. */
export const commands: Array<(program: Command) => void> = [
  start.register,
  account.register,
  entrata.register,
  property.register,
  sync.register,
  views.register,
  resident.register,
  simulator.register,
  migrate.register,
];
// Scheduling and scale: the job worker, the web server, and their status.
commands.push(worker.register, web.register, status.register);
// Notifications: message history, resend, personal messages and blasts, the local mail catcher.
commands.push(notifications.register, mail.register);
// The embedded database's own upkeep.
commands.push(embedded.register);
// The secret key: rotation.
commands.push(secret.register);
// Staff: users of the console and API, and API tokens.
commands.push(user.register, token.register);
