import type { Command } from 'commander';
import { startSimulator } from '../../simulator/server.ts';
import { intArg } from './property.ts';
import { UsageError } from '../run.ts';

export function register(program: Command): void {
  program
    .command('simulator')
    .description('Serve a simulated Entrata over HTTP (for development, demos, tests and benchmarks)')
    .option('--port <n>', 'port to listen on (0 picks a free one)', intArg('--port'), 8090)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--seed <s>', 'seed of the generated portfolio (same seed, same portfolio)', '1')
    .option('--properties <n>', 'number of properties', intArg('--properties'), 2)
    .option('--units <n>', 'units per property', intArg('--units'), 40)
    .option('--today <YYYY-MM-DD>', 'the simulated date (default: today in America/Denver)')
    .option('--latency <ms>', 'added to every call', intArg('--latency'), 0)
    .option('--no-rate-limits', 'send no rate-limit headers and never answer 429')
    .option('--no-quirks', "answer in the tidiest shape instead of with Entrata's oddities")
    .option('--capped', 'ignore paging and answer at most 500 leases, as some Entrata hosts do')
    .addHelpText(
      'after',
      `
Credentials: API key "demo-key" (gateway: POST /ext/orgs/{subdomain}/v1/{service}) or HTTP Basic
demo/demo (legacy: POST /api/v1/{service}); any subdomain. Control API under POST /_control/...
(advance the date, script events, inject faults). For example:
  pebbles simulator --port 8090 &
  pebbles account add --name sim --subdomain demo --base-url http://127.0.0.1:8090 --api-key demo-key
  pebbles entrata leases --account sim --property 100001 --json`,
    )
    .action(
      async (o: {
        port: number;
        host: string;
        seed: string;
        properties: number;
        units: number;
        today?: string;
        latency: number;
        rateLimits: boolean;
        quirks: boolean;
        capped?: boolean;
      }) => {
        if (o.today && !/^\d{4}-\d{2}-\d{2}$/.test(o.today)) throw new UsageError('--today: YYYY-MM-DD');
        const sim = await startSimulator({
          port: o.port,
          host: o.host,
          seed: o.seed,
          properties: o.properties,
          units: o.units,
          today: o.today,
          latencyMs: o.latency,
          rateLimits: o.rateLimits ? undefined : false,
          quirks: o.quirks,
          capMode: o.capped ? 'capped' : 'paged',
        });
        const ids = sim.control
          .portfolio()
          .properties.map((p) => p.id)
          .join(', ');
        process.stderr.write(`Entrata simulator listening on ${sim.url} (properties ${ids}); Ctrl-C stops it\n`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await sim.stop();
      },
    );
}
