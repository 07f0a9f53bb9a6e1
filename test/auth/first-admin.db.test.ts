// The first start with no staff user: an administrator whose one-time password is printed on the terminal only.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureFirstAdmin } from '../../src/auth/users.ts';
import { loadConfig } from '../../src/config/config.ts';
import { cleanEnv, ROOT } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
}, 60_000);
afterAll(async () => t?.drop());

it('the administrator is admin@ the public host, or PEBBLES_ADMIN_EMAIL', () => {
  expect(loadConfig({}).firstAdminEmail).toBe('admin@pebbles.localhost');
  expect(loadConfig({ PEBBLES_PUBLIC_URL: 'https://wifi.example.com' }).firstAdminEmail).toBe('admin@wifi.example.com');
  expect(loadConfig({ PEBBLES_PUBLIC_URL: 'http://10.0.0.5:8080' }).firstAdminEmail).toBe('admin@pebbles.localhost');
  expect(loadConfig({ PEBBLES_ADMIN_EMAIL: 'ops@example.com' }).firstAdminEmail).toBe('ops@example.com');
  expect(() => loadConfig({ PEBBLES_ADMIN_EMAIL: 'ops' })).toThrow(/^PEBBLES_ADMIN_EMAIL: must be an e-mail address/);
});

/** `pebbles start` until its HTTP server listens; then SIGTERM. Answers what it printed on each stream. */
async function startOnce(env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string; url: string }> {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin/pebbles.js'), 'start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const deadline = Date.now() + 60_000;
  while (!/pebbles is running/.test(stderr) && proc.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const url = /"url":"(http:\/\/[^"]+)","api":true/.exec(stderr)?.[1] ?? '';
  proc.kill('SIGTERM');
  expect(await exited).toBe(0);
  return { stdout, stderr, url };
}

it('pebbles start on a database with no staff user prints the administrator and its one-time password once, never in a log line', async () => {
  const env = cleanEnv({
    DATABASE_URL: t.url,
    PEBBLES_SECRET_KEY: randomBytes(32).toString('hex'),
    PEBBLES_DEMO: 'off',
    PORT: '0',
    LOG_FORMAT: 'json',
    PEBBLES_ADMIN_EMAIL: 'ops@example.com',
  });
  const first = await startOnce(env);
  expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(first.stdout).toContain(`address:  ${first.url}`);
  expect(first.stdout).toContain('e-mail:   ops@example.com');
  // Where to try the API with it before any console exists: the browsable reference.
  expect(first.stdout).toContain(`api docs: ${first.url}/api/docs`);
  const password = /password: (\S+)/.exec(first.stdout)![1]!;
  expect(password).toMatch(/^\w{5}(-\w{5}){3}$/);
  expect(first.stderr).not.toContain(password);
  expect(first.stderr).toContain('first administrator created');
  const admin = await t.db.selectFrom('staff_user').select(['email', 'admin', 'must_change_password']).execute();
  expect(admin).toEqual([{ email: 'ops@example.com', admin: true, must_change_password: true }]);
  // The next start finds a staff user: nothing is created or printed.
  const second = await startOnce(env);
  expect(second.stdout).not.toMatch(/password/);
  expect(await t.db.selectFrom('staff_user').select('id').execute()).toHaveLength(1);
}, 180_000);

it('two processes starting together create one administrator', async () => {
  await t.db.deleteFrom('staff_user').execute();
  const results = await Promise.all([1, 2, 3].map(() => ensureFirstAdmin(t.db, 'ops@example.com', new Date())));
  expect(results.filter(Boolean)).toHaveLength(1);
  expect(await t.db.selectFrom('staff_user').select('id').execute()).toHaveLength(1);
});
