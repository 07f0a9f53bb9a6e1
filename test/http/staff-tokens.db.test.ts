// Staff and roles, platform users and API tokens over the API (F-19, F-28): success, validation, not found, access.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiBench, type ApiBench } from '../support/api-bench.ts';
import { PASSWORD, signIn, staffUser } from '../auth/support.ts';

let t: ApiBench;
beforeAll(async () => {
  t = await createApiBench();
}, 120_000);
afterAll(async () => t?.close());

const A = () => t.bench.props[0]!;
const B = () => t.bench.props[1]!;
const req = (method: string, url: string, headers: Record<string, string>, payload?: unknown) =>
  t.app.inject({ method: method as 'GET', url, headers, payload: payload as object });

describe("a property's staff (staff.manage: its owner)", () => {
  it('an owner adds a new user (one-time password answered once), changes the role, removes them; O6: the audit names the owner', async () => {
    const owner = t.callers.as('owner', [A().id]);
    const add = await req('POST', `/api/properties/${A().entrataId}/staff`, owner, { email: 'clerk@example.com', role: 'employee' });
    expect(add.statusCode).toBe(201);
    const { member, oneTimePassword } = add.json();
    expect(member).toMatchObject({ email: 'clerk@example.com', role: 'employee', mustChangePassword: true });
    expect(oneTimePassword).toMatch(/^[\w]{5}(-[\w]{5}){3}$/);
    const list = await req('GET', `/api/properties/${A().entrataId}/staff`, owner);
    expect(list.json().items.map((m: { email: string }) => m.email)).toContain('clerk@example.com');
    expect(JSON.stringify(list.json())).not.toContain(oneTimePassword);
    const put = await req('PUT', `/api/properties/${A().entrataId}/staff/${member.userId}`, owner, { role: 'manager' });
    expect(put.statusCode).toBe(200);
    expect(put.json().role).toBe('manager');
    const audit = await t.bench.db
      .selectFrom('audit_event')
      .select(['actor', 'action'])
      .where('action', '=', 'staff-role-set')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(audit.actor).toMatch(/^token:test-owner-/);
    expect((await req('DELETE', `/api/properties/${A().entrataId}/staff/${member.userId}`, owner)).statusCode).toBe(204);
    // Removed from A: not found there any more.
    expect((await req('PUT', `/api/properties/${A().entrataId}/staff/${member.userId}`, owner, { role: 'manager' })).statusCode).toBe(404);
  });

  it('adds an existing user of another property (no new password); refuses an administrator and someone already there', async () => {
    const u = await staffUser(t, 'manager', [B().id]);
    const admin = await staffUser(t, 'admin');
    const owner = t.callers.as('owner', [A().id]);
    const add = await req('POST', `/api/properties/${A().entrataId}/staff`, owner, { email: u.email, role: 'employee' });
    expect(add.statusCode).toBe(201);
    expect(add.json().oneTimePassword).toBeNull();
    expect((await req('POST', `/api/properties/${A().entrataId}/staff`, owner, { email: u.email, role: 'employee' })).json().code).toBe('already-staff');
    const adm = await req('POST', `/api/properties/${A().entrataId}/staff`, owner, { email: admin.email, role: 'employee' });
    expect(adm.statusCode).toBe(409);
    expect(adm.json().code).toBe('user-is-admin');
    // An administrator is never in a property's staff: an owner cannot change them.
    expect((await req('PUT', `/api/properties/${A().entrataId}/staff/${admin.userId}`, owner, { role: 'employee' })).statusCode).toBe(404);
  });

  it('validation names the wrong field; a user not at the property answers 404; an owner cannot change their own role', async () => {
    const owner = t.callers.as('owner', [A().id]);
    const bad = await req('POST', `/api/properties/${A().entrataId}/staff`, owner, { email: 'x@example.com', role: 'boss' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/role/);
    const badEmail = await req('POST', `/api/properties/${A().entrataId}/staff`, owner, { email: 'not-an-address', role: 'employee' });
    expect(badEmail.statusCode).toBe(400);
    expect(badEmail.json().message).toMatch(/^email/);
    const elsewhere = await staffUser(t, 'employee', [B().id]);
    expect((await req('DELETE', `/api/properties/${A().entrataId}/staff/${elsewhere.userId}`, owner)).statusCode).toBe(404);
    expect((await req('PUT', `/api/properties/${A().entrataId}/staff/999999`, owner, { role: 'employee' })).statusCode).toBe(404);
    const me = await staffUser(t, 'owner', [A().id]);
    const b = await signIn(t.app, me.email, PASSWORD);
    const own = await b.request('PUT', `/api/properties/${A().entrataId}/staff/${me.userId}`, { role: 'employee' });
    expect(own.statusCode).toBe(409);
    expect(own.json().code).toBe('own-account');
  });

  it('a manager may not manage staff (403); an owner of B only sees nothing of A (404)', async () => {
    expect((await req('GET', `/api/properties/${A().entrataId}/staff`, t.callers.as('manager', [A().id]))).statusCode).toBe(403);
    expect((await req('GET', `/api/properties/${A().entrataId}/staff`, t.callers.as('owner', [B().id]))).statusCode).toBe(404);
  });
});

describe('platform users (administrators)', () => {
  it('adds an owner of two properties, lists, resets the password, disables', async () => {
    const add = await req('POST', '/api/users', t.admin, { email: 'Owner.Two@Example.com', role: 'owner', properties: [A().entrataId, B().entrataId] });
    expect(add.statusCode).toBe(201);
    const { user, oneTimePassword } = add.json();
    expect(user.roles.map((r: { propertyId: string }) => r.propertyId).sort()).toEqual([A().entrataId, B().entrataId].sort());
    expect(oneTimePassword).toBeTruthy();
    // The same address in another case is the same person.
    expect((await req('POST', '/api/users', t.admin, { email: 'owner.two@example.com', role: 'employee', properties: [A().entrataId] })).statusCode).toBe(409);
    const list = await req('GET', '/api/users', t.admin);
    expect(list.json().items.find((u: { userId: number }) => u.userId === user.userId)).toMatchObject({ email: 'Owner.Two@Example.com', disabledAt: null });
    const reset = await req('POST', `/api/users/${user.userId}/reset-password`, t.admin);
    expect(reset.statusCode).toBe(200);
    expect(reset.json().oneTimePassword).not.toBe(oneTimePassword);
    expect(reset.json().user.mustChangePassword).toBe(true);
    const disabled = await req('POST', `/api/users/${user.userId}/disable`, t.admin);
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json().disabledAt).not.toBeNull();
  });

  it('validation names the field; unknown users answer 404; only administrators (403)', async () => {
    const noProps = await req('POST', '/api/users', t.admin, { email: 'p@example.com', role: 'manager' });
    expect(noProps.statusCode).toBe(400);
    expect(noProps.json().message).toMatch(/^properties/);
    const unknownProp = await req('POST', '/api/users', t.admin, { email: 'p@example.com', role: 'manager', properties: ['999999'] });
    expect(unknownProp.statusCode).toBe(404);
    expect(unknownProp.json().message).toMatch(/^properties: no property 999999/);
    expect((await req('POST', '/api/users', t.admin, { email: 'p@example.com', role: 'king' })).json().message).toMatch(/role/);
    expect((await req('POST', '/api/users/999999/disable', t.admin)).statusCode).toBe(404);
    expect((await req('POST', '/api/users/999999/reset-password', t.admin)).statusCode).toBe(404);
    expect((await req('POST', '/api/users/abc/disable', t.admin)).json().message).toMatch(/userId/);
    expect((await req('GET', '/api/users', t.callers.as('owner', [A().id]))).statusCode).toBe(403);
  });
});

