import { Option, type Command } from 'commander';
import { addAccount, listAccounts, type EntrataCredential } from '../../accounts/accounts.ts';
import { printJson, printTable, secretArg, UsageError, withApp } from '../run.ts';

export function register(program: Command): void {
  const account = program.command('account').description('Entrata accounts: add, list and test connections');

  account
    .command('add')
    .description('Add an Entrata account (credentials are stored encrypted)')
    .requiredOption('--name <name>', 'a name for this account, used by other commands')
    .requiredOption('--subdomain <sub>', "the client's Entrata subdomain (the xxx of xxx.entrata.com)")
    .option('--base-url <url>', 'send requests here instead of Entrata (a simulator, a test server or a proxy)')
    .option('--country <CC>', 'default country for phone numbers without a country code', 'US')
    .option('--api-key <key>', 'API key for the gateway (apis.entrata.com); "-" reads it from standard input; default $ENTRATA_API_KEY')
    .option('--username <user>', 'API user for the legacy host (xxx.entrata.com) with HTTP Basic')
    .option('--password <password>', 'password of that API user; "-" reads it from standard input; default $ENTRATA_PASSWORD')
    .addHelpText(
      'after',
      `
Give either an API key (gateway style) or a username and password (legacy style).
Flags show in \`ps\` and shell history: prefer "--api-key -" with the key on standard input,
or set ENTRATA_API_KEY / ENTRATA_PASSWORD for this command.`,
    )
    .action(async (opts: { name: string; subdomain: string; baseUrl?: string; country: string; apiKey?: string; username?: string; password?: string }) => {
      const credential = await credentialFrom(opts);
      await withApp(async (app) => {
        await addAccount(app.db, app.secrets, { name: opts.name, subdomain: opts.subdomain, baseUrl: opts.baseUrl ?? null, country: opts.country, credential });
        app.log.info({ account: opts.name, auth: credential.kind }, 'account added');
      });
    });

  account
    .command('list')
    .description('List Entrata accounts (never their credentials)')
    .addOption(new Option('--json', 'print JSON'))
    .action(async (opts: { json?: boolean }) => {
      await withApp(async (app) => {
        const rows = await listAccounts(app.db);
        if (opts.json) printJson(rows);
        else printTable(rows as unknown as Record<string, unknown>[], ['name', 'subdomain', 'auth', 'baseUrl', 'country']);
      });
    });
}

async function credentialFrom(opts: { apiKey?: string; username?: string; password?: string }): Promise<EntrataCredential> {
  const apiKey = opts.username ? undefined : await secretArg(opts.apiKey, 'ENTRATA_API_KEY', '--api-key');
  if (apiKey && opts.username) throw new UsageError('give either --api-key or --username/--password, not both');
  if (apiKey) return { kind: 'apikey', apiKey };
  if (opts.username) {
    const password = await secretArg(opts.password, 'ENTRATA_PASSWORD', '--password');
    if (!password) throw new UsageError('--password is needed with --username (or "-" to read it from standard input, or $ENTRATA_PASSWORD)');
    return { kind: 'basic', username: opts.username, password };
  }
  throw new UsageError('give --api-key (or $ENTRATA_API_KEY) or --username and --password');
}
