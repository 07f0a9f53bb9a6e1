import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { z, type ZodType } from 'zod';

/**
 * Schema-first routes with zod: every route declares its params, query, body and responses as zod
 * schemas; Fastify validates requests and serializes responses through them. This is what
 * `fastify-type-provider-zod` does (the architecture's choice, not installed yet): when it is, these
 * compilers are replaced by its own and the route definitions stay as they are, ready for
 * @fastify/swagger to turn into the OpenAPI document.
 */
export function useZod(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => (data: unknown) => {
    const r = (schema as ZodType).safeParse(data);
    if (r.success) return { value: r.data };
    const message = r.error.issues.map((i) => `${httpPart ?? 'request'}${i.path.length ? '.' + i.path.join('.') : ''}: ${i.message}`).join('; ');
    return { error: Object.assign(new Error(message), { validation: r.error.issues }) };
  });
  app.setSerializerCompiler(({ schema, url, method }) => (data: unknown) => {
    const r = (schema as ZodType).safeParse(data);
    if (!r.success) throw new Error(`response of ${method} ${url} does not match its schema: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return JSON.stringify(r.data);
  });
}

type Infer<T> = T extends ZodType ? z.output<T> : undefined;

export interface RouteSchema<P, Q, B> {
  summary?: string;
  tags?: string[];
  params?: P;
  querystring?: Q;
  body?: B;
  /** Status code → schema of the body. */
  response: Record<number, ZodType>;
}

export interface RouteDef<P, Q, B> {
  method: HTTPMethods;
  url: string;
  schema: RouteSchema<P, Q, B>;
  handler: (req: FastifyRequest<{ Params: Infer<P>; Querystring: Infer<Q>; Body: Infer<B> }>, reply: FastifyReply) => Promise<unknown>;
}

/** Registers a route whose request parts are typed from its zod schemas. */
export function route<P extends ZodType | undefined = undefined, Q extends ZodType | undefined = undefined, B extends ZodType | undefined = undefined>(
  app: FastifyInstance, def: RouteDef<P, Q, B>,
): void {
  app.route({
    method: def.method,
    url: def.url,
    schema: def.schema as never,
    handler: def.handler as never,
  });
}

/** The error body every route answers with on 4xx and 5xx. */
export const ErrorBody = z.object({ error: z.string(), code: z.string(), message: z.string() });
