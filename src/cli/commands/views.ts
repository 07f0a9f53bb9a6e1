import { Option, type Command } from 'commander';
import { getProperty } from '../../properties/properties.ts';
import { holdsOf, residentsOf, runsOf } from '../../registry/views.ts';
import { printJson, printTable, withApp } from '../run.ts';

const propertyOptions = (c: Command) =>
  c
    .option('--account <name>', 'the account (may be left out when only one account has that property id)')
    .requiredOption('--property <id>', 'Entrata property id')
    .addOption(new Option('--json', 'print JSON'));

export function register(program: Command): void {
  propertyOptions(program.command('residents').description('Residents who have or had Wi-Fi at a property, with state, unit and access times'))
    .addHelpText(
      'after',
      '\nJSON: one object per resident: {"customerId","firstName","lastName","state","unit","building","spaces","accessStart","accessEnd","hasKey",...}, sorted by customer id.',
    )
    .action(async (o: { account?: string; property: string; json?: boolean }) => {
      await withApp(async (app) => {
        const p = await getProperty(app.db, o.property, o.account);
        const rows = await residentsOf(app.db, p.id, p.timeZone);
        if (o.json) return printJson(rows.map(({ email: _e, mobile: _m, contactProblems: _c, ...r }) => ({ ...r, contactProblems: _c })));
        printTable(
          rows.map((r) => ({ ...r, name: `${r.firstName} ${r.lastName}` })),
          ['customerId', 'name', 'state', 'building', 'unit', 'spaces', 'accessStart', 'accessEnd', 'hasKey', 'contactProblems'],
        );
      });
    });

  propertyOptions(program.command('runs').description('Sync runs of a property, newest first')).action(
    async (o: { account?: string; property: string; json?: boolean }) => {
      await withApp(async (app) => {
        const p = await getProperty(app.db, o.property, o.account);
        const rows = await runsOf(app.db, p.id);
        if (o.json) return printJson(rows);
        printTable(
          rows.map((r) => ({
            ...r,
            counts: Object.entries(r.counts)
              .filter(([, v]) => v)
              .map(([k, v]) => `${k}=${v}`),
            error: r.error ? JSON.stringify(r.error).slice(0, 80) : null,
          })),
          ['runId', 'trigger', 'startedAt', 'status', 'counts', 'suspicious', 'error'],
        );
      });
    },
  );

  propertyOptions(program.command('holds').description('Syncs held for approval because they would end access for many residents at once (S3)')).action(
    async (o: { account?: string; property: string; json?: boolean }) => {
      await withApp(async (app) => {
        const p = await getProperty(app.db, o.property, o.account);
        const rows = await holdsOf(app.db, p.id);
        if (o.json) return printJson(rows);
        printTable(
          rows.map((h) => ({ ...h, endings: h.endings.length })),
          ['holdId', 'state', 'openedAt', 'endings', 'decidedAt', 'decidedBy'],
        );
      });
    },
  );
}
