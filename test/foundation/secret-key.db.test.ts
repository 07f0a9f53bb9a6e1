// The secret key is proved against the database before anything uses it: a wrong key stops every
// command in one line with nothing written; `pebbles secret rotate` re-encrypts everything in one
// transaction; the database refuses values written under the old key afterwards.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateSecretKey } from '../../src/app/secret-key.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createSecretBox, keyCheck, type SecretBox } from '../../src/crypto/secrets.ts';
import type { Db } from '../../src/db/database.ts';
import { deliverDue } from '../../src/notifications/deliver.ts';
import { insertKeys } from '../../src/sync/apply.ts';
import { addResident, createBench, deliveryDeps, queue, startSmtp, T0, type Bench } from '../notifications/support.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { cleanEnv, runPebbles, type CliRun } from '../support/cli.ts';

/** Each child process starts tsx and the CLI: seconds each on a loaded machine. */
const SLOW = 300_000;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'pebbles-secret-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Runs the real command line against a database with a given key. */
function pebbles(args: string[], env: Record<string, string>, stdin?: string): Promise<CliRun> {
  return runPebbles(args, cleanEnv({ PEBBLES_DATA_DIR: dataDir, LOG_FORMAT: 'json', LOG_LEVEL: 'warn', PEBBLES_DEMO: 'off', ...env }), { stdin });
}

/** Every row of the tables a command could write, for "nothing changed". */
async function snapshot(db: Db) {
  const tables = ['entrata_account', 'psk', 'outbox', 'audit_event', 'secret_check', 'delivery'] as const;
  const out: Record<string, unknown[]> = {};
  for (const t of tables) out[t] = (await sql`select * from ${sql.table(t)} order by 1`.execute(db)).rows;
  return out;
}

const env = (t: TestDatabase, keyHex: string) => ({ DATABASE_URL: t.url, PEBBLES_SECRET_KEY: keyHex });
const oneLine = (r: CliRun) => r.stderr.trim().split('\n');

/** A database with what each encrypted column holds: credentials, keys, a sent message's copy, a caught message. */
async function populated(t: TestDatabase): Promise<{ b: Bench; customerId: string }> {
  const b = await createBench({ t, name: 'Secret Commons' });
  const r = await addResident(b, { email: 'first@example.com' });
  await addResident(b, { email: 'second@example.com' });
  const smtp = await startSmtp();
  const d = deliveryDeps(b, { smtp });
  await queue(b, r.residentId, 'welcome');
  await deliverDue(d, T0);
  await d.mail?.close();
  await smtp.stop();
  await b.db
    .insertInto('caught_message')
    .values({ channel: 'sms', sender: '+1', recipients: '+2', subject: 's', size: 4, raw_encrypted: b.secrets.encrypt('body') })
    .execute();
  return { b, customerId: r.customerId };
}

