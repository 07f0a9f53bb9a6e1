// Sign-in, sessions and the session routes (F-19): the real API on a real database, time as an input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/http/server.ts';
import { createApiBench, type ApiBench } from '../support/api-bench.ts';
import { capturedLogger, PASSWORD, signIn, staffUser } from '../auth/support.ts';

let t: ApiBench;
const logs = capturedLogger();
/** Every secret seen in this file: none may appear in a log line. */
const secrets: string[] = [];

beforeAll(async () => {
  t = await createApiBench({ http: { log: logs.log } });
}, 120_000);
afterAll(async () => {
  const all = logs.lines.join('\n');
  expect(logs.lines.length).toBeGreaterThan(0);
  for (const s of secrets) expect(all).not.toContain(s);
  await t?.close();
});

const HOUR = 3600_000;
const a = () => t.bench.props[0]!;

describe('sign-in', () => {
  it('signs in: an HttpOnly, SameSite=Lax session cookie (not Secure over plain HTTP), the CSRF token, who I am', async () => {
    const u = await staffUser(t, 'manager', [a().id]);
    const b = await signIn(t.app, u.email.toUpperCase(), PASSWORD);
    secrets.push(PASSWORD, b.cookie.split('=')[1]!, b.csrf);
    const cookie = b.signIn.cookies.find((c) => c.name === 'pebbles_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie.secure).toBeUndefined();
    expect(b.signIn.json()).toMatchObject({ user: { userId: u.userId, email: u.email, admin: false }, mustChangePassword: false });
    const me = await b.request('GET', '/api/session');
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      kind: 'user',
      user: { email: u.email },
      csrfToken: b.csrf,
      properties: [{ propertyId: a().entrataId, role: 'manager' }],
    });
    // The cookie is a session: the manager sees property A's runs, and nothing of B.
    expect((await b.request('GET', `/api/properties/${a().entrataId}/runs`)).statusCode).toBe(200);
    expect((await b.request('GET', `/api/properties/${t.bench.props[1]!.entrataId}/runs`)).statusCode).toBe(404);
  });

  it('answers a wrong password and an unknown e-mail alike (no account probing)', async () => {
    const u = await staffUser(t, 'employee', [a().id]);
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: u.email, password: 'not the password at all' },
      remoteAddress: '198.51.100.1',
    });
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: 'nobody@example.com', password: 'not the password at all' },
      remoteAddress: '198.51.100.1',
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json()).toEqual(wrong.json());
    expect(wrong.json().code).toBe('sign-in-failed');
    expect(wrong.cookies).toEqual([]);
  });

  it('a body without the password is refused naming the field', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/session', payload: { email: 'ana@example.com' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toMatch(/password/);
  });

  it('sets the cookie Secure when served over HTTPS: an https public URL, or a trusted proxy saying https', async () => {
    const u = await staffUser(t, 'employee', [a().id]);
    const base = {
      db: t.bench.db,
      boss: null,
      metrics: t.bench.worker.metrics,
      log: logs.log,
      now: t.bench.clock.now,
      api: true,
      syncNowTimeoutMs: 1000,
      auth: t.callers,
      secrets: t.bench.secrets,
      catcher: false,
    };
    const https = await buildHttpServer({ ...base, http: { publicUrl: 'https://wifi.example.com', trustedProxy: false, metricsToken: null } });
    const proxied = await buildHttpServer({ ...base, http: { publicUrl: null, trustedProxy: true, metricsToken: null } });
    try {
      const r1 = await https.inject({ method: 'POST', url: '/api/session', payload: { email: u.email, password: PASSWORD } });
      expect(r1.cookies.find((c) => c.name === 'pebbles_session')!.secure).toBe(true);
      const r2 = await proxied.inject({
        method: 'POST',
        url: '/api/session',
        payload: { email: u.email, password: PASSWORD },
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '192.0.2.50' },
      });
      expect(r2.cookies.find((c) => c.name === 'pebbles_session')!.secure).toBe(true);
      const r3 = await proxied.inject({
        method: 'POST',
        url: '/api/session',
        payload: { email: u.email, password: PASSWORD },
        headers: { 'x-forwarded-proto': 'http' },
      });
      expect(r3.cookies.find((c) => c.name === 'pebbles_session')!.secure).toBeUndefined();
      for (const r of [r1, r2, r3]) secrets.push(r.cookies[0]!.value, r.json().csrfToken);
    } finally {
      await https.close();
      await proxied.close();
    }
  });
});

