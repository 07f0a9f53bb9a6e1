import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.ts';
import { getPropertyById, type PropertySettings } from '../../src/properties/properties.ts';
import { createApiBench, type ApiBench } from '../support/api-bench.ts';
import { auditOf } from './property-support.ts';

let t: ApiBench;
let a: PropertySettings;
let b: PropertySettings;
/** Every line the API process logs. */
const logLines: string[] = [];
/** Credentials the tests send: none may appear in an answer or a log line. */
const WRONG_KEY = 'wrong-key-7f3a9c';
const PASSWORD = 'legacy-pass-5d1e';
const SECRETS = [WRONG_KEY, PASSWORD, 'demo-key'];
const answers: string[] = [];

beforeAll(async () => {
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  t = await createApiBench({ http: { log: createLogger({ level: 'trace', format: 'json', destination: sink }) } });
  [a, b] = t.bench.props as [PropertySettings, PropertySettings];
}, 120_000);
afterAll(async () => t?.close());

async function call(method: 'GET' | 'POST', url: string, payload?: object, headers = t.admin) {
  const r = await t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  answers.push(r.payload);
  return r;
}

describe('Entrata accounts', () => {
  it('GET /api/accounts lists the accounts without any credential, not even encrypted', async () => {
    const r = await call('GET', '/api/accounts');
    expect(r.statusCode).toBe(200);
    expect(r.json().items).toEqual([
      { name: 'acme', subdomain: 'acme', baseUrl: t.bench.sim.url, country: 'US', auth: 'apikey', createdAt: expect.any(String) },
    ]);
    const stored = await t.bench.db.selectFrom('entrata_account').select('credential_encrypted').where('name', '=', 'acme').executeTakeFirstOrThrow();
    expect(r.payload).not.toContain(stored.credential_encrypted);
  });

  it('POST /api/accounts adds an account (API key or user and password), stored encrypted; the audit names the admin and never the credential', async () => {
    const r = await call('POST', '/api/accounts', {
      name: 'wrong',
      subdomain: 'acme',
      baseUrl: t.bench.sim.url,
      credential: { kind: 'apikey', apiKey: WRONG_KEY },
    });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toEqual({ name: 'wrong', subdomain: 'acme', baseUrl: t.bench.sim.url, country: 'US', auth: 'apikey', createdAt: expect.any(String) });
    const legacy = await call('POST', '/api/accounts', {
      name: 'legacy',
      subdomain: 'acme',
      country: 'CA',
      credential: { kind: 'basic', username: 'api-user', password: PASSWORD },
    });
    expect(legacy.statusCode).toBe(201);
    expect(legacy.json()).toMatchObject({ name: 'legacy', auth: 'basic', baseUrl: null, country: 'CA' });
    const rows = await t.bench.db.selectFrom('entrata_account').select('credential_encrypted').where('name', 'in', ['wrong', 'legacy']).execute();
    for (const row of rows) for (const s of SECRETS) expect(row.credential_encrypted).not.toContain(s);
    const audit = await auditOf(t, 'add-account');
    expect(audit.map((e) => [e.actor, e.details])).toEqual([
      [expect.stringMatching(/^token:test-admin-/), { account: 'wrong', subdomain: 'acme', auth: 'apikey' }],
      [expect.stringMatching(/^token:test-admin-/), { account: 'legacy', subdomain: 'acme', auth: 'basic' }],
    ]);
  });

  it('validation: the message names the field, as `pebbles account add` checks it; a name taken is a conflict', async () => {
    const base = { name: 'ok-name', subdomain: 'acme', credential: { kind: 'apikey', apiKey: 'k' } };
    const cases: Array<[object, RegExp]> = [
      [{ ...base, name: 'bad/name' }, /^name: 1 to 64 letters/],
      [{ ...base, subdomain: 'not a subdomain' }, /^subdomain: the xxx of xxx\.entrata\.com/],
      [{ ...base, baseUrl: 'ftp://example.com' }, /^baseUrl: must be http:\/\/ or https:\/\//],
      [{ ...base, country: 'usa' }, /^country: a two-letter country code/],
      [{ ...base, credential: { kind: 'apikey', apiKey: '   ' } }, /^credential\.apiKey: empty/],
      [{ ...base, credential: { kind: 'apikey', apiKey: '' } }, /credential\.apiKey/],
      [{ ...base, credential: { kind: 'basic', username: 'u' } }, /credential/],
      [{ ...base, credential: { kind: 'token', token: 'x' } }, /credential/],
      [{ ...base, apiKey: WRONG_KEY }, /apiKey/],
    ];
    for (const [payload, message] of cases) {
      const r = await call('POST', '/api/accounts', payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().message, JSON.stringify(payload)).toMatch(message);
    }
    const taken = await call('POST', '/api/accounts', { ...base, name: 'acme' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().code).toBe('account-exists');
    expect((await t.bench.db.selectFrom('entrata_account').select('name').orderBy('name').execute()).map((x) => x.name)).toEqual(['acme', 'legacy', 'wrong']);
  });

  it("POST /api/accounts/:name/test reads Entrata through the real client: ok with the status, or Entrata's error in words", async () => {
    const ok = await call('POST', '/api/accounts/acme/test');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ ok: true, status: 'Success', message: expect.any(String), properties: 2, note: null });
    const bad = await call('POST', '/api/accounts/wrong/test');
    expect(bad.statusCode).toBe(200);
    expect(bad.json()).toMatchObject({
      ok: false,
      error: { kind: 'auth', code: 'entrata-auth', message: expect.stringContaining("check the account's subdomain, API key or user and password") },
    });
  });

  it('GET /api/accounts/:name/properties: what Entrata lists, with the ones Pebbles syncs enabled', async () => {
    const r = await call('GET', '/api/accounts/acme/properties');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({
      account: 'acme',
      items: [
        expect.objectContaining({ entrataId: a.entrataId, name: (await getPropertyById(t.bench.db, a.id)).name, enabled: true, disabledInEntrata: false }),
        expect.objectContaining({ entrataId: b.entrataId, name: (await getPropertyById(t.bench.db, b.id)).name, enabled: true }),
      ],
    });
    const refused = await call('GET', '/api/accounts/wrong/properties');
    expect(refused.statusCode).toBe(502);
    expect(refused.json().code).toBe('entrata-auth');
  });

  it('not found: an account that does not exist answers 404 on every account route', async () => {
    for (const [method, url] of [
      ['POST', '/api/accounts/nope/test'],
      ['GET', '/api/accounts/nope/properties'],
    ] as const) {
      const r = await call(method, url);
      expect(r.statusCode, url).toBe(404);
      expect(r.json().code, url).toBe('account-not-found');
    }
  });

  it('only platform administrators: an owner gets 403 on every account route, anonymous 401', async () => {
    const owner = t.callers.as('owner', [a.id, b.id]);
    const routes: Array<['GET' | 'POST', string, object?]> = [
      ['GET', '/api/accounts'],
      ['POST', '/api/accounts', { name: 'mine', subdomain: 'acme', credential: { kind: 'apikey', apiKey: WRONG_KEY } }],
      ['POST', '/api/accounts/acme/test'],
      ['GET', '/api/accounts/acme/properties'],
      ['POST', '/api/properties', { entrataId: a.entrataId, timeZone: 'America/Chicago', ssid: 'Mine' }],
    ];
    for (const [method, url, payload] of routes) {
      expect((await call(method, url, payload, owner)).statusCode, url).toBe(403);
      expect((await call(method, url, payload, {})).statusCode, url).toBe(401);
    }
    expect(await t.bench.db.selectFrom('entrata_account').select('name').where('name', '=', 'mine').execute()).toEqual([]);
  });
});

