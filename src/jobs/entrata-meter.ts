import { AsyncLocalStorage } from 'node:async_hooks';
import { sql } from 'kysely';
import { getAccount } from '../accounts/accounts.ts';
import type { Config } from '../config/config.ts';
import type { SecretBox } from '../crypto/secrets.ts';
import type { Db } from '../db/database.ts';
import { createEntrataClient, parseRateLimitHeaders, type EntrataClient, type EntrataDeps } from '../entrata/index.ts';
import type { Logger } from '../log/logger.ts';
import type { CallCost, ServiceReading } from './budget.ts';
import type { Metrics } from './metrics.ts';

/** Longest a sync run by a worker waits for an Entrata window to reset before failing as rate-limited (S4). */
export const WORKER_MAX_RATE_LIMIT_WAIT_MS = 120_000;

/** The service of an Entrata URL: `/ext/orgs/{sub}/v1/{service}` or `/api[/v1]/{service}`. */
export function serviceOfUrl(url: string): string {
  try {
    const parts = new URL(url).pathname.split('/').filter(Boolean);
    return (parts[parts.length - 1] ?? 'unknown').toLowerCase();
  } catch {
    return 'unknown';
  }
}

/**
 * Watches every Entrata call of this process: counts calls per service for the sync that made them
 * (through an AsyncLocalStorage, so concurrent syncs of one account are told apart), counts them for
 * the metrics, and keeps the latest X-RateLimit-* reading per account and service for the dispatcher.
 */
export class EntrataMeter {
  private readonly als = new AsyncLocalStorage<CallCost>();
  private readonly latest = new Map<number, Map<string, ServiceReading>>();

  constructor(
    private readonly metrics: Metrics | null,
    private readonly now: () => number = Date.now,
  ) {}

  /** A fetch for the clients of one account that reports to this meter. */
  fetchFor(accountId: number, inner: typeof globalThis.fetch = globalThis.fetch.bind(globalThis)): typeof globalThis.fetch {
    return async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const service = serviceOfUrl(url);
      const tally = this.als.getStore();
      if (tally) tally[service] = (tally[service] ?? 0) + 1;
      let res: Response;
      try {
        res = await inner(input, init);
      } catch (err) {
        this.metrics?.entrataCalls.inc({ service, outcome: 'network' });
        throw err;
      }
      this.metrics?.entrataCalls.inc({ service, outcome: res.status === 429 ? '429' : `${Math.floor(res.status / 100)}xx` });
      const windows = parseRateLimitHeaders(res.headers) ?? [];
      let byService = this.latest.get(accountId);
      if (!byService) this.latest.set(accountId, (byService = new Map()));
      byService.set(service, { service, observedAt: this.now(), windows });
      return res;
    };
  }

  /** Runs `fn`, counting the Entrata calls it makes, per service. */
  async track<T>(fn: () => Promise<T>): Promise<{ result: T; calls: CallCost }> {
    const calls: CallCost = {};
    const result = await this.als.run(calls, fn);
    return { result, calls };
  }

  readings(accountId: number): ServiceReading[] {
    return [...(this.latest.get(accountId)?.values() ?? [])];
  }

  /** Stores this process's latest readings of an account where they are newer than the stored ones. */
  async flush(db: Db, accountId: number): Promise<void> {
    const rows = this.readings(accountId);
    if (rows.length === 0) return;
    await db
      .insertInto('entrata_rate_limit')
      .values(rows.map((r) => ({ account_id: accountId, service: r.service, observed_at: new Date(r.observedAt), windows: JSON.stringify(r.windows) })))
      .onConflict((oc) =>
        oc
          .columns(['account_id', 'service'])
          .doUpdateSet({ observed_at: sql`excluded.observed_at`, windows: sql`excluded.windows` })
          .where(sql<boolean>`excluded.observed_at > entrata_rate_limit.observed_at`),
      )
      .execute();
  }
}

/**
 * One Entrata client per account for the life of a worker (its pick list and rate budget persist),
 * metered, with a short wait limit: a sync does not sit on a property's lock for an hour waiting for a
 * window to reset; it fails as rate-limited and the schedule backs off (S4).
 */
export function meteredClients(
  db: Db,
  secrets: SecretBox,
  config: Config,
  log: Logger,
  meter: EntrataMeter,
  deps: Pick<EntrataDeps, 'now' | 'sleep' | 'fetch'> = {},
): (accountId: number) => Promise<EntrataClient> {
  const byId = new Map<number, Promise<EntrataClient>>();
  return async (accountId) => {
    let client = byId.get(accountId);
    if (!client) {
      client = (async () => {
        const row = await db.selectFrom('entrata_account').select('name').where('id', '=', accountId).executeTakeFirstOrThrow();
        const account = await getAccount(db, secrets, row.name);
        return createEntrataClient(
          {
            subdomain: account.subdomain,
            baseUrl: account.baseUrl,
            credential: account.credential,
            country: account.country,
            rateLimitShare: config.entrata.rateLimitShare,
            timeoutMs: config.entrata.timeoutMs,
            maxRateLimitWaitMs: WORKER_MAX_RATE_LIMIT_WAIT_MS,
          },
          { logger: log.child({ account: account.name }), now: deps.now, sleep: deps.sleep, fetch: meter.fetchFor(accountId, deps.fetch) },
        );
      })();
      client.catch(() => byId.delete(accountId));
      byId.set(accountId, client);
    }
    return client;
  };
}
