import os from 'node:os';
import type { Command } from 'commander';
import type { AppContext } from '../../app/context.ts';
import { DEFAULT_BLOCK_MESSAGE } from '../../operations/blocks.ts';
import { approveHold, rejectHold } from '../../operations/holds.ts';
import { revealKey } from '../../operations/keys.ts';
import { confirmUnitRemoved } from '../../operations/removed-units.ts';
import { runResidentAction, type ResidentActionRequest } from '../../operations/resident-actions.ts';
import { registeredPropertyOf } from '../../operations/residents.ts';
import type { Target } from '../../operations/target.ts';
import { explainResident } from '../../operations/explain.ts';
import { getProperty } from '../../properties/properties.ts';
import type { SyncResult } from '../../sync/sync-property.ts';
import { printJson, UsageError, withApp } from '../run.ts';
import { intArg, isoTimeArg } from './property.ts';
import { syncDeps, syncResultJson } from './sync.ts';
import { readFile } from 'node:fs/promises';

/** Staff name recorded for operations run from the command line (O6). */
export const cliStaff = () => `cli:${process.env.PEBBLES_STAFF ?? os.userInfo().username}`;

interface TargetOpts {
  customer: string;
  property?: string;
  account?: string;
  lease?: string;
  json?: boolean;
}

/** The property of an operation: the one given, or the one where the resident is registered. */
async function target(app: AppContext, o: TargetOpts): Promise<Target> {
  let propertyDbId: number;
  if (o.property) propertyDbId = (await getProperty(app.db, o.property, o.account)).id;
  else propertyDbId = await registeredPropertyOf(app.db, o.customer);
  return { propertyDbId, customerId: o.customer, leaseId: o.lease, staff: cliStaff() };
}

function report(result: SyncResult | null, json: boolean | undefined, done: string): void {
  if (json) return printJson(result ? syncResultJson(result) : { ok: true });
  process.stdout.write(`${done}\n`);
  if (result) for (const a of result.actions) process.stdout.write(`  [${a.rule}] ${a.kind}: ${a.reason}\n`);
}

/** Runs a resident operation as the API does (src/operations/resident-actions.ts) and prints what it did. */
async function act(o: TargetOpts, request: ResidentActionRequest): Promise<void> {
  await withApp(async (app) => {
    const { outcome, result } = await runResidentAction(syncDeps(app), await target(app, o), request);
    report(result, o.json, outcome.done);
  });
}