describe('enabling and disabling properties', () => {
  it('POST /api/properties/:propertyId/disable stops syncing a property; the listing shows it not enabled; the audit names the admin', async () => {
    const r = await call('POST', `/api/properties/${b.entrataId}/disable`);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ property: b.entrataId, enabled: false });
    const listed = (await call('GET', '/api/accounts/acme/properties')).json().items;
    expect(listed.find((p: { entrataId: string }) => p.entrataId === b.entrataId)).toMatchObject({ enabled: false });
    expect((await auditOf(t, 'disable-property')).map((e) => [e.actor, e.property_id])).toEqual([[expect.stringMatching(/^token:test-admin-/), b.id]]);
  });

  it('disable: a property that does not exist or the caller may not see is 404; its owner may not (403)', async () => {
    expect((await call('POST', '/api/properties/999999/disable')).statusCode).toBe(404);
    expect((await call('POST', `/api/properties/${a.entrataId}/disable`, undefined, t.callers.as('owner', [b.id]))).statusCode).toBe(404);
    expect((await call('POST', `/api/properties/${a.entrataId}/disable`, undefined, t.callers.as('owner', [a.id]))).statusCode).toBe(403);
    expect((await call('POST', `/api/properties/${a.entrataId}/disable?acount=x`)).statusCode).toBe(400);
  });

  it('POST /api/properties enables a property with its settings; its first sync is due at once', async () => {
    const r = await call('POST', '/api/properties', {
      account: 'acme',
      entrataId: b.entrataId,
      timeZone: 'America/Denver',
      ssid: 'Edge-Residents',
      earlyMoveInDays: 2,
      smsEnabled: false,
    });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({
      property: b.entrataId,
      account: 'acme',
      enabled: true,
      timeZone: 'America/Denver',
      ssid: 'Edge-Residents',
      earlyMoveInDays: 2,
      smsEnabled: false,
    });
    const runsOfB = async () => (await t.bench.db.selectFrom('sync_run').select('trigger').where('property_id', '=', b.id).execute()).length;
    const before = await runsOfB();
    await t.bench.step();
    expect(await runsOfB()).toBe(before + 1);
    expect((await auditOf(t, 'enable-property')).map((e) => [e.actor, e.property_id])).toEqual([[expect.stringMatching(/^token:test-admin-/), b.id]]);
  });

  it('enable: validation names the field; an account that does not exist is 404', async () => {
    const base = { account: 'acme', entrataId: b.entrataId, timeZone: 'America/Denver', ssid: 'Edge' };
    const cases: Array<[object, RegExp]> = [
      [{ ...base, ssid: 'x'.repeat(40) }, /^ssid: 1 to 32 bytes/],
      [{ ...base, timeZone: 'Mars/Olympus' }, /timeZone/],
      [{ ...base, entrataId: 'no such id!' }, /entrataId/],
      [{ ...base, earlyMoveInDays: 999 }, /^earlyMoveInDays: a whole number from 0 to 365/],
      [{ ...base, syncIntervalMinutes: 0 }, /^syncIntervalMinutes: a whole number from 1 to 1440/],
      [{ account: 'acme', entrataId: b.entrataId, ssid: 'Edge' }, /timeZone/],
    ];
    for (const [payload, message] of cases) {
      const r = await call('POST', '/api/properties', payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().message, JSON.stringify(payload)).toMatch(message);
    }
    const missing = await call('POST', '/api/properties', { ...base, account: 'nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('account-not-found');
  });
});

describe('credentials', () => {
  it('never appear in an answer or a log line', () => {
    expect(answers.length).toBeGreaterThan(20);
    expect(logLines.length).toBeGreaterThan(20);
    for (const s of SECRETS) {
      expect(answers.filter((x) => x.includes(s))).toEqual([]);
      expect(logLines.filter((x) => x.includes(s))).toEqual([]);
    }
  });
});
