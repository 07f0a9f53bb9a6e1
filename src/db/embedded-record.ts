import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../files/atomic-file.ts';

/**
 * `<dataDir>/postgres.json` (mode 600): the embedded server's port, user and generated password, so
 * every Pebbles process on the machine finds the server. It is replaced atomically at each start (a
 * crash leaves the old record or the new one, never an empty file). Losing it loses no data: the
 * password can be set again from the cluster itself (`pebbles embedded recover`).
 */
export interface ServerRecord {
  port: number;
  user: string;
  password: string;
}

export const RECORD_FILE = 'postgres.json';

export type RecordRead = { state: 'ok'; record: ServerRecord } | { state: 'missing' } | { state: 'unreadable'; reason: string };

export function recordPath(dataDir: string): string {
  return path.join(dataDir, RECORD_FILE);
}

export async function readRecord(dataDir: string): Promise<RecordRead> {
  let text: string;
  try {
    text = await readFile(recordPath(dataDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'unreadable', reason: (err as Error).message };
  }
  if (!text.trim()) return { state: 'unreadable', reason: 'the file is empty' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { state: 'unreadable', reason: 'the file is not JSON' };
  }
  const r = value as Partial<ServerRecord> | null;
  const valid =
    r !== null &&
    typeof r === 'object' &&
    Number.isInteger(r.port) &&
    r.port! > 0 &&
    r.port! < 65536 &&
    typeof r.user === 'string' &&
    r.user !== '' &&
    typeof r.password === 'string' &&
    r.password !== '';
  if (!valid) return { state: 'unreadable', reason: 'the file lacks a port, user or password' };
  return { state: 'ok', record: { port: r.port!, user: r.user!, password: r.password! } };
}

export async function writeRecord(dataDir: string, record: ServerRecord): Promise<void> {
  await writeFileAtomic(recordPath(dataDir), JSON.stringify(record), 0o600);
}
