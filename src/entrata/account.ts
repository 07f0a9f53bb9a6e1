// How the client reaches one Entrata account: the credential decides the URL style (docs/entrata.md §1.1, §1.3).
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';
import { EntrataInputError } from './errors.ts';

export type EntrataCredential = { kind: 'apikey'; apiKey: string } | { kind: 'basic'; username: string; password: string };

export interface EntrataAccountConfig {
  /** The xxx of xxx.entrata.com. */
  subdomain: string;
  /** Replaces the origin (simulator, tests, proxies): `${baseUrl}/ext/orgs/…` or `${baseUrl}/api/v1/…`. */
  baseUrl?: string | null;
  credential: EntrataCredential;
  /** Default country for phone numbers without a country code (ISO 3166 alpha-2). Default US. */
  country?: string;
  /** Share of each rate-limit window we allow ourselves. Default 0.8. */
  rateLimitShare?: number;
  /** Time-out of one HTTP call, body included. Default 30 000 ms. */
  timeoutMs?: number;
  /** Retries after a transient failure or a 429. Default 4. */
  maxRetries?: number;
  /** getLeases page size (query `per_page`, 5..1000). Default 500. */
  perPage?: number;
  /** Longest wait we accept for a rate-limit window or a Retry-After before failing as `rate-limited`. Default 1 hour. */
  maxRateLimitWaitMs?: number;
}

export interface ResolvedAccount {
  subdomain: string;
  baseUrl: string | null;
  credential: EntrataCredential;
  country: CountryCode;
  rateLimitShare: number;
  timeoutMs: number;
  maxRetries: number;
  perPage: number;
  maxRateLimitWaitMs: number;
}

/** Checks an account config and fills in the defaults; throws EntrataInputError naming the bad field. */
export function resolveAccount(a: EntrataAccountConfig): ResolvedAccount {
  const fail = (msg: string): never => {
    throw new EntrataInputError(`Entrata account: ${msg}`);
  };
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/i.test(a.subdomain ?? '')) fail('subdomain must be letters, digits and dashes');
  let baseUrl: string | null = null;
  if (a.baseUrl != null && a.baseUrl !== '') {
    let u: URL | null = null;
    try {
      u = new URL(a.baseUrl);
    } catch {
      fail('baseUrl is not a URL');
    }
    if (u && !['http:', 'https:'].includes(u.protocol)) fail('baseUrl must be http:// or https://');
    if (u && (u.username || u.password)) fail('baseUrl must not carry credentials');
    baseUrl = a.baseUrl.replace(/\/+$/, '');
  }
  const c = a.credential;
  if (!c || (c.kind === 'apikey' && !c.apiKey?.trim()) || (c.kind === 'basic' && (!c.username?.trim() || !c.password))) {
    fail('credential: an API key, or a username and password, is needed');
  }
  if (c.kind !== 'apikey' && c.kind !== 'basic') fail('credential.kind must be apikey or basic');
  const country = (a.country ?? 'US').toUpperCase();
  if (!isSupportedCountry(country)) fail(`country ${a.country} is not a known two-letter country code`);
  const share = a.rateLimitShare ?? 0.8;
  if (!(share > 0 && share <= 1)) fail('rateLimitShare must be more than 0 and at most 1');
  const timeoutMs = a.timeoutMs ?? 30_000;
  if (!(timeoutMs > 0)) fail('timeoutMs must be positive');
  const maxRetries = a.maxRetries ?? 4;
  if (!(Number.isInteger(maxRetries) && maxRetries >= 0 && maxRetries <= 20)) fail('maxRetries must be an integer 0..20');
  const perPage = a.perPage ?? 500;
  if (!(Number.isInteger(perPage) && perPage >= 5 && perPage <= 1000)) fail('perPage must be an integer 5..1000');
  const maxRateLimitWaitMs = a.maxRateLimitWaitMs ?? 3_600_000;
  if (!(maxRateLimitWaitMs >= 0)) fail('maxRateLimitWaitMs must not be negative');
  return {
    subdomain: a.subdomain,
    baseUrl,
    credential: c,
    country: country as CountryCode,
    rateLimitShare: share,
    timeoutMs,
    maxRetries,
    perPage,
    maxRateLimitWaitMs,
  };
}

/** The service URL: API-key gateway or legacy host, with the baseUrl override replacing the origin. */
export function serviceUrl(a: Pick<ResolvedAccount, 'subdomain' | 'baseUrl' | 'credential'>, service: string): string {
  const sub = encodeURIComponent(a.subdomain);
  if (a.credential.kind === 'apikey') {
    return `${a.baseUrl ?? 'https://apis.entrata.com'}/ext/orgs/${sub}/v1/${service}`;
  }
  return `${a.baseUrl ?? `https://${sub}.entrata.com`}/api/v1/${service}`;
}

/** The request headers that carry the credential (never logged). */
export function authHeaders(c: EntrataCredential): Record<string, string> {
  return c.kind === 'apikey' ? { 'X-Api-Key': c.apiKey } : { Authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}` };
}

/** Every string that must never reach a message or a log line. */
export function secretsOf(c: EntrataCredential): string[] {
  return c.kind === 'apikey' ? [c.apiKey] : [c.password, Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')];
}
