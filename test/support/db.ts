import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createKysely, type Db } from '../../src/db/database.ts';
import { adminQuery, withDatabase } from './db-global-setup.ts';

export interface TestDatabase {
  db: Db;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of this test file's own, cloned from the template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('adminUrl');
  const name = `pebbles_t_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `create database ${name} template ${inject('templateDb')}`);
  const url = withDatabase(adminUrl, name);
  const db = createKysely(url, 5);
  return {
    db,
    url,
    async drop() {
      await db.destroy();
      await adminQuery(adminUrl, `drop database if exists ${name} with (force)`);
    },
  };
}
