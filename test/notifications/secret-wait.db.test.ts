// N4: a message a worker cannot compose because it cannot decrypt the resident's key (a wrong
// PEBBLES_SECRET_KEY, or a rotation it has not seen) waits, visible, for a worker that can.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../src/crypto/secrets.ts';
import { deliverDue, type DeliveryDeps } from '../../src/notifications/deliver.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { addResident, createBench, deliveries, deliveryDeps, queue, startSmtp, T0, type Bench, type TestSmtp } from './support.ts';

let t: TestDatabase;
let b: Bench;
let smtp: TestSmtp;
const opened: DeliveryDeps[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  b = await createBench({ t, name: 'Key Wait' });
  smtp = await startSmtp();
});
afterEach(async () => {
  for (const d of opened.splice(0)) await d.mail?.close();
});
afterAll(async () => {
  await smtp.stop();
  await t.drop();
});

const at = (ms: number) => new Date(T0.getTime() + ms);

describe('N4: a key that cannot be decrypted', () => {
  it('keeps the delivery retrying (visible, attempts not used up) until a worker with the right key sends it', async () => {
    const r = await addResident(b, { email: 'waiting@example.com' });
    const id = await queue(b, r.residentId, 'welcome');
    const wrong = { ...deliveryDeps(b, { smtp, policy: { maxAttempts: 2 } }), secrets: createSecretBox(randomBytes(32)) };
    opened.push(wrong);

    // More batches than the attempt limit, each after the back-off.
    for (const ms of [0, 60_000, 120_000, 180_000, 240_000]) await deliverDue(wrong, at(ms));
    const waiting = (await deliveries(b.db, id)).find((d) => d.channel === 'email')!;
    expect(waiting.state).toBe('retrying');
    expect(waiting.last_error).toMatch(/^cannot decrypt the resident's key: the worker's PEBBLES_SECRET_KEY does not match/);
    expect(waiting.attempts).toBe(0);
    expect(waiting.not_before.getTime()).toBeGreaterThan(at(240_000).getTime());
    expect(smtp.received).toHaveLength(0);
    const outbox = await b.db.selectFrom('outbox').select('state').where('id', '=', id).executeTakeFirstOrThrow();
    expect(outbox.state).not.toBe('failed');

    const right = deliveryDeps(b, { smtp, policy: { maxAttempts: 2 } });
    opened.push(right);
    await deliverDue(right, at(600_000));
    const sent = (await deliveries(b.db, id)).find((d) => d.channel === 'email')!;
    expect(sent).toMatchObject({ state: 'sent', attempts: 1, last_error: null });
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.text).toContain(r.key!);
  });
});