describe('CSRF', () => {
  it('refuses a state-changing request made with the cookie but without X-CSRF-Token; a wrong token too', async () => {
    const u = await staffUser(t, 'manager', [a().id]);
    const b = await signIn(t.app, u.email, PASSWORD);
    secrets.push(b.cookie.split('=')[1]!, b.csrf);
    const without = await b.request('DELETE', '/api/session', undefined, { csrf: false });
    expect(without.statusCode).toBe(403);
    expect(without.json().code).toBe('csrf-refused');
    const wrong = await t.app.inject({
      method: 'POST',
      url: `/api/properties/${a().entrataId}/sync`,
      headers: { cookie: b.cookie, 'x-csrf-token': 'x'.repeat(43) },
    });
    expect(wrong.statusCode).toBe(403);
    // Reading needs none; a bearer token needs none.
    expect((await b.request('GET', '/api/session', undefined, { csrf: false })).statusCode).toBe(200);
    // With the token the sign-out goes through, and the cookie signs in no more.
    expect((await b.request('DELETE', '/api/session')).statusCode).toBe(200);
    const after = await b.request('GET', '/api/session');
    expect(after.statusCode).toBe(401);
    expect(after.json().code).toBe('session-ended');
  });

  it('a bearer token changes things with no CSRF token', async () => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/password-reset',
      payload: { email: 'nobody@example.com' },
      headers: t.callers.as('manager', [a().id]),
    });
    expect(r.statusCode).toBe(202);
  });

  it('a stale cookie does not stand in the way of signing in again', async () => {
    const u = await staffUser(t, 'manager', [a().id]);
    const b = await signIn(t.app, u.email, PASSWORD);
    await b.request('DELETE', '/api/session');
    const again = await t.app.inject({ method: 'POST', url: '/api/session', payload: { email: u.email, password: PASSWORD }, headers: { cookie: b.cookie } });
    expect(again.statusCode).toBe(200);
    secrets.push(again.cookies[0]!.value, again.json().csrfToken);
  });
});

describe('sign-out and expiry', () => {
  it('sign out everywhere ends every session of the user at once, not those of others', async () => {
    const u = await staffUser(t, 'manager', [a().id]);
    const other = await staffUser(t, 'manager', [a().id]);
    const one = await signIn(t.app, u.email, PASSWORD);
    const two = await signIn(t.app, u.email, PASSWORD);
    const theirs = await signIn(t.app, other.email, PASSWORD);
    secrets.push(one.csrf, two.csrf, theirs.csrf);
    const r = await one.request('DELETE', '/api/sessions');
    expect(r.statusCode).toBe(200);
    expect(r.json().sessionsEnded).toBe(2);
    expect((await one.request('GET', '/api/session')).statusCode).toBe(401);
    expect((await two.request('GET', '/api/session')).statusCode).toBe(401);
    expect((await theirs.request('GET', '/api/session')).statusCode).toBe(200);
  });

  it('a session ends after 8 idle hours; a request now and then keeps it, up to 7 days whatever happens', async () => {
    const u = await staffUser(t, 'employee', [a().id]);
    const idle = await signIn(t.app, u.email, PASSWORD);
    const busy = await signIn(t.app, u.email, PASSWORD);
    const start = t.bench.clock.now();
    try {
      t.bench.clock.advance(7 * HOUR);
      expect((await busy.request('GET', '/api/session')).statusCode).toBe(200);
      t.bench.clock.advance(HOUR + 1000);
      const ended = await idle.request('GET', '/api/session');
      expect(ended.statusCode).toBe(401);
      expect(ended.json().message).toMatch(/expired.*sign in again/);
      // The busy one: a request every 6 hours keeps it for 7 days, and not a minute longer.
      while (t.bench.clock.now().getTime() < start.getTime() + 7 * 24 * HOUR - 6 * HOUR) {
        t.bench.clock.advance(6 * HOUR);
        expect((await busy.request('GET', '/api/session')).statusCode).toBe(200);
      }
      t.bench.clock.set(new Date(start.getTime() + 7 * 24 * HOUR));
      expect((await busy.request('GET', '/api/session')).statusCode).toBe(401);
    } finally {
      t.bench.clock.set(start);
    }
  });
});