describe('a wrong secret key', () => {
  let t: TestDatabase;
  let b: Bench;
  let customerId: string;
  const wrong = randomBytes(32).toString('hex');

  beforeAll(async () => {
    t = await createTestDatabase();
    ({ b, customerId } = await populated(t));
  });
  afterAll(async () => {
    await t.drop();
  }, SLOW);

  it(
    'on a database with secrets but no check value yet: resident rotate-key and account add are refused in one line, nothing written',
    async () => {
      const before = await snapshot(b.db);
      const rotate = await pebbles(['resident', 'rotate-key', '--customer', customerId], env(t, wrong));
      expect(rotate.code).toBe(1);
      expect(oneLine(rotate)).toEqual([
        expect.stringMatching(/^pebbles: the secret key \(PEBBLES_SECRET_KEY\) does not decrypt the stored entrata_account secrets/),
      ]);
      const add = await pebbles(['account', 'add', '--name', 'other', '--subdomain', 'other', '--api-key', '-'], env(t, wrong), 'api-key-1');
      expect(add.code).toBe(1);
      expect(oneLine(add)).toHaveLength(1);
      expect(await snapshot(b.db)).toEqual(before);
    },
    SLOW,
  );

  it(
    'the right key works and records its check value (not the key), after which a wrong key is refused by it',
    async () => {
      const list = await pebbles(['account', 'list'], env(t, b.secretKeyHex));
      expect(list.code).toBe(0);
      const check = await b.db.selectFrom('secret_check').selectAll().execute();
      expect(check).toHaveLength(1);
      expect(check[0]!.check_value).toBe(keyCheck(Buffer.from(b.secretKeyHex, 'hex')).check);
      expect(JSON.stringify(check)).not.toContain(b.secretKeyHex);

      const before = await snapshot(b.db);
      for (const args of [
        ['resident', 'rotate-key', '--customer', customerId],
        ['account', 'add', '--name', 'other', '--subdomain', 'other', '--api-key', 'k'],
      ]) {
        const r = await pebbles(args, env(t, wrong));
        expect(r.code).toBe(1);
        expect(oneLine(r)).toEqual([
          expect.stringMatching(/^pebbles: the secret key \(PEBBLES_SECRET_KEY\) is not the one this database's secrets are encrypted with/),
        ]);
      }
      expect(await snapshot(b.db)).toEqual(before);

      const rotate = await pebbles(['resident', 'rotate-key', '--customer', customerId], env(t, b.secretKeyHex));
      expect(rotate.stderr).toBe('');
      expect(rotate.code).toBe(0);
      const keys = await b.db.selectFrom('psk').select('secret_encrypted').execute();
      for (const k of keys) expect(b.secrets.decrypt(k.secret_encrypted)).toMatch(/\S/);
    },
    SLOW,
  );

  it(
    'two processes with different keys starting at once on a new database: exactly one key is recorded',
    async () => {
      const fresh = await createTestDatabase();
      try {
        const keys = [randomBytes(32).toString('hex'), randomBytes(32).toString('hex')];
        const runs = await Promise.all(keys.map((k) => pebbles(['account', 'list'], env(fresh, k))));
        expect(runs.map((r) => r.code).sort()).toEqual([0, 1]);
        const winner = keys[runs.findIndex((r) => r.code === 0)]!;
        const check = await fresh.db.selectFrom('secret_check').select('check_value').execute();
        expect(check).toEqual([{ check_value: keyCheck(Buffer.from(winner, 'hex')).check }]);
      } finally {
        await fresh.drop();
      }
    },
    SLOW,
  );
});

/** Every stored secret in plain text, with the box that decrypts it. */
async function plainTexts(db: Db, box: SecretBox) {
  const rows = await sql<{ t: string; id: number; v: string; p: number | null; f: string | null }>`
    select 'entrata_account' as t, id, credential_encrypted as v, null::bigint as p, null as f from entrata_account
    union all select 'psk', id, secret_encrypted, property_id, fingerprint from psk
    union all select 'delivery', id, content_encrypted, null, null from delivery where content_encrypted is not null
    union all select 'caught_message', id, raw_encrypted, null, null from caught_message
    order by 1, 2`.execute(db);
  return rows.rows.map((r) => ({
    t: r.t,
    id: r.id,
    plain: box.decrypt(r.v),
    keyId: r.v.split('.')[4],
    fingerprintOk: r.f === null || r.f === box.fingerprint(box.decrypt(r.v), `property:${r.p}`),
  }));
}

describe('pebbles secret rotate', () => {
  it(
    're-encrypts credentials, keys, message copies and caught messages, recomputes fingerprints, and refuses the old key afterwards',
    async () => {
      const t = await createTestDatabase();
      try {
        const { b } = await populated(t);
        expect((await pebbles(['account', 'list'], env(t, b.secretKeyHex))).code).toBe(0);
        const before = await plainTexts(b.db, b.secrets);
        expect(new Set(before.map((r) => r.t))).toEqual(new Set(['entrata_account', 'psk', 'delivery', 'caught_message']));

        const newKey = randomBytes(32);
        const rotated = await pebbles(['secret', 'rotate', '--new-key', '-', '--json'], env(t, b.secretKeyHex), `${newKey.toString('hex')}\n`);
        expect(rotated.stderr).toBe('');
        expect(rotated.code).toBe(0);
        expect(JSON.parse(rotated.stdout)).toMatchObject({
          rotated: true,
          reencrypted: { 'Entrata credentials': 1, 'Wi-Fi keys': 2, 'copies of sent messages': 1, 'caught messages': 1 },
          keyFile: null,
        });

        const next = createSecretBox(newKey);
        const after = await plainTexts(b.db, next);
        expect(after.map(({ t, id, plain }) => ({ t, id, plain }))).toEqual(before.map(({ t, id, plain }) => ({ t, id, plain })));
        expect(after.every((r) => r.keyId === next.keyId && r.fingerprintOk)).toBe(true);

        const old = await pebbles(['account', 'list'], env(t, b.secretKeyHex));
        expect(old.code).toBe(1);
        expect(oneLine(old)).toEqual([expect.stringMatching(/secret key .* is not the one/)]);
        expect((await pebbles(['account', 'list'], env(t, newKey.toString('hex')))).code).toBe(0);

        // A process still holding the old key cannot write under it: the database refuses.
        const [r] = await b.db.selectFrom('registration').select('resident_id').limit(1).execute();
        await expect(
          insertKeys(b.db, { secrets: b.secrets, propertyDbId: b.property.id, now: T0 }, [{ residentId: r!.resident_id, rule: 'P4' }]),
        ).rejects.toThrow(/another key than the database's/);
      } finally {
        await t.drop();
      }
    },
    SLOW,
  );

  it(
    'a writer under the old key already inside its transaction: the rotation waits for it and re-encrypts its value too',
    async () => {
      const t = await createTestDatabase();
      try {
        const { b } = await populated(t);
        const config = loadConfig({ DATABASE_URL: t.url, PEBBLES_SECRET_KEY: b.secretKeyHex });
        expect((await pebbles(['account', 'list'], env(t, b.secretKeyHex))).code).toBe(0);
        const newKey = randomBytes(32);
        const [r] = await b.db.selectFrom('registration').select('resident_id').limit(1).execute();

        let rotation: Promise<unknown> | null = null;
        await b.db.transaction().execute(async (trx) => {
          await trx.updateTable('psk').set({ current: false }).where('resident_id', '=', r!.resident_id).execute();
          await insertKeys(trx, { secrets: b.secrets, propertyDbId: b.property.id, now: T0 }, [{ residentId: r!.resident_id, rule: 'P4' }]);
          rotation = rotateSecretKey(b.db, config, b.secrets, newKey);
          await new Promise((res) => setTimeout(res, 500));
          // Still waiting for this transaction: the check value is unchanged.
          const { rows } = await sql<{ check_value: string }>`select check_value from secret_check`.execute(b.db);
          expect(rows[0]!.check_value).toBe(b.secrets.check);
        });
        await rotation;
        const next = createSecretBox(newKey);
        const after = await plainTexts(b.db, next);
        expect(after.every((x) => x.keyId === next.keyId && x.fingerprintOk)).toBe(true);
        expect(after.filter((x) => x.t === 'psk')).toHaveLength(3);
      } finally {
        await t.drop();
      }
    },
    SLOW,
  );
});
