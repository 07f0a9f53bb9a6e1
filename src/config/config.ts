import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors/user-error.ts';

/**
 * Every environment variable Pebbles reads, validated once at start. The README's configuration
 * table lists the same variables; keep the two in step.
 */
const onOff = z.enum(['on', 'off', 'true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['on', 'true', '1', 'yes'].includes(v));

const schema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  PEBBLES_DATA_DIR: z.string().min(1).default('./data'),
  PEBBLES_SECRET_KEY: z
    .string()
    .refine((v) => decodeKey(v) !== null, 'must be 32 bytes, as 64 hex characters or base64')
    .optional(),
  NODE_ENV: z.string().default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  PEBBLES_HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  PEBBLES_DEMO: onOff.optional(),
  ENTRATA_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  ENTRATA_RATE_LIMIT_SHARE: z.coerce.number().gt(0).max(1).default(0.8),
  ENTRATA_DEFAULT_COUNTRY: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be a two-letter country code such as US')
    .default('US'),
  // Notifications: e-mail over SMTP, SMS over a Twilio-shaped HTTP API, delivery policy.
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  SMTP_SECURE: onOff.optional(),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  SMTP_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(5),
  MAIL_FROM: z
    .string()
    .regex(/^(?:[^<>]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/, 'must be an address such as wifi@example.com or "Pebbles <wifi@example.com>"')
    .optional(),
  SMS_BASE_URL: z
    .string()
    .regex(/^https?:\/\//, 'must be an http:// or https:// URL')
    .optional(),
  SMS_ACCOUNT_SID: z.string().min(1).optional(),
  SMS_AUTH_TOKEN: z.string().min(1).optional(),
  SMS_FROM: z.string().min(1).optional(),
  SMS_COUNTRIES: z
    .string()
    .regex(/^[A-Z]{2}(,[A-Z]{2})*$/, 'must be two-letter country codes separated by commas, such as US,CA')
    .default('US,CA'),
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  NOTIFY_RETRY_BASE_SECONDS: z.coerce.number().min(0.001).max(86_400).default(30),
  NOTIFY_RETRY_MAX_SECONDS: z.coerce
    .number()
    .min(0.001)
    .max(7 * 86_400)
    .default(3600),
  NOTIFY_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(200),
  PEBBLES_CATCHER: onOff.optional(),
  // The console and API: the address people use (reset links, Host/Origin checks), a proxy in front.
  PEBBLES_PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\/[^/\s]+\/?$/, 'must be an origin such as https://wifi.example.com (no path)')
    .optional(),
  PEBBLES_TRUSTED_PROXY: onOff.optional(),
  // Prometheus on the API's port: only with this bearer token (else a separate port: pebbles worker --metrics-port).
  PEBBLES_METRICS_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{24,200}$/, 'must be 24 to 200 printable characters without spaces (openssl rand -hex 24 makes one)')
    .optional(),
  // The administrator created at the first start with no staff user.
  PEBBLES_ADMIN_EMAIL: z
    .string()
    .regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/, 'must be an e-mail address such as admin@example.com')
    .optional(),
});

export type Config = Readonly<{
  databaseUrl: string | null;
  dataDir: string;
  secretKey: Buffer | null;
  production: boolean;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  logFormat: 'json' | 'pretty';
  host: string;
  port: number;
  /** Undefined means "decide from the setting": the demo runs on the embedded default only. */
  demo: boolean | undefined;
  entrata: { timeoutMs: number; rateLimitShare: number; defaultCountry: string };
  /** SMTP (null host: not configured; the embedded default then catches mail locally). */
  mail: { host: string | null; port: number; secure: boolean; user: string | null; password: string | null; poolSize: number; from: string };
  /** The Twilio-shaped SMS API (null baseUrl: not configured). */
  sms: { baseUrl: string | null; accountSid: string | null; authToken: string | null; from: string | null; countries: string[] };
  notifications: { maxAttempts: number; retryBaseMs: number; retryMaxMs: number; batchSize: number };
  /** Undefined: catch mail and SMS locally exactly when on the embedded database with no SMTP_HOST. */
  catcher: boolean | undefined;
  /**
   * publicUrl: the origin staff use (https://wifi.example.com), null when not configured (then only
   * loopback names are accepted as Host/Origin and links use http://host:port). trustedProxy: a proxy
   * in front terminates TLS and sets X-Forwarded-*. metricsToken: /metrics on the API's port answers
   * only to `Authorization: Bearer <token>` (null: it answers 404 there).
   */
  http: { publicUrl: string | null; trustedProxy: boolean; metricsToken: string | null };
  /** The e-mail of the administrator created at the first start (PEBBLES_ADMIN_EMAIL, else admin@ the public host). */
  firstAdminEmail: string;
}>;

