import { Option, type Command } from 'commander';
import { getAccount } from '../../accounts/accounts.ts';
import { clientForAccount } from '../../accounts/entrata-clients.ts';
import type { AppContext } from '../../app/context.ts';
import type { EntrataClient } from '../../entrata/index.ts';
import { resolveAccountName } from '../../properties/properties.ts';
import { printJson, printTable, UsageError, withApp } from '../run.ts';

async function clientNamed(app: AppContext, name: string | undefined): Promise<EntrataClient> {
  const account = await getAccount(app.db, app.secrets, await resolveAccountName(app.db, name));
  return clientForAccount(account, app.config, { logger: app.log.child({ account: account.name }) });
}

export function register(program: Command): void {
  const account = program.commands.find((c) => c.name() === 'account')!;
  account
    .command('test')
    .description('Test the connection to Entrata (getStatus); exits non-zero with the reason when it fails')
    .option('--name <name>', 'the account (may be left out when there is only one)')
    .action(async (o: { name?: string }) => {
      await withApp(async (app) => {
        const status = await (await clientNamed(app, o.name)).getStatus();
        process.stdout.write(`ok: ${status.status}${status.message ? `: ${status.message}` : ''}\n`);
      });
    });

  const entrata = program.command('entrata').description('Read Entrata directly (nothing is stored): properties, units, leases');

  entrata
    .command('properties')
    .description('Properties the API user may read (needs the getProperties permission)')
    .option('--account <name>', 'the account (may be left out when there is only one)')
    .addOption(new Option('--json', 'print JSON'))
    .action(async (o: { account?: string; json?: boolean }) => {
      await withApp(async (app) => {
        const found = await (await clientNamed(app, o.account)).discoverProperties();
        if (!found.permitted) {
          throw new UsageError(
            `this API user may not call getProperties (${found.error.detail}); enter property ids by hand with \`pebbles property enable --property ID\``,
            { code: 'entrata-not-permitted', category: 'refused', exitCode: 1 },
          );
        }
        if (o.json) printJson(found.properties);
        else
          printTable(
            found.properties.map((p) => ({ id: p.id, name: p.name, type: p.type, disabled: p.isDisabled, city: p.address?.city ?? null })),
            ['id', 'name', 'type', 'disabled', 'city'],
          );
      });
    });

  entrata
    .command('units')
    .description('Units, buildings and spaces of a property (getPropertyUnits)')
    .option('--account <name>', 'the account (may be left out when there is only one)')
    .requiredOption('--property <id>', 'Entrata property id')
    .addOption(new Option('--json', 'print JSON'))
    .action(async (o: { account?: string; property: string; json?: boolean }) => {
      await withApp(async (app) => {
        const units = await (await clientNamed(app, o.account)).getPropertyUnits(o.property);
        if (o.json) printJson(units);
        else
          printTable(
            units.map((u) => ({ id: u.id, building: u.building, number: u.number, spaces: u.spaces.map((s) => s.label) })),
            ['id', 'building', 'number', 'spaces'],
          );
      });
    });

  entrata
    .command('leases')
    .description('The normalised snapshot of a property: units and its Future, Current and Notice leases')
    .option('--account <name>', 'the account (may be left out when there is only one)')
    .requiredOption('--property <id>', 'Entrata property id')
    .addOption(new Option('--json', 'print the snapshot as JSON (arrays sorted by id; leases that cannot be understood are under "quarantined")'))
    .action(async (o: { account?: string; property: string; json?: boolean }) => {
      await withApp(async (app) => {
        const snap = await (await clientNamed(app, o.account)).readPropertySnapshot(o.property);
        if (o.json) return printJson(snap);
        process.stdout.write(
          `${snap.property.name} (${snap.property.id}): ${snap.units.length} units, ${snap.leases.length} leases, ${snap.quarantined.length} quarantined\n`,
        );
        printTable(
          snap.leases.map((l) => ({
            lease: l.id,
            status: l.status,
            unit: snap.units.find((u) => u.id === l.unitId)?.number ?? l.unitId,
            moveIn: l.moveIn,
            moveOut: l.moveOut,
            residents: l.customers.filter((c) => c.type === 'primary' || c.type === 'co-applicant').map((c) => `${c.firstName} ${c.lastName}`),
          })),
          ['lease', 'status', 'unit', 'moveIn', 'moveOut', 'residents'],
        );
        for (const q of snap.quarantined) process.stdout.write(`quarantined lease ${q.leaseId}: ${q.reason}\n`);
      });
    });
}
