// Messages over the API (F-16, F-17): history with delivery state per channel, compose (personal,
// blast to the property or a unit, now or scheduled), cancel, and one notification's stored copy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, deliverDue, type DeliveryDeps } from '../../src/notifications/deliver.ts';
import { smtpMailPort } from '../../src/notifications/mail.ts';
import { MASK } from '../../src/notifications/mask.ts';
import { httpSmsPort } from '../../src/notifications/sms.ts';
import { startFakeSms, startSmtp, type FakeSms, type TestSmtp } from '../notifications/support.ts';
import { createApiBench, type ApiBench } from '../support/api-bench.ts';

let t: ApiBench;
let smtp: TestSmtp;
let sms: FakeSms;
let a: { entrataId: string; id: number };
let b: { entrataId: string; id: number };
let manager: Record<string, string>;

beforeAll(async () => {
  t = await createApiBench();
  smtp = await startSmtp();
  sms = await startFakeSms();
  a = t.bench.props[0]!;
  b = t.bench.props[1]!;
  // SMS on at A, so a message may go by SMS too.
  await t.bench.db.updateTable('property').set({ sms_enabled: true }).where('id', '=', a.id).execute();
  manager = t.callers.as('manager', [a.id]);
}, 120_000);
afterAll(async () => {
  await smtp?.stop();
  await sms?.stop();
  await t?.close();
});

/** The delivery worker, on the bench's clock: one call delivers everything due at that time. */
function delivery(): DeliveryDeps {
  return {
    db: t.bench.db,
    secrets: t.bench.secrets,
    log: t.bench.log,
    mail: smtpMailPort({ host: '127.0.0.1', port: smtp.port, secure: false, user: null, password: null, poolSize: 2, allowInsecure: true, timeoutMs: 5000 }),
    sms: httpSmsPort({ baseUrl: sms.url, accountSid: 'ACtest', authToken: 'tok', from: '+15005550006', timeoutMs: 5000 }),
    mailFrom: 'Pebbles <wifi@pebbles.example.com>',
    policy: { ...DEFAULT_POLICY, smsCountries: ['US', 'CA'] },
    workerId: 'messages-test',
    random: () => 0.5,
  };
}

async function deliverAt(at: Date) {
  const deps = delivery();
  try {
    for (let i = 0; i < 10; i++) {
      const r = await deliverDue(deps, at);
      if (r.expanded + r.claimed === 0) return;
    }
  } finally {
    await deps.mail?.close();
    await deps.sms?.close();
  }
}

/** Current residents of property A with an e-mail address, and the unit of each. */
async function residentsOfA() {
  return t.bench.db
    .selectFrom('registration as g')
    .innerJoin('resident as r', 'r.id', 'g.resident_id')
    .innerJoin('unit as u', (j) => j.onRef('u.entrata_id', '=', 'g.unit_entrata_id').onRef('u.property_id', '=', 'g.property_id'))
    .select(['r.id', 'r.customer_id', 'r.email', 'r.mobile', 'u.number', 'u.building', 'g.unit_entrata_id'])
    .where('g.property_id', '=', a.id)
    .where('g.state', 'in', ['active', 'blocked'])
    .orderBy('r.id')
    .execute();
}

const url = (p: { entrataId: string }, rest = '') => `/api/properties/${p.entrataId}/messages${rest}`;