export class ConfigError extends UserError {
  static override defaultCode = 'config';
  override name = 'ConfigError';
}

/** Parses the environment; a bad value throws one ConfigError naming the variable and the problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", as it does in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    // z.coerce.number() says "expected number, received NaN"; the user typed text where a number goes.
    const message = issue.code === 'invalid_type' && issue.expected === 'number' ? 'must be a number' : issue.message;
    throw new ConfigError(`${name}: ${message} (see Configuration in README.md)`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (e.SMTP_USER && !e.SMTP_PASSWORD) throw new ConfigError('SMTP_PASSWORD: required when SMTP_USER is set');
  if (e.SMS_BASE_URL) {
    for (const name of ['SMS_ACCOUNT_SID', 'SMS_AUTH_TOKEN', 'SMS_FROM'] as const) {
      if (!e[name]) throw new ConfigError(`${name}: required when SMS_BASE_URL is set`);
    }
  }
  const smtpSecure = e.SMTP_SECURE ?? e.SMTP_PORT === 465;
  return {
    databaseUrl: e.DATABASE_URL ?? null,
    dataDir: path.resolve(e.PEBBLES_DATA_DIR),
    secretKey: e.PEBBLES_SECRET_KEY ? decodeKey(e.PEBBLES_SECRET_KEY) : null,
    production,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? (production || !process.stderr.isTTY ? 'json' : 'pretty'),
    host: e.PEBBLES_HOST,
    port: e.PORT,
    demo: e.PEBBLES_DEMO,
    entrata: {
      timeoutMs: e.ENTRATA_TIMEOUT_MS,
      rateLimitShare: e.ENTRATA_RATE_LIMIT_SHARE,
      defaultCountry: e.ENTRATA_DEFAULT_COUNTRY,
    },
    mail: {
      host: e.SMTP_HOST ?? null,
      port: e.SMTP_PORT ?? (smtpSecure ? 465 : 587),
      secure: smtpSecure,
      user: e.SMTP_USER ?? null,
      password: e.SMTP_PASSWORD ?? null,
      poolSize: e.SMTP_POOL_SIZE,
      from: e.MAIL_FROM ?? 'Pebbles Wi-Fi <wifi@pebbles.localhost>',
    },
    sms: {
      baseUrl: e.SMS_BASE_URL ? e.SMS_BASE_URL.replace(/\/+$/, '') : null,
      accountSid: e.SMS_ACCOUNT_SID ?? null,
      authToken: e.SMS_AUTH_TOKEN ?? null,
      from: e.SMS_FROM ?? null,
      countries: e.SMS_COUNTRIES.split(','),
    },
    notifications: {
      maxAttempts: e.NOTIFY_MAX_ATTEMPTS,
      retryBaseMs: Math.round(e.NOTIFY_RETRY_BASE_SECONDS * 1000),
      retryMaxMs: Math.round(e.NOTIFY_RETRY_MAX_SECONDS * 1000),
      batchSize: e.NOTIFY_BATCH_SIZE,
    },
    catcher: e.PEBBLES_CATCHER,
    http: {
      publicUrl: e.PEBBLES_PUBLIC_URL ? e.PEBBLES_PUBLIC_URL.replace(/\/+$/, '') : null,
      trustedProxy: e.PEBBLES_TRUSTED_PROXY ?? false,
      metricsToken: e.PEBBLES_METRICS_TOKEN ?? null,
    },
    firstAdminEmail: e.PEBBLES_ADMIN_EMAIL ?? `admin@${adminDomain(e.PEBBLES_PUBLIC_URL)}`,
  };
}

/** The public URL's host when it is a domain name (not an IP address or a bare name), else pebbles.localhost. */
function adminDomain(publicUrl: string | undefined): string {
  const host = publicUrl ? new URL(publicUrl).hostname : '';
  return /^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/i.test(host) ? host : 'pebbles.localhost';
}

/** A 256-bit key from 64 hex characters or base64; null when it is neither. */
export function decodeKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    const buf = Buffer.from(trimmed, 'base64');
    if (buf.length === 32) return buf;
  }
  return null;
}
