import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, getAccount, listAccounts } from '../../src/accounts/accounts.ts';
import { createSecretBox } from '../../src/crypto/secrets.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

describe('Entrata accounts (F-01)', () => {
  let t: TestDatabase;
  const secrets = createSecretBox(randomBytes(32));
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  it('stores the credential encrypted and reads it back', async () => {
    await addAccount(t.db, secrets, { name: 'acme', subdomain: 'acme', credential: { kind: 'apikey', apiKey: 'very-secret-key' } });
    const row = await t.db.selectFrom('entrata_account').selectAll().where('name', '=', 'acme').executeTakeFirstOrThrow();
    expect(row.credential_encrypted).not.toContain('very-secret-key');
    const account = await getAccount(t.db, secrets, 'acme');
    expect(account.credential).toEqual({ kind: 'apikey', apiKey: 'very-secret-key' });
  });

  it('lists accounts without their credentials', async () => {
    await addAccount(t.db, secrets, {
      name: 'legacy',
      subdomain: 'legacy',
      baseUrl: 'http://127.0.0.1:1/',
      credential: { kind: 'basic', username: 'u', password: 'pw-123' },
    });
    const list = await listAccounts(t.db);
    expect(list.map((a) => a.name)).toEqual(['acme', 'legacy']);
    expect(JSON.stringify(list)).not.toContain('pw-123');
    expect(list[1]).toMatchObject({ auth: 'basic', baseUrl: 'http://127.0.0.1:1' });
  });

  it('refuses a second account with the same name and a bad subdomain', async () => {
    await expect(addAccount(t.db, secrets, { name: 'acme', subdomain: 'x', credential: { kind: 'apikey', apiKey: 'k' } })).rejects.toThrow(/exists already/);
    await expect(addAccount(t.db, secrets, { name: 'n2', subdomain: 'bad sub!', credential: { kind: 'apikey', apiKey: 'k' } })).rejects.toThrow(/--subdomain/);
  });
});
