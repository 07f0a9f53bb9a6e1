import { openApp, type AppContext } from '../app/context.ts';
import { ConfigError } from '../config/config.ts';

/** A failure the user can act on: printed as one line, without a stack. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}

const plainErrors = new Set(['NotificationError', 'UsageError', 'ConfigError', 'AccountError', 'SecretError', 'PropertyError', 'EntrataError', 'EntrataInputError', 'OperationError', 'PropertyBusyError']);

/** Prints an error as `pebbles: message` and sets the exit code; unexpected errors keep their stack. */
export function reportError(err: unknown): void {
  const e = err as Error & { exitCode?: number };
  if (e instanceof ConfigError || plainErrors.has(e?.name) || e?.constructor?.name && plainErrors.has(e.constructor.name)) {
    process.stderr.write(`pebbles: ${e.message}\n`);
  } else {
    process.stderr.write(`pebbles: ${e?.stack ?? String(err)}\n`);
  }
  process.exitCode = typeof e?.exitCode === 'number' ? e.exitCode : 1;
}

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
    const text = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
    if (!text) throw new UsageError(`${flag} -: nothing on standard input`);
    return text;
  }
  return value ?? process.env[envName] ?? undefined;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A plain text table for terminals. */
export function printTable(rows: Record<string, unknown>[], columns: string[]): void {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const cell = (v: unknown) => (v === null || v === undefined ? '-' : Array.isArray(v) ? v.join(',') : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write([line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n') + '\n');
}