describe('compose (F-17)', () => {
  it('a personal message to chosen residents: the count, who is refused, who has no contact (E2); it shows in the history as sent by the caller', async () => {
    const [r1] = (await residentsOfA()).filter((r) => r.email);
    // One resident with no contact at all, to be named in the answer.
    const [bare] = (await residentsOfA()).filter((r) => r.id !== r1!.id);
    await t.bench.db.updateTable('resident').set({ email: null, mobile: null }).where('id', '=', bare!.id).execute();
    const res = await t.app.inject({
      method: 'POST',
      url: url(a),
      headers: manager,
      payload: { subject: 'Parcel', body: 'A parcel waits at the desk.', customerIds: [r1!.customer_id, bare!.customer_id, '99999999'] },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      kind: 'message',
      recipients: 2,
      channels: ['email'],
      refused: [{ customerId: '99999999', reason: `not a resident of property ${a.entrataId}` }],
    });
    expect(body.noContact).toEqual([expect.objectContaining({ customerId: bare!.customer_id, missing: 'an e-mail address' })]);
    expect(Date.parse(body.sendAt)).toBe(t.bench.clock.now().getTime());

    const h = await t.app.inject({ method: 'GET', url: `${url(a)}?kind=message&customerId=${r1!.customer_id}`, headers: manager });
    expect(h.statusCode).toBe(200);
    expect(h.json()).toMatchObject({ total: 1, offset: 0, limit: 50 });
    expect(h.json().items[0]).toMatchObject({
      messageId: body.messageId,
      kind: 'message',
      state: 'queued',
      customerId: r1!.customer_id,
      subject: 'Parcel',
      sentBy: expect.stringMatching(/^token:test-manager-/),
      channels: [],
    });
    await t.bench.db.updateTable('resident').set({ email: bare!.email, mobile: bare!.mobile }).where('id', '=', bare!.id).execute();
  });

  it('a blast to one unit reaches its current residents only, by e-mail and SMS when chosen', async () => {
    const residents = await residentsOfA();
    const unit = residents[0]!;
    const inUnit = residents.filter((r) => r.unit_entrata_id === unit.unit_entrata_id);
    await t.bench.db.updateTable('resident').set({ mobile: '+13035550177' }).where('id', '=', inUnit[0]!.id).execute();
    const res = await t.app.inject({
      method: 'POST',
      url: url(a),
      headers: manager,
      payload: {
        subject: 'Water off',
        body: 'Water is off from 9 to 11.',
        unit: { number: unit.number, ...(unit.building ? { building: unit.building } : {}) },
        channels: ['email', 'sms'],
      },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ kind: 'blast', recipients: new Set(inUnit.map((r) => r.id)).size, channels: ['email', 'sms'] });
    const sent = smtp.received.length;
    await deliverAt(t.bench.clock.now());
    const mails = smtp.received.slice(sent).filter((m) => m.subject === 'Water off');
    expect(mails.map((m) => (m.to as { text: string }).text).sort()).toEqual(
      inUnit
        .filter((r) => r.email)
        .map((r) => r.email)
        .sort(),
    );
    expect(sms.accepted.filter((s) => s.body.includes('Water off. Water is off from 9 to 11.')).map((s) => s.to)).toEqual(['+13035550177']);
    const h = (await t.app.inject({ method: 'GET', url: `${url(a)}?kind=blast&customerId=${inUnit[0]!.customer_id}`, headers: manager })).json();
    expect(h.items[0]).toMatchObject({
      state: 'sent',
      channels: [
        expect.objectContaining({ channel: 'email', state: 'sent' }),
        expect.objectContaining({ channel: 'sms', state: 'sent', recipient: '+13035550177' }),
      ],
    });
  });

  it('refuses a bad request naming the field', async () => {
    const bad = async (payload: object, field: RegExp) => {
      const r = await t.app.inject({ method: 'POST', url: url(a), headers: manager, payload });
      expect(r.statusCode).toBe(400);
      expect(r.json().message).toMatch(field);
    };
    await bad({ subject: 'S', body: 'B', customerIds: ['abc'] }, /customerIds/);
    await bad({ subject: 'S', body: 'B', sendAt: 'tomorrow' }, /sendAt/);
    await bad({ subject: 'S', body: 'B', channels: ['pigeon'] }, /channels/);
    await bad({ subject: 'S', body: 'B', units: ['101'] }, /units/);
    await bad({ subject: '  ', body: 'B' }, /^subject: /);
    await bad({ subject: 'S', body: 'B', sendAt: new Date(t.bench.clock.now().getTime() - 3_600_000).toISOString() }, /^sendAt: .* is in the past/);
    await bad({ subject: 'S', body: 'B', unit: { number: '99999' } }, /no unit 99999/);
  });
});

