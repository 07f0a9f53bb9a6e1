// Runs the simulator on its own for demos and manual poking:
//   node bin/run-ts.js src/simulator/main.ts --port 8787 --properties 3 --units 120
import { parseArgs } from 'node:util';
import { startSimulator } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string' },
    properties: { type: 'string' },
    units: { type: 'string' },
    today: { type: 'string' },
    'no-rate-limits': { type: 'boolean', default: false },
    'no-quirks': { type: 'boolean', default: false },
    capped: { type: 'boolean', default: false },
    latency: { type: 'string' },
  },
});

const sim = await startSimulator({
  port: Number(values.port),
  host: values.host,
  seed: values.seed,
  properties: values.properties === undefined ? undefined : Number(values.properties),
  units: values.units === undefined ? undefined : Number(values.units),
  today: values.today,
  rateLimits: values['no-rate-limits'] ? false : undefined,
  quirks: !values['no-quirks'],
  capMode: values.capped ? 'capped' : 'paged',
  latencyMs: values.latency === undefined ? undefined : Number(values.latency),
});
const summary = sim.control.summary();
process.stdout.write(
  `Entrata simulator on ${sim.url} (simulated date ${summary.date}): ${summary.properties} properties, ${summary.leases} leases.\n` +
    `  gateway: POST ${sim.url}/ext/orgs/{subdomain}/v1/{service}  X-Api-Key: demo-key\n` +
    `  legacy:  POST ${sim.url}/api/v1/{service}  Basic demo:demo\n` +
    `  control: ${sim.url}/_control/summary\n`,
);
const shutdown = () => void sim.stop().then(() => process.exit(0));
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
