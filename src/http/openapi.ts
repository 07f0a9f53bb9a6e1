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
        description: 'Personal Wi-Fi keys for apartment residents, driven by their Entrata leases. Every error is `{ error, code, message }`.',
      },
      components: {
        securitySchemes: {
          [SECURITY.session]: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'The session cookie set by POST /api/session.' },
          [SECURITY.csrf]: {
            type: 'apiKey',
            in: 'header',
            name: CSRF_HEADER,
            description: 'With the session cookie, on every request that changes something: the CSRF token answered by POST /api/session.',
          },
          [SECURITY.bearer]: { type: 'http', scheme: 'bearer', description: 'An API token: `Authorization: Bearer <token>`.' },
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
