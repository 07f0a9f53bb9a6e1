import type { Command } from 'commander';
import * as account from './account.ts';
import * as migrate from './migrate.ts';
import * as property from './property.ts';
import * as start from './start.ts';

/** Every command, in the order `pebbles --help` lists them. */
export const commands: Array<(program: Command) => void> = [start.register, account.register, property.register, migrate.register];