describe('scheduled messages and cancelling them', () => {
  it('a scheduled message cancelled is never delivered; one not cancelled goes at its time and can no longer be cancelled', async () => {
    const recipients = (await residentsOfA()).filter((r) => r.email);
    const at = new Date(t.bench.clock.now().getTime() + 3 * 3600_000);
    const compose = async (subject: string) => {
      const r = await t.app.inject({ method: 'POST', url: url(a), headers: manager, payload: { subject, body: 'Later.', sendAt: at.toISOString() } });
      expect(r.statusCode).toBe(201);
      return r.json() as { messageId: number; recipients: number };
    };
    const cancelled = await compose('Fire drill (cancelled)');
    const kept = await compose('Fire drill');
    expect(kept.recipients).toBeGreaterThanOrEqual(recipients.length);

    const scheduled = (await t.app.inject({ method: 'GET', url: `${url(a)}?state=scheduled&limit=500`, headers: manager })).json();
    expect(scheduled.items.filter((i: { messageId: number }) => i.messageId === cancelled.messageId)).toHaveLength(cancelled.recipients);
    expect(scheduled.items[0].scheduledAt).toBe(at.toISOString());
    const ofOne = (await t.app.inject({ method: 'GET', url: `${url(a)}?messageId=${cancelled.messageId}&limit=500`, headers: manager })).json();
    expect(ofOne.total).toBe(cancelled.recipients);
    expect(ofOne.items.every((i: { messageId: number; state: string }) => i.messageId === cancelled.messageId && i.state === 'scheduled')).toBe(true);

    const del = await t.app.inject({ method: 'DELETE', url: url(a, `/${cancelled.messageId}`), headers: manager });
    expect(del.statusCode).toBe(200);
    expect(del.json()).toMatchObject({ messageId: cancelled.messageId, cancelled: cancelled.recipients });
    const again = await t.app.inject({ method: 'DELETE', url: url(a, `/${cancelled.messageId}`), headers: manager });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'message-cancelled' });

    // Before its time nothing goes; after it, only the one not cancelled.
    const before = smtp.received.length;
    await deliverAt(new Date(at.getTime() - 60_000));
    expect(smtp.received.slice(before).filter((m) => m.subject?.startsWith('Fire drill'))).toHaveLength(0);
    await deliverAt(new Date(at.getTime() + 60_000));
    const went = smtp.received.slice(before).map((m) => m.subject);
    expect(went.filter((s) => s === 'Fire drill')).toHaveLength(recipients.length);
    expect(went).not.toContain('Fire drill (cancelled)');

    const history = (await t.app.inject({ method: 'GET', url: `${url(a)}?state=cancelled&limit=500`, headers: manager })).json();
    expect(history.total).toBe(cancelled.recipients);
    expect(history.items.every((i: { messageId: number; channels: unknown[] }) => i.messageId === cancelled.messageId && i.channels.length === 0)).toBe(true);

    const late = await t.app.inject({ method: 'DELETE', url: url(a, `/${kept.messageId}`), headers: manager });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({
      code: 'message-already-sending',
      message: expect.stringMatching(/^message \d+ can no longer be cancelled: \d+ of its \d+ notifications have already been sent/),
    });

    const audit = await t.bench.db.selectFrom('audit_event').select(['actor', 'details']).where('action', '=', 'cancel-message').execute();
    expect(audit).toEqual([
      {
        actor: expect.stringMatching(/^token:test-manager-/),
        details: expect.objectContaining({ messageId: cancelled.messageId, notifications: cancelled.recipients }),
      },
    ]);
  });
});

