import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { z } from 'zod';
import { QUEUES } from '../jobs/queues.ts';
import type { HttpDeps } from './server.ts';
import { route } from './zod-routes.ts';

const Health = z.object({ status: z.literal('ok') });
const Check = z.enum(['ok', 'failed', 'absent']);
const Ready = z.object({ status: z.enum(['ready', 'not-ready']), checks: z.object({ database: Check, queue: Check }), message: z.string().optional() });

async function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** F-30: /healthz (the process is alive), /readyz (database and queue reachable), /metrics (Prometheus). */
export function registerHealth(app: FastifyInstance, deps: HttpDeps): void {
  route(app, {
    method: 'GET', url: '/healthz',
    schema: { summary: 'The process is alive', tags: ['operations'], response: { 200: Health } },
    handler: async () => ({ status: 'ok' as const }),
  });

  route(app, {
    method: 'GET', url: '/readyz',
    schema: { summary: 'The database and the job queue answer', tags: ['operations'], response: { 200: Ready, 503: Ready } },
    handler: async (_req, reply) => {
      const checks: z.infer<typeof Ready>['checks'] = { database: 'failed', queue: deps.boss ? 'failed' : 'absent' };
      const problems: string[] = [];
      try {
        await within(sql`select 1`.execute(deps.db), 2000);
        checks.database = 'ok';
      } catch (err) {
        problems.push(`database: ${(err as Error).message}`);
      }
      if (deps.boss) {
        try {
          const q = await within(deps.boss.getQueue(QUEUES.syncNow), 2000);
          if (!q) throw new Error(`queue ${QUEUES.syncNow} does not exist`);
          checks.queue = 'ok';
        } catch (err) {
          problems.push(`queue: ${(err as Error).message}`);
        }
      }
      const ready = checks.database === 'ok' && checks.queue !== 'failed';
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks, ...(problems.length ? { message: problems.join('; ') } : {}) });
    },
  });

  // Prometheus text, not JSON: outside the zod serializer.
  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.header('content-type', deps.metrics.registry.contentType).send(text);
  });
}
