import { Option, type Command } from 'commander';
import { auditStaff } from '../../auth/audit.ts';
import { ROLES, type Role } from '../../auth/permissions.ts';
import { propertyDbIds } from '../../auth/property-refs.ts';
import { createToken, listTokens, revokeToken, tokenNotFound } from '../../auth/tokens.ts';
import { printJson, printTable, withApp } from '../run.ts';
import { cliStaff } from './resident.ts';
import { propertyListArg, roleArg } from './user.ts';

export function register(program: Command): void {
  const token = program.command('token').description('API tokens for automation: create, list, revoke');

  token
    .command('create')
    .description('Create an API token; it is printed once, alone on the last line')
    .requiredOption('--name <name>', 'what the token is for (named in the audit trail); unique among live tokens')
    .requiredOption('--role <role>', `${ROLES.join(' | ')}: admin reaches every property; the others hold on --property`, roleArg)
    .option('--property <ids>', 'Entrata property ids, separated by commas (ACCOUNT:ID when several accounts have one)', propertyListArg, [] as string[])
    .addHelpText(
      'after',
      `
The token is stored only as a hash: copy it now. Send it as "Authorization: Bearer <token>".
Example (a script keeps the last line):
  TOKEN=$(pebbles token create --name door-sync --role manager --property 100001 | tail -n 1)`,
    )
    .action(async (opts: { name: string; role: Role; property: string[] }) => {
      await withApp(async (app) => {
        const now = new Date();
        const propertyIds = await propertyDbIds(app.db, opts.property, '--property');
        const created = await createToken(app.db, { name: opts.name, role: opts.role, propertyIds, createdBy: null, now });
        const t = created.token;
        await auditStaff(app.db, {
          actor: cliStaff(),
          action: 'token-create',
          details: { tokenId: t.tokenId, name: t.name, role: t.role, properties: t.properties },
          now,
        });
        process.stdout.write(
          `created token ${t.tokenId} "${t.name}": ${t.role}${t.properties.length ? ` at ${t.properties.join(',')}` : ' (every property)'}\n`,
        );
        process.stdout.write('the token (shown only now):\n');
        process.stdout.write(`${created.secret}\n`);
      });
    });

  token
    .command('list')
    .description('List API tokens with their role, properties and last use (never the token itself)')
    .addOption(new Option('--json', 'print JSON'))
    .action(async (opts: { json?: boolean }) => {
      await withApp(async (app) => {
        const tokens = await listTokens(app.db);
        if (opts.json) return printJson(tokens);
        printTable(
          tokens.map((t) => ({ ...t, id: t.tokenId, createdBy: t.createdBy ?? 'command line', state: t.revokedAt ? `revoked ${t.revokedAt}` : 'live' })),
          ['id', 'name', 'role', 'properties', 'createdBy', 'lastUsedAt', 'state'],
        );
      });
    });

  token
    .command('revoke')
    .description('Revoke an API token at once')
    .argument('<token>', "the token's id or name (as `pebbles token list` shows)")
    .action(async (ref: string) => {
      await withApp(async (app) => {
        const live = (await listTokens(app.db)).filter((t) => !t.revokedAt);
        const found = /^\d+$/.test(ref) ? { tokenId: Number(ref) } : live.find((t) => t.name.toLowerCase() === ref.toLowerCase());
        if (!found) throw tokenNotFound(ref);
        const now = new Date();
        const t = await revokeToken(app.db, found.tokenId, now);
        await auditStaff(app.db, { actor: cliStaff(), action: 'token-revoke', details: { tokenId: t.tokenId, name: t.name }, now });
        process.stdout.write(`revoked token ${t.tokenId} "${t.name}"\n`);
      });
    });
}
