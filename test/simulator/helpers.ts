// Shared helpers for the simulator tests: one RPC call over real HTTP, in either URL style.
import type { RunningSimulator } from '../../src/simulator/index.ts';

export interface CallOptions {
  service: string;
  method: string;
  version?: string;
  params?: Record<string, unknown>;
  query?: Record<string, string | number>;
  /** gateway (X-Api-Key, default), legacy (HTTP Basic). */
  style?: 'gateway' | 'legacy';
  apiKey?: string;
  basic?: [string, string];
  subdomain?: string;
  requestId?: string | number;
  /** Replaces the body's auth block; null leaves it out. */
  auth?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: any;
}

export async function call(sim: RunningSimulator, opts: CallOptions): Promise<CallResult> {
  const style = opts.style ?? 'gateway';
  const path = style === 'gateway' ? `/ext/orgs/${opts.subdomain ?? 'acme'}/v1/${opts.service}` : `/api/v1/${opts.service}`;
  const query = new URLSearchParams(Object.entries(opts.query ?? {}).map(([k, v]) => [k, String(v)]));
  const url = `${sim.url}${path}${query.size > 0 ? `?${query}` : ''}`;
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8', Accept: 'application/json', ...opts.headers };
  if (style === 'gateway') headers['X-Api-Key'] = opts.apiKey ?? 'demo-key';
  else headers.Authorization = `Basic ${Buffer.from((opts.basic ?? ['demo', 'demo']).join(':')).toString('base64')}`;
  const body: Record<string, unknown> = {};
  const auth = opts.auth === undefined ? { type: style === 'gateway' ? 'apikey' : 'basic' } : opts.auth;
  if (auth !== null) body.auth = auth;
  body.requestId = opts.requestId ?? '1';
  body.method = { name: opts.method, ...(opts.version ? { version: opts.version } : {}), params: opts.params ?? {} };
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: opts.signal });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** getLeases r2 (or r1) for one property, with the leases always as an array. */
export async function getLeases(
  sim: RunningSimulator,
  params: Record<string, unknown>,
  extra: Partial<CallOptions> = {},
): Promise<{ result: CallResult; leases: any[] }> {
  const result = await call(sim, { service: 'leases', method: 'getLeases', version: 'r2', params, ...extra });
  const list = result.json?.response?.result?.leases?.lease;
  return { result, leases: list === undefined ? [] : Array.isArray(list) ? list : [list] };
}

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

export async function control(sim: RunningSimulator, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${sim.url}/_control/${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

/** Every value in a JSON tree, with its path, for "no nulls anywhere" style checks. */
export function* walk(value: unknown, path = '$'): Generator<[string, unknown]> {
  yield [path, value];
  if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* walk(value[i], `${path}[${i}]`);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) yield* walk(v, `${path}.${k}`);
}
