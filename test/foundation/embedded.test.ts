// The embedded PostgreSQL server on real clusters in temporary folders: a lost or broken record never
// costs the data, the record survives a kill during its write, a second process never starts a second
// server on a running cluster, and as root it starts from a private (mode-700) folder.
import { execFile, spawn } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readlink, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedDatabaseError, recoverEmbeddedServer, startEmbeddedServer } from '../../src/db/embedded.ts';
import { SYSTEM_ROOT } from '../../src/db/embedded-layout.ts';
import { readRecord, RECORD_FILE, writeRecord, type ServerRecord } from '../../src/db/embedded-record.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const isRoot = process.getuid?.() === 0;
const SLOW = 300_000; // real servers and commands on a busy machine

let base: string;
/** A data directory with a cluster holding one row in `kept`, its server stopped. */
let template: string;

/** What the CLI prints and its exit code, run as a user would with PEBBLES_DATA_DIR. */
async function pebbles(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PEBBLES_DATA_DIR: dataDir, LOG_LEVEL: 'warn', LOG_FORMAT: 'json' };
  delete env.DATABASE_URL;
  delete env.PEBBLES_SECRET_KEY;
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(ROOT, 'bin/pebbles.js'), ...args], { cwd: ROOT, env, timeout: 150_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function query<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

const kept = async (url: string) => (await query<{ note: string }>(url, 'select note from kept')).map((r) => r.note);

/** A copy of the template data directory (owner and modes kept: the cluster belongs to the server user). */
async function copyOfTemplate(name: string): Promise<string> {
  const dir = path.join(base, name);
  await run('cp', ['-a', template, dir]);
  return dir;
}

const clusterOf = (dataDir: string) => realpathSync(path.join(dataDir, 'pg'));
const postmasterPid = (dataDir: string) => Number(readFileSync(path.join(clusterOf(dataDir), 'postmaster.pid'), 'utf8').split('\n')[0]);

beforeAll(async () => {
  // Reachable by the postgres user when run as root, as the test server's folder is.
  base = await mkdtemp(path.join(os.tmpdir(), 'pebbles-embedded-'));
  await chmod(base, 0o755);
  template = path.join(base, 'template');
  const server = await startEmbeddedServer({ dataDir: template });
  try {
    await query(server.url(), "create table kept (note text); insert into kept values ('credentials, keys and audit')");
  } finally {
    await server.release();
  }
}, 240_000);

afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

describe('a record that is lost or broken never costs the data', () => {
  it(
    'an empty postgres.json next to a cluster is a one-line stop that deletes nothing; recovery sets a new password and the data is there',
    async () => {
      const dataDir = await copyOfTemplate('empty-record');
      await writeFile(path.join(dataDir, RECORD_FILE), '');
      const err = await startEmbeddedServer({ dataDir }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(EmbeddedDatabaseError);
      expect((err as EmbeddedDatabaseError).code).toBe('embedded-record-unreadable');
      expect((err as Error).message).not.toContain('\n');
      expect((err as Error).message).toContain('pebbles embedded recover');
      expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
      expect(readFileSync(path.join(dataDir, RECORD_FILE), 'utf8')).toBe(''); // left for the user to see

      const result = await recoverEmbeddedServer({ dataDir });
      expect(result.recovered).toBe(true);
      expect(statSync(path.join(dataDir, RECORD_FILE)).mode & 0o777).toBe(0o600);
      const server = await startEmbeddedServer({ dataDir });
      try {
        expect(await kept(server.url())).toEqual(['credentials, keys and audit']);
      } finally {
        await server.release();
      }
    },
    SLOW,
  );

  it(
    'a missing postgres.json with a cluster present: the command stops with one line and exit 1, the cluster stays; `pebbles embedded recover` brings it back',
    async () => {
      const dataDir = await copyOfTemplate('missing-record');
      await rm(path.join(dataDir, RECORD_FILE));
      const before = readdirSync(path.join(dataDir, 'pg')).sort();

      const listed = await pebbles(dataDir, 'account', 'list');
      expect(listed.code).toBe(1);
      expect(listed.stdout).not.toContain('(none)');
      const lines = listed.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^pebbles: .*postgres\.json is missing, but .* holds the embedded database; nothing was changed: run `pebbles embedded recover`/,
      );
      expect(readdirSync(path.join(dataDir, 'pg')).sort()).toEqual(before);
      expect(existsSync(path.join(dataDir, RECORD_FILE))).toBe(false);

      const recovered = await pebbles(dataDir, 'embedded', 'recover');
      expect(recovered.code, recovered.stderr).toBe(0);
      expect(recovered.stdout).toMatch(/^recovered: /);
      const again = await pebbles(dataDir, 'embedded', 'recover');
      expect(again.stdout).toMatch(/^nothing to recover: /);
      const server = await startEmbeddedServer({ dataDir });
      try {
        expect(await kept(server.url())).toEqual(['credentials, keys and audit']);
      } finally {
        await server.release();
      }
    },
    SLOW,
  );

  it('a record whose cluster is gone is a stop, not a new empty database', async () => {
    const dataDir = await copyOfTemplate('moved-cluster');
    await rename(path.join(dataDir, 'pg'), path.join(base, 'moved-cluster-pg'));
    const err = await startEmbeddedServer({ dataDir }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as EmbeddedDatabaseError).code).toBe('embedded-cluster-missing');
    expect((err as Error).message).toMatch(/there is no embedded database in .*; nothing was changed: put the database back/);
    expect(existsSync(path.join(dataDir, 'pg'))).toBe(false);
    expect((await readRecord(dataDir)).state).toBe('ok');
  });

  it('a folder at pg with files but no cluster is refused, not emptied', async () => {
    const dataDir = path.join(base, 'foreign-files');
    await mkdir(path.join(dataDir, 'pg'), { recursive: true });
    await writeFile(path.join(dataDir, 'pg', 'notes.txt'), 'mine');
    const err = await startEmbeddedServer({ dataDir }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as EmbeddedDatabaseError).code).toBe('embedded-dir-not-empty');
    expect(readFileSync(path.join(dataDir, 'pg', 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('a creation marker next to a cluster that has served data (record lost) does not make it look like an interrupted creation', async () => {
    const dataDir = await copyOfTemplate('marker-on-used-cluster');
    await writeFile(path.join(dataDir, 'pg.init'), '12345\n');
    await rm(path.join(dataDir, RECORD_FILE));
    const err = await startEmbeddedServer({ dataDir }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as EmbeddedDatabaseError).code).toBe('embedded-record-missing');
    expect(readdirSync(dataDir).filter((n) => n.startsWith('pg.interrupted-'))).toEqual([]);
    expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
  });

  it(
    'a creation of our own interrupted midway (its marker present) is moved aside, never deleted, and made again',
    async () => {
      const dataDir = path.join(base, 'interrupted');
      await mkdir(path.join(dataDir, 'pg'), { recursive: true });
      await writeFile(path.join(dataDir, 'pg', 'PG_VERSION'), '18\n'); // initdb killed after its first files
      await writeFile(path.join(dataDir, 'pg.init'), '12345\n');
      const server = await startEmbeddedServer({ dataDir });
      try {
        expect(await query(server.url(), 'select 1 as one')).toEqual([{ one: 1 }]);
      } finally {
        await server.release();
      }
      const aside = readdirSync(dataDir).filter((n) => n.startsWith('pg.interrupted-'));
      expect(aside).toHaveLength(1);
      expect(readFileSync(path.join(dataDir, aside[0]!, 'PG_VERSION'), 'utf8')).toBe('18\n');
      expect(existsSync(path.join(dataDir, 'pg.init'))).toBe(false);
    },
    SLOW,
  );
});

describe('the record is replaced atomically', () => {
  it(
    'killing the writer at random moments leaves the old record or the new, never an empty or partial one; readers ignore temporary files',
    async () => {
      const dataDir = path.join(base, 'kill-during-write');
      await mkdir(dataDir, { recursive: true });
      const first: ServerRecord = { port: 40000, user: 'postgres', password: 'x'.repeat(32) };
      await writeFile(path.join(dataDir, RECORD_FILE), JSON.stringify(first), { mode: 0o600 });
      // A child that rewrites the record as fast as it can, with a long password so each write takes a while.
      const script = `
      import { writeRecord } from ${JSON.stringify(path.join(ROOT, 'src/db/embedded-record.ts'))};
      for (let i = 0; ; i++) {
        await writeRecord(process.argv[1], { port: 40000 + (i % 1000), user: 'postgres', password: String(i % 10).repeat(200_000) });
        if (i === 0) process.stdout.write('writing\\n');
      }
    `;
      let deadPid = 0;
      for (let round = 0; round < 12; round++) {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dataDir], {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        await new Promise((resolve, reject) => {
          child.stdout!.once('data', resolve); // it is writing
          child.once('exit', (code) => reject(new Error(`the writer exited (${code}) before writing`)));
        });
        await new Promise((r) => setTimeout(r, Math.random() * 50));
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        deadPid = child.pid!;
        const read = await readRecord(dataDir);
        expect(read.state, `round ${round}`).toBe('ok');
        if (read.state === 'ok') expect(read.record.password).toMatch(/^(x{32}|(\d)\2{199999})$/);
        expect(statSync(path.join(dataDir, RECORD_FILE)).mode & 0o777).toBe(0o600);
      }
      // What a writer killed before its rename leaves: ignored by readers, removed by the next write.
      await writeFile(path.join(dataDir, `.${RECORD_FILE}.${deadPid}.0badf00d.tmp`), '{"port":1,', { mode: 0o600 });
      expect((await readRecord(dataDir)).state).toBe('ok');
      await writeRecord(dataDir, first);
      expect(readdirSync(dataDir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
      expect(await readRecord(dataDir)).toEqual({ state: 'ok', record: first });
    },
    SLOW,
  );
});

describe('two processes never start two servers on one cluster', () => {
  it(
    'with a server running and its record removed, another process stops with one line; the running server and its postmaster.pid are untouched',
    async () => {
      const dataDir = await copyOfTemplate('live-without-record');
      const first = await startEmbeddedServer({ dataDir });
      try {
        const pid = postmasterPid(dataDir);
        await rm(path.join(dataDir, RECORD_FILE));

        const second = await pebbles(dataDir, 'account', 'list');
        expect(second.code).toBe(1);
        const lines = second.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(
          new RegExp(`^pebbles: .*postgres\\.json is missing, but the embedded database in .* is running \\(pid ${pid}\\); nothing was changed`),
        );
        expect(postmasterPid(dataDir)).toBe(pid);
        expect(await kept(first.url())).toEqual(['credentials, keys and audit']);

        // Recovery will not pull the server from under its users unless told to.
        const refused = await pebbles(dataDir, 'embedded', 'recover');
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/is running \(pid \d+\) and cannot be reached without its record: .*--stop/);
        expect(await kept(first.url())).toEqual(['credentials, keys and audit']);

        const recovered = await pebbles(dataDir, 'embedded', 'recover', '--stop');
        expect(recovered.code, recovered.stderr).toBe(0);
        const after = await startEmbeddedServer({ dataDir });
        try {
          expect(await kept(after.url())).toEqual(['credentials, keys and audit']);
        } finally {
          await after.release();
        }
      } finally {
        await first.release();
      }
    },
    SLOW,
  );

  it(
    'a record that the running server does not accept is a stop after a short wait, never a second server',
    async () => {
      const dataDir = await copyOfTemplate('live-wrong-record');
      const first = await startEmbeddedServer({ dataDir });
      try {
        const pid = postmasterPid(dataDir);
        const read = await readRecord(dataDir);
        if (read.state !== 'ok') throw new Error('no record');
        await writeRecord(dataDir, { ...read.record, password: 'not-the-password' });
        const err = await startEmbeddedServer({ dataDir }).then(
          () => null,
          (e: unknown) => e,
        );
        expect((err as EmbeddedDatabaseError).code).toBe('embedded-server-unreachable');
        expect((err as Error).message).toMatch(
          new RegExp(`runs \\(pid ${pid}\\) but does not accept the port and password in .*pebbles embedded recover --stop`),
        );
        expect(postmasterPid(dataDir)).toBe(pid);
        expect(await kept(first.url())).toEqual(['credentials, keys and audit']);
      } finally {
        await first.release();
      }
    },
    SLOW,
  );

  it(
    'a second process joins a running server through the record instead of starting another',
    async () => {
      const dataDir = await copyOfTemplate('join');
      const first = await startEmbeddedServer({ dataDir });
      try {
        const pid = postmasterPid(dataDir);
        const second = await pebbles(dataDir, 'migrate');
        expect(second.code, second.stderr).toBe(0);
        expect(postmasterPid(dataDir)).toBe(pid);
        expect(await kept(first.url())).toEqual(['credentials, keys and audit']);
      } finally {
        await first.release();
      }
    },
    SLOW,
  );

  it(
    'a postmaster.pid left by a crash, naming a pid now used by another program, does not block the start',
    async () => {
      const dataDir = await copyOfTemplate('stale-pid');
      // This test's own process: alive, and not a PostgreSQL server.
      await writeFile(path.join(dataDir, 'pg', 'postmaster.pid'), `${process.pid}\n${clusterOf(dataDir)}\n`);
      const server = await startEmbeddedServer({ dataDir });
      try {
        expect(await kept(server.url())).toEqual(['credentials, keys and audit']);
        expect(postmasterPid(dataDir)).not.toBe(process.pid);
      } finally {
        await server.release();
      }
    },
    SLOW,
  );
});

describe('as root', () => {
  it.skipIf(!isRoot)(
    'a cluster already in <dataDir>/pg inside a mode-700 folder is left where it is, with a one-line stop naming the folder (skipped when not root)',
    async () => {
      const parent = await mkdtemp(path.join(os.homedir(), 'pebbles-private-'));
      try {
        await chmod(parent, 0o700);
        const dataDir = path.join(parent, 'data');
        await run('cp', ['-a', template, dataDir]);
        const err = await startEmbeddedServer({ dataDir }).then(
          () => null,
          (e: unknown) => e,
        );
        expect((err as EmbeddedDatabaseError).code).toBe('embedded-unreachable');
        expect((err as Error).message).toMatch(
          /^the postgres user cannot enter \/.* \(mode 700\), on the way to the embedded database in .*; move the data directory/,
        );
        expect(lstatSync(path.join(dataDir, 'pg')).isDirectory()).toBe(true);
        expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
        expect(statSync(parent).mode & 0o777).toBe(0o700);
      } finally {
        await rm(parent, { recursive: true, force: true });
      }
    },
  );

  it.skipIf(!isRoot)(
    'from a mode-700 folder, the embedded server starts with no other step, the folders keep their modes, and the cluster lives under /var/lib/pebbles (skipped when not root: PostgreSQL then runs as this user)',
    async () => {
      const parent = await mkdtemp(path.join(os.homedir(), 'pebbles-private-'));
      await chmod(parent, 0o700);
      const homeMode = statSync(os.homedir()).mode & 0o777;
      const dataDir = path.join(parent, 'data');
      let cluster: string | null = null;
      try {
        const first = await pebbles(dataDir, 'migrate');
        expect(first.code, first.stderr).toBe(0);
        expect(lstatSync(path.join(dataDir, 'pg')).isSymbolicLink()).toBe(true);
        cluster = await readlink(path.join(dataDir, 'pg'));
        expect(cluster.startsWith(`${SYSTEM_ROOT}/`)).toBe(true);
        expect(existsSync(path.join(cluster, 'PG_VERSION'))).toBe(true);
        expect(statSync(cluster).uid).not.toBe(0);
        expect(readFileSync(path.join(path.dirname(cluster), 'data-dir'), 'utf8').trim()).toBe(dataDir);
        expect(statSync(path.join(dataDir, RECORD_FILE)).mode & 0o777).toBe(0o600);
        expect(statSync(path.join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
        expect(statSync(parent).mode & 0o777).toBe(0o700);
        expect(statSync(os.homedir()).mode & 0o777).toBe(homeMode);

        // The same cluster again at the next start: the data written before is there.
        const rec = await readRecord(dataDir);
        const server = await startEmbeddedServer({ dataDir });
        try {
          expect(rec.state).toBe('ok');
          await query(server.url('pebbles'), "create table kept (note text); insert into kept values ('still here')");
        } finally {
          await server.release();
        }
        const again = await startEmbeddedServer({ dataDir });
        try {
          expect(await kept(again.url('pebbles'))).toEqual(['still here']);
        } finally {
          await again.release();
        }
      } finally {
        await rm(parent, { recursive: true, force: true });
        if (cluster) await rm(path.dirname(cluster), { recursive: true, force: true });
      }
    },
    SLOW,
  );
});
