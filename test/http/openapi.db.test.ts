import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutesOf } from '../../src/http/api-route.ts';
import { createApiBench, type ApiBench } from '../support/api-bench.ts';

interface Operation {
  summary?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; schema: unknown }>;
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
}

let t: ApiBench;
let doc: Document;
beforeAll(async () => {
  t = await createApiBench();
  const r = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
  expect(r.statusCode).toBe(200);
  doc = r.json();
}, 120_000);
afterAll(async () => t?.close());

/** Fastify's `/api/properties/:propertyId/sync` as OpenAPI writes it: `/api/properties/{propertyId}/sync`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('GET /api/openapi.json: the OpenAPI 3.1 document generated from the route schemas', () => {
  it('is public: anonymous callers get it, and it holds no data', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.body).not.toContain(t.bench.props[0]!.entrataId);
  });

  it('is OpenAPI 3.1 with the session cookie + CSRF header and the bearer token as security schemes', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Pebbles API', version: expect.any(String) });
    expect(doc.components.securitySchemes).toEqual({
      session: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'pebbles_session' }),
      csrf: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-csrf-token' }),
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
  });

  it('tells a newcomer, at the top of /api/docs, how to sign in there and where each credential goes in Authorize', () => {
    const info = (doc.info as { description?: string }).description ?? '';
    for (const step of [
      'POST /api/session',
      'csrfToken',
      '**csrf**',
      'X-CSRF-Token',
      'POST /api/session/password',
      'entrataId',
      'pebbles token create',
      '**bearer**',
    ])
      expect(info, step).toContain(step);
    const schemes = doc.components.securitySchemes as Record<string, { description: string }>;
    // Swagger UI cannot set a cookie: the browser sends the one sign-in set, so its box stays empty.
    expect(schemes.session!.description).toMatch(/browser sends it by itself, leave this empty/);
    expect(schemes.bearer!.description).toMatch(/without the word Bearer/);
  });

  it('lists every apiRoute route with its summary, tags and access; a state change with a session needs the CSRF header', () => {
    const routes = apiRoutesOf(t.app);
    expect(routes.length).toBeGreaterThanOrEqual(5);
    for (const r of routes) {
      const op = doc.paths[openApiPath(r.url)]?.[r.method.toLowerCase()];
      expect(op, `${r.method} ${r.url} in the document`).toBeDefined();
      expect(op!.summary, `${r.method} ${r.url} summary`).toMatch(/\w{3,}/);
      expect(op!.tags?.length, `${r.method} ${r.url} tags`).toBeGreaterThan(0);
      if (r.access === 'public') expect(op!.security).toBeUndefined();
      else if (r.method === 'GET') expect(op!.security).toEqual([{ session: [] }, { bearer: [] }]);
      else expect(op!.security).toEqual([{ session: [], csrf: [] }, { bearer: [] }]);
    }
    const sync = doc.paths['/api/properties/{propertyId}/sync']!.post!;
    expect(sync.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'propertyId', in: 'path' }), expect.objectContaining({ name: 'wait', in: 'query' })]),
    );
    expect(Object.keys(sync.requestBody!.content)).toEqual(['application/json']);
    expect(Object.keys(sync.responses)).toEqual(expect.arrayContaining(['200', '202', '400', '404', '413', '429']));
  });

  it('every schema in it is valid JSON Schema 2020-12 (the dialect of OpenAPI 3.1), and every $ref resolves', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    // Components first, under the id their $refs use.
    ajv.addSchema({ $id: 'doc', components: doc.components });
    const text = JSON.stringify(doc);
    for (const [, ref] of text.matchAll(/"\$ref":"([^"]+)"/g)) {
      const [, kind, name] = /^#\/components\/(\w+)\/(.+)$/.exec(ref!) ?? [];
      expect((doc.components as unknown as Record<string, Record<string, unknown>>)[kind!]?.[name!], ref).toBeDefined();
    }
    let compiled = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const schemas = [
          ...(op.parameters ?? []).map((p) => p.schema),
          ...Object.values(op.requestBody?.content ?? {}).map((c) => c.schema),
          ...Object.values(op.responses).flatMap((r) => Object.values(r.content ?? {}).map((c) => c.schema)),
        ];
        for (const s of schemas) {
          const rebased = JSON.parse(JSON.stringify(s).replaceAll('"#/components/', '"doc#/components/'));
          expect(() => ajv.compile(rebased), `${method} ${path}`).not.toThrow();
          compiled++;
        }
      }
    }
    expect(compiled).toBeGreaterThan(20);
  });

  it('every error answer is the one error shape { error, code, message }', () => {
    const sync = doc.paths['/api/properties/{propertyId}/sync']!.post!;
    const error = sync.responses['404']!.content!['application/json']!.schema as { $ref?: string };
    expect(error.$ref).toBe('#/components/schemas/Error');
    expect(doc.components.schemas.Error).toMatchObject({ type: 'object', required: ['error', 'code', 'message'] });
  });
});

describe('GET /api/docs: the browsable reference', () => {
  it('serves an HTML page whose scripts and styles come from this server (no CDN), under the CSP', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    const assets = [...r.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(3);
    for (const a of assets) {
      expect(a, 'a local asset').not.toMatch(/^(https?:)?\/\//);
      const asset = await t.app.inject({ method: 'GET', url: new URL(a, 'http://localhost/api/docs/').pathname });
      expect(asset.statusCode, a).toBe(200);
    }
    // No inline script: the CSP would block it.
    expect(r.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    // The page loads the document from the same place.
    const init = await t.app.inject({ method: 'GET', url: '/api/docs/static/swagger-initializer.js' });
    expect(init.body).toContain("resolveUrl('./json')");
    expect((await t.app.inject({ method: 'GET', url: '/api/docs/json' })).json().openapi).toBe('3.1.0');
  });
});
