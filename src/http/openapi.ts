import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { apiRoute, type ApiRouteDeps } from './api-route.ts';
import { CSRF_HEADER, SECURITY, SESSION_COOKIE } from './security-schemes.ts';

const DOCS_PREFIX = '/api/docs';

/**
 * The OpenAPI 3.1 document, generated from the routes' zod schemas as they are registered. Must be
 * registered before the routes (it collects them as they are added).
 */
export async function registerOpenApiCollector(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Pebbles API',
        version: '1',
        description: [
          'Personal Wi-Fi keys for apartment residents, driven by their Entrata leases. Every error is `{ error, code, message }` with a stable `code`.',
          '',
          '**Trying it here with a session:** (1) `POST /api/session` → *Try it out* with `{"email", "password"}` (the first start prints the administrator\'s one-time password); the browser keeps the session cookie by itself. (2) *Authorize* → paste the answered `csrfToken` into **csrf**: every POST, PUT, PATCH and DELETE then sends it as `X-CSRF-Token`. (3) A one-time password is changed first: `POST /api/session/password`. (4) `GET /api/properties`: each `entrataId` is the `{propertyId}` of the other routes.',
          '',
          '**With an API token** (`pebbles token create`, or `POST /api/tokens`): *Authorize* → paste it into **bearer**; no CSRF token is needed.',
        ].join('\n'),
      },
      // Listed first in /api/docs, where a newcomer starts; the other tags follow in route order.
      tags: [{ name: 'session', description: 'Start here: sign in, change a one-time password, who am I, sign out' }],
      components: {
        securitySchemes: {
          [SECURITY.session]: {
            type: 'apiKey',
            in: 'cookie',
            name: SESSION_COOKIE,
            description: 'The HttpOnly session cookie set by POST /api/session: the browser sends it by itself, leave this empty.',
          },
          [SECURITY.csrf]: {
            type: 'apiKey',
            in: 'header',
            name: CSRF_HEADER,
            description:
              'With the session cookie, on every request that changes something: paste the csrfToken answered by POST /api/session (or GET /api/session).',
          },
          [SECURITY.bearer]: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API token (`pebbles token create`), without the word Bearer: sent as `Authorization: Bearer <token>`.',
          },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
}

/** GET /api/openapi.json and the browsable reference at /api/docs (served from here: no CDN). */
export async function registerOpenApiRoutes(app: FastifyInstance, deps: ApiRouteDeps): Promise<void> {
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    uiConfig: { deepLinking: true, withCredentials: true, persistAuthorization: false },
    validatorUrl: false,
    theme: { title: 'Pebbles API reference' },
  });
  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/openapi.json',
    access: 'public',
    schema: {
      summary: 'This document: every route, its parameters, answers and access (OpenAPI 3.1)',
      tags: ['reference'],
      response: { 200: z.looseObject({ openapi: z.string() }) },
    },
    handler: async () => app.swagger() as unknown as { openapi: string },
  });
}
