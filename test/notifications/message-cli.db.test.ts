// F-17 through the real command: `pebbles message` to a unit, scheduled, by e-mail and SMS, naming who
// has no contact (E2); `pebbles message-cancel` before it goes, refused once cancelled.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cleanEnv, runPebbles } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { addResident, createBench, type Bench } from './support.ts';

let t: TestDatabase;
let b: Bench;
let dataDir: string;
let reached: { customerId: string };
let bare: { customerId: string };

beforeAll(async () => {
  t = await createTestDatabase();
  b = await createBench({ t, name: 'Cli Court' });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'pebbles-message-cli-'));
  await b.db
    .insertInto('unit')
    .values({ property_id: b.property.id, entrata_id: 'U1', number: '101', building: null, spaces: JSON.stringify([]) })
    .execute();
  reached = await addResident(b, { email: 'reached@example.com', mobile: '+13035550170' });
  bare = await addResident(b, { email: null, mobile: null, firstName: 'Bo', lastName: 'Bare' });
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await t.drop();
});

const pebbles = (args: string[], stdin?: string) =>
  runPebbles(
    args,
    cleanEnv({
      DATABASE_URL: t.url,
      PEBBLES_SECRET_KEY: b.secretKeyHex,
      PEBBLES_DATA_DIR: dataDir,
      PEBBLES_STAFF: 'dana',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
    }),
    { stdin },
  );

it('schedules a blast to a unit by e-mail and SMS, names who has no contact, and cancels it once', async () => {
  const at = new Date(Date.now() + 2 * 3600_000).toISOString();
  const sent = await pebbles(
    ['message', '--property', b.property.entrataId, '--subject', 'Water off', '--body-file', '-', '--unit', '101', '--channels', 'email,sms', '--at', at],
    'From 9 to 11.',
  );
  expect(sent.stderr).toBe('');
  expect(sent.code).toBe(0);
  const id = /^blast (\d+) queued for 2 residents, to go at /.exec(sent.stdout)?.[1];
  expect(id).toBeDefined();
  expect(sent.stdout).toContain(
    `customer ${bare.customerId} (Bo Bare): will not receive it: missing an e-mail address and a mobile number (fix it in Entrata)`,
  );
  expect(sent.stdout).not.toContain(reached.customerId);
  const rows = await b.db.selectFrom('staff_message').select(['channels', 'unit_entrata_id', 'created_by']).where('id', '=', Number(id)).execute();
  expect(rows).toEqual([{ channels: ['email', 'sms'], unit_entrata_id: 'U1', created_by: expect.stringContaining('dana') }]);

  const cancel = await pebbles(['message-cancel', '--property', b.property.entrataId, '--message', id!]);
  expect(cancel.stdout).toBe(`message ${id} cancelled: 2 notifications will not be sent\n`);
  expect(cancel.code).toBe(0);
  const states = await b.db.selectFrom('outbox').select('state').where('kind', '=', 'blast').execute();
  expect(states.map((s) => s.state)).toEqual(['cancelled', 'cancelled']);

  const again = await pebbles(['message-cancel', '--property', b.property.entrataId, '--message', id!]);
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(new RegExp(`message ${id} was already cancelled by .*dana`));
});

it('refuses a bad channel list before touching the database', async () => {
  const r = await pebbles(['message', '--property', b.property.entrataId, '--subject', 'S', '--body-file', '-', '--channels', 'pigeon'], 'x');
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('--channels: email, sms, or email,sms');
});
