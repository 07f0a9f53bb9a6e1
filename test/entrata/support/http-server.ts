// A tiny real HTTP server on 127.0.0.1 playing Entrata: it records every request and answers
// with whatever the test's handler says.
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The parsed JSON body (undefined when it is not JSON). */
  body: any;
  /** `method.name` of the envelope. */
  rpc: string;
  params: Record<string, any>;
}

export type Reply =
  | { status?: number; headers?: Record<string, string>; json?: unknown; body?: string }
  /** Never answer (for time-outs). */
  | { hang: true }
  /** Send headers and part of the body, then cut the connection. */
  | { cutAfter: string; declaredLength: number };

export interface FakeEntrata {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakeEntrata(handler: (req: RecordedRequest, n: number) => Reply | Promise<Reply>): Promise<FakeEntrata> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: any;
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
      const u = new URL(req.url ?? '/', 'http://x');
      const rec: RecordedRequest = {
        method: req.method ?? '',
        path: u.pathname,
        query: u.searchParams,
        headers: req.headers,
        rawBody,
        body,
        rpc: body?.method?.name ?? '',
        params: body?.method?.params ?? {},
      };
      requests.push(rec);
      let reply: Reply;
      try {
        reply = await handler(rec, requests.length);
      } catch (e) {
        reply = { status: 599, body: `test handler threw: ${String(e)}` };
      }
      if ('hang' in reply) return;
      if ('cutAfter' in reply) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(reply.declaredLength) });
        res.write(reply.cutAfter);
        setTimeout(() => res.destroy(), 5);
        return;
      }
      const payload = reply.body ?? JSON.stringify(reply.json ?? {});
      res.writeHead(reply.status ?? 200, { 'Content-Type': 'application/json; charset=utf-8', ...reply.headers });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
