// One Entrata RPC over HTTP: envelope, auth, time-out, rate budget, retries, error classification.
import { createHash, type Hash } from 'node:crypto';
import { authHeaders, secretsOf, serviceUrl, type ResolvedAccount } from './account.ts';
import { classifyErrorAnswer, EntrataError, type EntrataErrorKind } from './errors.ts';
import { isObj, text } from './quirks.ts';
import { parseRateLimitHeaders, parseRetryAfter, RateBudget, type RateLimitReading, type RateWindow } from './rate-limit.ts';

/** The pino-like logger the client writes to (debug per call, warn per retry). */
export interface EntrataLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Everything with a side effect, injected (time, randomness, network). */
export interface EntrataDeps {
  fetch?: typeof globalThis.fetch;
  /** Ends early, rejecting with the signal's reason, when the signal fires (an injected sleep may ignore it: the client races it). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  /** A number in [0, 1) for back-off jitter. */
  random?: () => number;
  logger?: EntrataLogger;
  /** Share one budget between several clients of the same account. */
  rateBudget?: RateBudget;
  /** First back-off step (ms, doubled per retry, full jitter). Default 500. */
  baseBackoffMs?: number;
  /** Largest back-off step before jitter. Default 30 000. */
  maxBackoffMs?: number;
}

export interface RpcRequest {
  service: string;
  method: string;
  version?: string;
  params?: Record<string, unknown>;
  page?: { pageNo: number; perPage: number };
  /**
   * Fed with the bytes of the answer this call returns (not of failed attempts). Such a call sends a
   * request id that depends only on the request, so the echo of it leaves equal answers equal.
   */
  digest?: Hash;
  /**
   * Ends the call at once when it fires, in whatever it is doing (a rate-limit wait, a back-off, the
   * request itself): the call rejects with the signal's reason, not an EntrataError. A sync's time bound
   * and a stopping worker use it.
   */
  signal?: AbortSignal;
}

/** As Response.text() decodes: UTF-8, a byte-order mark dropped, malformed bytes replaced. */
const utf8 = new TextDecoder('utf-8');

const noopLogger: EntrataLogger = { debug() {}, info() {}, warn() {} };

/** A failure the loop may retry, with what to throw if retries run out. */
class Retryable {
  constructor(
    readonly kind: Extract<EntrataErrorKind, 'transient' | 'rate-limited'>,
    readonly detail: string,
    readonly httpStatus: number | null,
    readonly code: number | null,
    readonly hintMs: number | null,
    readonly cause?: unknown,
  ) {}
}

export class EntrataTransport {
  private readonly fetch: typeof globalThis.fetch;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly log: EntrataLogger;
  private readonly budget: RateBudget;
  private readonly budgetPrefix: string;
  private readonly secrets: string[];
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private requestSeq = 0;

  constructor(
    private readonly account: ResolvedAccount,
    deps: EntrataDeps = {},
  ) {
    this.fetch = deps.fetch ?? globalThis.fetch.bind(globalThis);
    this.sleep = deps.sleep ?? abortableSleep;
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.log = deps.logger ?? noopLogger;
    this.budget = deps.rateBudget ?? new RateBudget(account.rateLimitShare, this.now);
    this.budgetPrefix = `${account.credential.kind}|${account.baseUrl ?? ''}|${account.subdomain}|`;
    this.secrets = secretsOf(account.credential).filter((s) => s.length >= 3);
    this.baseBackoffMs = deps.baseBackoffMs ?? 500;
    this.maxBackoffMs = deps.maxBackoffMs ?? 30_000;
  }

  /** The latest rate-limit readings of this account, one per service. */
  rateLimitState(): RateLimitReading[] {
    return this.budget.readings(this.budgetPrefix);
  }

