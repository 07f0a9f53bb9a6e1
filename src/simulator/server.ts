// The simulator's HTTP server: Entrata's two URL styles, the control API, and a stop() that
// closes every socket at once, keep-alive and hung (timeout fault) connections included.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SimulatorControl } from './control.ts';
import { CONTROL_PREFIX, handleControl } from './control-routes.ts';
import { handleRpc, type RpcCall } from './rpc.ts';
import { SimulatorState, type SimulatorConfig } from './state.ts';

export interface SimulatorOptions extends SimulatorConfig {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
}

export interface RunningSimulator {
  /** Base URL, e.g. http://127.0.0.1:40123 (no trailing slash). */
  url: string;
  port: number;
  stop(): Promise<void>;
  control: SimulatorControl;
}

const GATEWAY = /^\/ext\/orgs\/([^/]+)\/v1\/([^/]+)\/?$/;
// The docs' template has no v1 (docs/entrata.md §1.1); clients use both.
const LEGACY = /^\/api(?:\/v1)?\/([^/]+)\/?$/;
const MAX_BODY = 5 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** On the legacy host the subdomain is the first label of the Host header ({sub}.entrata.com). */
function legacySubdomain(host: string | undefined): string {
  const hostname = (host ?? '').replace(/:\d+$/, '');
  if (hostname === '' || hostname === 'localhost' || /^[\d.]+$/.test(hostname) || hostname.startsWith('[')) return 'default';
  return hostname.split('.')[0]!;
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

const sendJson = (res: ServerResponse, status: number, value: unknown) =>
  send(res, status, { 'Content-Type': 'application/json; charset=utf-8' }, JSON.stringify(value));

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const state = new SimulatorState(options);
  const control = new SimulatorControl(state);
  const sockets = new Set<Socket>();
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let stopping = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || stopping) return resolve();
      const entry = { timer: setTimeout(() => (timers.delete(entry), resolve()), ms), resolve };
      timers.add(entry);
    });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const body = await readBody(req);
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      const reply = handleControl(control, req.method ?? 'GET', url.pathname, body);
      return sendJson(res, reply.status, reply.body);
    }
    const gateway = GATEWAY.exec(url.pathname);
    const legacy = gateway ? null : LEGACY.exec(url.pathname);
    if (!gateway && !legacy) return sendJson(res, 404, { error: `no route ${url.pathname}` });
    if (req.method !== 'POST') return sendJson(res, 405, { response: { error: { code: 405, message: 'Only POST is supported.' } } });
    const call: RpcCall = gateway
      ? {
          style: 'gateway',
          subdomain: decodeURIComponent(gateway[1]!),
          service: gateway[2]!.toLowerCase(),
          headers: req.headers,
          query: url.searchParams,
          body,
        }
      : {
          style: 'legacy',
          subdomain: legacySubdomain(req.headers.host),
          service: legacy![1]!.toLowerCase(),
          headers: req.headers,
          query: url.searchParams,
          body,
        };
    const reply = handleRpc(state, call);
    await sleep(reply.delayMs);
    // A hung call stays open until the client aborts or stop() destroys the socket.
    if (reply.kind === 'hang') return;
    send(res, reply.status, reply.headers, reply.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      sendJson(res, 500, { response: { error: { code: 500, message: error instanceof Error ? error.message : 'Internal Server Error' } } });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let stopped: Promise<void> | null = null;
  const stop = () => {
    stopped ??= new Promise<void>((resolve) => {
      stopping = true;
      for (const entry of timers) {
        clearTimeout(entry.timer);
        entry.resolve();
      }
      timers.clear();
      server.close(() => resolve());
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    });
    return stopped;
  };

  return { url: `http://${urlHost}:${port}`, port, stop, control };
}
