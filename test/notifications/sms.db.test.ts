// SMS through a fake Twilio-shaped provider over HTTP: success, 429 then success, 500 then success,
// 400 permanent failure, invalid and international numbers, SMS off, one GSM-7 segment.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deliverDue, idempotencyKeyFor, type DeliveryDeps } from '../../src/notifications/deliver.ts';
import { smsSegments } from '../../src/notifications/gsm.ts';
import { notificationsOf } from '../../src/notifications/staff.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { addResident, createBench, deliveries, deliveryDeps, queue, startFakeSms, startSmtp, T0, type Bench, type FakeSms, type TestSmtp } from './support.ts';

let t: TestDatabase;
let b: Bench;
let sms: FakeSms;
let smtp: TestSmtp;
let d: DeliveryDeps;

beforeAll(async () => {
  t = await createTestDatabase();
  b = await createBench({ t, name: 'Maple Court', ssid: 'MapleCourt-Residents-5GHz-Fast01' }); // 32 characters, the most Wi-Fi allows
  sms = await startFakeSms();
  smtp = await startSmtp();
  d = deliveryDeps(b, { smtp, sms });
});
afterAll(async () => {
  await d.mail?.close();
  await sms.stop();
  await smtp.stop();
  await t.drop();
});
afterEach(() => {
  sms.script = [];
});

const at = (ms: number) => new Date(T0.getTime() + ms);
const smsRow = async (id: number) => (await deliveries(b.db, id)).find((x) => x.channel === 'sms')!;