  /** Calls one method and gives `response.result`; throws EntrataError. */
  async call(req: RpcRequest): Promise<unknown> {
    const budgetKey = this.budgetPrefix + req.service;
    const maxRetries = this.account.maxRetries;
    for (let attempt = 0; ; attempt++) {
      req.signal?.throwIfAborted();
      await this.waitForBudget(req, budgetKey);
      const outcome = await this.once(req, budgetKey, attempt);
      if (!(outcome instanceof Retryable)) {
        req.digest?.update(outcome.bytes);
        return outcome.result;
      }
      const err = (extra?: Partial<{ retryAfterMs: number }>) =>
        new EntrataError(outcome.detail, {
          kind: outcome.kind,
          service: req.service,
          method: req.method,
          code: outcome.code,
          httpStatus: outcome.httpStatus,
          attempts: attempt + 1,
          cause: outcome.cause,
          retryAfterMs: extra?.retryAfterMs ?? outcome.hintMs,
        });
      if (attempt >= maxRetries) throw err();
      const backoff = this.random() * Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** attempt);
      const delay = Math.ceil(Math.max(backoff, outcome.hintMs ?? 0));
      if (delay > this.account.maxRateLimitWaitMs) throw err({ retryAfterMs: delay });
      this.log.warn(
        { service: req.service, method: req.method, page: req.page?.pageNo, attempt: attempt + 1, delayMs: delay, reason: outcome.detail },
        'Entrata call failed; retrying',
      );
      await this.wait(delay, req.signal);
    }
  }

  private async waitForBudget(req: RpcRequest, key: string): Promise<void> {
    const wait = this.budget.waitMs(key);
    if (wait <= 0) return;
    if (wait > this.account.maxRateLimitWaitMs) {
      throw new EntrataError(`rate-limit budget for ${req.service} is used up for ${Math.ceil(wait / 1000)} s, longer than allowed`, {
        kind: 'rate-limited',
        service: req.service,
        method: req.method,
        retryAfterMs: wait,
      });
    }
    this.log.info({ service: req.service, method: req.method, waitMs: wait }, 'Entrata rate-limit budget reached; waiting for the window to reset');
    await this.wait(wait, req.signal);
  }

  /** The injected sleep, ended at once by the signal even when that sleep does not listen to it. */
  private wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (!signal) return this.sleep(ms);
    signal.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.sleep(ms, signal)
        .then(resolve, reject)
        .finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private redact(s: string): string {
    let out = s;
    for (const secret of this.secrets) out = out.split(secret).join('[redacted]');
    return out.length > 500 ? `${out.slice(0, 500)}…` : out;
  }

  private nextRequestId(): string {
    this.requestSeq = (this.requestSeq + 1) % 1000;
    return `${this.now()}${String(this.requestSeq).padStart(3, '0')}`;
  }

  private async once(req: RpcRequest, budgetKey: string, attempt: number): Promise<{ result: unknown; bytes: Uint8Array } | Retryable> {
    let url = serviceUrl(this.account, req.service);
    if (req.page) url += `?page_no=${req.page.pageNo}&per_page=${req.page.perPage}`;
    const method: Record<string, unknown> = { name: req.method };
    if (req.version) method.version = req.version;
    if (req.params && Object.keys(req.params).length > 0) method.params = req.params;
    const requestId = req.digest ? contentRequestId(url, method) : this.nextRequestId();
    const body = JSON.stringify({ auth: { type: this.account.credential.kind }, requestId, method });
    const fail = (kind: EntrataErrorKind, detail: string, extra: { httpStatus?: number | null; code?: number | null; cause?: unknown } = {}) =>
      new EntrataError(this.redact(detail), { kind, service: req.service, method: req.method, attempts: attempt + 1, ...extra });

    req.signal?.throwIfAborted();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.account.timeoutMs);
    const seq = this.budget.noteSent(budgetKey);
    const started = this.now();
    let status: number;
    let headers: Headers;
    let raw: string;
    let bytes: Uint8Array;
    try {
      const res = await this.fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          Accept: 'application/json',
          ...authHeaders(this.account.credential),
        },
        body,
        signal: req.signal ? AbortSignal.any([controller.signal, req.signal]) : controller.signal,
      });
      status = res.status;
      headers = res.headers;
      this.budget.noteAnswer(budgetKey, seq, parseRateLimitHeaders(res.headers));
      bytes = new Uint8Array(await res.arrayBuffer());
      raw = utf8.decode(bytes);
    } catch (e) {
      if (req.signal?.aborted) throw req.signal.reason;
      const detail = timedOut
        ? `no complete answer within ${this.account.timeoutMs} ms`
        : `network error: ${this.redact(e instanceof Error ? `${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}` : String(e))}`;
      return new Retryable('transient', detail, null, null, null);
    } finally {
      clearTimeout(timer);
    }
    this.log.debug(
      { service: req.service, method: req.method, page: req.page?.pageNo, attempt: attempt + 1, status, ms: this.now() - started },
      'Entrata call',
    );

    const retryAfter = parseRetryAfter(headers.get('retry-after'), this.now());
    if (status === 429) {
      return new Retryable('rate-limited', 'HTTP 429 Too Many Requests', 429, null, retryAfter ?? resetHintMs(parseRateLimitHeaders(headers)));
    }

    let json: unknown;
    let parsed = true;
    try {
      json = JSON.parse(raw);
    } catch {
      parsed = false;
    }
    const envelope = parsed && isObj(json) ? (isObj(json.response) ? json.response : json) : undefined;
    const error = envelope?.error;
    if (error !== undefined && error !== null && error !== '') {
      const code = isObj(error) ? numberOrNull(error.code) : null;
      const message = this.redact(isObj(error) ? text(error.message) || 'no message' : text(error) || 'no message');
      const kind = classifyErrorAnswer(code, message);
      if (kind === 'transient' || status >= 500) return new Retryable('transient', message, status, code, retryAfter);
      throw fail(status === 401 || status === 403 ? (kind === 'entrata' ? 'auth' : kind) : kind, message, { httpStatus: status, code });
    }
    if (status >= 500) return new Retryable('transient', `HTTP ${status}`, status, null, retryAfter);
    if (status === 401 || status === 403) throw fail('auth', `HTTP ${status}: credentials refused`, { httpStatus: status });
    if (status < 200 || status >= 300) throw fail('entrata', `HTTP ${status} without an Entrata error body`, { httpStatus: status });
    if (!parsed) throw fail('malformed', raw.trim() === '' ? 'empty body' : 'body is not JSON (or is truncated)', { httpStatus: status });
    if (!envelope) throw fail('malformed', 'body is not a JSON object', { httpStatus: status });
    const code = numberOrNull(envelope.code);
    if (code !== null && code !== 200) {
      const kind = classifyErrorAnswer(code, '');
      if (kind === 'transient') return new Retryable('transient', `response code ${code}`, status, code, retryAfter);
      throw fail(kind, `response code ${code} without an error`, { httpStatus: status, code });
    }
    if (!('result' in envelope) || envelope.result === null || envelope.result === undefined) {
      throw fail('malformed', 'response has no result', { httpStatus: status });
    }
    return { result: envelope.result, bytes };
  }
}

/** A timer that the signal clears, rejecting with its reason (so no wait outlives what it was for). */
function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A request id that depends only on what is asked (the echo of it then leaves equal answers equal),
 * numeric like the time-based ones, different for different requests.
 */
function contentRequestId(url: string, method: Record<string, unknown>): string {
  return String(parseInt(createHash('sha256').update(url).update(JSON.stringify(method)).digest('hex').slice(0, 12), 16));
}

function numberOrNull(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

/** On a 429 without Retry-After: the reset of the exhausted window(s), else of the shortest window. */
function resetHintMs(windows: RateWindow[] | null): number | null {
  if (!windows || windows.length === 0) return null;
  const exhausted = windows.filter((w) => w.remaining <= 0);
  const secs = exhausted.length > 0 ? Math.max(...exhausted.map((w) => w.resetSeconds)) : Math.min(...windows.map((w) => w.resetSeconds));
  return secs * 1000;
}
