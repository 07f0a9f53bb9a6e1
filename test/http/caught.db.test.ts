// The caught mail and SMS of the embedded default over the API: a property's own only, rendered,
// the key masked and the QR code replaced unless revealed (P3, audited); 404 catcher-off elsewhere.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/http/server.ts';
import { startCatcher, type RunningCatcher } from '../../src/notifications/catcher.ts';
import { DEFAULT_POLICY, deliverDue, type DeliveryDeps } from '../../src/notifications/deliver.ts';
import { smtpMailPort } from '../../src/notifications/mail.ts';
import { MASK } from '../../src/notifications/mask.ts';
import { hiddenQrPng } from '../../src/notifications/qr.ts';
import { httpSmsPort } from '../../src/notifications/sms.ts';
import { createApiBench, type ApiBench } from '../support/api-bench.ts';

let t: ApiBench;
let catcher: RunningCatcher;
let a: { entrataId: string; id: number };
let b: { entrataId: string; id: number };
let manager: Record<string, string>;
/** A resident of A with e-mail and mobile, and their key. */
let target: { residentId: number; customerId: string; email: string; key: string };

beforeAll(async () => {
  t = await createApiBench({ http: { catcher: true } });
  a = t.bench.props[0]!;
  b = t.bench.props[1]!;
  manager = t.callers.as('manager', [a.id]);
  await t.bench.db.updateTable('property').set({ sms_enabled: true }).execute();
  const r = await t.bench.db
    .selectFrom('registration as g')
    .innerJoin('resident as x', 'x.id', 'g.resident_id')
    .select(['x.id', 'x.customer_id', 'x.email'])
    .where('g.property_id', '=', a.id)
    .where('g.state', '=', 'active')
    .where('x.email', 'is not', null)
    .orderBy('x.id')
    .executeTakeFirstOrThrow();
  await t.bench.db.updateTable('resident').set({ mobile: '+13035550190' }).where('id', '=', r.id).execute();
  const k = await t.bench.db
    .selectFrom('psk')
    .select('secret_encrypted')
    .where('resident_id', '=', r.id)
    .where('property_id', '=', a.id)
    .where('current', '=', true)
    .executeTakeFirstOrThrow();
  target = { residentId: r.id, customerId: r.customer_id, email: r.email!, key: t.bench.secrets.decrypt(k.secret_encrypted) };

  // The embedded default's catcher receives every welcome the sync queued, of both properties.
  catcher = await startCatcher(t.bench.db, t.bench.secrets);
  const deps: DeliveryDeps = {
    db: t.bench.db,
    secrets: t.bench.secrets,
    log: t.bench.log,
    mail: smtpMailPort({ host: catcher.smtp.host, port: catcher.smtp.port, secure: false, user: null, password: null, poolSize: 2, allowInsecure: true }),
    sms: httpSmsPort(catcher.sms),
    mailFrom: 'Pebbles <wifi@pebbles.example.com>',
    policy: DEFAULT_POLICY,
    workerId: 'caught-test',
    random: () => 0.5,
  };
  for (let i = 0; i < 10; i++) {
    const r = await deliverDue(deps, t.bench.clock.now());
    if (r.expanded + r.claimed === 0) break;
  }
  await deps.mail!.close();
  await deps.sms!.close();
  await catcher.stop(); // flushes what it holds
}, 120_000);
afterAll(async () => t?.close());

const url = (p: { entrataId: string }, rest = '') => `/api/properties/${p.entrataId}/caught${rest}`;

async function listOf(p: { entrataId: string }, headers: Record<string, string>, query = '') {
  const r = await t.app.inject({ method: 'GET', url: `${url(p)}?limit=500${query}`, headers });
  expect(r.statusCode).toBe(200);
  return r.json() as { items: Array<{ id: number; channel: string; to: string; subject: string; customerId: string; kind: string }>; total: number };
}

