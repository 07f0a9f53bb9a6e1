import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { checkReadiness } from '../jobs/readiness.ts';
import type { HttpDeps } from './server.ts';
import { route } from './zod-routes.ts';

const Health = z.object({ status: z.literal('ok') });
const Check = z.string().describe('ok, absent (no job queue in this process), or what is wrong and what to do');
const Ready = z.object({ status: z.enum(['ready', 'not-ready']), checks: z.object({ database: Check, queue: Check }) });

/** F-30: /healthz (the process is alive), /readyz (database and queue usable, else what is missing), /metrics (Prometheus). */
export function registerHealth(app: FastifyInstance, deps: HttpDeps): void {
  route(app, {
    method: 'GET', url: '/healthz',
    schema: { summary: 'The process is alive', tags: ['operations'], response: { 200: Health } },
    handler: async () => ({ status: 'ok' as const }),
  });

  route(app, {
    method: 'GET', url: '/readyz',
    schema: { summary: 'The database and the job queue are usable; 503 says what is missing', tags: ['operations'], response: { 200: Ready, 503: Ready } },
    handler: async (_req, reply) => {
      const r = await checkReadiness(deps.db, { queue: !!deps.boss });
      return reply.status(r.ready ? 200 : 503).send({ status: r.ready ? 'ready' : 'not-ready', checks: r.checks });
    },
  });

  // Prometheus text, not JSON: outside the zod serializer.
  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.header('content-type', deps.metrics.registry.contentType).send(text);
  });
}
