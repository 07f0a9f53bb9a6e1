import { Option, type Command } from 'commander';
import { loadJobSettings } from '../../jobs/settings.ts';
import { statusReport, type StatusReport } from '../../jobs/status.ts';
import { printJson, printTable, withApp } from '../run.ts';

export function register(program: Command): void {
  program
    .command('status')
    .description('Per property: last and next sync, failures, pending transitions, holds; per account: Entrata budget used')
    .addOption(new Option('--json', 'print JSON'))
    .addHelpText(
      'after',
      `
JSON: {"at","dispatcher":{"lastTickAt"},"queues":{queue:{state:n}},
 "properties":[{"account","property","intervalMinutes","effectiveIntervalMinutes","budgetNote","lastSyncAt","nextSyncAt",
   "syncing","queued","failing","consecutiveFailures","lastError","suspiciousAnswer","nextTransitionAt","pendingMoveIns","scheduledMoveOuts","openHold"}],
 "accounts":[{"account","properties","rateLimitsKnown","rateLimits":[{"service","window","limit","allowed","used","resetsAt"}],"callsPerDay","stretchedToMinutes"}]}`,
    )
    .action(async (o: { json?: boolean }) => {
      const settings = loadJobSettings();
      await withApp(async (app) => {
        const report = await statusReport(app.db, {
          now: new Date(),
          rateLimitShare: app.config.entrata.rateLimitShare,
          budgetReserve: settings.budgetReserve,
        });
        if (o.json) return printJson(report);
        printStatus(report);
      });
    });
}

const hhmm = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 16) : null);

function printStatus(r: StatusReport): void {
  printTable(
    r.properties.map((p) => ({
      account: p.account,
      property: p.property,
      interval: p.effectiveIntervalMinutes ? `${p.effectiveIntervalMinutes}m (set ${p.intervalMinutes}m)` : `${p.intervalMinutes}m`,
      lastSync: hhmm(p.lastSyncAt),
      nextSync: p.enabled ? (p.syncing ? 'syncing now' : hhmm(p.nextSyncAt)) : 'disabled',
      health: p.failing
        ? `FAILING x${p.consecutiveFailures}`
        : p.consecutiveFailures
          ? `${p.suspiciousAnswer ? 'suspicious' : 'failed'} x${p.consecutiveFailures}`
          : 'ok',
      nextTransition: hhmm(p.nextTransitionAt),
      pendingIn: p.pendingMoveIns,
      movingOut: p.scheduledMoveOuts,
      hold: p.openHold ? `#${p.openHold.holdId} (${p.openHold.endings})` : null,
    })),
    ['account', 'property', 'interval', 'lastSync', 'nextSync', 'health', 'nextTransition', 'pendingIn', 'movingOut', 'hold'],
  );
  const notes = r.properties.filter((p) => p.budgetNote || (p.consecutiveFailures && p.lastError));
  for (const p of notes) {
    if (p.budgetNote) process.stdout.write(`${p.property}: ${p.budgetNote}\n`);
    if (p.suspiciousAnswer) process.stdout.write(`${p.property}: suspicious answer: ${p.suspiciousAnswer}\n`);
    else if (p.consecutiveFailures && p.lastError) process.stdout.write(`${p.property}: last error ${JSON.stringify(p.lastError)}\n`);
  }
  process.stdout.write('\n');
  const rows = r.accounts.flatMap(
    (a): Array<Record<string, unknown>> =>
      a.rateLimits.length
        ? a.rateLimits.map((w) => ({
            account: a.account,
            service: w.service,
            window: w.window,
            used: `${w.used}/${w.limit}`,
            allowed: w.allowed,
            resets: hhmm(w.resetsAt),
            neededPerDay: a.callsPerDay[w.service]?.needed ?? null,
            allowedPerDay: a.callsPerDay[w.service]?.allowed ?? null,
          }))
        : [
            {
              account: a.account,
              service: a.rateLimitsKnown ? '(Entrata sends no rate limits)' : '(no rate-limit reading yet)',
              window: null,
              used: null,
              allowed: null,
              resets: null,
              neededPerDay: null,
              allowedPerDay: null,
            },
          ],
  );
  printTable(rows, ['account', 'service', 'window', 'used', 'allowed', 'resets', 'neededPerDay', 'allowedPerDay']);
  const q = Object.entries(r.queues)
    .map(
      ([name, states]) =>
        `${name}: ${
          Object.entries(states)
            .map(([s, n]) => `${n} ${s}`)
            .join(', ') || 'empty'
        }`,
    )
    .join('; ');
  process.stdout.write(
    `\nqueues: ${q}\ndispatcher: last tick ${hhmm(r.dispatcher.lastTickAt) ?? 'never'}${r.dispatcher.lastTickBy ? ` by ${r.dispatcher.lastTickBy}` : ''}\n`,
  );
}
