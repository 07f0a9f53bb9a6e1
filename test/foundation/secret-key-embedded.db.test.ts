// The embedded default through the real commands: the key file is generated for a new database,
// a moved-away key file with data present stops every command (and no new key appears), a loose
// mode is set back to 600, and after `pebbles secret rotate` only the new key is accepted.
import { chmod, copyFile, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runPebbles, type CliRun } from '../support/cli.ts';

/** Each command starts tsx and the embedded server (the first one runs initdb): slow on a loaded machine. */
const SLOW = 400_000;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pebbles-embedded-key-'));
  await chmod(dir, 0o755); // the postgres user must reach it when tests run as root
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function pebbles(args: string[], stdin = ''): Promise<CliRun> {
  return runPebbles(args, cleanEnv({ PEBBLES_DATA_DIR: dir, LOG_FORMAT: 'json', LOG_LEVEL: 'warn', PEBBLES_DEMO: 'off' }), { stdin });
}

const file = (name = 'secret.key') => path.join(dir, name);
const exists = (f: string) =>
  stat(f).then(
    () => true,
    () => false,
  );

describe('the embedded secret key file, through the commands', () => {
  it(
    'generated for a new database; moved away with data present: a one-line stop, no new key; loose mode set back to 600; rotation',
    async () => {
      const add = await pebbles(['account', 'add', '--name', 'acme', '--subdomain', 'acme', '--api-key', '-'], 'the-api-key\n');
      expect(add.stderr).toBe('');
      expect(add.code).toBe(0);
      expect((await stat(file())).mode & 0o777).toBe(0o600);

      await rename(file(), file('moved.key'));
      const missing = await pebbles(['account', 'list']);
      expect(missing.code).toBe(1);
      expect(missing.stderr.trim().split('\n')).toEqual([
        `pebbles: ${file()} is missing, but the database holds secrets encrypted with it: put the file back (from a backup), or set PEBBLES_SECRET_KEY to that key; a new key would leave them unreadable`,
      ]);
      expect(await exists(file())).toBe(false);

      await rename(file('moved.key'), file());
      await chmod(file(), 0o644);
      const back = await pebbles(['account', 'list']);
      expect(back.code).toBe(0);
      expect(back.stdout).toMatch(/^acme\s/m);
      expect((await stat(file())).mode & 0o777).toBe(0o600);

      const old = await readFile(file(), 'utf8');
      const rotate = await pebbles(['secret', 'rotate']);
      expect(rotate.stderr).toBe('');
      expect(rotate.stdout).toMatch(/^secret key rotated: 1 Entrata credentials, /);
      expect(await readFile(file('secret.key.old'), 'utf8')).toBe(old);
      expect(await readFile(file(), 'utf8')).not.toBe(old);
      expect((await pebbles(['account', 'list'])).code).toBe(0);

      await copyFile(file('secret.key.old'), file());
      const refused = await pebbles(['account', 'list']);
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/^pebbles: the secret key \(.*secret\.key\) is not the one this database's secrets are encrypted with/),
      ]);
    },
    SLOW,
  );
});
