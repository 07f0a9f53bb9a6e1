import type { SecretBox } from '../crypto/secrets.ts';
import type { Db } from '../db/database.ts';

import type { EntrataCredential } from '../entrata/account.ts';
import { UserError } from '../errors/user-error.ts';

export type { EntrataCredential };

export interface Account {
  id: number;
  name: string;
  subdomain: string;
  baseUrl: string | null;
  country: string;
  credential: EntrataCredential;
}

/** What may be shown about an account: never the credential itself. */
export interface AccountSummary {
  name: string;
  subdomain: string;
  baseUrl: string | null;
  country: string;
  auth: 'apikey' | 'basic';
  createdAt: string;
}

export class AccountError extends UserError {
  static override defaultCode = 'account';
  override name = 'AccountError';
}

export interface NewAccount {
  name: string;
  subdomain: string;
  baseUrl?: string | null;
  country?: string;
  credential: EntrataCredential;
}

/** The fields of a new account, as the checks name them. */
export type AccountField = 'name' | 'subdomain' | 'baseUrl' | 'country' | 'apiKey' | 'username' | 'password';

/** How `pebbles account add` names each field in its messages. */
const CLI_FLAGS: Record<AccountField, string> = {
  name: '--name',
  subdomain: '--subdomain',
  baseUrl: '--base-url',
  country: '--country',
  apiKey: '--api-key',
  username: '--username',
  password: '--password',
};

/** `name` says how a message names a field: the command's flag by default, the JSON field for the API. */
export function validateNewAccount(input: NewAccount, name: (f: AccountField) => string = (f) => CLI_FLAGS[f]): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/.test(input.name))
    throw new AccountError(`${name('name')}: 1 to 64 letters, digits, spaces, dots, dashes or underscores`);
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/i.test(input.subdomain))
    throw new AccountError(`${name('subdomain')}: the xxx of xxx.entrata.com (letters, digits and dashes)`);
  if (input.baseUrl != null) {
    let url: URL;
    try {
      url = new URL(input.baseUrl);
    } catch {
      throw new AccountError(`${name('baseUrl')}: not a URL: ${input.baseUrl}`);
    }
    if (!['http:', 'https:'].includes(url.protocol)) throw new AccountError(`${name('baseUrl')}: must be http:// or https://`);
  }
  if (input.country !== undefined && !/^[A-Z]{2}$/.test(input.country)) throw new AccountError(`${name('country')}: a two-letter country code such as US`);
  const c = input.credential;
  if (c.kind === 'apikey' && !c.apiKey.trim()) throw new AccountError(`${name('apiKey')}: empty`);
  if (c.kind === 'basic' && (!c.username.trim() || !c.password)) throw new AccountError(`${name('username')} and ${name('password')}: both are needed`);
}

export async function addAccount(db: Db, secrets: SecretBox, input: NewAccount): Promise<void> {
  validateNewAccount(input);
  const existing = await db.selectFrom('entrata_account').select('id').where('name', '=', input.name).executeTakeFirst();
  if (existing) throw new AccountError(`an account named "${input.name}" exists already`);
  await db
    .insertInto('entrata_account')
    .values({
      name: input.name,
      subdomain: input.subdomain,
      base_url: input.baseUrl?.replace(/\/+$/, '') ?? null,
      country: input.country ?? 'US',
      credential_kind: input.credential.kind,
      credential_encrypted: secrets.encrypt(JSON.stringify(input.credential)),
    })
    .execute();
}

export async function listAccounts(db: Db): Promise<AccountSummary[]> {
  const rows = await db.selectFrom('entrata_account').selectAll().orderBy('name').execute();
  return rows.map((r) => ({
    name: r.name,
    subdomain: r.subdomain,
    baseUrl: r.base_url,
    country: r.country,
    auth: r.credential_kind,
    createdAt: new Date(r.created_at).toISOString(),
  }));
}

export async function getAccount(db: Db, secrets: SecretBox, name: string): Promise<Account> {
  const r = await db.selectFrom('entrata_account').selectAll().where('name', '=', name).executeTakeFirst();
  if (!r) throw new AccountError(`no account named "${name}" (see \`pebbles account list\`)`, { code: 'account-not-found', category: 'not-found' });
  return {
    id: r.id,
    name: r.name,
    subdomain: r.subdomain,
    baseUrl: r.base_url,
    country: r.country,
    credential: JSON.parse(secrets.decrypt(r.credential_encrypted)) as EntrataCredential,
  };
}
