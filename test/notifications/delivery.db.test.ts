// Delivery under failure (N4): SMTP down then up, transient and permanent failures, the attempt
// limit and the property's problems, ambiguous time-outs, a worker killed mid-batch and restarted,
// and two workers on one PostgreSQL.
import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createKysely } from '../../src/db/database.ts';
import { createMetrics } from '../../src/jobs/metrics.ts';
import { deliverDue, messageIdFor, type DeliveryDeps } from '../../src/notifications/deliver.ts';
import { notificationProblems, notificationsOf } from '../../src/notifications/staff.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { addResident, createBench, deliveries, deliveryDeps, MAIL_FROM, queue, startSmtp, T0, type Bench, type TestSmtp } from './support.ts';

let t: TestDatabase;
let b: Bench;
let smtp: TestSmtp;
const opened: DeliveryDeps[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});
afterEach(async () => {
  for (const d of opened.splice(0)) await d.mail?.close();
  await smtp?.stop();
});

const at = (ms: number) => new Date(T0.getTime() + ms);

async function fresh(name: string) {
  b = await createBench({ t, name });
  smtp = await startSmtp();
}

function deps(o: Parameters<typeof deliveryDeps>[1] = {}) {
  const d = deliveryDeps(b, { smtp, ...o });
  opened.push(d);
  return d;
}

/** The pebbles_deliveries gauge as /metrics serves it, by "channel/state". */
async function deliveryGauge(): Promise<Record<string, number>> {
  const text = await createMetrics({ db: b.db, rateLimitShare: 0.8 }, { defaultMetrics: false }).registry.metrics();
  return Object.fromEntries([...text.matchAll(/^pebbles_deliveries\{channel="(\w+)",state="(\w+)"\} (\d+)$/gm)].map((m) => [`${m[1]}/${m[2]}`, Number(m[3])]));
}

/** Runs batches until nothing is due at `now`. */
async function drain(d: DeliveryDeps, now: Date) {
  for (let i = 0; i < 1000; i++) {
    const r = await deliverDue(d, now);
    if (r.claimed === 0 && r.expanded === 0) return;
  }
  throw new Error('drain did not finish');
}

async function welcomes(n: number, prefix: string) {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await addResident(b, { email: `${prefix}${i}@example.com` });
    ids.push(await queue(b, r.residentId, 'welcome'));
  }
  return ids;
}

function counts(messageIds: Array<string | undefined>) {
  const m = new Map<string, number>();
  for (const id of messageIds) if (id) m.set(id, (m.get(id) ?? 0) + 1);
  return m;
}

