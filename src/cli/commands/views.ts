import { Option, type Command } from 'commander';
import { getProperty } from '../../properties/properties.ts';
import { allResidents, RESIDENT_PROBLEMS, RESIDENT_STATES, type ResidentProblem, type ResidentState } from '../../registry/resident-search.ts';
import { holdsOf, runsOf } from '../../registry/views.ts';
import { printJson, printTable, withApp } from '../run.ts';

const propertyOptions = (c: Command) =>
  c
    .option('--account <name>', 'the account (may be left out when only one account has that property id)')
    .requiredOption('--property <id>', 'Entrata property id')
    .addOption(new Option('--json', 'print JSON'));

export function register(program: Command): void {
  propertyOptions(program.command('residents').description('Residents who have or had Wi-Fi at a property, with state, unit, access times and problems'))
    .option('--q <text>', 'a name fragment (first, last or both; case and accents ignored) or the start of a unit number')
    .addOption(new Option('--state <state>', 'only residents in this state').choices(RESIDENT_STATES))
    .addOption(new Option('--problem <problem>', 'only residents with this problem').choices(RESIDENT_PROBLEMS))
    .addHelpText(
      'after',
      '\nThe same list as the console and GET /api/properties/{propertyId}/residents, sorted by unit (2 before 10) then name.\nJSON: one object per resident: {"customerId","firstName","lastName","unit","building","spaces","state","hasKey","accessStart","accessEnd","problems",...}.',
    )
    .action(async (o: { account?: string; property: string; json?: boolean; q?: string; state?: ResidentState; problem?: ResidentProblem }) => {
      await withApp(async (app) => {
        const p = await getProperty(app.db, o.property, o.account);
        const rows = await allResidents(app.db, p, { q: o.q, state: o.state, problem: o.problem });
        if (o.json) return printJson(rows);
        printTable(
          rows.map((r) => ({ ...r, name: `${r.firstName} ${r.lastName}` })),
          ['customerId', 'name', 'state', 'building', 'unit', 'spaces', 'accessStart', 'accessEnd', 'hasKey', 'problems'],
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