describe('SMS delivery', () => {
  it('success: a Twilio-shaped request, the sid recorded, the key message in one GSM-7 segment', async () => {
    const r = await addResident(b, { mobile: '+13035550142' });
    const id = await queue(b, r.residentId, 'welcome');
    const before = sms.requests.length;
    await deliverDue(d, T0);
    const req = sms.requests[before]!;
    expect(req.path).toBe('/2010-04-01/Accounts/ACtest/Messages.json');
    expect(req.auth).toBe(`Basic ${Buffer.from('ACtest:tok').toString('base64')}`);
    expect(req).toMatchObject({ to: '+13035550142', from: '+15005550006', idempotencyKey: idempotencyKeyFor(id, 'sms') });
    expect(req.body).toContain('MapleCourt-Residents-5GHz-Fast01');
    expect(req.body).toContain(r.key);
    expect(smsSegments(req.body)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(req.body.length).toBeLessThanOrEqual(160);
    const row = await smsRow(id);
    expect(row).toMatchObject({ state: 'sent', attempts: 1, recipient: '+13035550142' });
    expect(row.provider_id).toMatch(/^SM\d{32}$/);
    // The e-mail went too.
    expect((await deliveries(b.db, id)).find((x) => x.channel === 'email')!.state).toBe('sent');
  });

  it('429 then success: retried after the back-off (and Retry-After)', async () => {
    const r = await addResident(b, { mobile: '+14165550123' }); // Toronto: CA is allowed by default
    sms.script = [{ status: 429, retryAfter: '30' }];
    const id = await queue(b, r.residentId, 'resend');
    await deliverDue(d, T0);
    const row = await smsRow(id);
    expect(row).toMatchObject({ state: 'retrying', maybe_twice: false });
    expect(row.last_error).toMatch(/HTTP 429/);
    expect(row.not_before.getTime() - T0.getTime()).toBeGreaterThanOrEqual(30_000);
    await deliverDue(d, at(29_000));
    expect((await smsRow(id)).state).toBe('retrying');
    await deliverDue(d, at(31_000));
    expect(await smsRow(id)).toMatchObject({ state: 'sent', attempts: 2, maybe_twice: false });
  });

  it('500 then success', async () => {
    const r = await addResident(b, { mobile: '+13035550143' });
    sms.script = [{ status: 500 }];
    const id = await queue(b, r.residentId, 'welcome');
    await deliverDue(d, T0);
    expect(await smsRow(id)).toMatchObject({ state: 'retrying', last_error: expect.stringMatching(/HTTP 500/) });
    await deliverDue(d, at(60_000));
    expect(await smsRow(id)).toMatchObject({ state: 'sent', attempts: 2 });
  });

  it('400 is a permanent failure: no retry; the e-mail still goes', async () => {
    const r = await addResident(b, { mobile: '+13035550144' });
    sms.script = [{ status: 400, body: { code: 21211, message: "The 'To' number is not a valid phone number." } }];
    const id = await queue(b, r.residentId, 'welcome');
    const before = sms.requests.length;
    await deliverDue(d, T0);
    await deliverDue(d, at(3_600_000));
    expect(sms.requests.length).toBe(before + 1);
    expect(await smsRow(id)).toMatchObject({
      state: 'failed',
      attempts: 1,
      last_error: "SMS provider HTTP 400: The 'To' number is not a valid phone number. (code 21211)",
    });
    expect((await deliveries(b.db, id)).find((x) => x.channel === 'email')!.state).toBe('sent');
    expect((await b.db.selectFrom('outbox').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state).toBe('sent');
  });

  it('invalid and international numbers, and a property with SMS off: e-mail alone, the reason recorded', async () => {
    const invalid = await addResident(b, { mobile: '+1555' });
    const uk = await addResident(b, { mobile: '+447400123456' });
    const none = await addResident(b, { mobile: null });
    const ids = [await queue(b, invalid.residentId, 'welcome'), await queue(b, uk.residentId, 'welcome'), await queue(b, none.residentId, 'welcome')];
    const before = sms.requests.length;
    await deliverDue(d, T0);
    expect(sms.requests.length).toBe(before);
    expect((await smsRow(ids[0]!)).last_error).toBe('mobile number is not valid');
    expect((await smsRow(ids[1]!)).last_error).toBe('mobile number is in GB, not an allowed SMS country (US, CA)');
    expect((await smsRow(ids[2]!)).last_error).toBe('no mobile number');
    for (const id of ids) {
      expect((await smsRow(id)).state).toBe('skipped');
      expect((await deliveries(b.db, id)).find((x) => x.channel === 'email')!.state).toBe('sent');
    }
    // With GB allowed, the same number gets its SMS.
    const d2 = { ...d, policy: { ...d.policy, smsCountries: ['US', 'CA', 'GB'] } };
    const id = await queue(b, uk.residentId, 'resend');
    await deliverDue(d2, T0);
    expect(await smsRow(id)).toMatchObject({ state: 'sent', recipient: '+447400123456' });

    await b.db.updateTable('property').set({ sms_enabled: false }).where('id', '=', b.property.id).execute();
    const off = await queue(b, invalid.residentId, 'resend');
    const mobileOk = await addResident(b, { mobile: '+13035550145' });
    const off2 = await queue(b, mobileOk.residentId, 'resend');
    await deliverDue(d, T0);
    expect((await smsRow(off)).last_error).toBe('SMS is off for this property');
    expect(await smsRow(off2)).toMatchObject({ state: 'skipped', last_error: 'SMS is off for this property' });
    const view = (await notificationsOf(b.db, b.property.id)).find((v) => v.id === off2 && v.channel === 'sms')!;
    expect(view).toMatchObject({ state: 'skipped', error: 'SMS is off for this property' });
    await b.db.updateTable('property').set({ sms_enabled: true }).where('id', '=', b.property.id).execute();
  });

  it('no SMS provider configured: the SMS is skipped with that reason', async () => {
    const r = await addResident(b, { mobile: '+13035550146' });
    const id = await queue(b, r.residentId, 'welcome');
    await deliverDue({ ...d, sms: null }, T0);
    expect(await smsRow(id)).toMatchObject({ state: 'skipped', last_error: 'no SMS provider configured (SMS_BASE_URL)' });
  });
});
