import { createHash, timingSafeEqual } from 'node:crypto';
import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from '../log/logger.ts';
import { UserError } from '../errors/user-error.ts';

/** The HTTP settings of a process (config.http). */
export interface HttpSettings {
  /** The origin staff use (https://wifi.example.com); null: only loopback names are accepted. */
  publicUrl: string | null;
  /** A proxy in front terminates TLS and sets X-Forwarded-*. */
  trustedProxy: boolean;
  /** PEBBLES_METRICS_TOKEN: /metrics on the API port only with this bearer token (else 404). */
  metricsToken: string | null;
}

export const DEFAULT_HTTP_SETTINGS: HttpSettings = { publicUrl: null, trustedProxy: false, metricsToken: null };

/** Largest request body (JSON) a route accepts unless it sets a smaller one. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * Security headers for the API and for the single-page console served from `/` and the reference at
 * /api/docs: everything from this origin only (no CDN, no inline script), never framed, no sniffing.
 * Swagger UI sets inline styles, hence `style-src 'unsafe-inline'` (styles cannot run code).
 */
export async function registerSecurityHeaders(app: FastifyInstance, http: HttpSettings): Promise<void> {
  const https = http.publicUrl?.startsWith('https://') ?? false;
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        // Over plain HTTP (loopback, a LAN address) upgrading would break every request of the page.
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    frameguard: { action: 'deny' },
    hsts: https ? { maxAge: 180 * 86_400, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'no-referrer' },
  });
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
/** Probes and the metrics scrape: reached by address from anywhere, and they change nothing. */
const ANY_HOST_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** The host name of a Host header or URL host ("example.com:8080" → "example.com", "[::1]:80" → "[::1]"). */
function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

/**
 * Whether a Host (host[:port]) names this server: the public address exactly, or a loopback name
 * with any port (a browser on this machine).
 */
export function hostAllowed(host: string | undefined, http: HttpSettings): boolean {
  if (!host) return false;
  if (LOOPBACK_NAMES.has(hostName(host))) return true;
  if (!http.publicUrl) return false;
  const pub = new URL(http.publicUrl);
  // "wifi.example.com:443" names https://wifi.example.com too (URL drops a default port).
  const defaultPort = pub.protocol === 'https:' ? ':443' : ':80';
  const h = host.trim().toLowerCase();
  return (h.endsWith(defaultPort) ? h.slice(0, -defaultPort.length) : h) === pub.host;
}

/** Whether an Origin header is the public origin or a loopback one. */
export function originAllowed(origin: string, http: HttpSettings): boolean {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false; // "null" (a sandboxed frame, a file) and anything unparsable
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  if (LOOPBACK_NAMES.has(u.hostname.toLowerCase()) || LOOPBACK_NAMES.has(`[${u.hostname.toLowerCase()}]`)) return true;
  return !!http.publicUrl && u.origin === new URL(http.publicUrl).origin;
}

/**
 * Refuses requests for another host name (DNS rebinding: a page on evil.example whose name now points
 * at this machine) with 403 (host-not-allowed), and requests a page of another origin makes (a cross-site form or fetch)
 * (origin-not-allowed), before anything else runs. The answer never repeats the Host or Origin sent.
 */
export function guardHostAndOrigin(app: FastifyInstance, http: HttpSettings): void {
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const path = req.url.split('?', 1)[0]!;
    if (ANY_HOST_PATHS.has(path)) return;
    const where = http.publicUrl ? `${http.publicUrl} (PEBBLES_PUBLIC_URL)` : 'a loopback address (set PEBBLES_PUBLIC_URL to serve another)';
    // Behind a trusted proxy the name the client asked for is X-Forwarded-Host (req.host reads it).
    if (!hostAllowed(req.host, http)) {
      throw new UserError(`this server answers only at ${where}; the Host of this request is not one of its names`, {
        code: 'host-not-allowed',
        category: 'forbidden',
      });
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, http)) {
      throw new UserError(`requests from another site are refused; use the console at ${where}`, { code: 'origin-not-allowed', category: 'forbidden' });
    }
  });
}

/** /metrics on the API port: only with `Authorization: Bearer <PEBBLES_METRICS_TOKEN>`. */
export function metricsTokenMatches(req: FastifyRequest, token: string | null): boolean {
  const h = req.headers.authorization;
  if (!token || !h?.startsWith('Bearer ')) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(h.slice(7)), digest(token));
}

function isLoopbackAddress(host: string): boolean {
  return LOOPBACK_NAMES.has(host.toLowerCase()) || /^127\./.test(host);
}

/** Listening beyond this machine without TLS in front: passwords and session cookies would travel in clear text. */
export function warnIfExposed(log: Logger, host: string, http: HttpSettings): void {
  if (isLoopbackAddress(host)) return;
  if (http.publicUrl?.startsWith('https://') || http.trustedProxy) return;
  log.warn(
    { host },
    `listening on ${host}, beyond this machine, without TLS: set PEBBLES_PUBLIC_URL to an https:// address served by a proxy that terminates TLS (and PEBBLES_TRUSTED_PROXY=on), or listen on 127.0.0.1`,
  );
}
