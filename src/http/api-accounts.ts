import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { addAccountAs, listedProperties, testConnection } from '../accounts/account-admin.ts';
import { listAccounts } from '../accounts/accounts.ts';
import { actorOf } from '../auth/caller.ts';
import { disablePropertyAs, enablePropertyAs } from '../properties/administration.ts';
import { isTimeZone } from '../properties/properties.ts';
import { settingsOf } from '../properties/settings.ts';
import { apiRoute } from './api-route.ts';
import { AccountQuery, EntrataId, needOperations, PropertyParams } from './api-common.ts';
import { settingsBody, SettingsResponse } from './api-settings.ts';
import type { HttpDeps } from './server.ts';
import { ErrorBody } from './errors.ts';

/** What is shown of an account: never its credential, not even encrypted (the schema lists what may leave). */
const AccountView = z.object({
  name: z.string(),
  subdomain: z.string(),
  baseUrl: z.string().nullable(),
  country: z.string(),
  auth: z.enum(['apikey', 'basic']),
  createdAt: z.string(),
});

const Credential = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('apikey'), apiKey: z.string().min(1).max(500) }).strict(),
  z.object({ kind: z.literal('basic'), username: z.string().min(1).max(200), password: z.string().min(1).max(500) }).strict(),
]);

const NewAccountBody = z
  .object({
    name: z.string(),
    subdomain: z.string(),
    baseUrl: z.string().max(500).nullable().optional(),
    country: z.string().optional(),
    credential: Credential,
  })
  .strict();

const AccountParams = z.object({ name: z.string().min(1).max(64) });

const ConnectionTest = z.union([
  z.object({ ok: z.literal(true), status: z.string(), message: z.string(), properties: z.number().nullable(), note: z.string().nullable() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), kind: z.string(), message: z.string() }) }),
]);

const ListedProperty = z.object({
  entrataId: z.string(),
  name: z.string(),
  type: z.string().nullable(),
  disabledInEntrata: z.boolean(),
  city: z.string().nullable(),
  enabled: z.boolean(),
});

const EnableBody = z
  .object({
    /** May be left out when there is only one account. */
    account: z.string().min(1).max(64).optional(),
    entrataId: EntrataId,
    timeZone: z.string().refine(isTimeZone, 'an IANA time zone such as America/Chicago'),
    ssid: z.string(),
    smsEnabled: z.boolean().optional(),
    firstWelcome: z.boolean().optional(),
    earlyMoveInDays: z.number().int().optional(),
    lateMoveOutDays: z.number().int().optional(),
    syncIntervalMinutes: z.number().int().optional(),
  })
  .strict();

/** Entrata accounts and which of their properties Pebbles syncs: platform administrators only. */
export function registerAccountsApi(app: FastifyInstance, deps: HttpDeps): void {
  const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody, 503: ErrorBody };
  const platform = { permission: 'account.manage', on: 'platform' } as const;

  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/accounts',
    access: platform,
    schema: {
      summary: 'Entrata accounts (never their credentials)',
      tags: ['accounts'],
      response: { 200: z.object({ items: z.array(AccountView) }), ...errors },
    },
    handler: async () => ({ items: await listAccounts(deps.db) }),
  });

  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/accounts',
    access: platform,
    schema: {
      summary: 'Add an Entrata account: an API key (gateway) or a user and password (legacy host); stored encrypted',
      tags: ['accounts'],
      body: NewAccountBody,
      response: { 201: AccountView, ...errors },
    },
    handler: async (req, reply, { caller }) => {
      const b = req.body;
      const account = await addAccountAs(
        deps.db,
        needOperations(deps).secrets,
        { name: b.name, subdomain: b.subdomain, baseUrl: b.baseUrl ?? null, country: b.country, credential: b.credential },
        actorOf(caller),
        deps.now(),
      );
      return reply.status(201).send(account);
    },
  });

  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/accounts/:name/test',
    access: platform,
    schema: {
      summary: "Test the connection: Entrata's status and the properties the API user may read; ok, or Entrata's error in words",
      tags: ['accounts'],
      params: AccountParams,
      response: { 200: ConnectionTest, ...errors },
    },
    handler: async (req) => testConnection(needOperations(deps), req.params.name),
  });

  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/accounts/:name/properties',
    access: platform,
    schema: {
      summary: 'The properties Entrata lists for the account, with those Pebbles syncs marked enabled',
      tags: ['accounts'],
      params: AccountParams,
      response: { 200: z.object({ account: z.string(), items: z.array(ListedProperty) }), ...errors },
    },
    handler: async (req) => ({ account: req.params.name, items: await listedProperties(needOperations(deps), req.params.name) }),
  });

  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/properties',
    access: platform,
    schema: {
      summary: 'Enable a property (or enable it again with these settings): its first sync is due at once',
      tags: ['accounts'],
      body: EnableBody,
      response: { 201: SettingsResponse, ...errors },
    },
    handler: async (req, reply, { caller }) => {
      const { account, ...rest } = req.body;
      const p = await enablePropertyAs(deps.db, { accountName: account, ...rest }, actorOf(caller), deps.now());
      return reply.status(201).send(settingsBody(await settingsOf(deps.db, p.id)));
    },
  });

  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/properties/:propertyId/disable',
    access: { permission: 'account.manage', on: 'property' },
    schema: {
      summary: 'Stop syncing a property (its residents and history are kept)',
      tags: ['accounts'],
      params: PropertyParams,
      querystring: z.object(AccountQuery).strict(),
      response: { 200: SettingsResponse, ...errors },
    },
    handler: async (_req, _reply, { caller, property }) => {
      const p = await disablePropertyAs(deps.db, property, actorOf(caller), deps.now());
      return settingsBody(await settingsOf(deps.db, p.id));
    },
  });
}
