// What the benchmarks share: where the repository is, their command-line options, one admin statement.
import path from 'node:path';
import pg from 'pg';

export const ROOT = path.resolve(import.meta.dirname, '..');

/** `--name value` from the command line, else the default. */
export function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}

/** One statement on its own connection (create or drop a database). */
export async function admin(url: string, statement: string): Promise<void> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}
