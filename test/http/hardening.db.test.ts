import { spawn } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { createKysely } from '../../src/db/database.ts';
import type { HttpSettings } from '../../src/http/hardening.ts';
import { buildHttpServer, type HttpDeps } from '../../src/http/server.ts';
import { QUEUES } from '../../src/jobs/queues.ts';
import { createLogger } from '../../src/log/logger.ts';
import { apiDepsOf, createApiBench, type ApiBench } from '../support/api-bench.ts';
import { ROOT } from '../support/cli.ts';

let t: ApiBench;
let entrataId: string;
let manager: Record<string, string>;
const extra: FastifyInstance[] = [];

beforeAll(async () => {
  t = await createApiBench();
  entrataId = t.bench.props[0]!.entrataId;
  manager = t.callers.as('manager', [t.bench.props[0]!.id]);
}, 120_000);
afterAll(async () => {
  for (const app of extra) await app.close();
  await t?.close();
});

/** Another server on the bench's database, with other HTTP settings (or a log that is read back). */
async function serverWith(o: Omit<Partial<HttpDeps>, 'http'> & { http?: Partial<HttpSettings> }): Promise<FastifyInstance> {
  const app = await buildHttpServer({
    ...apiDepsOf(t.bench, t.callers),
    syncNowTimeoutMs: 5_000,
    catcher: false,
    ...o,
    http: { publicUrl: null, trustedProxy: false, metricsToken: null, ...o.http },
  });
  extra.push(app);
  return app;
}

const syncJobs = async () => (await t.bench.boss.getQueueSize(QUEUES.syncNow)) ?? 0;

