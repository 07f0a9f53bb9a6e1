import { Option, type Command } from 'commander';
import { CLI_FLAGS, disableProperty, enableProperty, getProperty, listProperties, type PropertySettings } from '../../properties/properties.ts';
import { changePolicy, resetPolicy } from '../../properties/settings.ts';
import { cliStaff } from './resident.ts';
import { syncDeps } from './sync.ts';
import { printJson, printTable, UsageError, withApp } from '../run.ts';

export function onOffArg(flag: string) {
  return (v: string): boolean => {
    if (v === 'on') return true;
    if (v === 'off') return false;
    throw new UsageError(`${flag}: on or off`);
  };
}

export function intArg(flag: string) {
  return (v: string): number => {
    // Ids and counts are PostgreSQL integers: a longer number is a typing mistake, not a query error.
    if (!/^\d{1,10}$/.test(v) || Number(v) > 2_147_483_647) throw new UsageError(`${flag}: a whole number`);
    return Number(v);
  };
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** An ISO-8601 day or time such as 2026-09-01 or 2026-09-01T09:00-05:00 (JavaScript alone takes "5" for May 2001). */
export function isoTimeArg(flag: string) {
  return (v: string): Date => {
    const m = ISO_TIME.exec(v.trim());
    const at = new Date(v.trim());
    // A day the calendar lacks (2026-02-31) is rolled into the next month by Date; refuse it instead.
    const real = m && new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!)).getUTCDate() === +m[3]!;
    if (!real || Number.isNaN(at.getTime())) throw new UsageError(`${flag}: not an ISO-8601 time: ${v} (for example 2026-09-01 or 2026-09-01T09:00-05:00)`);
    return at;
  };
}

export function propertyJson(p: PropertySettings) {
  return {
    account: p.accountName,
    property: p.entrataId,
    name: p.name,
    enabled: p.enabled,
    timezone: p.timeZone,
    ssid: p.ssid,
    sms: p.smsEnabled,
    firstWelcome: p.firstWelcome,
    earlyDays: p.earlyMoveInDays,
    lateDays: p.lateMoveOutDays,
    intervalMinutes: p.syncIntervalMinutes,
    lastSyncAt: p.lastSyncAt?.toISOString() ?? null,
    lastError: p.lastError ?? null,
  };
}

export function register(program: Command): void {
  const property = program.command('property').description('Properties Pebbles syncs: enable, disable, list');

  property
    .command('enable')
    .description('Enable a property (or change its settings)')
    .option('--account <name>', 'the Entrata account (may be left out when there is only one)')
    .requiredOption('--property <id>', 'Entrata property id')
    .requiredOption('--timezone <zone>', 'IANA time zone of the property, e.g. America/Chicago (move-in days are local days)')
    .requiredOption('--ssid <ssid>', 'the network name residents join')
    .option('--sms <on|off>', 'also send keys by SMS (default on)', onOffArg('--sms'))
    .option('--first-welcome <on|off>', 'send current residents their keys on the first sync (N6; default on)', onOffArg('--first-welcome'))
    .option('--early-days <n>', 'early move-in allowance in days (O1; default 0)', intArg('--early-days'))
    .option('--late-days <n>', 'late move-out allowance in days (O2; default 0)', intArg('--late-days'))
    .option('--interval <minutes>', 'sync interval in minutes (S1; default 30)', intArg('--interval'))
    .addOption(new Option('--json', 'print the property as JSON'))
    .action(
      async (o: {
        account?: string;
        property: string;
        timezone: string;
        ssid: string;
        sms?: boolean;
        firstWelcome?: boolean;
        earlyDays?: number;
        lateDays?: number;
        interval?: number;
        json?: boolean;
      }) => {
        await withApp(async (app) => {
          const p = await enableProperty(app.db, {
            accountName: o.account,
            entrataId: o.property,
            timeZone: o.timezone,
            ssid: o.ssid,
            smsEnabled: o.sms,
            firstWelcome: o.firstWelcome,
            earlyMoveInDays: o.earlyDays,
            lateMoveOutDays: o.lateDays,
            syncIntervalMinutes: o.interval,
          });
          if (o.json) printJson(propertyJson(p));
          else process.stdout.write(`property ${p.entrataId} enabled (account ${p.accountName}, ${p.timeZone}, SSID "${p.ssid}")\n`);
        });
      },
    );

  property
    .command('disable')
    .description('Stop syncing a property (its residents and history are kept)')
    .option('--account <name>', 'the Entrata account (may be left out when only one account has that property id)')
    .requiredOption('--property <id>', 'Entrata property id')
    .action(async (o: { account?: string; property: string }) => {
      await withApp(async (app) => {
        const p = await disableProperty(app.db, o.property, o.account);
        process.stdout.write(`property ${p.entrataId} disabled\n`);
      });
    });

  property
    .command('policy')
    .description('Set the early move-in and late move-out allowances (F-06); the property is re-planned at once')
    .option('--account <name>', 'the Entrata account (may be left out when only one account has that property id)')
    .requiredOption('--property <id>', 'Entrata property id')
    .option('--early-days <n>', 'early move-in allowance in days (O1)', intArg('--early-days'))
    .option('--late-days <n>', 'late move-out allowance in days (O2)', intArg('--late-days'))
    .option('--reset', 'back to the allowances the property was enabled with')
    .addOption(new Option('--json', 'print the policy as JSON'))
    .action(async (o: { account?: string; property: string; earlyDays?: number; lateDays?: number; reset?: boolean; json?: boolean }) => {
      if (o.reset && (o.earlyDays !== undefined || o.lateDays !== undefined))
        throw new UsageError('--reset: give it alone, without --early-days or --late-days');
      await withApp(async (app) => {
        const p = await getProperty(app.db, o.property, o.account);
        const v = o.reset
          ? await resetPolicy(syncDeps(app), p.id, cliStaff())
          : await changePolicy(syncDeps(app), p.id, { earlyMoveInDays: o.earlyDays, lateMoveOutDays: o.lateDays }, cliStaff(), (s) => CLI_FLAGS[s]);
        if (o.json) printJson({ property: p.entrataId, ...v });
        else
          process.stdout.write(
            `property ${p.entrataId}: ${v.earlyMoveInDays} early day(s), ${v.lateMoveOutDays} late day(s)${v.replan ? ` (re-planned: ${v.replan.actions} change(s))` : ''}\n`,
          );
      });
    });

  property
    .command('list')
    .description('List properties and their settings')
    .addOption(new Option('--json', 'print JSON'))
    .action(async (o: { json?: boolean }) => {
      await withApp(async (app) => {
        const rows = (await listProperties(app.db)).map(propertyJson);
        if (o.json) printJson(rows);
        else printTable(rows, ['account', 'property', 'name', 'enabled', 'timezone', 'ssid', 'sms', 'earlyDays', 'lateDays', 'intervalMinutes', 'lastSyncAt']);
      });
    });
}