describe('API tokens (administrators)', () => {
  it('creates (secret shown once), lists with last use, revokes at once', async () => {
    const created = await req('POST', '/api/tokens', t.admin, { name: 'door-sync', role: 'employee', properties: [A().entrataId] });
    expect(created.statusCode).toBe(201);
    const { token, secret } = created.json();
    expect(secret).toMatch(/^pbt_/);
    expect(token).toMatchObject({ name: 'door-sync', role: 'employee', properties: [A().entrataId], createdBy: null, lastUsedAt: null, revokedAt: null });
    const bearer = { authorization: `Bearer ${secret}` };
    expect((await req('GET', `/api/properties/${A().entrataId}/runs`, bearer)).statusCode).toBe(200);
    expect((await req('GET', `/api/properties/${B().entrataId}/runs`, bearer)).statusCode).toBe(404);
    const list = await req('GET', '/api/tokens', t.admin);
    expect(JSON.stringify(list.json())).not.toContain(secret);
    expect(list.json().items.find((x: { tokenId: number }) => x.tokenId === token.tokenId).lastUsedAt).not.toBeNull();
    // Two live tokens never share a name (the audit names tokens by it).
    expect((await req('POST', '/api/tokens', t.admin, { name: 'Door-Sync', role: 'employee', properties: [A().entrataId] })).statusCode).toBe(409);
    const revoked = await req('DELETE', `/api/tokens/${token.tokenId}`, t.admin);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revokedAt).not.toBeNull();
    const after = await req('GET', `/api/properties/${A().entrataId}/runs`, bearer);
    expect(after.statusCode).toBe(401);
    expect(after.json().code).toBe('token-invalid');
    const audit = await t.bench.db.selectFrom('audit_event').select(['action', 'details']).where('action', 'in', ['token-create', 'token-revoke']).execute();
    expect(audit.map((x) => x.action)).toEqual(expect.arrayContaining(['token-create', 'token-revoke']));
    expect(JSON.stringify(audit)).not.toContain(secret);
  });

  it('validation names the field; an unknown token answers 404; only administrators (403)', async () => {
    expect((await req('POST', '/api/tokens', t.admin, { role: 'employee' })).json().message).toMatch(/name/);
    expect((await req('POST', '/api/tokens', t.admin, { name: 'x', role: 'admin', properties: [A().entrataId] })).json().message).toMatch(/^properties/);
    expect((await req('DELETE', '/api/tokens/999999', t.admin)).statusCode).toBe(404);
    expect((await req('GET', '/api/tokens', t.callers.as('owner', [A().id]))).statusCode).toBe(403);
    expect((await req('GET', '/api/tokens', { authorization: 'Basic abc' })).json().code).toBe('bad-authorization');
  });
});