describe('throttling', () => {
  it('locks an account after 5 failures, says when to retry (429, Retry-After), and ends by itself', async () => {
    const u = await staffUser(t, 'employee', [a().id]);
    const start = t.bench.clock.now();
    try {
      const attempt = (password: string, address = '192.0.2.10') =>
        t.app.inject({ method: 'POST', url: '/api/session', payload: { email: u.email, password }, remoteAddress: address });
      for (let i = 0; i < 5; i++) {
        expect((await attempt(`wrong password ${i}`)).statusCode).toBe(401);
        t.bench.clock.advance(10_000);
      }
      // Even the right password, from another address: the account is locked.
      const locked = await attempt(PASSWORD, '192.0.2.11');
      expect(locked.statusCode).toBe(429);
      expect(locked.json().code).toBe('sign-in-locked');
      const retry = Number(locked.headers['retry-after']);
      expect(retry).toBe(15 * 60 - 50);
      expect(locked.json().message).toMatch(/try again in 15 minutes/);
      // An unknown e-mail locks the same way (the lock tells nothing about which accounts exist).
      for (let i = 0; i < 5; i++)
        await t.app.inject({ method: 'POST', url: '/api/session', payload: { email: 'ghost@example.com', password: 'x' }, remoteAddress: '192.0.2.12' });
      expect(
        (await t.app.inject({ method: 'POST', url: '/api/session', payload: { email: 'ghost@example.com', password: 'x' }, remoteAddress: '192.0.2.12' }))
          .statusCode,
      ).toBe(429);
      t.bench.clock.advance(retry * 1000);
      const ok = await attempt(PASSWORD);
      expect(ok.statusCode).toBe(200);
      secrets.push(ok.cookies[0]!.value, ok.json().csrfToken);
    } finally {
      t.bench.clock.set(start);
    }
  });

  it('locks an address after 30 failures over any accounts', async () => {
    const u = await staffUser(t, 'employee', [a().id]);
    const start = t.bench.clock.now();
    try {
      for (let i = 0; i < 30; i++)
        await t.app.inject({
          method: 'POST',
          url: '/api/session',
          payload: { email: `spray${i}@example.com`, password: 'Summer2026!!' },
          remoteAddress: '192.0.2.99',
        });
      const r = await t.app.inject({ method: 'POST', url: '/api/session', payload: { email: u.email, password: PASSWORD }, remoteAddress: '192.0.2.99' });
      expect(r.statusCode).toBe(429);
      // The account itself is not locked: from elsewhere it signs in.
      const elsewhere = await t.app.inject({
        method: 'POST',
        url: '/api/session',
        payload: { email: u.email, password: PASSWORD },
        remoteAddress: '192.0.2.100',
      });
      expect(elsewhere.statusCode).toBe(200);
      secrets.push(elsewhere.cookies[0]!.value, elsewhere.json().csrfToken);
    } finally {
      t.bench.clock.set(start);
    }
  });
});

