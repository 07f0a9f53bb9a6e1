import type { Config } from '../config/config.ts';
import type { SecretBox } from '../crypto/secrets.ts';
import type { Db } from '../db/database.ts';
import { createEntrataClient, type EntrataClient, type EntrataDeps } from '../entrata/index.ts';
import type { Logger } from '../log/logger.ts';
import { getAccount, type Account } from './accounts.ts';

export function clientForAccount(account: Account, config: Config, deps: EntrataDeps = {}): EntrataClient {
  return createEntrataClient(
    {
      subdomain: account.subdomain,
      baseUrl: account.baseUrl,
      credential: account.credential,
      country: account.country,
      rateLimitShare: config.entrata.rateLimitShare,
      timeoutMs: config.entrata.timeoutMs,
    },
    deps,
  );
}

/**
 * One Entrata client per account for the life of a process, so the lease pick list is read once
 * and every sync of the account shares one rate-limit budget.
 */
export function entrataClients(db: Db, secrets: SecretBox, config: Config, log: Logger, deps: EntrataDeps = {}) {
  const byId = new Map<number, Promise<EntrataClient>>();
  return async (accountId: number): Promise<EntrataClient> => {
    let client = byId.get(accountId);
    if (!client) {
      client = (async () => {
        const row = await db.selectFrom('entrata_account').select('name').where('id', '=', accountId).executeTakeFirstOrThrow();
        const account = await getAccount(db, secrets, row.name);
        return clientForAccount(account, config, { logger: log.child({ account: account.name }), ...deps });
      })();
      client.catch(() => byId.delete(accountId));
      byId.set(accountId, client);
    }
    return client;
  };
}
