// One Entrata RPC call, from raw body to raw answer: envelope, auth, method lookup, rate limiting,
// injected faults and the method itself. No sockets here: the server writes what this returns.
import type { IncomingHttpHeaders } from 'node:http';
import { RpcError, rpcErrors } from './errors.ts';
import type { Fault } from './faults.ts';
import { METHODS, SERVICES, type MethodAnswer } from './methods.ts';
import type { SimulatorState } from './state.ts';

export interface RpcCall {
  /** gateway: /ext/orgs/{subdomain}/v1/{service} with X-Api-Key; legacy: /api/v1/{service} with HTTP Basic. */
  style: 'gateway' | 'legacy';
  subdomain: string;
  service: string;
  headers: IncomingHttpHeaders;
  query: URLSearchParams;
  body: string;
}

export type RpcReply =
  | { kind: 'answer'; status: number; headers: Record<string, string>; body: string; delayMs: number }
  /** The timeout fault: never answer; the client must give up. */
  | { kind: 'hang'; delayMs: number };

const JSON_TYPE = { 'Content-Type': 'application/json; charset=utf-8' };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function errorBody(requestId: string | undefined, error: RpcError): string {
  const response: Record<string, unknown> = {};
  if (requestId !== undefined) response.requestId = requestId;
  response.error = { code: error.code, message: error.message };
  return JSON.stringify({ response });
}

function credentialsMatch(state: SimulatorState, call: RpcCall): boolean {
  const { credentials } = state;
  if (call.style === 'gateway') return call.headers['x-api-key'] === credentials.apiKey;
  const header = call.headers.authorization ?? '';
  const match = /^Basic\s+(.+)$/i.exec(header);
  if (!match) return false;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  return decoded === `${credentials.username}:${credentials.password}`;
}

export function handleRpc(state: SimulatorState, call: RpcCall): RpcReply {
  let requestId: string | undefined;
  let headers: Record<string, string> = { ...JSON_TYPE };
  let delayMs = state.latencyMs;
  const limitKey = `${call.subdomain}/${call.service}`;
  let counted = false;
  const fail = (error: RpcError, extra: Record<string, string> = {}): RpcReply => ({
    kind: 'answer',
    status: error.httpStatus,
    // Calls refused before counting still show the budget, as every real answer carries the headers.
    headers: { ...headers, ...(counted || !state.limiter ? {} : state.limiter.peek(limitKey)), ...extra },
    body: errorBody(requestId, error),
    delayMs,
  });

  let body: unknown;
  try {
    body = JSON.parse(call.body);
  } catch {
    return fail(rpcErrors.invalidJson());
  }
  if (!isObject(body)) return fail(rpcErrors.invalidJson());
  // Echoed as a string whatever was sent: a client that sent 15 got "15" (docs/entrata.md §1.4).
  if (typeof body.requestId === 'string' || typeof body.requestId === 'number') requestId = String(body.requestId);

  const auth = body.auth;
  if (!isObject(auth) || typeof auth.type !== 'string' || auth.type === '') return fail(rpcErrors.authTypeRequired());
  const expectedType = call.style === 'gateway' ? 'apikey' : 'basic';
  if (auth.type.toLowerCase() !== expectedType) return fail(rpcErrors.invalidAuthType(auth.type));
  if (!credentialsMatch(state, call)) return fail(rpcErrors.unauthorized());
  if (state.subdomains !== null && !state.subdomains.has(call.subdomain)) return fail(rpcErrors.invalidDomain(call.subdomain));

  if (!SERVICES.has(call.service)) return fail(rpcErrors.invalidService(call.service));
  const method = body.method;
  const name = isObject(method) && typeof method.name === 'string' ? method.name : '';
  state.calls.set(name || '(none)', (state.calls.get(name || '(none)') ?? 0) + 1);
  const def = METHODS[name];
  if (!def || def.service !== call.service) return fail(rpcErrors.invalidMethod(name || '(none)'));
  const version = isObject(method) && method.version !== undefined ? String(method.version) : def.defaultVersion;
  if (!def.versions.includes(version)) return fail(rpcErrors.invalidVersion(name, version, def.versions));
  const params = isObject(method) && isObject(method.params) ? method.params : {};

  if (state.limiter) {
    const decision = state.limiter.take(limitKey);
    counted = true;
    headers = { ...headers, ...decision.headers };
    if (!decision.allowed) return fail(rpcErrors.rateLimited(), { 'Retry-After': String(decision.retryAfter) });
  }

  const { latencyMs, fault } = state.faults.take(name);
  delayMs += latencyMs;
  if (fault) {
    const early = earlyFault(fault, state, limitKey);
    if (early === 'hang') return { kind: 'hang', delayMs };
    if (early) {
      if (early.error) return fail(early.error, early.headers);
      return { kind: 'answer', status: early.status, headers: { ...headers, ...early.headers }, body: early.body, delayMs };
    }
  }

  let answer: MethodAnswer;
  try {
    answer = def.handle(state.renderContext(), {
      params,
      query: call.query,
      version,
      capMode: state.capMode,
      fault: fault?.kind ?? null,
      wantsPaginationHeaders: call.headers['x-send-pagination-links'] === '1',
    });
  } catch (error) {
    if (error instanceof RpcError) return fail(error);
    throw error;
  }
  const response: Record<string, unknown> = {};
  if (requestId !== undefined) response.requestId = requestId;
  response.code = 200;
  response.result = answer.result;
  let text = JSON.stringify({ response });
  // A body cut mid-JSON, as a proxy dropping the connection's tail would leave it.
  if (fault?.kind === 'truncatedBody') text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  return { kind: 'answer', status: 200, headers: { ...headers, ...answer.headers }, body: text, delayMs };
}

type EarlyAnswer = { status: number; headers: Record<string, string>; body: string; error?: undefined } | { error: RpcError; headers?: Record<string, string> };

/** Faults that replace the answer entirely; null for those that shape a real answer. */
function earlyFault(fault: Fault, state: SimulatorState, limitKey: string): EarlyAnswer | 'hang' | null {
  switch (fault.kind) {
    case 'timeout':
      return 'hang';
    case 'http500':
      return { error: rpcErrors.internal() };
    case 'http503':
      return {
        status: 503,
        headers: { 'Content-Type': 'text/html; charset=utf-8', 'Retry-After': String(fault.retryAfter) },
        body: '<html><head><title>503 Service Temporarily Unavailable</title></head><body><h1>503 Service Temporarily Unavailable</h1></body></html>',
      };
    case 'http429':
      return { error: rpcErrors.rateLimited(), headers: { ...(state.limiter?.peek(limitKey, true) ?? {}), 'Retry-After': String(fault.retryAfter) } };
    case 'error420':
      return { error: rpcErrors.agreementRequired() };
    case 'error301':
      return { error: rpcErrors.notPermitted(fault.method === '*' ? 'requested' : fault.method) };
    case 'malformedJson':
      return { status: 200, headers: {}, body: '{"response":{"code":200,"result":{"leases":{"lease":[{"id":"1",}]}}' };
    default:
      return null;
  }
}