describe('N4 delivery under failure', () => {
  it('SMTP down for a while, then up: everything delivered, nothing twice', async () => {
    await fresh('Down Then Up');
    const ids = await welcomes(30, 'down');
    const port = smtp.port;
    await smtp.stop();
    const d = deps();
    let r = await deliverDue(d, T0);
    expect(r).toMatchObject({ expanded: 30, claimed: 30, retrying: 30, sent: 0 });
    let rows = (await deliveries(b.db, undefined, b.property.id)).filter((x) => x.channel === 'email');
    expect(rows.every((x) => x.state === 'retrying' && !x.maybe_twice && /ECONNREFUSED/.test(x.last_error ?? ''))).toBe(true);
    // Back-off: nothing is due again before the first step (1 s base, jitter fixed at 0.5 → 750 ms).
    expect((await deliverDue(d, at(500))).claimed).toBe(0);
    r = await deliverDue(d, at(60_000));
    expect(r.retrying).toBe(30);
    rows = (await deliveries(b.db, undefined, b.property.id)).filter((x) => x.channel === 'email');
    expect(rows.every((x) => x.attempts === 2)).toBe(true);
    // The second back-off step is twice the first.
    expect(rows[0]!.not_before.getTime() - at(60_000).getTime()).toBeGreaterThanOrEqual(1500);

    smtp = await startSmtp(port);
    await drain(d, at(3_600_000));
    const got = counts(smtp.received.map((m) => m.messageId));
    expect(got.size).toBe(30);
    expect([...got.values()].every((n) => n === 1)).toBe(true);
    for (const id of ids) expect(got.get(messageIdFor(id, MAIL_FROM))).toBe(1);
    rows = (await deliveries(b.db, undefined, b.property.id)).filter((x) => x.channel === 'email');
    expect(rows.every((x) => x.state === 'sent' && !x.maybe_twice && x.attempts === 3 && x.provider_id?.startsWith('Q'))).toBe(true);
    const views = await notificationsOf(b.db, b.property.id);
    expect(views.filter((v) => v.channel === 'email').every((v) => v.state === 'sent')).toBe(true);
    const outbox = await b.db.selectFrom('outbox').select(['state', 'sent_at']).where('property_id', '=', b.property.id).execute();
    expect(outbox.every((o) => o.state === 'sent' && o.sent_at)).toBe(true);
  });

  it('SMTP 4xx is retried; 5xx for an invalid address and a malformed address fail at once', async () => {
    await fresh('Four Five');
    const ok = await addResident(b, { email: 'later@example.com' });
    const bad = await addResident(b, { email: 'bad.mailbox@example.com' });
    const malformed = await addResident(b, { email: 'not an address' });
    const okId = await queue(b, ok.residentId, 'welcome');
    const badId = await queue(b, bad.residentId, 'welcome');
    const malId = await queue(b, malformed.residentId, 'welcome');
    let n = 0;
    smtp.behaviour = () => (n++ < 2 ? { code: 451, message: '4.3.0 try again later' } : 'accept');
    const d = deps();
    const before = await deliveryGauge();
    await deliverDue(d, T0);
    // What an operator's dashboard shows (F-30): deliveries by channel and state.
    const after = await deliveryGauge();
    expect((after['email/failed'] ?? 0) - (before['email/failed'] ?? 0)).toBe(2);
    expect((after['email/retrying'] ?? 0) - (before['email/retrying'] ?? 0)).toBe(1);
    const [badRow] = (await deliveries(b.db, badId)).filter((x) => x.channel === 'email');
    expect(badRow).toMatchObject({ state: 'failed', attempts: 1 });
    expect(badRow!.last_error).toMatch(/550/);
    const [malRow] = (await deliveries(b.db, malId)).filter((x) => x.channel === 'email');
    expect(malRow).toMatchObject({ state: 'failed', attempts: 0, last_error: 'invalid e-mail address' });
    expect((await deliveries(b.db, okId)).find((x) => x.channel === 'email')).toMatchObject({ state: 'retrying', last_error: expect.stringMatching(/451/) });
    await deliverDue(d, at(10_000));
    await deliverDue(d, at(100_000));
    expect((await deliveries(b.db, okId)).find((x) => x.channel === 'email')).toMatchObject({ state: 'sent', attempts: 3, maybe_twice: false });
    expect(smtp.received).toHaveLength(1);
    const problems = await notificationProblems(b.db, b.property.id);
    expect(problems.failed).toBe(2);
  });

  it('after the configured number of attempts a notification fails and shows on the property as a problem', async () => {
    await fresh('Gives Up');
    const r = await addResident(b, { email: 'never@example.com' });
    const id = await queue(b, r.residentId, 'welcome');
    smtp.behaviour = () => ({ code: 421, message: '4.7.0 busy' });
    const d = deps({ policy: { maxAttempts: 3 } });
    for (const ms of [0, 10_000, 100_000, 1_000_000, 10_000_000]) await deliverDue(d, at(ms));
    const row = (await deliveries(b.db, id)).find((x) => x.channel === 'email')!;
    expect(row).toMatchObject({ state: 'failed', attempts: 3 });
    expect(row.last_error).toMatch(/^gave up after 3 attempts: SMTP 421/);
    const problems = await notificationProblems(b.db, b.property.id);
    expect(problems.failed).toBe(1);
    expect(problems.items[0]).toMatchObject({ id, customerId: r.customerId, channel: 'email', state: 'failed' });
    const outbox = await b.db.selectFrom('outbox').select(['state', 'last_error']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(outbox.state).toBe('failed');
  });

  it('a time-out after the message went out is retried with the same Message-ID and marked "may have gone twice"', async () => {
    await fresh('Slow Server');
    const r = await addResident(b, { email: 'slow@example.com' });
    const id = await queue(b, r.residentId, 'welcome');
    let n = 0;
    // The first time the server swallows the message and never answers.
    smtp.behaviour = () => (n++ === 0 ? 'hang' : 'accept');
    const d = deps({ timeoutMs: 300 });
    await deliverDue(d, T0);
    expect((await deliveries(b.db, id)).find((x) => x.channel === 'email')).toMatchObject({ state: 'retrying', maybe_twice: true });
    await deliverDue(d, at(60_000));
    expect((await deliveries(b.db, id)).find((x) => x.channel === 'email')).toMatchObject({ state: 'sent', maybe_twice: true });
    expect(smtp.received.map((m) => m.messageId)).toEqual([messageIdFor(id, MAIL_FROM)]);
    const view = (await notificationsOf(b.db, b.property.id)).find((v) => v.id === id && v.channel === 'email')!;
    expect(view.state).toBe('maybe-twice');
    expect((await notificationProblems(b.db, b.property.id)).maybeTwice).toBe(1);
  });

  it('N4: a worker killed in the middle of a batch and restarted: nothing lost, every possible duplicate marked', async () => {
    await fresh('Killed Worker');
    const ids = await welcomes(160, 'kill');
    smtp.delayMs = 4;
    const child = spawn(process.execPath, ['bin/run-ts.js', 'test/notifications/fixtures/worker-child.ts'], {
      env: { ...process.env, TEST_DB_URL: t.url, TEST_SECRET_KEY: b.secretKeyHex, TEST_SMTP_PORT: String(smtp.port), TEST_NOW: String(T0.getTime()) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ? -1 : code)));
    // Kill it hard once it is well into the work (mid-batch: messages accepted, outcomes not all recorded).
    await new Promise<void>((resolve) => {
      smtp.onAccepted = () => {
        if (smtp.received.length === 70) {
          child.kill('SIGKILL');
          resolve();
        }
      };
    });
    expect(await exited).toBe(-1);
    smtp.onAccepted = undefined;
    smtp.delayMs = 0;
    const stuck = (await deliveries(b.db, undefined, b.property.id)).filter((x) => x.state === 'sending');
    expect(stuck.length).toBeGreaterThan(0);

    // Restarted (another process or the same one later): before the lease runs out nothing is taken over...
    const d = deps();
    await drain(d, at(1000));
    expect((await deliveries(b.db, undefined, b.property.id)).filter((x) => x.state === 'sending').length).toBe(stuck.length);
    // ...after it, the stuck rows are sent again with their Message-ID and marked.
    await drain(d, at(61_000));

    const rows = (await deliveries(b.db, undefined, b.property.id)).filter((x) => x.channel === 'email');
    expect(rows).toHaveLength(160);
    expect(rows.every((x) => x.state === 'sent')).toBe(true);
    const got = counts(smtp.received.map((m) => m.messageId));
    // Nothing lost.
    for (const id of ids) expect(got.get(messageIdFor(id, MAIL_FROM)) ?? 0).toBeGreaterThanOrEqual(1);
    // Every message that arrived twice is marked; a marked one arrived at most twice.
    const marked = new Set(rows.filter((x) => x.maybe_twice).map((x) => messageIdFor(x.outbox_id, MAIL_FROM)));
    for (const [mid, n] of got) {
      if (n > 1) expect(marked.has(mid)).toBe(true);
      expect(n).toBeLessThanOrEqual(2);
    }
    expect(marked.size).toBe(stuck.length);
    // Rows the dead worker had recorded are not marked.
    expect(rows.filter((x) => !x.maybe_twice).length).toBe(160 - stuck.length);
  }, 60_000);

  it('two workers on one PostgreSQL: each notification is sent once, and both did work', async () => {
    await fresh('Two Workers');
    const ids = await welcomes(400, 'two');
    // Slow enough that one worker cannot drain everything before the other claims its first batch.
    smtp.delayMs = 20;
    const dbA = createKysely(t.url, 4);
    const dbB = createKysely(t.url, 4);
    try {
      const a = deps({ db: dbA, workerId: 'worker-a', policy: { batchSize: 25 } });
      const c = deps({ db: dbB, workerId: 'worker-b', policy: { batchSize: 25 } });
      // Each worker keeps going until nothing is left anywhere: a worker that finds every row locked by
      // the other's fan-out must not give up at once.
      const pending = async () =>
        Number(
          (
            await sql<{
              n: number;
            }>`select (select count(*) from outbox where state = 'queued') + (select count(*) from delivery where state in ('queued', 'sending', 'retrying')) as n`.execute(
              b.db,
            )
          ).rows[0]!.n,
        );
      const work = async (d: DeliveryDeps) => {
        for (let i = 0; i < 1000 && (await pending()) > 0; i++) {
          const r = await deliverDue(d, T0);
          if (r.claimed === 0 && r.expanded === 0) await new Promise((res) => setTimeout(res, 5));
        }
      };
      await Promise.all([work(a), work(c)]);
      const got = counts(smtp.received.map((m) => m.messageId));
      expect(got.size).toBe(400);
      expect([...got.values()].every((n) => n === 1)).toBe(true);
      for (const id of ids) expect(got.get(messageIdFor(id, MAIL_FROM))).toBe(1);
      const rows = (await deliveries(b.db, undefined, b.property.id)).filter((x) => x.channel === 'email');
      expect(rows.every((x) => x.state === 'sent' && x.attempts === 1 && !x.maybe_twice)).toBe(true);
      const byWorker = counts(rows.map((x) => x.worker ?? undefined));
      expect(byWorker.get('worker-a') ?? 0).toBeGreaterThan(0);
      expect(byWorker.get('worker-b') ?? 0).toBeGreaterThan(0);
    } finally {
      await dbA.destroy();
      await dbB.destroy();
    }
  }, 60_000);
});
