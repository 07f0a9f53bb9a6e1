import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createKysely } from '../../src/db/database.ts';
import { startEmbeddedServer, type EmbeddedServer } from '../../src/db/embedded.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDb: string;
  }
}

/**
 * One PostgreSQL for the db tests: DATABASE_URL when set (CI's second pass on PostgreSQL 15),
 * else an embedded server in a temporary folder. Migrations run once into a template database;
 * each test file clones its own database from it (test/support/db.ts).
 */
export default async function setup(project: TestProject) {
  let server: EmbeddedServer | null = null;
  let dataDir: string | null = null;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    // Reachable by the postgres user when tests run as root, so the cluster stays in it (and goes with it).
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'pebbles-test-'));
    await import('node:fs/promises').then((fs) => fs.chmod(dataDir!, 0o755));
    server = await startEmbeddedServer({ dataDir });
    adminUrl = server.url('postgres');
  }
  const templateDb = `pebbles_tpl_${process.pid}_${Date.now()}`;
  await adminQuery(adminUrl, `create database ${templateDb}`);
  const db = createKysely(withDatabase(adminUrl, templateDb), 2);
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
  project.provide('adminUrl', adminUrl);
  project.provide('templateDb', templateDb);

  return async () => {
    await adminQuery(adminUrl!, `drop database if exists ${templateDb} with (force)`).catch(() => undefined);
    await server?.release();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
