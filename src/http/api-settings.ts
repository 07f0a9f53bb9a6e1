import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../auth/caller.ts';
import { isTimeZone } from '../properties/properties.ts';
import { changePolicy, changeSettings, resetPolicy, type PolicyView, type PropertySettingsView } from '../properties/settings.ts';
import { apiRoute } from './api-route.ts';
import { needOperations, PropertyParams, AccountQuery } from './api-common.ts';
import type { HttpDeps } from './server.ts';
import { ErrorBody } from './errors.ts';

// ── schemas ──────────────────────────────────────────────────────────────────────────────────────

/** Ranges and byte counts are checked by the same code as `pebbles property enable` (checkSettings). */
const SettingsBody = z
  .object({
    ssid: z.string().optional(),
    timeZone: z.string().refine(isTimeZone, 'an IANA time zone such as America/Chicago').optional(),
    smsEnabled: z.boolean().optional(),
    syncIntervalMinutes: z.number().int().optional(),
    firstWelcome: z.boolean().optional(),
    /** null clears it (messages then use the property's name). */
    senderName: z.string().max(200).nullable().optional(),
    supportEmail: z.string().max(254).nullable().optional(),
    supportPhone: z.string().max(100).nullable().optional(),
  })
  .strict();

export const SettingsResponse = z.object({
  property: z.string(),
  account: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  ssid: z.string(),
  timeZone: z.string(),
  smsEnabled: z.boolean(),
  syncIntervalMinutes: z.number(),
  firstWelcome: z.boolean(),
  earlyMoveInDays: z.number(),
  lateMoveOutDays: z.number(),
  senderName: z.string().nullable(),
  supportEmail: z.string().nullable(),
  supportPhone: z.string().nullable(),
});

const PolicyBody = z.object({ earlyMoveInDays: z.number().int().optional(), lateMoveOutDays: z.number().int().optional() }).strict();

const PolicyResponse = z.object({
  property: z.string(),
  earlyMoveInDays: z.number(),
  lateMoveOutDays: z.number(),
  defaults: z.object({ earlyMoveInDays: z.number(), lateMoveOutDays: z.number() }),
  replan: z.object({ runId: z.number().nullable(), status: z.string(), actions: z.number() }).nullable(),
});

export function settingsBody(v: PropertySettingsView): z.output<typeof SettingsResponse> {
  const s = v.settings;
  return {
    property: s.entrataId,
    account: s.accountName,
    name: s.name,
    enabled: s.enabled,
    ssid: s.ssid,
    timeZone: s.timeZone,
    smsEnabled: s.smsEnabled,
    syncIntervalMinutes: s.syncIntervalMinutes,
    firstWelcome: s.firstWelcome,
    earlyMoveInDays: s.earlyMoveInDays,
    lateMoveOutDays: s.lateMoveOutDays,
    ...v.contact,
  };
}

const policyBody = (property: string, v: PolicyView) => ({ property, ...v });

// ── routes ───────────────────────────────────────────────────────────────────────────────────────

/** A property's settings and its early/late policy (F-05, F-06). */
export function registerSettingsApi(app: FastifyInstance, deps: HttpDeps): void {
  const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };
  const query = z.object(AccountQuery).strict();

  apiRoute(app, deps, {
    method: 'PATCH',
    url: '/api/properties/:propertyId/settings',
    access: { permission: 'settings.change', on: 'property' },
    schema: {
      summary: 'Change the network name, time zone, SMS, sync interval, first welcomes, sender name or support contact',
      tags: ['properties'],
      description: 'Only the fields given change; each change is recorded with who made it. A new time zone re-plans the property at once.',
      params: PropertyParams,
      querystring: query,
      body: SettingsBody,
      response: { 200: SettingsResponse, ...errors },
    },
    handler: async (req, _reply, { caller, property }) => settingsBody(await changeSettings(needOperations(deps), property.id, req.body, actorOf(caller))),
  });

  apiRoute(app, deps, {
    method: 'PUT',
    url: '/api/properties/:propertyId/policy',
    access: { permission: 'policy.change', on: 'property' },
    schema: {
      summary: 'Set the early move-in and late move-out allowances in days (F-06, O1, O2)',
      tags: ['properties'],
      description: 'The property is re-planned from what Pebbles knows at once (no Entrata read): windows open and close by the new policy.',
      params: PropertyParams,
      querystring: query,
      body: PolicyBody,
      response: { 200: PolicyResponse, ...errors },
    },
    handler: async (req, _reply, { caller, property }) =>
      policyBody(property.entrataId, await changePolicy(needOperations(deps), property.id, req.body, actorOf(caller))),
  });

  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/properties/:propertyId/policy/reset',
    access: { permission: 'policy.change', on: 'property' },
    schema: {
      summary: 'Put the early and late allowances back to those the property was enabled with (F-06)',
      tags: ['properties'],
      params: PropertyParams,
      querystring: query,
      response: { 200: PolicyResponse, ...errors },
    },
    handler: async (_req, _reply, { caller, property }) =>
      policyBody(property.entrataId, await resetPolicy(needOperations(deps), property.id, actorOf(caller))),
  });
}
