import fastifyCookie from '@fastify/cookie';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type PgBoss from 'pg-boss';
import type { SecretBox } from '../crypto/secrets.ts';
import type { Db } from '../db/database.ts';
import type { Metrics } from '../jobs/metrics.ts';
import type { QueueName } from '../jobs/queues.ts';
import type { Logger } from '../log/logger.ts';
import type { SyncDeps } from '../sync/sync-property.ts';
import { registerAccountsApi } from './api-accounts.ts';
import { registerHoldsApi } from './api-holds.ts';
import { registerSettingsApi } from './api-settings.ts';
import { registerAuditApi } from './api-audit.ts';
import { registerCaughtApi } from './api-caught.ts';
import { registerMessagesApi } from './api-messages.ts';
import { registerSyncApi } from './api-sync.ts';
import { registerUpcomingApi } from './api-upcoming.ts';
import { registerResidentActionsApi } from './api-resident-actions.ts';
import { registerSessionApi } from './api-session.ts';
import { registerStaffApi } from './api-staff.ts';
import { registerTokenApi } from './api-tokens.ts';
import { registerPropertiesApi } from './api-properties.ts';
import { registerResidentsApi } from './api-residents.ts';
import { registerHealth } from './health.ts';
import { isResponseSerializationError, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Authenticator } from './api-route.ts';
import { UserError } from '../errors/user-error.ts';
import { errorBody } from './errors.ts';
import { DEFAULT_BODY_LIMIT, DEFAULT_HTTP_SETTINGS, guardHostAndOrigin, registerSecurityHeaders, type HttpSettings } from './hardening.ts';
import { registerOpenApiCollector, registerOpenApiRoutes } from './openapi.ts';
import { formatValidation, refusingNul, type FastifyValidationEntry } from './validation.ts';

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
  /**
   * What staff operations run with (the database, the secret box, the Entrata clients, the clock):
   * resident operations, re-plans after a policy change, hold decisions, connection tests. Absent on
   * a process without the API; those routes then answer 503.
   */
  operations?: SyncDeps;
  /** Decrypts stored copies and caught messages (shown masked, P3). */
  secrets: SecretBox;
  /** Whether mail and SMS are caught locally (the embedded default) rather than sent: the caught routes answer only then. */
  catcher: boolean;
  /** Wakes a worker in this same process (pebbles start) so sync-now starts at once. */
  notify?(queue: QueueName): void;
  /** Public address, proxy, metrics token (config.http); default: loopback only, no proxy, no token. */
  http?: HttpSettings;
  /** Sync-now requests one caller may make per minute (default 10). */
  syncNowPerMinute?: number;
}

/** The HTTP side of a process: /healthz, /readyz and /metrics always, the JSON API on web processes. */
export async function buildHttpServer(deps: HttpDeps): Promise<FastifyInstance> {
  const http = deps.http ?? DEFAULT_HTTP_SETTINGS;
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'http' }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: DEFAULT_BODY_LIMIT,
    trustProxy: http.trustedProxy,
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(refusingNul(validatorCompiler) as typeof validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(answerError);
  app.setNotFoundHandler((req, reply) => {
    // The path is not repeated: it may carry what the caller typed (a token, a name).
    void reply.status(404).send(errorBody(404, 'no-route', `no route ${req.method} here; the API's routes are listed at /api/docs`));
  });
  app.addHook('onResponse', async (req, reply) => {
    // The route's pattern, not the URL: a path or query may carry a token or a name.
    if (req.url !== '/metrics' && req.url !== '/healthz' && req.url !== '/readyz') {
      const params = req.params as { propertyId?: string } | undefined;
      req.log.info(
        {
          method: req.method,
          route: req.routeOptions.url ?? '(none)',
          property: params?.propertyId,
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
        },
        'request',
      );
    }
  });
  if (deps.api) {
    // The API reads JSON only: any other body is 415 rather than a string the schemas would reject.
    app.removeContentTypeParser('text/plain');
    await registerSecurityHeaders(app, http);
    guardHostAndOrigin(app, http);
    await registerOpenApiCollector(app);
  }
  await app.register(fastifyCookie);
  registerHealth(app, deps, http);
  if (deps.api) {
    await registerOpenApiRoutes(app, deps);
    registerSyncApi(app, deps);
    registerSettingsApi(app, deps);
    registerUpcomingApi(app, deps);
    registerHoldsApi(app, deps);
    registerAccountsApi(app, deps);
    registerMessagesApi(app, deps);
    registerCaughtApi(app, deps);
    registerAuditApi(app, deps);
    registerResidentActionsApi(app, deps);
    registerSessionApi(app, deps);
    registerStaffApi(app, deps);
    registerTokenApi(app, deps);
    registerPropertiesApi(app, deps);
    registerResidentsApi(app, deps);
  }
  await app.ready();
  return app;
}

/** Every failure as `{ error, code, message }`, never repeating the URL or the input. */
function answerError(err: FastifyError & { retryAfterSeconds?: number }, req: FastifyRequest, reply: FastifyReply): void {
  // Not through the route's response schema: a route may describe another body for the same status
  // (sync now's 500 is a failed request's state), and the error shape is fixed here anyway.
  void reply.serializer((body) => JSON.stringify(body)).type('application/json; charset=utf-8');
  if (err instanceof UserError) {
    if (err.retryAfterSeconds !== undefined) void reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfterSeconds))));
    void reply.status(err.statusCode).send(errorBody(err.statusCode, err.code, err.message));
    return;
  }
  if (err.validation) {
    const message = formatValidation(err.validationContext, err.validation as unknown as FastifyValidationEntry[]);
    void reply.status(400).send(errorBody(400, 'invalid-request', message));
    return;
  }
  const known = FASTIFY_ERRORS[err.code];
  if (known) {
    void reply.status(known.status).send(errorBody(known.status, known.code, known.message(req)));
    return;
  }
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 && !isResponseSerializationError(err as never) ? err.statusCode : 500;
  if (status >= 500) {
    req.log.error({ err, route: req.routeOptions.url }, 'request failed');
    void reply.status(500).send(errorBody(500, 'internal', 'internal error: the server logged what happened; try again, or tell the administrator'));
    return;
  }
  // Another client error: its own text could repeat the input, so only what kind of problem it is.
  void reply.status(status).send(errorBody(status, 'bad-request', 'the request is malformed'));
}

/** Fastify's own client errors, answered in words that say what to send instead. */
const FASTIFY_ERRORS: Record<string, { status: number; code: string; message(req: FastifyRequest): string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'body-too-large',
    message: (req) => `the request body is larger than this route accepts (${req.routeOptions.bodyLimit ?? DEFAULT_BODY_LIMIT} bytes)`,
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported-media-type', message: () => 'send the body as JSON (Content-Type: application/json)' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid-json', message: () => 'the body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid-json', message: () => 'the body is empty but Content-Type says JSON: send {} or no Content-Type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'bad-content-length', message: () => 'the body does not have the length its Content-Length says' },
};

// The port taken, privileged, or the host not an address of this machine: the user's to change.
const CANNOT_LISTEN = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL', 'ENOTFOUND']);

export async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  try {
    return await app.listen({ host, port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!CANNOT_LISTEN.has(code)) throw err;
    const why = code === 'EADDRINUSE' ? 'another process uses that port' : code === 'EACCES' ? 'a privileged port' : 'not an address of this machine';
    throw new UserError(`cannot listen on ${host}:${port} (${code}: ${why}): choose another PORT (a worker: --metrics-port) or PEBBLES_HOST`, {
      code: 'cannot-listen',
      category: 'unavailable',
      cause: err,
    });
  }
}