describe('history and content (F-16)', () => {
  it('pages with a total and filters by state, kind and resident', async () => {
    const all = (await t.app.inject({ method: 'GET', url: `${url(a)}?limit=500`, headers: manager })).json();
    expect(all.total).toBe(all.items.length);
    const page = (await t.app.inject({ method: 'GET', url: `${url(a)}?offset=2&limit=3`, headers: manager })).json();
    expect(page).toMatchObject({ total: all.total, offset: 2, limit: 3 });
    expect(page.items.map((i: { notificationId: number }) => i.notificationId)).toEqual(
      all.items.slice(2, 5).map((i: { notificationId: number }) => i.notificationId),
    );
    const welcomes = (await t.app.inject({ method: 'GET', url: `${url(a)}?kind=welcome&state=sent&limit=500`, headers: manager })).json();
    expect(welcomes.total).toBeGreaterThan(0);
    expect(
      welcomes.items.every((i: { kind: string; state: string; sentBy: string }) => i.kind === 'welcome' && i.state === 'sent' && i.sentBy === 'sync'),
    ).toBe(true);
    // N4: a delivery that may have gone twice is found by that state.
    const one = welcomes.items[0].notificationId;
    await t.bench.db.updateTable('delivery').set({ maybe_twice: true }).where('outbox_id', '=', one).where('channel', '=', 'email').execute();
    const twice = (await t.app.inject({ method: 'GET', url: `${url(a)}?state=maybe-twice`, headers: manager })).json();
    expect(twice.items.map((i: { notificationId: number }) => i.notificationId)).toEqual([one]);
    expect(twice.items[0].channels.find((c: { channel: string }) => c.channel === 'email').state).toBe('maybe-twice');
    await t.bench.db.updateTable('delivery').set({ maybe_twice: false }).where('outbox_id', '=', one).execute();
    const bad = await t.app.inject({ method: 'GET', url: `${url(a)}?state=lost`, headers: manager });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/state/);
    // Employees see the history (property.view).
    expect((await t.app.inject({ method: 'GET', url: url(a), headers: t.callers.as('employee', [a.id]) })).statusCode).toBe(200);
  });

  it("one notification's stored copy has its key masked, never the key", async () => {
    await deliverAt(t.bench.clock.now());
    const welcome = (await t.app.inject({ method: 'GET', url: `${url(a)}?kind=welcome&state=sent&limit=1`, headers: manager })).json().items[0];
    const r = await t.app.inject({ method: 'GET', url: url(a, `/${welcome.notificationId}`), headers: manager });
    expect(r.statusCode).toBe(200);
    const resident = await t.bench.db.selectFrom('resident').select('id').where('customer_id', '=', welcome.customerId).executeTakeFirstOrThrow();
    const key = t.bench.secrets.decrypt(
      (
        await t.bench.db
          .selectFrom('psk')
          .select('secret_encrypted')
          .where('resident_id', '=', resident.id)
          .where('current', '=', true)
          .executeTakeFirstOrThrow()
      ).secret_encrypted,
    );
    expect(r.body).not.toContain(key);
    const email = r.json().content.find((c: { channel: string }) => c.channel === 'email');
    expect(email).toMatchObject({ keyMasked: true, subject: expect.stringMatching(/^Welcome home/) });
    expect(email.text).toContain(`Key (password): ${MASK}`);
    expect(email.html).toContain(MASK);
    // Nothing about reading a masked copy goes to the audit trail; only a reveal would.
    expect(await t.bench.db.selectFrom('audit_event').select('id').where('action', '=', 'reveal-key').execute()).toEqual([]);
  });

  it('answers 404 for a notification or message that does not exist or is of another property', async () => {
    const ofB = await t.bench.db.selectFrom('outbox').select('id').where('property_id', '=', b.id).executeTakeFirstOrThrow();
    for (const path of [url(a, '/99999999'), url(a, `/${ofB.id}`)]) {
      const r = await t.app.inject({ method: 'GET', url: path, headers: manager });
      expect(r.statusCode).toBe(404);
      expect(r.json()).toMatchObject({ code: 'message-not-found' });
    }
    const adminB = await t.app.inject({
      method: 'POST',
      url: url(b),
      headers: t.admin,
      payload: { subject: 'B only', body: 'x', sendAt: new Date(t.bench.clock.now().getTime() + 3600_000).toISOString() },
    });
    expect(adminB.statusCode).toBe(201);
    const foreign = await t.app.inject({ method: 'DELETE', url: url(a, `/${adminB.json().messageId}`), headers: t.admin });
    expect(foreign.statusCode).toBe(404);
    // B's manager cannot see A at all: 404 like a property that does not exist.
    expect((await t.app.inject({ method: 'GET', url: url(a), headers: t.callers.as('manager', [b.id]) })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: url(a, '/abc'), headers: manager })).statusCode).toBe(400);
  });
});
