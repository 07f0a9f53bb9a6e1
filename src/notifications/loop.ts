import type { WorkerLoopFactory } from '../jobs/loops.ts';
import { startDelivery } from './worker.ts';

/**
 * The outbox sender as a loop of the job worker (`pebbles worker`, and `pebbles start`, which runs
 * a worker): src/jobs/loops.ts lists it. Safe with any number of worker processes (N4).
 */
export const notificationsLoop: WorkerLoopFactory = async (ctx) => {
  const running = await startDelivery({ config: ctx.config, log: ctx.log, db: ctx.db, secrets: ctx.secrets }, { workerName: ctx.workerName });
  return { name: 'notifications', stop: () => running.stop() };
};
