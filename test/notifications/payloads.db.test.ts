// Stored payloads read back at delivery: a row that does not fit its kind fails with its reason and the rest
// of the batch goes out; a notification with no usable contact ends undeliverable (E2).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverDue } from '../../src/notifications/deliver.ts';
import { notificationsOf } from '../../src/notifications/staff.ts';
import { addResident, createBench, deliveries, deliveryDeps, queue, startSmtp, T0, type Bench, type TestSmtp } from './support.ts';

let b: Bench;
let smtp: TestSmtp;

beforeAll(async () => {
  b = await createBench({ name: 'Payload Court', smsEnabled: false });
  smtp = await startSmtp();
});
afterAll(async () => {
  await smtp.stop();
  await b.close();
});

const outboxRow = (id: number) => b.db.selectFrom('outbox').select(['state', 'last_error']).where('id', '=', id).executeTakeFirstOrThrow();

describe('stored notification payloads at delivery', () => {
  it('a row that does not fit its kind fails with the reason; the others in the batch are sent', async () => {
    const ok = await addResident(b, { email: 'fine@example.com' });
    const odd = await addResident(b, { email: 'odd@example.com' });
    const good = await queue(b, ok.residentId, 'welcome');
    // A block notice without the instant it starts, a message whose id is not a number, a kind no version sends.
    const noAt = await queue(b, odd.residentId, 'block', { at: undefined, message: 'Rent is late.' });
    const badMessage = await queue(b, odd.residentId, 'message', { messageId: 'seven' });
    const unknown = await queue(b, odd.residentId, 'postcard', {});
    const d = deliveryDeps(b, { smtp });
    try {
      await deliverDue(d, T0);
    } finally {
      await d.mail?.close();
    }
    expect(await outboxRow(good)).toMatchObject({ state: 'sent' });
    expect(smtp.received.map((m) => (m.to && 'text' in m.to ? m.to.text : ''))).toEqual(['fine@example.com']);
    expect((await deliveries(b.db, noAt))[0]).toMatchObject({
      channel: 'email',
      state: 'failed',
      last_error: expect.stringMatching(/^the stored block notification does not fit what this version sends \(at: /),
    });
    expect((await deliveries(b.db, badMessage))[0]).toMatchObject({ state: 'failed', last_error: expect.stringContaining('(messageId: ') });
    expect((await deliveries(b.db, unknown))[0]).toMatchObject({ state: 'failed', last_error: 'unknown notification kind "postcard"' });
    for (const id of [noAt, badMessage, unknown]) expect((await outboxRow(id)).state).toBe('failed');
    // Staff see the reason in the history.
    const view = (await notificationsOf(b.db, b.property.id)).find((v) => v.id === noAt)!;
    expect(view).toMatchObject({ state: 'failed', error: expect.stringContaining('does not fit') });
  });

  it('E2: a welcome to a resident with no e-mail and no mobile ends undeliverable, each channel with its reason', async () => {
    const r = await addResident(b, { email: null, mobile: null });
    const id = await queue(b, r.residentId, 'welcome');
    await deliverDue(deliveryDeps(b, { smtp: null }), T0);
    expect(await outboxRow(id)).toEqual({ state: 'undeliverable', last_error: 'email: no e-mail address (E2); sms: SMS is off for this property' });
    expect((await deliveries(b.db, id)).map((x) => [x.channel, x.state])).toEqual([
      ['email', 'skipped'],
      ['sms', 'skipped'],
    ]);
  });
});
