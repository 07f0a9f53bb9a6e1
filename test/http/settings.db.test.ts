import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPropertyById, type PropertySettings } from '../../src/properties/properties.ts';
import { createApiBench, type ApiBench } from '../support/api-bench.ts';
import { addLease, auditOf, registrationsOf, syncNow } from './property-support.ts';

let t: ApiBench;
let a: PropertySettings;
let b: PropertySettings;
const DAY = 86_400_000;

beforeAll(async () => {
  t = await createApiBench();
  [a, b] = t.bench.props as [PropertySettings, PropertySettings];
}, 120_000);
afterAll(async () => t?.close());

const patch = (payload: object, headers = t.callers.as('owner', [a.id]), id = a.entrataId) =>
  t.app.inject({ method: 'PATCH', url: `/api/properties/${id}/settings`, headers, payload });

describe('PATCH /api/properties/:propertyId/settings', () => {
  it('an owner changes the network name, SMS, interval, first welcomes, sender and support contact; the audit names them (O6)', async () => {
    const r = await patch({
      ssid: 'Commons-WiFi',
      smsEnabled: false,
      syncIntervalMinutes: 45,
      firstWelcome: false,
      senderName: 'Commons Office',
      supportEmail: 'help@commons.example',
      supportPhone: '+1 512 555 0100',
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      property: a.entrataId,
      ssid: 'Commons-WiFi',
      smsEnabled: false,
      syncIntervalMinutes: 45,
      firstWelcome: false,
      senderName: 'Commons Office',
      supportEmail: 'help@commons.example',
      supportPhone: '+1 512 555 0100',
      timeZone: 'America/Chicago',
    });
    const stored = await getPropertyById(t.bench.db, a.id);
    expect(stored).toMatchObject({ ssid: 'Commons-WiFi', smsEnabled: false, syncIntervalMinutes: 45, firstWelcome: false });
    const [entry] = await auditOf(t, 'change-settings');
    expect(entry).toMatchObject({ property_id: a.id, actor: expect.stringMatching(/^token:test-owner-/) });
    expect((entry!.details as { changed: Record<string, unknown> }).changed).toMatchObject({
      ssid: { from: 'Pebbles-1', to: 'Commons-WiFi' },
      smsEnabled: { from: true, to: false },
      supportEmail: { from: null, to: 'help@commons.example' },
    });
    // null clears the sender name.
    expect((await patch({ senderName: null })).json()).toMatchObject({ senderName: null, supportEmail: 'help@commons.example' });
  });

  it('a new time zone re-plans the property at once: an upcoming move-in starts at midnight of the new zone', async () => {
    const lease = addLease(t, b, { days: 10, unitIndex: 1 });
    await syncNow(t, b);
    const [before] = await registrationsOf(t, b, lease.customerId);
    expect(before).toMatchObject({ state: 'pending' });
    const r = await patch({ timeZone: 'America/New_York' }, t.callers.as('owner', [b.id]), b.entrataId);
    expect(r.statusCode).toBe(200);
    expect(r.json().timeZone).toBe('America/New_York');
    const [after] = await registrationsOf(t, b, lease.customerId);
    // Midnight in New York is an hour before midnight in Chicago.
    expect(after!.access_start!.getTime()).toBe(before!.access_start!.getTime() - 3_600_000);
  });

  it('validation: the message names the wrong field; nothing changes', async () => {
    const before = await getPropertyById(t.bench.db, a.id);
    const cases: Array<[object, RegExp]> = [
      [{ ssid: 'x'.repeat(33) }, /ssid: 1 to 32 bytes/],
      [{ ssid: '' }, /ssid: 1 to 32 bytes/],
      [{ syncIntervalMinutes: 0 }, /syncIntervalMinutes: a whole number from 1 to 1440/],
      [{ syncIntervalMinutes: 2.5 }, /syncIntervalMinutes/],
      [{ timeZone: 'Mars/Olympus' }, /timeZone/],
      [{ supportEmail: 'not-an-address' }, /supportEmail: not an e-mail address/],
      [{ smsEnabled: 'yes' }, /smsEnabled/],
      [{ network: 'x' }, /network/],
      [{}, /give at least one setting/],
    ];
    for (const [payload, message] of cases) {
      const r = await patch(payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().message, JSON.stringify(payload)).toMatch(message);
    }
    expect(await getPropertyById(t.bench.db, a.id)).toEqual(before);
  });

  it('not found: an unknown property, or one the caller may not see (404); a manager may not change settings (403); anonymous 401', async () => {
    expect((await patch({ ssid: 'x' }, t.admin, '999999')).statusCode).toBe(404);
    const foreign = await patch({ ssid: 'x' }, t.callers.as('owner', [b.id]));
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().code).toBe('property-not-found');
    expect((await patch({ ssid: 'x' }, t.callers.as('manager', [a.id]))).statusCode).toBe(403);
    expect((await patch({ ssid: 'x' }, {})).statusCode).toBe(401);
  });
});

