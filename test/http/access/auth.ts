import { randomBytes } from 'node:crypto';
import { createToken } from '../../../src/auth/tokens.ts';
import { createUser } from '../../../src/auth/users.ts';
import type { ApiBench } from '../../support/api-bench.ts';
import { SESSION_PASSWORD, type AccessCase, type PropertyFixture } from './types.ts';

/** Sign-in, sessions, staff and roles, platform users and API tokens. */

const unique = () => randomBytes(4).toString('hex');
const PASSWORD = 'an access-case passphrase';

/** An employee of the fixture's property (a staff member an owner may change or remove). */
async function employeeOf(fx: PropertyFixture, t: ApiBench): Promise<number> {
  const { user } = await createUser(t.bench.db, {
    email: `member-${unique()}@example.com`,
    role: 'employee',
    propertyIds: [fx.dbId],
    password: PASSWORD,
    now: t.bench.clock.now(),
  });
  return user.userId;
}

export const cases: AccessCase[] = [
  {
    route: 'POST /api/session',
    request: async (fx, t) => {
      const email = `signin-${unique()}@example.com`;
      await createUser(t.bench.db, { email, role: 'employee', propertyIds: [fx.dbId], password: PASSWORD, now: t.bench.clock.now() });
      return { url: '/api/session', payload: { email, password: PASSWORD } };
    },
  },
  { route: 'GET /api/session', request: () => ({ url: '/api/session' }) },
  // A token has no session: 400 (not-a-session) for tokens, 200 for a signed-in user (on a fresh session).
  { route: 'DELETE /api/session', actsOnOwnSession: true, request: () => ({ url: '/api/session' }) },
  { route: 'DELETE /api/sessions', actsOnOwnSession: true, request: () => ({ url: '/api/sessions' }) },
  {
    route: 'POST /api/session/password',
    actsOnOwnSession: true,
    request: () => ({ url: '/api/session/password', payload: { currentPassword: SESSION_PASSWORD, newPassword: 'a new long passphrase' } }),
  },
  { route: 'POST /api/password-reset', request: () => ({ url: '/api/password-reset', payload: { email: 'someone@example.com' } }) },
  {
    route: 'POST /api/password-reset/complete',
    request: () => ({ url: '/api/password-reset/complete', payload: { token: 'pbr_not-a-real-token', newPassword: 'a new long passphrase' } }),
  },
  { route: 'GET /api/properties/:propertyId/staff', request: (fx) => ({ url: `/api/properties/${fx.entrataId}/staff` }) },
  {
    route: 'POST /api/properties/:propertyId/staff',
    request: (fx) => ({ url: `/api/properties/${fx.entrataId}/staff`, payload: { email: `new-${unique()}@example.com`, role: 'employee' } }),
  },
  {
    route: 'PUT /api/properties/:propertyId/staff/:userId',
    request: async (fx, t) => ({ url: `/api/properties/${fx.entrataId}/staff/${await employeeOf(fx, t)}`, payload: { role: 'manager' } }),
  },
  {
    route: 'DELETE /api/properties/:propertyId/staff/:userId',
    request: async (fx, t) => ({ url: `/api/properties/${fx.entrataId}/staff/${await employeeOf(fx, t)}` }),
  },
  { route: 'GET /api/users', request: () => ({ url: '/api/users' }) },
  {
    route: 'POST /api/users',
    request: (fx) => ({ url: '/api/users', payload: { email: `user-${unique()}@example.com`, role: 'manager', properties: [fx.entrataId] } }),
  },
  { route: 'POST /api/users/:userId/disable', request: async (fx, t) => ({ url: `/api/users/${await employeeOf(fx, t)}/disable` }) },
  { route: 'POST /api/users/:userId/reset-password', request: async (fx, t) => ({ url: `/api/users/${await employeeOf(fx, t)}/reset-password` }) },
  { route: 'GET /api/tokens', request: () => ({ url: '/api/tokens' }) },
  {
    route: 'POST /api/tokens',
    request: (fx) => ({ url: '/api/tokens', payload: { name: `robot-${unique()}`, role: 'employee', properties: [fx.entrataId] } }),
  },
  {
    route: 'DELETE /api/tokens/:tokenId',
    request: async (fx, t) => {
      const { token } = await createToken(t.bench.db, {
        name: `old-${unique()}`,
        role: 'employee',
        propertyIds: [fx.dbId],
        createdBy: null,
        now: t.bench.clock.now(),
      });
      return { url: `/api/tokens/${token.tokenId}` };
    },
  },
];
