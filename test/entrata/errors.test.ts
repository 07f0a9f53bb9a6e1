// Every failure Entrata can hand us, over real HTTP, and what kind of typed error it becomes.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { EntrataError } from '../../src/entrata/index.ts';
import { startFakeEntrata, type FakeEntrata, type Reply } from './support/http-server.ts';
import { API_KEY, BASIC, fixture, pickListAnswer, testClient } from './support/helpers.ts';

let server: FakeEntrata | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const OK_STATUS = { json: fixture('getStatus-r1.response.json') };
const errorAnswer = (code: number, message: string, status = 200): Reply => ({ status, json: { response: { requestId: '1', error: { code, message } } } });

async function failure(p: Promise<unknown>): Promise<EntrataError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(EntrataError);
    return e as EntrataError;
  }
  throw new Error('expected the call to fail');
}

/** A server answering each request in turn from `replies` (the last one repeats). */
async function serve(...replies: Reply[]) {
  server = await startFakeEntrata((_r, n) => replies[Math.min(n, replies.length) - 1]!);
  return server;
}

describe('auth errors (kind auth, Entrata says so)', () => {
  it.each([401, 403])('HTTP %i is an auth error and is not retried', async (status) => {
    const s = await serve({ status, body: 'Forbidden' });
    const { client } = testClient(s.url);
    const e = await failure(client.getStatus());
    expect(e).toMatchObject({ kind: 'auth', httpStatus: status, service: 'status', method: 'getStatus' });
    expect(e.isEntrataFailure).toBe(false);
    expect(e.isEntrataAnswer).toBe(true);
    expect(s.requests).toHaveLength(1);
  });

  it.each([
    [104, 'Invalid Domain'],
    [106, 'Auth Type Required'],
  ])('error %i (%s) is an auth error', async (code, message) => {
    const s = await serve(errorAnswer(code, message));
    const { client } = testClient(s.url);
    expect(await failure(client.getStatus())).toMatchObject({ kind: 'auth', entrataCode: code, detail: message });
  });

  it('a "bad credentials" message is an auth error', async () => {
    const s = await serve(errorAnswer(113, 'Invalid username or password.'));
    const { client } = testClient(s.url, { credential: { kind: 'basic', ...BASIC } });
    expect((await failure(client.getStatus())).kind).toBe('auth');
  });
});

describe('not permitted (kind not-permitted, Entrata says so)', () => {
  it('error 420 "API agreement required" (§7.8) is not-permitted', async () => {
    const s = await serve({ json: fixture('error-420.response.json') });
    const { client } = testClient(s.url);
    const e = await failure(client.getLeasePickList());
    expect(e).toMatchObject({ kind: 'not-permitted', entrataCode: 420, service: 'leases', method: 'getLeasePickList' });
    expect(e.message).toContain('API agreement required.');
    expect(e.isEntrataFailure).toBe(false);
  });

  it.each([
    [301, 'Invalid request.'],
    [399, 'You are not authorized to access this web service.'],
    [399, 'The API user does not have permission for getProperties.'],
  ])('the generic error for a service not granted (%i %s) is not-permitted', async (code, message) => {
    const s = await serve(errorAnswer(code, message));
    const { client } = testClient(s.url);
    expect((await failure(client.getProperties())).kind).toBe('not-permitted');
  });

  it('getProperties not granted: discoverProperties says so cleanly so ids can be entered by hand', async () => {
    const s = await serve(errorAnswer(301, 'Method not authorized for this API user'));
    const { client } = testClient(s.url);
    const d = await client.discoverProperties();
    expect(d.permitted).toBe(false);
    if (!d.permitted) expect(d.error.kind).toBe('not-permitted');
  });
});