describe('the access cases of these routes (test/http/access/auth.ts)', () => {
  it('name every session, staff, user and token route; an administrator is let through each, anonymous only through the public ones', async () => {
    const { cases } = await import('./access/auth.ts');
    const { apiRoutesOf } = await import('../../src/http/api-route.ts');
    const mine = apiRoutesOf(t.app)
      .filter((r) => /^\/api\/(session|sessions|password-reset|users|tokens)\b|\/staff\b/.test(r.url))
      .map((r) => `${r.method} ${r.url}`);
    expect(cases.map((c) => c.route).sort()).toEqual(mine.sort());
    const fx = { entrataId: A().entrataId, dbId: A().id, customerId: '', unit: '' };
    for (const c of cases) {
      const [method] = c.route.split(' ');
      const isPublic = apiRoutesOf(t.app).find((r) => `${r.method} ${r.url}` === c.route)!.access === 'public';
      const anon = await req(method!, (await c.request(fx, t)).url, {}, (await c.request(fx, t)).payload);
      if (!isPublic) expect(anon.statusCode, c.route).toBe(401);
      const r = await c.request(fx, t);
      const asAdmin = await req(method!, r.url, t.callers.as('admin'), r.payload);
      expect([401, 403, 404], `${c.route}: ${asAdmin.body}`).not.toContain(asAdmin.statusCode);
      const foreign = await c.request({ ...fx, entrataId: B().entrataId, dbId: B().id }, t);
      if (c.route.includes(':propertyId'))
        expect((await req(method!, foreign.url, t.callers.as('owner', [A().id]), foreign.payload)).statusCode, c.route).toBe(404);
    }
  });
});
