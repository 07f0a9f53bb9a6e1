// A signal ends an Entrata call at once, whatever it is doing: waiting for a rate-limit window,
// sleeping out a Retry-After, or waiting for an answer. The call rejects with the signal's reason
// (a sync's time bound or a stopping worker), and no wait outlives it.
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeEntrata, type FakeEntrata, type Reply } from './support/http-server.ts';
import { fixture, leasesAnswer, pickListAnswer, testClient } from './support/helpers.ts';

let server: FakeEntrata | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

class Cut extends Error {}

/** A signal that fires with a Cut `ms` after arm() (called when the server has seen the first request). */
function cut(ms = 150): { signal: AbortSignal; reason: Cut; arm(): void } {
  const c = new AbortController();
  const reason = new Cut('cut');
  return { signal: c.signal, reason, arm: () => void setTimeout(() => c.abort(reason), ms) };
}

async function settle<T>(p: Promise<T>): Promise<{ error: unknown; ms: number }> {
  const t0 = Date.now();
  try {
    await p;
    return { error: null, ms: Date.now() - t0 };
  } catch (error) {
    return { error, ms: Date.now() - t0 };
  }
}

// Real sleeps (the injected fake clock is replaced by the client's own timer).
const realTime = { sleep: undefined, now: Date.now };

describe('an aborted Entrata call ends at once', () => {
  it('while waiting for the rate-limit window to reset (60 s to go)', async () => {
    const exhausted = { 'X-RateLimit-Limit': '10/MINUTE', 'X-RateLimit-Remaining': '0/MINUTE', 'X-RateLimit-Reset': '60' };
    const { signal, reason, arm } = cut();
    server = await startFakeEntrata(
      (r): Reply => (r.rpc === 'getLeasePickList' ? (arm(), { json: pickListAnswer(), headers: exhausted }) : { json: leasesAnswer([]) }),
    );
    const { client } = testClient(server.url, {}, realTime);
    const { error, ms } = await settle(client.getLeases('100', {}, { signal }));
    expect(error).toBe(reason);
    expect(ms).toBeLessThan(3_000); // an hour or a minute to go
    expect(server.requests.map((r) => r.rpc)).toEqual(['getLeasePickList']);
  });

  it('while sleeping out a Retry-After of an hour', async () => {
    const { signal, reason, arm } = cut();
    server = await startFakeEntrata(() => (arm(), { status: 429, headers: { 'Retry-After': '3600' }, body: '' }));
    const { client } = testClient(server.url, {}, realTime);
    const { error, ms } = await settle(client.getPropertyUnits('100', { signal }));
    expect(error).toBe(reason);
    expect(ms).toBeLessThan(3_000); // an hour or a minute to go
    expect(server.requests).toHaveLength(1);
  });

  it('while waiting for an answer that does not come (not a retried time-out)', async () => {
    const { signal, reason, arm } = cut();
    server = await startFakeEntrata(() => (arm(), { hang: true }));
    const { client } = testClient(server.url, { timeoutMs: 30_000 }, realTime);
    const { error, ms } = await settle(client.getPropertyUnits('100', { signal }));
    expect(error).toBe(reason);
    expect(ms).toBeLessThan(3_000); // an hour or a minute to go
    expect(server.requests).toHaveLength(1);
  });

  it('a signal already fired sends nothing', async () => {
    server = await startFakeEntrata(() => ({ json: fixture('getPropertyUnits-r1.response.json') }));
    const { client } = testClient(server.url, {}, realTime);
    const c = new AbortController();
    c.abort(new Cut('before'));
    const { error } = await settle(client.getPropertyUnits('100', { signal: c.signal }));
    expect(error).toBeInstanceOf(Cut);
    expect(server.requests).toHaveLength(0);
  });

  it('the pick list read shared by two syncs: one cut does not fail the other, which reads it again', async () => {
    const { signal, reason, arm } = cut();
    server = await startFakeEntrata(
      (_r, n): Reply => (n === 1 ? (arm(), { status: 429, headers: { 'Retry-After': '3600' }, body: '' }) : { json: pickListAnswer() }),
    );
    const { client } = testClient(server.url, {}, realTime);
    const first = settle(client.getLeasePickList({ signal }));
    const second = settle(client.getLeasePickList());
    expect((await first).error).toBe(reason);
    const other = await second;
    expect(other.error).toBeNull();
    expect(other.ms).toBeLessThan(1_500);
    expect(server.requests.map((r) => r.rpc)).toEqual(['getLeasePickList', 'getLeasePickList']);
  });
});
