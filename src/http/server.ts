import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type PgBoss from 'pg-boss';
import type { Db } from '../db/database.ts';
import type { Metrics } from '../jobs/metrics.ts';
import type { QueueName } from '../jobs/queues.ts';
import type { Logger } from '../log/logger.ts';
import { registerSyncApi } from './api-sync.ts';
import { registerPropertiesApi } from './api-properties.ts';
import { registerResidentsApi } from './api-residents.ts';
import { registerHealth } from './health.ts';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Authenticator } from './api-route.ts';
import { UserError } from '../errors/user-error.ts';

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

export interface HttpDeps {
  db: Db;
  /** The job queue; null on a process that has none (readiness then reports the queue as absent). */
  boss: PgBoss | null;
  metrics: Metrics;
  log: Logger;
  now(): Date;
  /** Serve the JSON API (web processes); workers serve only health and metrics. */
  api: boolean;
  /** Longest `?wait=true` of a sync-now request (PEBBLES_SYNC_NOW_TIMEOUT_SECONDS). */
  syncNowTimeoutMs: number;
  /** Who makes each API request (session cookie or API token). */
  auth: Authenticator;
  /** Wakes a worker in this same process (pebbles start) so sync-now starts at once. */
  notify?(queue: QueueName): void;
}

/** The HTTP side of a process: /healthz, /readyz and /metrics always, the JSON API on web processes. */
export async function buildHttpServer(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.log.child({ component: 'http' }), logController: new LogController({ disableRequestLogging: true }) }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    // User errors carry their status and stable code; Fastify's own (validation, bad JSON) their status.
    if (err instanceof UserError) {
      void reply.status(err.statusCode).send({ error: STATUS_TEXT[err.statusCode] ?? 'Error', code: err.code, message: err.message });
      return;
    }
    const status = err.validation ? 400 : err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err, url: req.url }, 'request failed');
    void reply.status(status).send({ error: STATUS_TEXT[status] ?? 'Error', code: status >= 500 ? 'internal' : 'bad-request', message: status >= 500 ? 'internal error' : err.message });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ error: 'Not Found', code: 'no-route', message: `no route ${req.method} ${req.url}` });
  });
  app.addHook('onResponse', async (req, reply) => {
    if (req.url !== '/metrics' && req.url !== '/healthz' && req.url !== '/readyz') req.log.info({ method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  registerHealth(app, deps);
  if (deps.api) {
    registerSyncApi(app, deps);
    registerPropertiesApi(app, deps);
    registerResidentsApi(app, deps);
  }
  await app.ready();
  return app;
}

// The port taken, privileged, or the host not an address of this machine: the user's to change.
const CANNOT_LISTEN = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL', 'ENOTFOUND']);

export async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  try {
    return await app.listen({ host, port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!CANNOT_LISTEN.has(code)) throw err;
    const why = code === 'EADDRINUSE' ? 'another process uses that port' : code === 'EACCES' ? 'a privileged port' : 'not an address of this machine';
    throw new UserError(`cannot listen on ${host}:${port} (${code}: ${why}): choose another PORT (a worker: --metrics-port) or PEBBLES_HOST`, { code: 'cannot-listen', category: 'unavailable', cause: err });
  }
}
