// Every expected failure of a command, run as a user runs it (`node bin/pebbles.js ...`): one line
// `pebbles: ...` on stderr saying what is wrong and what to do, no stack, a non-zero exit.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount } from '../../src/accounts/accounts.ts';
import { createJobBench, type JobBench } from '../jobs/support.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real command with only the environment given (no DATABASE_URL or PEBBLES_* of the caller's). */
function pebbles(args: string[], env: Record<string, string>, cwd: string): Promise<Outcome> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|PEBBLES_|PORT$|LOG_|ENTRATA_)/.test(k)));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'bin/pebbles.js'), ...args],
      { cwd, env: { ...base, LOG_LEVEL: 'error', LOG_FORMAT: 'json', ...env }, timeout: 180_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

/** The one line a failure prints; fails the test when there is more, or a stack. */
function oneLine(o: Outcome, exitCode = 1): string {
  const lines = o.stderr.split('\n').filter((l) => l !== '');
  expect(lines, o.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^pebbles: /);
  expect(o.stderr).not.toContain('    at ');
  expect(o.code).toBe(exitCode);
  return lines[0]!;
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

// Each command starts a Node process with tsx: seconds each on a loaded machine.
describe('failures speak one line', { timeout: 300_000 }, () => {
  let bench: JobBench;
  let env: Record<string, string>;
  let cwd: string;
  let property: string;
  let deadPort: number;

  beforeAll(async () => {
    bench = await createJobBench({ start: new Date(), timeZone: 'America/Chicago', properties: 1, units: 6 });
    await bench.step(); // a full sync: the property's units are stored
    property = bench.props[0]!.entrataId;
    deadPort = await closedPort();
    await addAccount(bench.db, bench.secrets, {
      name: 'down',
      subdomain: 'down',
      baseUrl: `http://127.0.0.1:${deadPort}`,
      credential: { kind: 'apikey', apiKey: 'k' },
    });
    await addAccount(bench.db, bench.secrets, {
      name: 'wrongkey',
      subdomain: 'acme',
      baseUrl: bench.sim.url,
      credential: { kind: 'apikey', apiKey: 'not-the-key' },
    });
    env = { DATABASE_URL: bench.t.url, PEBBLES_SECRET_KEY: bench.secretKeyHex };
    // No .env of the repository's is read: the commands run in a folder of their own.
    cwd = await mkdtemp(path.join(os.tmpdir(), 'pebbles-failures-'));
  }, 120_000);
  afterAll(async () => {
    await bench?.close();
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  const runs = async () => JSON.parse((await pebbles(['runs', '--property', property, '--json'], env, cwd)).stdout) as unknown[];

  it('a bad setting names the variable', async () => {
    const line = oneLine(await pebbles(['account', 'list'], { ...env, PORT: 'abc' }, cwd));
    expect(line).toBe('pebbles: PORT: must be a number (see Configuration in README.md)');
  });

  it('a malformed or wrong secret key says so', async () => {
    const other = 'ab'.repeat(32);
    const [malformed, wrong] = await Promise.all([
      pebbles(['account', 'list'], { ...env, PEBBLES_SECRET_KEY: 'xyz' }, cwd),
      pebbles(['account', 'test', '--name', 'wrongkey'], { ...env, PEBBLES_SECRET_KEY: other }, cwd),
    ]);
    expect(oneLine(malformed!)).toMatch(/^pebbles: PEBBLES_SECRET_KEY: must be 32 bytes, as 64 hex characters or base64/);
    expect(oneLine(wrong!)).toMatch(/^pebbles: .*PEBBLES_SECRET_KEY/);
  });

  it('a data directory that cannot be created says so, before anything else', async () => {
    const file = path.join(cwd, 'a-file');
    await writeFile(file, '');
    const line = oneLine(await pebbles(['account', 'list'], { PEBBLES_DATA_DIR: path.join(file, 'data') }, cwd));
    expect(line).toMatch(/^pebbles: PEBBLES_DATA_DIR .*a-file\/data cannot be used \(ENOTDIR\): choose a directory/);
  });

  it('the database down, missing, or refusing the user: where, why, and what to check', async () => {
    const url = new URL(bench.t.url);
    const down = new URL(url);
    down.port = String(deadPort);
    const missing = new URL(url);
    missing.pathname = '/pebbles_no_such_database';
    const stranger = new URL(url);
    stranger.username = 'pebbles_nobody';
    stranger.password = 'wrong';
    const [a, b, c] = await Promise.all([down, missing, stranger].map((u) => pebbles(['account', 'list'], { ...env, DATABASE_URL: u.href }, cwd)));
    expect(oneLine(a!)).toBe(
      `pebbles: the database at 127.0.0.1:${deadPort}${url.pathname} cannot be used (connect ECONNREFUSED 127.0.0.1:${deadPort}): start it, or check DATABASE_URL`,
    );
    expect(oneLine(b!)).toMatch(
      /^pebbles: the database at .*\/pebbles_no_such_database cannot be used \(database "pebbles_no_such_database" does not exist\): start it, or check DATABASE_URL$/,
    );
    const line = oneLine(c!);
    expect(line).toMatch(/^pebbles: the database at .* cannot be used \(.*"pebbles_nobody".*\): start it, or check DATABASE_URL$/);
    expect(line).not.toContain('wrong'); // never the password
  });

  it('web on a port another process uses: which address, why, what to change; the queue stopped before the database', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const { port } = taken.address() as net.AddressInfo;
    try {
      // At LOG_LEVEL=info: nothing logged at error level on the way out either.
      const o = await pebbles(['web'], { ...env, PORT: String(port), PEBBLES_HOST: '127.0.0.1', LOG_LEVEL: 'info' }, cwd);
      const lines = o.stderr.split('\n').filter((l) => l !== '' && !/"level":(10|20|30)\b/.test(l));
      expect(lines).toEqual([
        `pebbles: cannot listen on 127.0.0.1:${port} (EADDRINUSE: another process uses that port): choose another PORT (a worker: --metrics-port) or PEBBLES_HOST`,
      ]);
      expect(o.code).toBe(1);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });

  it('an unknown account, property or customer is named, with the command that lists what exists', async () => {
    const [account, prop, customer] = await Promise.all([
      pebbles(['account', 'test', '--name', 'nope'], env, cwd),
      pebbles(['sync', '--property', '999999'], env, cwd),
      pebbles(['resident', 'block', '--customer', 'nope'], env, cwd),
    ]);
    expect(oneLine(account!)).toBe('pebbles: no account named "nope" (see `pebbles account list`)');
    expect(oneLine(prop!)).toBe('pebbles: property 999999 is not enabled (see `pebbles property list`)');
    expect(oneLine(customer!)).toBe('pebbles: no resident with customer id nope (see `pebbles residents --property ID`)');
  });

  it('a bad flag value is refused before anything runs (exit 2)', async () => {
    const [unknown, at, day, hold, zone] = await Promise.all([
      pebbles(['sync', '--property', property, '--bogus'], env, cwd),
      pebbles(['sync', '--property', property, '--dry-run', '--at', '5'], env, cwd),
      pebbles(['resident', 'block', '--customer', '1', '--at', '2026-02-31'], env, cwd),
      pebbles(['approve', '--hold', 'abc'], env, cwd),
      pebbles(['property', 'enable', '--property', property, '--timezone', 'Mars/Olympus', '--ssid', 'x'], env, cwd),
    ]);
    expect(oneLine(unknown!, 2)).toBe("pebbles: unknown option '--bogus' (run with --help for usage)");
    expect(oneLine(at!, 2)).toMatch(/^pebbles: --at: not an ISO-8601 time: 5 \(for example/);
    expect(oneLine(day!, 2)).toMatch(/^pebbles: --at: not an ISO-8601 time: 2026-02-31/);
    expect(oneLine(hold!, 2)).toBe('pebbles: --hold: a whole number');
    expect(oneLine(zone!)).toMatch(/^pebbles: --timezone: not an IANA time zone: Mars\/Olympus/);
  });

  it('Entrata unreachable or refusing: what failed and what to do', async () => {
    const [down, refused] = await Promise.all([
      pebbles(['account', 'test', '--name', 'down'], env, cwd),
      pebbles(['account', 'test', '--name', 'wrongkey'], env, cwd),
    ]);
    expect(oneLine(down!)).toMatch(
      /^pebbles: status\/getStatus: transient: network error: .*\(Entrata could not be reached or failed: check the network and the account's base URL, or try again later\)$/,
    );
    expect(oneLine(refused!)).toMatch(/^pebbles: status\/getStatus: auth.*\(check the account's subdomain, API key or user and password/);
  });

  it('sync --customer abc and --unit 9999 are refused before a run is recorded, saying what exists', async () => {
    const before = await runs();
    expect(before.length).toBeGreaterThan(0);
    const units = await bench.db.selectFrom('unit').select(['number']).where('property_id', '=', bench.props[0]!.id).execute();
    const numbers = units.map((u) => u.number).sort((a, b) => a.length - b.length || (a < b ? -1 : 1));

    const [abc, unit, dry, stranger] = await Promise.all([
      pebbles(['sync', '--property', property, '--customer', 'abc'], env, cwd),
      pebbles(['sync', '--property', property, '--unit', '9999'], env, cwd),
      pebbles(['sync', '--property', property, '--unit', '9999', '--dry-run'], env, cwd),
      // Well formed, but on no lease there: Entrata is asked before anything is recorded.
      pebbles(['sync', '--property', property, '--customer', '987654321'], env, cwd),
    ]);
    expect(oneLine(abc!)).toBe(
      `pebbles: customer "abc" is not an Entrata customer id (a number such as 12345; see \`pebbles residents --property ${property}\`)`,
    );
    expect(oneLine(unit!)).toMatch(
      new RegExp(
        `^pebbles: no unit 9999 at property ${property} \\(${units.length} units, ${numbers[0]} to ${numbers.at(-1)}.*; see \`pebbles entrata units --property ${property}\`\\)$`,
      ),
    );
    expect(oneLine(dry!)).toBe(oneLine(unit!));
    expect(oneLine(stranger!)).toMatch(
      new RegExp(`^pebbles: customer 987654321 has no lease at property ${property}, in Entrata or in Pebbles \\(Pebbles knows \\d+ customers there; see`),
    );
    expect(await runs()).toEqual(before);

    // What exists still syncs.
    const ok = await pebbles(['sync', '--property', property, '--unit', numbers[0]!, '--json'], env, cwd);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).status).not.toBe('failed');
  });
});
