import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createUser } from '../../src/auth/users.ts';
import type { Role } from '../../src/auth/permissions.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import type { ApiBench } from '../support/api-bench.ts';

/** A logger whose lines the test reads: no password, token or cookie may ever appear in them. */
export function capturedLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = createLogger({
    level: 'trace',
    format: 'json',
    destination: { write: (s: string) => (lines.push(s), true) } as unknown as NodeJS.WritableStream,
  });
  return { log, lines };
}

export const PASSWORD = 'correct horse battery staple';

let seq = 0;

/** A staff user with a known password (no password change required). */
export async function staffUser(t: ApiBench, role: Role, properties: readonly number[] = [], password = PASSWORD) {
  const email = `staff${++seq}-${role}@example.com`;
  const { user } = await createUser(t.bench.db, { email, role, propertyIds: role === 'admin' ? [] : properties, password, now: t.bench.clock.now() });
  return { ...user, password };
}

/** A signed-in browser: its cookie and CSRF token, and requests made the way a browser makes them. */
export interface Browser {
  cookie: string;
  csrf: string;
  signIn: LightMyRequestResponse;
  request(method: string, url: string, payload?: unknown, o?: { csrf?: boolean }): Promise<LightMyRequestResponse>;
}

export async function signIn(app: FastifyInstance, email: string, password: string, address = '203.0.113.7'): Promise<Browser> {
  const r = await app.inject({ method: 'POST', url: '/api/session', payload: { email, password }, remoteAddress: address });
  if (r.statusCode !== 200) throw new Error(`sign-in failed: ${r.statusCode} ${r.body}`);
  const cookie = r.cookies.find((c) => c.name === 'pebbles_session')!;
  const b: Browser = {
    cookie: `${cookie.name}=${cookie.value}`,
    csrf: r.json().csrfToken,
    signIn: r,
    request: (method, url, payload, o = {}) =>
      app.inject({
        method: method as 'GET',
        url,
        payload: payload as object,
        headers: { cookie: b.cookie, ...(o.csrf === false ? {} : { 'x-csrf-token': b.csrf }) },
      }),
  };
  return b;
}