describe('a one-time password', () => {
  it('must be changed before anything else; the change checks the rules and the current password', async () => {
    const admin = await staffUser(t, 'admin');
    const boss = await signIn(t.app, admin.email, PASSWORD);
    const created = await boss.request('POST', '/api/users', { email: 'newcomer@example.com', role: 'manager', properties: [a().entrataId] });
    expect(created.statusCode).toBe(201);
    const otp = created.json().oneTimePassword as string;
    secrets.push(otp, boss.csrf);
    const b = await signIn(t.app, 'newcomer@example.com', otp);
    secrets.push(b.csrf);
    expect(b.signIn.json().mustChangePassword).toBe(true);
    const gated = await b.request('GET', `/api/properties/${a().entrataId}/runs`);
    expect(gated.statusCode).toBe(403);
    expect(gated.json().code).toBe('password-change-required');
    expect((await b.request('GET', '/api/session')).json().mustChangePassword).toBe(true);
    const short = await b.request('POST', '/api/session/password', { currentPassword: otp, newPassword: 'short' });
    expect(short.statusCode).toBe(400);
    expect(short.json().message).toMatch(/^newPassword: .*at least 12 characters/);
    const own = await b.request('POST', '/api/session/password', { currentPassword: otp, newPassword: 'newcomer@example.com' });
    expect(own.json().message).toMatch(/newPassword: .*e-mail/);
    const wrong = await b.request('POST', '/api/session/password', { currentPassword: 'not-it-at-all', newPassword: 'a much better password' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().message).toMatch(/^currentPassword/);
    const ok = await b.request('POST', '/api/session/password', { currentPassword: otp, newPassword: 'a much better password' });
    expect(ok.statusCode).toBe(200);
    secrets.push('a much better password');
    expect((await b.request('GET', `/api/properties/${a().entrataId}/runs`)).statusCode).toBe(200);
    // The one-time password signs in no more.
    expect((await t.app.inject({ method: 'POST', url: '/api/session', payload: { email: 'newcomer@example.com', password: otp } })).statusCode).toBe(401);
  });

  it('a token has no password to change: 400, saying how a token ends', async () => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/session/password',
      payload: { currentPassword: 'a', newPassword: 'b' },
      headers: t.callers.as('admin'),
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().code).toBe('not-a-session');
  });
});

describe('disabled users and tokens', () => {
  it("a disabled user's sessions and the tokens they created stop at once", async () => {
    const admin = await staffUser(t, 'admin');
    const other = await staffUser(t, 'admin');
    const b = await signIn(t.app, admin.email, PASSWORD);
    const created = await b.request('POST', '/api/tokens', { name: `nightly-${admin.userId}`, role: 'manager', properties: [a().entrataId] });
    expect(created.statusCode).toBe(201);
    const bearer = { authorization: `Bearer ${created.json().secret}` };
    secrets.push(created.json().secret, b.csrf);
    expect((await t.app.inject({ method: 'GET', url: `/api/properties/${a().entrataId}/runs`, headers: bearer })).statusCode).toBe(200);
    const ob = await signIn(t.app, other.email, PASSWORD);
    expect((await ob.request('POST', `/api/users/${admin.userId}/disable`)).statusCode).toBe(200);
    const s = await b.request('GET', '/api/session');
    expect(s.statusCode).toBe(401);
    expect(s.json().code).toBe('account-disabled');
    const tk = await t.app.inject({ method: 'GET', url: `/api/properties/${a().entrataId}/runs`, headers: bearer });
    expect(tk.statusCode).toBe(401);
    expect(tk.json().code).toBe('token-invalid');
    // And the right password signs them in no more, with the same answer as a wrong one.
    expect((await t.app.inject({ method: 'POST', url: '/api/session', payload: { email: admin.email, password: PASSWORD } })).json().code).toBe(
      'sign-in-failed',
    );
  });

  it('a token records its last use, at most once a minute', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/tokens',
      payload: { name: 'last-use', role: 'employee', properties: [a().entrataId] },
      headers: t.admin,
    });
    const secret = created.json().secret as string;
    secrets.push(secret);
    const id = created.json().token.tokenId as number;
    const lastUsed = async () =>
      (
        (await t.app.inject({ method: 'GET', url: '/api/tokens', headers: t.admin })).json().items as Array<{ tokenId: number; lastUsedAt: string | null }>
      ).find((x) => x.tokenId === id)!.lastUsedAt;
    expect(await lastUsed()).toBeNull();
    const start = t.bench.clock.now();
    try {
      const use = () => t.app.inject({ method: 'GET', url: '/api/session', headers: { authorization: `Bearer ${secret}` } });
      expect((await use()).statusCode).toBe(200);
      expect(await lastUsed()).toBe(start.toISOString());
      t.bench.clock.advance(30_000);
      await use();
      expect(await lastUsed()).toBe(start.toISOString());
      t.bench.clock.advance(31_000);
      await use();
      expect(await lastUsed()).toBe(new Date(start.getTime() + 61_000).toISOString());
    } finally {
      t.bench.clock.set(start);
    }
  });
});