export function register(program: Command): void {
  const resident = program.command('resident').description('Manager operations on one resident (recorded in the audit trail)');
  const op = (name: string, description: string) =>
    resident
      .command(name)
      .description(description)
      .requiredOption('--customer <id>', 'Entrata customer id of the resident')
      .option('--property <id>', 'Entrata property id (may be left out when the resident is registered at one property)')
      .option('--account <name>', 'the account, when several have that property id')
      .option('--lease <id>', 'the lease, when the resident has several at the property')
      .option('--json', 'print the resulting changes as JSON');

  const simple: Array<['move-in-now' | 'move-out-now' | 'transfer-now' | 'unblock' | 'rotate-key' | 'resend', string]> = [
    ['move-in-now', 'Start access now on the upcoming lease (O3)'],
    ['move-out-now', 'End access now on the current lease (O3)'],
    ['transfer-now', 'Move to the pending transfer lease now (O3, U3)'],
    ['unblock', 'Lift the block; access returns at once if a lease window is open (K3)'],
    ['rotate-key', 'Issue a new key; the old one stops working and the resident is told (P4)'],
    ['resend', 'Send the current key again (N3)'],
  ];
  for (const [name, description] of simple) {
    op(name, description).action(async (o: TargetOpts) => act(o, { action: name }));
  }

  op('reveal-key', "Print the resident's current key (P3: the reveal is recorded in the audit trail)").action(async (o: TargetOpts) => {
    await withApp(async (app) => {
      const k = await revealKey(syncDeps(app), await target(app, o));
      if (o.json) printJson(k);
      else process.stdout.write(`network ${k.ssid}\nkey     ${k.key}\n`);
    });
  });

  op('reassign', "Make another of the resident's leased units their home; the previous registration ends at once (O4)")
    .requiredOption('--unit <number>', 'unit number')
    .option('--building <name>', 'building, where unit numbers repeat')
    .action(async (o: TargetOpts & { unit: string; building?: string }) => act(o, { action: 'reassign', unit: o.unit, building: o.building ?? null }));

  op('block', "Block the resident's Wi-Fi now or at a chosen time, with a message to them (K1)")
    .option('--message-file <file>', 'text of the message to the resident (default: a standard notice)')
    .option('--at <iso>', 'when the block starts (ISO-8601); default now', isoTimeArg('--at'))
    .action(async (o: TargetOpts & { messageFile?: string; at?: Date }) => {
      const message = o.messageFile
        ? (
            await readFile(o.messageFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
              throw new UsageError(`--message-file: cannot read ${o.messageFile} (${err.code ?? err.message})`);
            })
          ).trim()
        : DEFAULT_BLOCK_MESSAGE;
      await act(o, { action: 'block', message, at: o.at });
    });

  op('set-dates', 'Set this lease\'s early move-in and late move-out dates (O1, O2); "none" clears one')
    .option('--early <YYYY-MM-DD>', 'access may start at the start of this local day')
    .option('--late <YYYY-MM-DD>', 'access lasts until the end of this local day')
    .action(async (o: TargetOpts & { early?: string; late?: string }) => {
      const v = (d: string | undefined) => (d === undefined ? undefined : d === 'none' ? null : d);
      await act(o, { action: 'dates', early: v(o.early), late: v(o.late) });
    });

  op('link', 'Link another customer id of the same person to this resident, keeping one key history (E3)')
    .requiredOption('--with <id>', 'the other customer id')
    .action(async (o: TargetOpts & { with: string }) => act(o, { action: 'link', customerId: o.with }));

  program
    .command('explain')
    .description('Why a resident has or lacks Wi-Fi, in plain words with rule ids, leases and times (F-11)')
    .requiredOption('--customer <id>', 'Entrata customer id')
    .option('--property <id>', 'Entrata property id (default: where the resident is or was registered)')
    .option('--account <name>', 'the account, when several have that property id')
    .action(async (o: { customer: string; property?: string; account?: string }) => {
      await withApp(async (app) => {
        const p = o.property ? await getProperty(app.db, o.property, o.account) : undefined;
        process.stdout.write(`${(await explainResident(syncDeps(app), o.customer, p?.id)).join('\n')}\n`);
      });
    });

  program
    .command('approve')
    .description('Approve a held sync: a fresh sync applies the held endings against the newest data (S3)')
    .requiredOption('--hold <id>', 'hold id (see `pebbles holds`)', intArg('--hold'))
    .option('--json', 'print the sync result as JSON')
    .action(async (o: { hold: number; json?: boolean }) => {
      await withApp(async (app) => report(await approveHold(syncDeps(app), o.hold, cliStaff()), o.json, `hold ${o.hold} approved`));
    });

  program
    .command('reject')
    .description('Reject a held sync: the held endings are not applied (S3)')
    .requiredOption('--hold <id>', 'hold id (see `pebbles holds`)', intArg('--hold'))
    .action(async (o: { hold: number }) => {
      await withApp(async (app) => {
        await rejectHold(syncDeps(app), o.hold, cliStaff());
        process.stdout.write(`hold ${o.hold} rejected\n`);
      });
    });

  program
    .command('unit-removed')
    .description('Confirm that a unit Entrata deleted is gone (S5); refused while residents are registered in it')
    .option('--account <name>', 'the account, when several have that property id')
    .requiredOption('--property <id>', 'Entrata property id')
    .requiredOption('--unit-id <id>', 'Entrata unit id')
    .action(async (o: { account?: string; property: string; unitId: string }) => {
      await withApp(async (app) => {
        const p = await getProperty(app.db, o.property, o.account);
        await confirmUnitRemoved(syncDeps(app), p.id, o.unitId, cliStaff());
        process.stdout.write(`unit ${o.unitId} removed\n`);
      });
    });
}
