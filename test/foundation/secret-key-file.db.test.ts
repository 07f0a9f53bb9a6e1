// The embedded default's key file, decided with the database open: generated only for a database
// that holds no secrets; missing with data present, a stop; a loose mode put back to 600; a rotation
// puts the new key in place after its commit and keeps the old one.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSecretBox, rotateSecretKey } from '../../src/app/secret-key.ts';
import { addAccount, getAccount } from '../../src/accounts/accounts.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { createSecretBox, readKeyFile } from '../../src/crypto/secrets.ts';
import { createLogger } from '../../src/log/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

const log = createLogger({ level: 'silent', format: 'json' });
let t: TestDatabase;
let dir: string;
let config: Config;
const keyFile = () => path.join(dir, 'secret.key');
const exists = (f: string) =>
  stat(f).then(
    () => true,
    () => false,
  );

beforeEach(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), 'pebbles-keyfile-'));
  config = loadConfig({ PEBBLES_DATA_DIR: dir });
});
afterEach(async () => {
  await t.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('the embedded key file', () => {
  it('is generated (mode 600) for a new database, and its check value recorded', async () => {
    const box = await openSecretBox(t.db, config, log);
    expect((await stat(keyFile())).mode & 0o777).toBe(0o600);
    expect(createSecretBox((await readKeyFile(dir))!).check).toBe(box.check);
    expect(await t.db.selectFrom('secret_check').select('check_value').execute()).toEqual([{ check_value: box.check }]);
  });

  it('moved away with data present: a stop saying to put it back, and no new key written', async () => {
    const box = await openSecretBox(t.db, config, log);
    await addAccount(t.db, box, { name: 'acme', subdomain: 'acme', credential: { kind: 'apikey', apiKey: 'k' } });
    await rename(keyFile(), path.join(dir, 'moved.key'));
    await expect(openSecretBox(t.db, config, log)).rejects.toMatchObject({
      code: 'secret-key-missing',
      message: expect.stringMatching(/secret\.key is missing, but the database holds secrets encrypted with it: put the file back/),
    });
    expect(await exists(keyFile())).toBe(false);
  });

  it('missing on a database that holds secrets but no check value (written before it existed): a stop too', async () => {
    const old = createSecretBox(randomBytes(32));
    await addAccount(t.db, old, { name: 'acme', subdomain: 'acme', credential: { kind: 'apikey', apiKey: 'k' } });
    await expect(openSecretBox(t.db, config, log)).rejects.toMatchObject({ code: 'secret-key-missing' });
    expect(await exists(keyFile())).toBe(false);
    expect(await t.db.selectFrom('secret_check').selectAll().execute()).toEqual([]);
  });

  it('left readable by others is put back to mode 600', async () => {
    await openSecretBox(t.db, config, log);
    await chmod(keyFile(), 0o644);
    await openSecretBox(t.db, config, log);
    expect((await stat(keyFile())).mode & 0o777).toBe(0o600);
  });

  it('secret rotate with no new key given: generates one, writes it after the commit, keeps the old one as secret.key.old', async () => {
    const box = await openSecretBox(t.db, config, log);
    await addAccount(t.db, box, { name: 'acme', subdomain: 'acme', credential: { kind: 'apikey', apiKey: 'the-api-key' } });
    const oldText = await readFile(keyFile(), 'utf8');
    const result = await rotateSecretKey(t.db, config, box, null);
    expect(result).toMatchObject({ keyFile: keyFile(), counts: { 'Entrata credentials': 1 } });
    expect(await readFile(`${keyFile()}.old`, 'utf8')).toBe(oldText);
    expect(await readFile(keyFile(), 'utf8')).not.toBe(oldText);
    expect(await exists(`${keyFile()}.new`)).toBe(false);
    const next = await openSecretBox(t.db, config, log);
    expect((await getAccount(t.db, next, 'acme')).credential).toEqual({ kind: 'apikey', apiKey: 'the-api-key' });
    // A second rotation will not overwrite the key that backups made before the first one need.
    await expect(rotateSecretKey(t.db, config, next, null)).rejects.toThrow(/secret\.key\.old exists/);
  });

  it('a rotation that committed but stopped before putting the key file in place is finished by the next start', async () => {
    const box = await openSecretBox(t.db, config, log);
    await addAccount(t.db, box, { name: 'acme', subdomain: 'acme', credential: { kind: 'apikey', apiKey: 'k2' } });
    await rotateSecretKey(t.db, config, box, null);
    // As if the process had died after the commit, before the rename: the new key still in secret.key.new.
    await rename(keyFile(), `${keyFile()}.new`);
    await rename(`${keyFile()}.old`, keyFile());
    const next = await openSecretBox(t.db, config, log);
    expect((await getAccount(t.db, next, 'acme')).credential).toEqual({ kind: 'apikey', apiKey: 'k2' });
    expect(createSecretBox((await readKeyFile(dir))!).check).toBe(next.check);
    expect(await exists(`${keyFile()}.old`)).toBe(true);
  });
});

it('a key given in PEBBLES_SECRET_KEY is never written to a file', async () => {
  const key = randomBytes(32);
  await writeFile(path.join(dir, 'unrelated'), '');
  const box = await openSecretBox(t.db, loadConfig({ PEBBLES_DATA_DIR: dir, PEBBLES_SECRET_KEY: key.toString('hex') }), log);
  expect(box.check).toBe(createSecretBox(key).check);
  expect(await exists(keyFile())).toBe(false);
});
