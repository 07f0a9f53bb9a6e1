// `pebbles user ...` and `pebbles token ...` through the real command line (bin/pebbles.js).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyPassword } from '../../src/auth/passwords.ts';
import { tokenCaller } from '../../src/auth/tokens.ts';
import { passwordHashOf, userByEmail } from '../../src/auth/users.ts';
import { cleanEnv, runPebbles } from '../support/cli.ts';
import { createBench, type Bench } from '../notifications/support.ts';

let b: Bench;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  b = await createBench();
  env = cleanEnv({ DATABASE_URL: b.t.url, PEBBLES_SECRET_KEY: b.secretKeyHex, LOG_LEVEL: 'warn', LOG_FORMAT: 'json' });
}, 60_000);
afterAll(async () => b?.close());

const pebbles = (args: string[], stdin?: string) => runPebbles(args, env, { stdin, timeoutMs: 60_000 });
const lastLine = (s: string) => s.trimEnd().split('\n').at(-1)!;

it('user add without --password prints a one-time password once, which must be changed at the first sign-in', async () => {
  const r = await pebbles(['user', 'add', '--email', 'ana@example.com', '--role', 'owner', '--property', b.property.entrataId]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`added ana@example.com \\(user \\d+\\): owner@${b.property.entrataId}`));
  const password = lastLine(r.stdout);
  const u = (await userByEmail(b.db, 'ana@example.com'))!;
  expect(await verifyPassword((await passwordHashOf(b.db, u.id)).passwordHash, password)).toBe(true);
  expect((await b.db.selectFrom('staff_user').select('must_change_password').where('id', '=', u.id).executeTakeFirstOrThrow()).must_change_password).toBe(true);
});

it('user add --password - reads the password from standard input and checks the rules', async () => {
  const weak = await pebbles(['user', 'add', '--email', 'bo@example.com', '--role', 'admin', '--password', '-'], 'short\n');
  expect(weak.code).toBe(1);
  expect(weak.stderr).toMatch(/^pebbles: password: the password must be at least 12 characters/);
  const ok = await pebbles(['user', 'add', '--email', 'bo@example.com', '--role', 'admin', '--password', '-'], 'a long admin passphrase\n');
  expect(ok.code).toBe(0);
  expect(ok.stdout).not.toMatch(/one-time/);
  const u = (await userByEmail(b.db, 'bo@example.com'))!;
  expect(u.admin).toBe(true);
  expect(await verifyPassword((await passwordHashOf(b.db, u.id)).passwordHash, 'a long admin passphrase')).toBe(true);
  const hash = (await passwordHashOf(b.db, u.id)).passwordHash;
  expect(hash).toMatch(/^\$argon2id\$/);
});

it('refuses a bad role, a missing property, a password on the command line', async () => {
  const role = await pebbles(['user', 'add', '--email', 'x@example.com', '--role', 'king']);
  expect(role.code).toBe(2);
  expect(role.stderr).toMatch(/--role: one of admin, owner, manager, employee/);
  const noProp = await pebbles(['user', 'add', '--email', 'x@example.com', '--role', 'manager']);
  expect(noProp.code).toBe(1);
  expect(noProp.stderr).toMatch(/properties: a manager needs at least one property/);
  const unknown = await pebbles(['user', 'add', '--email', 'x@example.com', '--role', 'manager', '--property', '999999']);
  expect(unknown.stderr).toMatch(/--property: no property 999999/);
  const inline = await pebbles(['user', 'add', '--email', 'x@example.com', '--role', 'admin', '--password', 'visible-in-ps-output']);
  expect(inline.code).toBe(2);
  expect(inline.stderr).not.toContain('visible-in-ps-output');
});

it('user list, reset-password and disable', async () => {
  await pebbles(['user', 'add', '--email', 'cy@example.com', '--role', 'employee', '--property', b.property.entrataId]);
  const list = await pebbles(['user', 'list']);
  expect(list.stdout).toMatch(/cy@example\.com\s+employee@/);
  const reset = await pebbles(['user', 'reset-password', 'CY@example.com']);
  expect(reset.code).toBe(0);
  const u = (await userByEmail(b.db, 'cy@example.com'))!;
  expect(await verifyPassword((await passwordHashOf(b.db, u.id)).passwordHash, lastLine(reset.stdout))).toBe(true);
  const disable = await pebbles(['user', 'disable', 'cy@example.com']);
  expect(disable.stdout).toMatch(/disabled cy@example.com/);
  const json = JSON.parse((await pebbles(['user', 'list', '--json'])).stdout);
  expect(json.find((x: { email: string }) => x.email === 'cy@example.com').disabledAt).not.toBeNull();
  expect((await pebbles(['user', 'disable', 'nobody@example.com'])).stderr).toMatch(/no staff user nobody@example.com/);
});

it('token create prints the token alone on its last line; list never shows it; revoke stops it at once', async () => {
  const r = await pebbles(['token', 'create', '--name', 'door-sync', '--role', 'manager', '--property', b.property.entrataId]);
  expect(r.code).toBe(0);
  const secret = lastLine(r.stdout);
  expect(secret).toMatch(/^pbt_[\w-]{43}$/);
  const caller = await tokenCaller(b.db, secret, new Date());
  expect(caller).toMatchObject({ kind: 'token', name: 'door-sync', admin: false });
  expect([...caller!.roles.entries()]).toEqual([[b.property.id, 'manager']]);
  const list = await pebbles(['token', 'list']);
  expect(list.stdout).toMatch(/door-sync\s+manager/);
  expect(list.stdout).not.toContain(secret);
  const dup = await pebbles(['token', 'create', '--name', 'door-sync', '--role', 'admin']);
  expect(dup.stderr).toMatch(/a token named "door-sync" exists/);
  const revoke = await pebbles(['token', 'revoke', 'door-sync']);
  expect(revoke.code).toBe(0);
  expect(await tokenCaller(b.db, secret, new Date())).toBeNull();
  const audit = await b.db.selectFrom('audit_event').select(['actor', 'action']).where('action', 'in', ['token-create', 'token-revoke']).execute();
  expect(audit.every((a) => a.actor.startsWith('cli:'))).toBe(true);
});

it('--help explains the commands', async () => {
  const user = await pebbles(['user', 'add', '--help']);
  expect(user.stdout).toMatch(/one-time password/);
  expect(user.stdout).toMatch(/--password <source>/);
  const token = await pebbles(['token', 'create', '--help']);
  expect(token.stdout).toMatch(/Authorization: Bearer/);
  expect(token.stdout).toMatch(/tail -n 1/);
});
