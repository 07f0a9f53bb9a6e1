import type { SecretBox } from '../crypto/secrets.ts';
import type { Db } from '../db/database.ts';
import { EntrataError } from '../entrata/errors.ts';
import { recordAdminAction } from '../properties/admin-audit.ts';
import type { SyncDeps } from '../sync/sync-property.ts';
import { AccountError, addAccount, getAccount, listAccounts, validateNewAccount, type AccountField, type AccountSummary, type NewAccount } from './accounts.ts';

/** The API names a field of the new account by its JSON path. */
const apiField = (f: AccountField) => (f === 'apiKey' || f === 'username' || f === 'password' ? `credential.${f}` : f);

/**
 * Adds an Entrata account with the checks of `pebbles account add`; the credential is stored encrypted and
 * the audit records the account and its kind of credential, never the credential (O6).
 */
export async function addAccountAs(db: Db, secrets: SecretBox, input: NewAccount, actor: string, now: Date): Promise<AccountSummary> {
  validateNewAccount(input, apiField);
  const existing = await db.selectFrom('entrata_account').select('id').where('name', '=', input.name).executeTakeFirst();
  if (existing)
    throw new AccountError(`an account named "${input.name}" exists already: choose another name`, { code: 'account-exists', category: 'conflict' });
  await addAccount(db, secrets, input);
  await recordAdminAction(db, {
    propertyId: null,
    actor,
    action: 'add-account',
    at: now,
    details: { account: input.name, subdomain: input.subdomain, auth: input.credential.kind },
  });
  return (await listAccounts(db)).find((a) => a.name === input.name)!;
}

/** A connection test's answer: Entrata's status, or its error in words (never a credential). */
export type ConnectionTest =
  | { ok: true; status: string; message: string; properties: number | null; note: string | null }
  | { ok: false; error: { code: string; kind: string; message: string } };

/** Asks Entrata for its status, then for the properties the API user may read, through the account's own client. */
export async function testConnection(deps: SyncDeps, name: string): Promise<ConnectionTest> {
  const account = await getAccount(deps.db, deps.secrets, name);
  const client = await deps.clientFor(account.id);
  try {
    const status = await client.getStatus();
    if (!status.ok)
      return {
        ok: false,
        error: { code: 'entrata-status', kind: 'entrata', message: `Entrata answered "${status.status}"${status.message ? `: ${status.message}` : ''}` },
      };
    const found = await client.discoverProperties();
    return {
      ok: true,
      status: status.status,
      message: status.message,
      properties: found.permitted ? found.properties.length : null,
      note: found.permitted ? null : 'this API user may not call getProperties: enable properties by their Entrata id',
    };
  } catch (err) {
    if (err instanceof EntrataError) return { ok: false, error: { code: err.code, kind: err.kind, message: err.message } };
    throw err;
  }
}

/** A property as Entrata lists it, and whether Pebbles syncs it. */
export interface ListedProperty {
  entrataId: string;
  name: string;
  type: string | null;
  disabledInEntrata: boolean;
  city: string | null;
  /** Pebbles syncs it (enabled); false: known but disabled, or never enabled. */
  enabled: boolean;
}

/** What Entrata lists for the account (getProperties), with the ones Pebbles syncs marked. */
export async function listedProperties(deps: SyncDeps, name: string): Promise<ListedProperty[]> {
  const account = await getAccount(deps.db, deps.secrets, name);
  const found = await (await deps.clientFor(account.id)).discoverProperties();
  if (!found.permitted) {
    throw new AccountError(`Entrata does not let this API user call getProperties (${found.error.detail}): enable properties by their Entrata id`, {
      code: 'entrata-not-permitted',
      category: 'refused',
    });
  }
  const enabled = new Set(
    (await deps.db.selectFrom('property').select('entrata_id').where('account_id', '=', account.id).where('enabled', '=', true).execute()).map(
      (r) => r.entrata_id,
    ),
  );
  return found.properties.map((p) => ({
    entrataId: p.id,
    name: p.name,
    type: p.type,
    disabledInEntrata: p.isDisabled,
    city: p.address?.city || null,
    enabled: enabled.has(p.id),
  }));
}
