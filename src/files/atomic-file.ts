import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { processAlive } from './process-alive.ts';

/**
 * Replaces `file` with `data` so a reader sees the old content or the new, never a part: the data goes
 * to a temporary file in the same directory (flushed to disk), which is then renamed over `file`, and
 * the directory is flushed so the rename survives a power cut. A process killed midway leaves at most a
 * temporary file `.<name>.<pid>.<random>.tmp`, which readers ignore and the next write of the same file
 * removes once its writer is gone.
 */
export async function writeFileAtomic(file: string, data: string, mode: number): Promise<void> {
  const dir = path.dirname(file);
  const base = path.basename(file);
  await removeStaleTemporaries(dir, base);
  const tmp = path.join(dir, `.${base}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.chmod(mode); // the umask may have narrowed it; never wider than asked
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r').catch(() => null);
  if (!fh) return;
  // Some systems refuse fsync on a directory; the rename itself has happened.
  await fh.sync().catch(() => undefined);
  await fh.close();
}

/** Temporary files of `base` whose writing process is gone (killed during a write). */
async function removeStaleTemporaries(dir: string, base: string): Promise<void> {
  const prefix = `.${base}.`;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (Number.isInteger(pid) && pid > 0 && !processAlive(pid)) await rm(path.join(dir, name), { force: true });
  }
}
