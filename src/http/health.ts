import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { checkReadiness } from '../jobs/readiness.ts';
import { metricsTokenMatches, type HttpSettings } from './hardening.ts';
import type { HttpDeps } from './server.ts';

const Health = z.object({ status: z.literal('ok') });
const Check = z.string().describe('ok, absent (no job queue in this process), or what is wrong and what to do');
const Ready = z.object({ status: z.enum(['ready', 'not-ready']), checks: z.object({ database: Check, queue: Check }) });

/**
 * F-30: /healthz (the process is alive), /readyz (database and queue usable, else what is missing),
 * /metrics (Prometheus). The probes answer anyone (they say nothing about residents); they are not API
 * routes (no caller, no access check). /metrics is open on a port without the API (a worker's
 * --metrics-port), and on the API's port only to PEBBLES_METRICS_TOKEN: elsewhere it does not exist.
 */
export function registerHealth(app: FastifyInstance, deps: HttpDeps, http: HttpSettings): void {
  const probes = app.withTypeProvider<ZodTypeProvider>();
  probes.route({
    method: 'GET',
    url: '/healthz',
    schema: { summary: 'The process is alive', tags: ['operations'], response: { 200: Health } },
    handler: async () => ({ status: 'ok' as const }),
  });

  probes.route({
    method: 'GET',
    url: '/readyz',
    schema: { summary: 'The database and the job queue are usable; 503 says what is missing', tags: ['operations'], response: { 200: Ready, 503: Ready } },
    handler: async (_req, reply) => {
      const r = await checkReadiness(deps.db, { queue: !!deps.boss });
      return reply.status(r.ready ? 200 : 503).send({ status: r.ready ? 'ready' : 'not-ready', checks: r.checks });
    },
  });

  // Prometheus text, not JSON: outside the zod serializer, and outside the API's document.
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    // Answered exactly as a route that does not exist.
    if (deps.api && !metricsTokenMatches(req, http.metricsToken)) return reply.callNotFound();
    const text = await deps.metrics.registry.metrics();
    return reply.header('content-type', deps.metrics.registry.contentType).send(text);
  });
}
