import { Option, type Command } from 'commander';
import type { AppContext } from '../../app/context.ts';
import { asPropertyId } from '../../engine/snapshot.ts';
import { syncDepsOf } from '../../app/sync-deps.ts';
import { getProperty } from '../../properties/properties.ts';
import { syncProperty, type SyncDeps, type SyncResult, type SyncScope } from '../../sync/sync-property.ts';
import { printJson, UsageError, withApp } from '../run.ts';
import { isoTimeArg } from './property.ts';

export const syncDeps = (app: AppContext): SyncDeps => syncDepsOf(app);

/** The `--json` shape of a sync result: one entry per action, with the rule that caused it. */
export function syncResultJson(r: SyncResult) {
  return {
    runId: r.runId,
    property: r.property,
    status: r.status,
    counts: r.counts,
    held: r.held,
    error: r.error,
    nextTransitionAt: r.nextTransitionAt,
    suspicious: r.suspicious,
    actions: r.actions.map((a) => {
      const { kind, rule, reason, ...rest } = a as typeof a & { reason?: string };
      const unit = 'unitId' in a ? a.unitId : null;
      return {
        rule,
        kind,
        customerId: 'customerId' in a ? a.customerId : null,
        leaseId: 'leaseId' in a ? a.leaseId : null,
        unit,
        reason: reason ?? null,
        ...rest,
      };
    }),
    warnings: r.warnings,
  };
}

export function register(program: Command): void {
  program
    .command('sync')
    .description('Read Entrata now and apply the changes for a property, a unit or a resident')
    .option('--account <name>', 'the account (may be left out when only one account has that property id)')
    .requiredOption('--property <id>', 'Entrata property id')
    .option('--unit <number>', 'sync just this unit (its leases are read and merged)')
    .option('--building <name>', 'building of --unit, where unit numbers repeat across buildings')
    .option('--customer <id>', 'sync just this resident (Entrata customer id)')
    .option('--dry-run', 'print what the sync would do and change nothing (F-10)')
    .option('--at <iso>', 'with --dry-run: plan as of this moment (ISO-8601), e.g. a move-in day ahead', isoTimeArg('--at'))
    .addOption(new Option('--json', 'print the result as JSON on stdout (progress goes to stderr)'))
    .addHelpText(
      'after',
      `
The sync runs in this process under the property's lock, so it never overlaps another sync of the
same property, and gives up after PEBBLES_SYNC_TIMEOUT_SECONDS (default 300) when Entrata keeps it
waiting (rate limits, retries). A failed Entrata read changes no access (S4); the run is recorded with
its error. An answer with no open lease where leases were open is applied (S2 keeps access) but flagged
as suspicious on the run and the property, and counted towards failing. A --unit or --customer the property does not have is refused before a
run is recorded.
The list names units by number, building and bedroom label; the JSON gives Entrata's ids ("unit" is the unit's id).
JSON: {"runId","property","status":"applied|unchanged|failed","counts","held","error","suspicious","actions":[{"rule","kind","customerId","leaseId","unit",...}]}`,
    )
    .action(
      async (o: { account?: string; property: string; unit?: string; building?: string; customer?: string; dryRun?: boolean; at?: Date; json?: boolean }) => {
        if (o.at && !o.dryRun) throw new UsageError('--at previews a plan and needs --dry-run');
        if (o.unit && o.customer) throw new UsageError('give --unit or --customer, not both');
        if (o.building && !o.unit) throw new UsageError('--building goes with --unit');
        const at = o.at;
        const scope: SyncScope = o.unit
          ? { kind: 'unit', unitNumber: o.unit, building: o.building ?? null }
          : o.customer
            ? { kind: 'customer', customerId: o.customer }
            : { kind: 'property' };
        await withApp(async (app) => {
          const property = await getProperty(app.db, o.property, o.account);
          const result = await syncProperty(syncDeps(app), { propertyDbId: property.id, scope, trigger: 'command', dryRun: o.dryRun, at });
          if (o.json) printJson(syncResultJson(result));
          else printSummary(result, !!o.dryRun);
          if (result.status === 'failed') process.exitCode = 1;
        });
      },
    );
}

function printSummary(r: SyncResult, dryRun: boolean): void {
  const name = r.names.propertyName(asPropertyId(r.property));
  const property = `property ${r.property}${name ? ` (${name})` : ''}`;
  const out: string[] = [];
  if (r.status === 'failed') out.push(`sync of ${property} failed: ${r.error?.message} (access unchanged)`);
  else out.push(`${dryRun ? 'plan for' : 'sync of'} ${property}: ${dryRun ? `${r.actions.length} actions` : r.status}${r.runId ? ` (run ${r.runId})` : ''}`);
  for (const a of r.actions) {
    // Units as staff know them; the ids are in --json.
    const unit = 'unitId' in a ? `, ${r.names.describe({ propertyId: a.propertyId, unitId: a.unitId })}` : '';
    out.push(`  [${a.rule}] ${a.kind}${'customerId' in a ? ` customer ${a.customerId}` : ''}${unit}: ${a.reason}`);
  }
  if (r.suspicious) out.push(`  suspicious answer: ${r.suspicious}`);
  if (r.held) out.push(`  held: ${r.held.endings} unexpected endings wait for approval (hold ${r.held.holdId}; see \`pebbles holds\`)`);
  for (const w of r.warnings) out.push(`  warning [${w.rule}] ${w.message}`);
  process.stdout.write(`${out.join('\n')}\n`);
}