describe('security headers', () => {
  it('every answer of the API port has a CSP for a same-origin console, frame denial and nosniff; no HSTS over plain HTTP', async () => {
    for (const url of [`/api/properties/${entrataId}/runs`, '/', '/api/openapi.json']) {
      const r = await t.app.inject({ method: 'GET', url, headers: manager });
      const csp = String(r.headers['content-security-policy']);
      expect(csp, url).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('behind an https public address: HSTS and upgrade-insecure-requests', async () => {
    const app = await serverWith({ http: { publicUrl: 'https://wifi.example.com', trustedProxy: true } });
    const r = await app.inject({ method: 'GET', url: '/api/openapi.json', headers: { host: 'wifi.example.com' } });
    expect(r.statusCode).toBe(200);
    expect(r.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    expect(String(r.headers['content-security-policy'])).toContain('upgrade-insecure-requests');
  });
});

describe('bodies and errors: one shape, never echoing the URL or the input', () => {
  const sync = () => `/api/properties/${entrataId}/sync`;

  it("413 for a body over the route's limit (64 KiB for sync now), before anything is queued", async () => {
    const before = await syncJobs();
    const units = Array.from({ length: 500 }, (_, i) => `unit-${'x'.repeat(150)}-${i}`);
    const r = await t.app.inject({
      method: 'POST',
      url: sync(),
      headers: { ...manager, 'content-type': 'application/json' },
      payload: JSON.stringify({ units }),
    });
    expect(r.statusCode).toBe(413);
    expect(r.json()).toEqual({
      error: 'Payload Too Large',
      code: 'body-too-large',
      message: 'the request body is larger than this route accepts (65536 bytes)',
    });
    expect(await syncJobs()).toBe(before);
  });

  it('415 for a body that is not JSON, 400 for broken JSON: neither repeats what was sent', async () => {
    const plain = await t.app.inject({ method: 'POST', url: sync(), headers: { ...manager, 'content-type': 'text/plain' }, payload: 'secret-words' });
    expect(plain.statusCode).toBe(415);
    expect(plain.json()).toEqual({
      error: 'Unsupported Media Type',
      code: 'unsupported-media-type',
      message: 'send the body as JSON (Content-Type: application/json)',
    });
    const broken = await t.app.inject({
      method: 'POST',
      url: sync(),
      headers: { ...manager, 'content-type': 'application/json' },
      payload: '{"unit": "hunter2',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toEqual({ error: 'Bad Request', code: 'invalid-json', message: 'the body is not valid JSON' });
  });

  it('a validation error names the field and what it expects, without the value sent', async () => {
    const r = await t.app.inject({ method: 'POST', url: sync(), headers: manager, payload: { customer: 'hunter2-password' } });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({ error: 'Bad Request', code: 'invalid-request', message: 'body.customer: expected an Entrata customer id (digits)' });
  });

  it('500 for an unexpected failure: the same shape (also where the route describes another 500 body), the cause only in the log', async () => {
    const dead = createKysely('postgres://nobody@127.0.0.1:1/none', 1);
    const lines: string[] = [];
    const log = createLogger({
      level: 'info',
      format: 'json',
      destination: new Writable({
        write(c, _e, done) {
          lines.push(String(c));
          done();
        },
      }),
    });
    try {
      const app = await serverWith({ db: dead, log });
      const r = await app.inject({ method: 'POST', url: `/api/properties/${entrataId}/sync`, headers: t.admin });
      expect(r.statusCode).toBe(500);
      expect(r.json()).toEqual({
        error: 'Internal Server Error',
        code: 'internal',
        message: 'internal error: the server logged what happened; try again, or tell the administrator',
      });
      expect(lines.join('')).toMatch(/ECONNREFUSED.*"msg":"request failed"/);
    } finally {
      await dead.destroy();
    }
  });

  it('404 for an unknown route without repeating its path or query', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/reset/tok_ABCDEF0123456789?password=hunter2' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ error: 'Not Found', code: 'no-route', message: "no route GET here; the API's routes are listed at /api/docs" });
  });
});

describe('Host and Origin: a web page cannot drive the API through a browser on this machine', () => {
  it("refuses the issue's example, curl -X POST -H 'Origin: http://evil.example' -H 'Host: evil.example:8080' …/sync, and queues nothing", async () => {
    const before = await syncJobs();
    const r = await t.app.inject({
      method: 'POST',
      url: `/api/properties/${entrataId}/sync`,
      headers: { ...manager, origin: 'http://evil.example', host: 'evil.example:8080' },
    });
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ error: 'Forbidden', code: 'host-not-allowed' });
    expect(r.body).not.toContain('evil');
    expect(await syncJobs()).toBe(before);
  });

  it('refuses another Host (DNS rebinding) even without an Origin, and another Origin even with a loopback Host', async () => {
    const rebound = await t.app.inject({ method: 'GET', url: `/api/properties/${entrataId}/runs`, headers: { ...manager, host: 'evil.example' } });
    expect(rebound.statusCode).toBe(403);
    expect(rebound.json().code).toBe('host-not-allowed');
    for (const origin of ['http://evil.example', 'null', 'http://localhost.evil.example', 'file://']) {
      const crossSite = await t.app.inject({
        method: 'POST',
        url: `/api/properties/${entrataId}/sync`,
        headers: { ...manager, host: '127.0.0.1:8080', origin },
      });
      expect(crossSite.statusCode, origin).toBe(403);
      expect(crossSite.json().code).toBe('origin-not-allowed');
    }
  });

  it('accepts loopback names with any port, and the probes answer any Host', async () => {
    for (const host of ['localhost', 'localhost:8080', '127.0.0.1:3000', '[::1]:8080', 'LOCALHOST']) {
      const r = await t.app.inject({ method: 'GET', url: `/api/properties/${entrataId}/runs`, headers: { ...manager, host, origin: `http://${host}` } });
      expect(r.statusCode, host).toBe(200);
    }
    for (const url of ['/healthz', '/readyz']) {
      expect((await t.app.inject({ method: 'GET', url, headers: { host: '10.1.2.3:8080' } })).statusCode).toBe(200);
    }
  });

  it('with PEBBLES_PUBLIC_URL: its host and origin exactly (and loopback); behind a trusted proxy, the forwarded host', async () => {
    const app = await serverWith({ http: { publicUrl: 'https://wifi.example.com' } });
    const get = (headers: Record<string, string>) =>
      app.inject({ method: 'GET', url: `/api/properties/${entrataId}/runs`, headers: { ...manager, ...headers } });
    expect((await get({ host: 'wifi.example.com', origin: 'https://wifi.example.com' })).statusCode).toBe(200);
    expect((await get({ host: 'wifi.example.com:443' })).statusCode).toBe(200);
    expect((await get({ host: 'localhost:8080' })).statusCode).toBe(200);
    expect((await get({ host: 'wifi.example.com:8443' })).json().code).toBe('host-not-allowed');
    expect((await get({ host: 'wifi.example.com', origin: 'http://wifi.example.com' })).json().code).toBe('origin-not-allowed');
    expect((await get({ host: 'evil.example', 'x-forwarded-host': 'wifi.example.com' })).json().code).toBe('host-not-allowed');

    const proxied = await serverWith({ http: { publicUrl: 'https://wifi.example.com', trustedProxy: true } });
    const viaProxy = (headers: Record<string, string>) =>
      proxied.inject({ method: 'GET', url: `/api/properties/${entrataId}/runs`, headers: { ...manager, host: '127.0.0.1:8080', ...headers } });
    expect((await viaProxy({ 'x-forwarded-host': 'wifi.example.com', 'x-forwarded-proto': 'https' })).statusCode).toBe(200);
    expect((await viaProxy({ 'x-forwarded-host': 'evil.example' })).json().code).toBe('host-not-allowed');
  });
});

describe('/metrics: on a separate port, or to the configured token', () => {
  const TOKEN = 'metrics-0123456789abcdef0123';

  it('the API port answers 404 (as for no route) without PEBBLES_METRICS_TOKEN, or without the token or with another', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/metrics', headers: t.admin });
    expect(none.statusCode).toBe(404);
    expect(none.json()).toEqual({ error: 'Not Found', code: 'no-route', message: "no route GET here; the API's routes are listed at /api/docs" });
    const app = await serverWith({ http: { metricsToken: TOKEN } });
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}x` } })).statusCode).toBe(404);
    const ok = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}`, host: '10.0.0.7:8080' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('# TYPE pebbles_queue_jobs gauge');
  });

  it("a port without the API (a worker's --metrics-port) serves it to the scraper without a token", async () => {
    const metricsPort = await serverWith({ api: false });
    const r = await metricsPort.inject({ method: 'GET', url: '/metrics', headers: { host: '10.0.0.7:9100' } });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('pebbles_properties');
  });

  it('PEBBLES_METRICS_TOKEN must be long enough to be a secret', () => {
    expect(() => loadConfig({ PEBBLES_METRICS_TOKEN: 'short' })).toThrow(/^PEBBLES_METRICS_TOKEN: must be 24 to 200 printable characters/);
    expect(loadConfig({ PEBBLES_METRICS_TOKEN: TOKEN }).http.metricsToken).toBe(TOKEN);
  });
});

describe('logs: no key, password, token or cookie in any line', () => {
  it('request lines name the route, not the URL, and credentials in headers, bodies and queries never appear', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger({ level: 'trace', format: 'json', destination: sink });
    const app = await serverWith({ log });
    const secrets = {
      bearer: 'Bearer tok_SECRET_bearer_1',
      cookie: 'pebbles_session=SECRET_cookie_2',
      csrf: 'SECRET_csrf_3',
      password: 'SECRET_password_4',
      query: 'SECRET_query_5',
    };
    const headers = { authorization: secrets.bearer, cookie: secrets.cookie, 'x-csrf-token': secrets.csrf };
    await app.inject({
      method: 'POST',
      url: `/api/properties/${entrataId}/sync?token=${secrets.query}`,
      headers: { ...manager, cookie: secrets.cookie, 'x-csrf-token': secrets.csrf },
      payload: { password: secrets.password },
    });
    await app.inject({ method: 'GET', url: `/api/properties/${entrataId}/runs?password=${secrets.query}`, headers });
    await app.inject({ method: 'GET', url: `/api/reset/${secrets.query}`, headers });
    await app.inject({
      method: 'POST',
      url: `/api/properties/${entrataId}/sync`,
      headers: { ...headers, host: 'evil.example' },
      payload: { password: secrets.password },
    });
    // A log call that passes a request's headers by mistake is still redacted.
    log.error({ req: { headers }, body: { password: secrets.password, csrfToken: secrets.csrf } }, 'careless');
    const text = lines.join('');
    expect(lines.filter((l) => l.includes('"msg":"request"')).length).toBe(4);
    expect(text).toContain(`"route":"/api/properties/:propertyId/sync"`);
    for (const s of Object.values(secrets)) expect(text).not.toContain(s.replace(/^Bearer |^pebbles_session=/, ''));
    expect(text).toContain('[redacted]');
  });

  it('pebbles web: listening beyond loopback without https or a trusted proxy logs a warning at start; --metrics-port serves /metrics, the API port does not', async () => {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: t.bench.t.url,
      PEBBLES_SECRET_KEY: t.bench.secretKeyHex,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      PEBBLES_DEMO: 'off',
      PORT: '0',
    };
    /** Starts `pebbles web`, runs `whileUp` with the ports it logged, stops it; answers its log. */
    const web = async (args: string[], more: Record<string, string>, whileUp: (ports: { api: string; metrics?: string }) => Promise<void> = async () => {}) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/pebbles.js'), 'web', ...args], {
        cwd: ROOT,
        env: { ...env, ...more },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      const exited = new Promise((r) => child.on('exit', r));
      try {
        const ports = await new Promise<{ api: string; metrics?: string }>((resolve, reject) => {
          child.stderr.setEncoding('utf8').on('data', (d: string) => {
            err += d;
            const api = /"url":"http:\/\/[^"]+:(\d+)","api":true/.exec(err)?.[1];
            const metrics = /"url":"http:\/\/[^"]+:(\d+)","api":false/.exec(err)?.[1];
            // The warning, when there is one, is logged right after the listening lines.
            if (api && (metrics || !args.includes('--metrics-port'))) setTimeout(() => resolve({ api, metrics }), 300);
          });
          child.on('exit', () => reject(new Error(`pebbles web exited: ${err}`)));
        });
        await whileUp(ports);
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
      return err;
    };
    const exposed = await web(['--metrics-port', '0'], { PEBBLES_HOST: '0.0.0.0' }, async ({ api, metrics }) => {
      expect((await fetch(`http://127.0.0.1:${api}/metrics`)).status).toBe(404);
      const scraped = await fetch(`http://127.0.0.1:${metrics}/metrics`);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('pebbles_properties');
      expect((await fetch(`http://127.0.0.1:${metrics}/api/openapi.json`)).status).toBe(404);
    });
    expect(exposed).toMatch(/"level":40,.*listening on 0\.0\.0\.0, beyond this machine, without TLS/);
    expect(await web([], { PEBBLES_HOST: '0.0.0.0', PEBBLES_PUBLIC_URL: 'https://wifi.example.com', PEBBLES_TRUSTED_PROXY: 'on' })).not.toContain(
      'without TLS',
    );
  }, 60_000);
});
