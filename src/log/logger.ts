import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Field names that may carry a secret anywhere in a log object. pino replaces their values, so a
 * PSK or credential that reaches a log call by mistake is still never written (P3).
 */
export const REDACTED_KEYS = [
  'password',
  'apiKey',
  'api_key',
  'psk',
  'key',
  'secret',
  'token',
  'authorization',
  'credential',
  'x-api-key',
  // A session cookie or its CSRF token is as good as a password while it lives.
  'cookie',
  'set-cookie',
  'x-csrf-token',
  'csrfToken',
] as const;

const redactPaths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers["${k}"]`]);

export interface LoggerOptions {
  level: string;
  format: 'json' | 'pretty';
  /** Where lines go; standard error by default so command output on stdout stays clean. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  const base = {
    level: opts.level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: undefined,
  };
  if (opts.format === 'pretty') {
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: { destination: 2, colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' },
      },
    });
  }
  return pino(base, (opts.destination as pino.DestinationStream | undefined) ?? pino.destination(2));
}

/** A logger that writes nothing, for tests and library defaults. */
export const silentLogger: Logger = pino({ level: 'silent' });
