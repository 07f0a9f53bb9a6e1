import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { ConfigError } from '../config/config.ts';

// What the file system says when a path cannot be a directory this process writes in.
const UNUSABLE = new Set(['EACCES', 'EPERM', 'ENOTDIR', 'EEXIST', 'EROFS', 'ENOSPC', 'ELOOP', 'ENAMETOOLONG', 'EDQUOT']);

/**
 * The data directory of the embedded default (its secret key and database live there): created when
 * missing. A path that cannot be one is the user's to fix, said in one line before anything is read.
 */
export async function ensureDataDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!UNUSABLE.has(code)) throw err;
    throw new ConfigError(`PEBBLES_DATA_DIR ${dir} cannot be used (${code}): choose a directory this user may create and write, or set DATABASE_URL`, {
      code: 'data-dir-unusable',
      cause: err,
    });
  }
}
