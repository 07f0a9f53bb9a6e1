import { openApp, type AppContext } from '../app/context.ts';
import { UserError } from '../errors/user-error.ts';

/** A malformed command line (a missing or contradictory flag): exit code 2, as commander's own. */
export class UsageError extends UserError {
  static override defaultCode = 'usage';
  static override defaultExitCode = 2;
  override name = 'UsageError';
}

/**
 * Prints an error as one line `pebbles: message` and sets the exit code. A user error is all the user
 * needs; anything else is unexpected, and its stack is printed only at LOG_LEVEL=debug or trace.
 */
export function reportError(err: unknown, env: NodeJS.ProcessEnv = process.env): void {
  const debug = env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace';
  const e = err instanceof Error ? err : new Error(String(err));
  if (err instanceof UserError) {
    process.stderr.write(`pebbles: ${oneLine(e.message)}\n`);
    if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
    process.exitCode = err.exitCode;
    return;
  }
  process.stderr.write(`pebbles: ${oneLine(e.message)}${debug ? '' : ' (LOG_LEVEL=debug shows where)'}\n`);
  if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
}

const oneLine = (message: string) => message.trim().replace(/\s*\n\s*/g, '; ');

/** Runs a command body with the app open, closing it (and a started embedded server) afterwards. */
export async function withApp<T>(fn: (app: AppContext) => Promise<T>): Promise<T> {
  const app = await openApp();
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

/** Reads a secret given as `-` from standard input (flags show in `ps` and shell history). */
export async function secretArg(value: string | undefined, envName: string, flag: string): Promise<string | undefined> {
  if (value === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    if (!text) throw new UsageError(`${flag} -: nothing on standard input`);
    return text;
  }
  return value ?? process.env[envName] ?? undefined;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain text table for terminals. */
export function printTable(rows: Record<string, unknown>[], columns: string[]): void {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const cell = (v: unknown) => (v === null || v === undefined ? '-' : Array.isArray(v) ? v.join(',') : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${[line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n')}\n`);
}