describe('F-06 policy: PUT /api/properties/:propertyId/policy and POST …/policy/reset', () => {
  it('a manager sets three early days: the upcoming move-in starts three days earlier at once (O1); reset puts the defaults back', async () => {
    const lease = addLease(t, a, { days: 12, unitIndex: 2, firstName: 'Olga' });
    await syncNow(t, a);
    const [before] = await registrationsOf(t, a, lease.customerId);
    expect(before).toMatchObject({ state: 'pending' });
    const headers = t.callers.as('manager', [a.id]);

    const r = await t.app.inject({ method: 'PUT', url: `/api/properties/${a.entrataId}/policy`, headers, payload: { earlyMoveInDays: 3, lateMoveOutDays: 2 } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      property: a.entrataId,
      earlyMoveInDays: 3,
      lateMoveOutDays: 2,
      defaults: { earlyMoveInDays: 0, lateMoveOutDays: 0 },
      replan: { status: 'applied' },
    });
    const [early] = await registrationsOf(t, a, lease.customerId);
    expect(early!.access_start!.getTime()).toBe(before!.access_start!.getTime() - 3 * DAY);
    expect(await auditOf(t, 'change-policy')).toEqual([
      {
        property_id: a.id,
        actor: expect.stringMatching(/^token:test-manager-/),
        action: 'change-policy',
        rule: 'F-06',
        details: { from: { earlyMoveInDays: 0, lateMoveOutDays: 0 }, to: { earlyMoveInDays: 3, lateMoveOutDays: 2 } },
      },
    ]);
    // The re-plan is recorded as the manager's run.
    const run = await t.bench.db.selectFrom('sync_run').select(['trigger', 'actor']).where('id', '=', r.json().replan.runId).executeTakeFirstOrThrow();
    expect(run).toEqual({ trigger: 'manual', actor: expect.stringMatching(/^token:test-manager-/) });

    // Only the field given changes.
    const late = await t.app.inject({ method: 'PUT', url: `/api/properties/${a.entrataId}/policy`, headers, payload: { lateMoveOutDays: 5 } });
    expect(late.json()).toMatchObject({ earlyMoveInDays: 3, lateMoveOutDays: 5 });

    const reset = await t.app.inject({ method: 'POST', url: `/api/properties/${a.entrataId}/policy/reset`, headers });
    expect(reset.statusCode).toBe(200);
    expect(reset.json()).toMatchObject({ earlyMoveInDays: 0, lateMoveOutDays: 0 });
    const [back] = await registrationsOf(t, a, lease.customerId);
    expect(back!.access_start).toEqual(before!.access_start);
    expect((await auditOf(t, 'reset-policy')).map((e) => e.actor)).toEqual([expect.stringMatching(/^token:test-manager-/)]);
  });

  it('validation names the field; an empty policy is refused; nothing changes', async () => {
    const headers = t.callers.as('manager', [a.id]);
    const put = (payload: object) => t.app.inject({ method: 'PUT', url: `/api/properties/${a.entrataId}/policy`, headers, payload });
    const cases: Array<[object, RegExp]> = [
      [{ earlyMoveInDays: 400 }, /earlyMoveInDays: a whole number from 0 to 365/],
      [{ lateMoveOutDays: -1 }, /lateMoveOutDays: a whole number from 0 to 365/],
      [{ lateMoveOutDays: 'two' }, /lateMoveOutDays/],
      [{ earlyDays: 2 }, /earlyDays/],
      [{}, /give earlyMoveInDays, lateMoveOutDays or both/],
    ];
    for (const [payload, message] of cases) {
      const r = await put(payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().message, JSON.stringify(payload)).toMatch(message);
    }
    expect(await getPropertyById(t.bench.db, a.id)).toMatchObject({ earlyMoveInDays: 0, lateMoveOutDays: 0 });
  });

  it('not found: a property the caller may not see answers 404 for both routes; an employee may not change the policy (403)', async () => {
    const other = t.callers.as('manager', [b.id]);
    expect(
      (await t.app.inject({ method: 'PUT', url: `/api/properties/${a.entrataId}/policy`, headers: other, payload: { earlyMoveInDays: 1 } })).statusCode,
    ).toBe(404);
    expect((await t.app.inject({ method: 'POST', url: `/api/properties/${a.entrataId}/policy/reset`, headers: other })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url: '/api/properties/999999/policy/reset', headers: t.admin })).statusCode).toBe(404);
    expect(
      (
        await t.app.inject({
          method: 'PUT',
          url: `/api/properties/${a.entrataId}/policy`,
          headers: t.callers.as('employee', [a.id]),
          payload: { earlyMoveInDays: 1 },
        })
      ).statusCode,
    ).toBe(403);
  });
});
