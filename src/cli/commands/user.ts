import { Option, type Command } from 'commander';
import { auditStaff } from '../../auth/audit.ts';
import { isRole, ROLES, type Role } from '../../auth/permissions.ts';
import { propertyDbIds } from '../../auth/property-refs.ts';
import { createUser, disableUser, listUsers, resetToOneTimePassword, userByEmail, userNotFound, type StaffUserView } from '../../auth/users.ts';
import type { Db } from '../../db/database.ts';
import { printJson, printTable, secretArg, UsageError, withApp } from '../run.ts';
import { cliStaff } from './resident.ts';

export function roleArg(v: string): Role {
  if (!isRole(v)) throw new UsageError(`--role: one of ${ROLES.join(', ')}`);
  return v;
}

/** `--property 100001,100002`: Entrata ids (ACCOUNT:ID when several accounts have one). */
export const propertyListArg = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function oneTimePasswordText(password: string): string {
  return `one-time password (shown only now; to be changed at the first sign-in):\n${password}\n`;
}

const rolesText = (u: StaffUserView) => (u.admin ? 'admin' : u.roles.map((r) => `${r.role}@${r.propertyId}`).join(','));

async function userIdOf(db: Db, email: string): Promise<number> {
  const u = await userByEmail(db, email);
  if (!u) throw userNotFound(email);
  return u.id;
}

export function register(program: Command): void {
  const user = program.command('user').description('Staff users of the console and API: add, list, disable, reset a password');

  user
    .command('add')
    .description('Add a staff user: an administrator (every property) or a role on properties')
    .requiredOption('--email <address>', 'their e-mail address (they sign in with it)')
    .requiredOption('--role <role>', `${ROLES.join(' | ')}: admin sees and does everything; the others hold on --property`, roleArg)
    .option('--property <ids>', 'Entrata property ids, separated by commas (ACCOUNT:ID when several accounts have one)', propertyListArg, [] as string[])
    .option('--password <source>', '"-" reads the password from standard input (at least 12 characters); without it a one-time password is printed')
    .addHelpText(
      'after',
      `
Without --password, a one-time password is printed once; the user must change it at the first sign-in.
Examples:
  pebbles user add --email ana@example.com --role owner --property 100001,100002
  printf '%s' "$PASSWORD" | pebbles user add --email ops@example.com --role admin --password -`,
    )
    .action(async (opts: { email: string; role: Role; property: string[]; password?: string }) => {
      if (opts.password !== undefined && opts.password !== '-')
        throw new UsageError('--password: give "-" and the password on standard input (a password on the command line shows in `ps` and shell history)');
      const password = opts.password === '-' ? (await secretArg('-', '', '--password'))! : null;
      await withApp(async (app) => {
        const now = new Date();
        const propertyIds = await propertyDbIds(app.db, opts.property, '--property');
        const created = await createUser(app.db, { email: opts.email, role: opts.role, propertyIds, password, now });
        await auditStaff(app.db, {
          actor: cliStaff(),
          action: 'user-add',
          details: { userId: created.user.userId, email: created.user.email, role: opts.role, properties: opts.property },
          now,
        });
        process.stdout.write(`added ${created.user.email} (user ${created.user.userId}): ${rolesText(created.user)}\n`);
        if (created.oneTimePassword) process.stdout.write(oneTimePasswordText(created.oneTimePassword));
      });
    });

  user
    .command('list')
    .description('List staff users with their roles (never a password)')
    .addOption(new Option('--json', 'print JSON'))
    .action(async (opts: { json?: boolean }) => {
      await withApp(async (app) => {
        const users = await listUsers(app.db);
        if (opts.json) return printJson(users);
        printTable(
          users.map((u) => ({
            id: u.userId,
            email: u.email,
            roles: rolesText(u),
            disabled: u.disabledAt ?? '',
            mustChangePassword: u.mustChangePassword ? 'yes' : '',
          })),
          ['id', 'email', 'roles', 'disabled', 'mustChangePassword'],
        );
      });
    });

  user
    .command('disable')
    .description('Disable a staff user: their sessions and the API tokens they created stop at once')
    .argument('<email>', "the user's e-mail address")
    .action(async (email: string) => {
      await withApp(async (app) => {
        const now = new Date();
        const u = await disableUser(app.db, await userIdOf(app.db, email), now);
        await auditStaff(app.db, { actor: cliStaff(), action: 'user-disable', details: { userId: u.userId, email: u.email }, now });
        process.stdout.write(`disabled ${u.email} (user ${u.userId}); their sessions ended\n`);
      });
    });

  user
    .command('reset-password')
    .description('Give a staff user a new one-time password (printed once); their sessions end')
    .argument('<email>', "the user's e-mail address")
    .action(async (email: string) => {
      await withApp(async (app) => {
        const now = new Date();
        const userId = await userIdOf(app.db, email);
        const password = await resetToOneTimePassword(app.db, userId, now);
        await auditStaff(app.db, { actor: cliStaff(), action: 'user-reset-password', details: { userId }, now });
        process.stdout.write(`new password for ${email} (user ${userId}); their sessions ended\n${oneTimePasswordText(password)}`);
      });
    });
}