describe('rate limited: HTTP 429', () => {
  it('a 429 with Retry-After is retried after at least that wait, then succeeds', async () => {
    const s = await serve({ status: 429, headers: { 'Retry-After': '7' }, body: '' }, OK_STATUS);
    const { client, clock } = testClient(s.url);
    expect((await client.getStatus()).ok).toBe(true);
    expect(s.requests).toHaveLength(2);
    expect(clock.sleeps).toEqual([7000]);
  });

  it('a 429 without Retry-After waits for the reset of the exhausted window, then succeeds', async () => {
    const s = await serve(
      {
        status: 429,
        headers: {
          'X-RateLimit-Limit': '15000/DAY;1000/HOUR;150/MINUTE',
          'X-RateLimit-Remaining': '14000/DAY;800/HOUR;0/MINUTE',
          'X-RateLimit-Reset': '36686;686;26',
        },
        body: '',
      },
      OK_STATUS,
    );
    const { client, clock } = testClient(s.url);
    expect((await client.getStatus()).ok).toBe(true);
    expect(clock.sleeps).toEqual([26_000]);
  });

  it('429 on every attempt ends as rate-limited (an Entrata failure) after maxRetries', async () => {
    const s = await serve({ status: 429, body: '' });
    const { client } = testClient(s.url, { maxRetries: 2 });
    const e = await failure(client.getStatus());
    expect(e).toMatchObject({ kind: 'rate-limited', httpStatus: 429, attempts: 3 });
    expect(e.isEntrataFailure).toBe(true);
    expect(s.requests).toHaveLength(3);
  });

  it('a 429 asking for a longer wait than allowed fails at once, saying when to come back', async () => {
    const s = await serve({ status: 429, headers: { 'Retry-After': '36686' }, body: '' });
    const { client, clock } = testClient(s.url, { maxRateLimitWaitMs: 60_000 });
    const e = await failure(client.getStatus());
    expect(e).toMatchObject({ kind: 'rate-limited', retryAfterMs: 36_686_000 });
    expect(s.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });
});

describe('transient failures are retried with exponential back-off and full jitter', () => {
  it('HTTP 5xx then success: retried, and the answer is used', async () => {
    const s = await serve({ status: 502, body: '<html>Bad gateway</html>' }, { status: 503, body: '' }, OK_STATUS);
    const { client, clock } = testClient(s.url);
    expect((await client.getStatus()).ok).toBe(true);
    expect(s.requests).toHaveLength(3);
    // random() = 0.5: half of 500 ms, then half of 1000 ms.
    expect(clock.sleeps).toEqual([250, 500]);
  });

  it('full jitter: the delay is random() times the doubled step, capped', async () => {
    const s = await serve({ status: 500, body: '' });
    const rolls = [0.99, 0.1, 0.5, 0.999];
    const { client, clock } = testClient(s.url, { maxRetries: 4 }, { random: () => rolls.shift() ?? 0, maxBackoffMs: 1500 });
    await failure(client.getStatus());
    expect(clock.sleeps).toEqual([Math.ceil(0.99 * 500), Math.ceil(0.1 * 1000), Math.ceil(0.5 * 1500), Math.ceil(0.999 * 1500)]);
  });

  it('Entrata error 310 is transient: retried, then succeeds', async () => {
    const s = await serve(errorAnswer(310, 'Temporary failure'), OK_STATUS);
    const { client } = testClient(s.url);
    expect((await client.getStatus()).ok).toBe(true);
    expect(s.requests).toHaveLength(2);
  });

  it('5xx on every attempt ends as transient (an Entrata failure)', async () => {
    const s = await serve({ status: 500, body: 'oops' });
    const { client } = testClient(s.url, { maxRetries: 1 });
    const e = await failure(client.getStatus());
    expect(e).toMatchObject({ kind: 'transient', httpStatus: 500, attempts: 2 });
    expect(e.isEntrataFailure).toBe(true);
  });

  it('a time-out (no answer within timeoutMs) is transient and retried', async () => {
    const s = await serve({ hang: true });
    const { client } = testClient(s.url, { timeoutMs: 80, maxRetries: 1 });
    const started = Date.now();
    const e = await failure(client.getStatus());
    expect(e.kind).toBe('transient');
    expect(e.detail).toMatch(/within 80 ms/);
    expect(s.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a network error (connection refused) is transient', async () => {
    const s = await serve(OK_STATUS);
    const url = s.url;
    await s.close();
    server = undefined;
    const { client } = testClient(url, { maxRetries: 1 });
    const e = await failure(client.getStatus());
    expect(e.kind).toBe('transient');
    expect(e.detail).toMatch(/network error/);
  });

  it('a connection cut in the middle of the body is transient and retried', async () => {
    const s = await serve({ cutAfter: '{"response":{"code":200,"res', declaredLength: 500 }, OK_STATUS);
    const { client } = testClient(s.url);
    expect((await client.getStatus()).ok).toBe(true);
    expect(s.requests).toHaveLength(2);
  });
});

describe('malformed answers (kind malformed, an Entrata failure, not retried)', () => {
  it('invalid JSON', async () => {
    const s = await serve({ body: '<html>Cloudflare says hi</html>' });
    const { client } = testClient(s.url);
    const e = await failure(client.getStatus());
    expect(e).toMatchObject({ kind: 'malformed', httpStatus: 200 });
    expect(e.isEntrataFailure).toBe(true);
    expect(s.requests).toHaveLength(1);
  });

  it('a truncated body (complete HTTP answer, JSON cut short)', async () => {
    const s = await serve({ body: JSON.stringify(fixture('getLeases-r2.response.json')).slice(0, 300) });
    const { client } = testClient(s.url);
    expect((await failure(client.getStatus())).detail).toMatch(/not JSON \(or is truncated\)/);
  });

  it('an empty body', async () => {
    const s = await serve({ body: '' });
    const { client } = testClient(s.url);
    expect((await failure(client.getStatus())).kind).toBe('malformed');
  });

  it('a JSON answer of the wrong shape (no result)', async () => {
    const s = await serve({ json: { response: { requestId: '1', code: 200 } } });
    const { client } = testClient(s.url);
    expect((await failure(client.getStatus())).kind).toBe('malformed');
  });

  it('getLeases whose result has no `leases` at all is malformed (an empty list would look like every lease gone)', async () => {
    server = await startFakeEntrata((r) =>
      r.rpc === 'getLeasePickList' ? { json: pickListAnswer() } : { json: { response: { code: 200, result: { currencyCode: 'USD' } } } },
    );
    const { client } = testClient(server.url);
    expect(await failure(client.getLeases('100123'))).toMatchObject({ kind: 'malformed', method: 'getLeases' });
  });

  it('getPropertyUnits answering for another property is malformed, not "no units" (which would look like every unit deleted)', async () => {
    const s = await serve({ json: fixture('getPropertyUnits-r1.response.json') });
    const { client } = testClient(s.url);
    expect(await failure(client.getPropertyUnits('777'))).toMatchObject({ kind: 'malformed', detail: 'answer does not include property 777' });
  });

  it('getPropertyUnits without `properties` and getProperties without `PhysicalProperty` are malformed', async () => {
    const s = await serve({ json: { response: { code: 200, result: {} } } });
    const { client } = testClient(s.url);
    expect((await failure(client.getPropertyUnits('100123'))).kind).toBe('malformed');
    expect((await failure(client.getProperties())).kind).toBe('malformed');
  });
});

describe('HTTP 200 carrying response.error is a failure', () => {
  it('an unknown error code is kind entrata with the code and message', async () => {
    const s = await serve(errorAnswer(303, 'Property id 999 is invalid.'));
    const { client } = testClient(s.url);
    const e = await failure(client.getPropertyUnits('999'));
    expect(e).toMatchObject({
      kind: 'entrata',
      entrataCode: 303,
      httpStatus: 200,
      service: 'propertyunits',
      method: 'getPropertyUnits',
      detail: 'Property id 999 is invalid.',
    });
    expect(e.isEntrataAnswer).toBe(true);
    expect(s.requests).toHaveLength(1);
  });

  it('an error without the response wrapper (OpenAPI shape) is read too', async () => {
    const s = await serve({ json: { error: { code: 420, message: 'API Agreement Required' } } });
    const { client } = testClient(s.url);
    expect((await failure(client.getStatus())).kind).toBe('not-permitted');
  });

  it('an HTTP 4xx without an Entrata body is an error answer, not retried', async () => {
    const s = await serve({ status: 404, body: 'Not Found' });
    const { client } = testClient(s.url);
    expect(await failure(client.getStatus())).toMatchObject({ kind: 'entrata', httpStatus: 404 });
    expect(s.requests).toHaveLength(1);
  });
});

describe('an empty lease list', () => {
  it.each([
    ['leases.lease = []', { lease: [] }],
    ['leases = ""', ''],
    ['leases.lease = ""', { lease: '' }],
  ])('%s reads as no leases, not as an error', async (_name, leases) => {
    server = await startFakeEntrata((r) =>
      r.rpc === 'getLeasePickList'
        ? { json: pickListAnswer() }
        : r.rpc === 'getPropertyUnits'
          ? { json: fixture('getPropertyUnits-r1.response.json') }
          : { json: { response: { code: 200, result: { leases } } } },
    );
    const { client } = testClient(server.url);
    const snap = await client.readPropertySnapshot('100123');
    expect(snap.leases).toEqual([]);
    expect(snap.quarantined).toEqual([]);
    expect(snap.units).toHaveLength(1);
  });
});

describe('credentials never leak', () => {
  it('an Entrata message echoing the API key is redacted, and no log line carries the key', async () => {
    const s = await serve({ status: 500, body: '' }, errorAnswer(303, `Key ${API_KEY} is not valid for property 1`));
    const { client, logs } = testClient(s.url);
    const e = await failure(client.getStatus());
    expect(e.message).not.toContain(API_KEY);
    expect(e.message).toContain('[redacted]');
    expect(JSON.stringify(e)).not.toContain(API_KEY);
    expect(logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(logs)).not.toContain(API_KEY);
  });

  it('a real pino logger at debug level writes no credential and no auth header', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = pino({ level: 'debug' }, sink);
    const s = await serve({ status: 503, body: '' }, { status: 429, body: '' }, OK_STATUS);
    const { client } = testClient(s.url, { credential: { kind: 'basic', ...BASIC } }, { logger });
    await client.getStatus();
    const text = lines.join('');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(text).toContain('getStatus');
    for (const secret of [BASIC.password, Buffer.from(`${BASIC.username}:${BASIC.password}`).toString('base64'), 'Authorization', 'X-Api-Key']) {
      expect(text).not.toContain(secret);
    }
  });

  it('basic-auth passwords are never in messages or logs either', async () => {
    const s = await serve({ status: 503, body: '' }, errorAnswer(113, `bad password ${BASIC.password}`));
    const { client, logs } = testClient(s.url, { credential: { kind: 'basic', ...BASIC } });
    const e = await failure(client.getStatus());
    expect(e.message).not.toContain(BASIC.password);
    expect(JSON.stringify(logs)).not.toContain(BASIC.password);
    expect(JSON.stringify(logs)).not.toContain(Buffer.from(`${BASIC.username}:${BASIC.password}`).toString('base64'));
  });
});

describe('lease reads surface empty answers correctly', () => {
  it('readLeasesByIds with no ids makes no call', async () => {
    const s = await serve(OK_STATUS);
    const { client } = testClient(s.url);
    expect(await client.readLeasesByIds('100123', [])).toEqual({ leases: [], quarantined: [] });
    expect(s.requests).toHaveLength(0);
  });

  it('a bad property id is refused before any call', async () => {
    const s = await serve(OK_STATUS);
    const { client } = testClient(s.url);
    await expect(client.readPropertySnapshot('12; drop')).rejects.toThrow(/propertyId/);
    expect(s.requests).toHaveLength(0);
  });
});