describe('caught mail and SMS', () => {
  it("lists the property's own residents' messages only, newest first, by channel", async () => {
    const ofA = await listOf(a, manager);
    const ofB = await listOf(b, t.admin);
    expect(ofA.total).toBe(ofA.items.length);
    expect(ofA.items.length).toBeGreaterThan(0);
    expect(ofB.items.length).toBeGreaterThan(0);
    const all = await t.bench.db.selectFrom('caught_message').select('id').execute();
    expect(ofA.total + ofB.total).toBe(all.length);
    expect(ofA.items.map((i) => i.id).filter((id) => ofB.items.some((x) => x.id === id))).toEqual([]);
    expect(ofA.items.map((i) => i.id)).toEqual([...ofA.items.map((i) => i.id)].sort((x, y) => y - x));
    const mine = ofA.items.filter((i) => i.customerId === target.customerId);
    expect(mine.map((i) => i.channel).sort()).toEqual(['email', 'sms']);
    expect(mine.find((i) => i.channel === 'sms')).toMatchObject({
      to: '+13035550190',
      kind: 'welcome',
      subject: expect.stringMatching(/^\(SMS, \d+ characters\)$/),
    });
    const sms = await listOf(a, manager, '&channel=sms');
    expect(sms.items.every((i) => i.channel === 'sms')).toBe(true);
    expect(sms.items.every((i) => !i.subject.includes(target.key))).toBe(true);
  });

  it('shows an e-mail rendered with the key masked and the QR code replaced; a reveal shows it as delivered and is audited (P3)', async () => {
    const mail = (await listOf(a, manager, '&channel=email')).items.find((i) => i.customerId === target.customerId)!;
    const r = await t.app.inject({ method: 'GET', url: url(a, `/${mail.id}`), headers: manager });
    expect(r.statusCode).toBe(200);
    expect(r.body).not.toContain(target.key);
    const m = r.json();
    expect(m).toMatchObject({ channel: 'email', to: target.email, keyMasked: true, subject: expect.stringMatching(/^Welcome home/) });
    expect(m.text).toContain(`Key (password): ${MASK}`);
    expect(m.qrCode).toBe(`data:image/png;base64,${hiddenQrPng().toString('base64')}`);
    expect(m.html).toContain(`src="${m.qrCode}"`);
    expect(m.html).not.toContain('cid:');
    expect(await t.bench.db.selectFrom('audit_event').select('id').where('action', '=', 'reveal-key').execute()).toEqual([]);

    const shown = await t.app.inject({ method: 'GET', url: url(a, `/${mail.id}?reveal=true`), headers: manager });
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({ keyMasked: false });
    expect(shown.json().text).toContain(`Key (password): ${target.key}`);
    expect(shown.json().qrCode).not.toBe(m.qrCode);
    const audit = await t.bench.db.selectFrom('audit_event').select(['actor', 'resident_id', 'rule', 'details']).where('action', '=', 'reveal-key').execute();
    expect(audit).toEqual([
      {
        actor: expect.stringMatching(/^token:test-manager-/),
        resident_id: target.residentId,
        rule: 'P3',
        details: expect.objectContaining({ caughtMessageId: mail.id }),
      },
    ]);
  });

  it('shows an SMS with its key masked', async () => {
    const sms = (await listOf(a, manager, '&channel=sms')).items.find((i) => i.customerId === target.customerId)!;
    const r = await t.app.inject({ method: 'GET', url: url(a, `/${sms.id}`), headers: manager });
    expect(r.statusCode).toBe(200);
    expect(r.body).not.toContain(target.key);
    expect(r.json()).toMatchObject({
      channel: 'sms',
      to: '+13035550190',
      keyMasked: true,
      html: null,
      qrCode: null,
      text: expect.stringContaining(`key ${MASK}`),
    });
  });

  it("answers 404 for a caught message of another property's resident or none, 400 for a bad channel", async () => {
    const ofB = (await listOf(b, t.admin)).items[0]!;
    for (const id of [ofB.id, 99999999]) {
      const r = await t.app.inject({ method: 'GET', url: url(a, `/${id}`), headers: manager });
      expect(r.statusCode).toBe(404);
      expect(r.json()).toMatchObject({ code: 'caught-not-found' });
    }
    const bad = await t.app.inject({ method: 'GET', url: `${url(a)}?channel=fax`, headers: manager });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/channel/);
    // Employees may not read mail (message.send).
    expect((await t.app.inject({ method: 'GET', url: url(a), headers: t.callers.as('employee', [a.id]) })).statusCode).toBe(403);
  });

  it('with the catcher off, answers 404 catcher-off: mail goes to the configured SMTP server', async () => {
    let off: FastifyInstance | null = null;
    try {
      off = await buildHttpServer({
        db: t.bench.db,
        boss: t.bench.boss,
        metrics: t.bench.worker.metrics,
        log: t.bench.log,
        now: t.bench.clock.now,
        api: true,
        syncNowTimeoutMs: 1000,
        auth: t.callers,
        secrets: t.bench.secrets,
        catcher: false,
      });
      for (const path of [url(a), url(a, '/1')]) {
        const r = await off.inject({ method: 'GET', url: path, headers: manager });
        expect(r.statusCode).toBe(404);
        expect(r.json()).toMatchObject({ code: 'catcher-off', message: expect.stringContaining('configured SMTP server') });
      }
    } finally {
      await off?.close();
    }
  });
});
