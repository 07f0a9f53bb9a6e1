import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../../src/http/api-route.ts';
import { buildHttpServer, type HttpDeps } from '../../src/http/server.ts';
import { createJobBench, type BenchOptions, type JobBench } from '../jobs/support.ts';
import { testCallers, type TestCallers } from './callers.ts';

/**
 * The JSON API on a real database with the Entrata simulator (real HTTP between them), properties
 * enabled and synced once, and callers of any role. `bench.props[0]` is "property A", `[1]` "property B".
 * Mail is caught locally, as on the embedded default (the caught routes answer).
 */
export interface ApiBench {
  bench: JobBench;
  app: FastifyInstance;
  callers: TestCallers;
  /** Headers of an administrator (every property). */
  admin: Record<string, string>;
  close(): Promise<void>;
}

/** The API's dependencies on a job bench: its database, queue, workers' operations and clock. */
export function apiDepsOf(bench: JobBench, auth: Authenticator): HttpDeps {
  return {
    db: bench.db,
    boss: bench.boss,
    metrics: bench.worker.metrics,
    log: bench.log,
    now: bench.clock.now,
    api: true,
    syncNowTimeoutMs: 30_000,
    notify: (q) => bench.worker.notify(q),
    auth,
    operations: bench.worker.deps,
    secrets: bench.secrets,
    catcher: true,
  };
}

export async function createApiBench(o: Partial<BenchOptions> & { http?: Partial<HttpDeps> } = {}): Promise<ApiBench> {
  const { http, ...benchOptions } = o;
  const bench = await createJobBench({ start: new Date(), timeZone: 'America/Chicago', properties: 2, units: 6, ...benchOptions });
  const callers = testCallers(() => bench.db, bench.clock.now);
  const app = await buildHttpServer({ ...apiDepsOf(bench, callers), ...http });
  // Every property synced once: residents, registrations and keys exist.
  await bench.step();
  return {
    bench,
    app,
    callers,
    admin: callers.as('admin'),
    async close() {
      await app.close();
      await bench.close();
    },
  };
}
