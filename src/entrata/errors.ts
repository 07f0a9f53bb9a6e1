import { UserError } from '../errors/user-error.ts';
// Typed errors of the Entrata client. Each has a `kind`; the sync (S4) only needs to know whether
// Entrata failed (no usable answer: retry later) or Entrata said so (an error answer: fix the
// account or its permissions). Neither ever changes access. Messages never carry credentials.

export type EntrataErrorKind =
  /** HTTP 401/403, error 104 (invalid domain), 106 (auth type required), bad credentials. */
  | 'auth'
  /** Error 420 (API agreement required), or the generic error for a web service not granted. */
  | 'not-permitted'
  /** HTTP 429 still after retries, or the rate-limit budget would need a longer wait than allowed. */
  | 'rate-limited'
  /** Network error, time-out, HTTP 5xx or Entrata error 310, still after retries. */
  | 'transient'
  /** Not JSON, truncated, or not the shape the method returns. */
  | 'malformed'
  /** getLeases stays at the 500-lease cap even for a single move-in day: a full read is impossible. */
  | 'capped'
  /** Any other `response.error` answer. */
  | 'entrata';

export const ENTRATA_FAILURE_KINDS: readonly EntrataErrorKind[] = ['rate-limited', 'transient', 'malformed', 'capped'];

export interface EntrataErrorInit {
  kind: EntrataErrorKind;
  service: string;
  method: string;
  /** Entrata's `response.error.code`, when it gave one. */
  code?: number | null;
  httpStatus?: number | null;
  /** How long Entrata asked us to wait (Retry-After, rate-limit reset), when known. */
  retryAfterMs?: number | null;
  attempts?: number;
  cause?: unknown;
}

/** The end of each message: what the user can do about it. */
const WHAT_TO_DO: Record<EntrataErrorKind, string> = {
  auth: "check the account's subdomain, API key or user and password (`pebbles account test`)",
  'not-permitted': 'ask Entrata to grant this API user the service',
  'rate-limited': "Entrata's rate limit is used up: try again later",
  transient: "Entrata could not be reached or failed: check the network and the account's base URL, or try again later",
  malformed: "Entrata's answer could not be read: try again later, and report it if it persists",
  capped: 'Entrata returns too many leases for one read: report it',
  entrata: 'Entrata refused the request',
};

export class EntrataError extends UserError {
  static override defaultCode = 'entrata';
  override name = 'EntrataError';
  readonly kind: EntrataErrorKind;
  readonly service: string;
  readonly method: string;
  /** Entrata's own error code (`response.error.code`), when it gave one. */
  readonly entrataCode: number | null;
  readonly httpStatus: number | null;
  readonly retryAfterMs: number | null;
  readonly attempts: number;
  /** Entrata's own message (redacted), without our prefix. */
  readonly detail: string;

  constructor(detail: string, init: EntrataErrorInit) {
    const code = init.code ?? null;
    super(`${init.service}/${init.method}: ${init.kind}${code !== null ? ` (Entrata error ${code})` : ''}: ${detail} (${WHAT_TO_DO[init.kind]})`, {
      code: `entrata-${init.kind}`,
      // No usable answer: Entrata is unavailable; an error answer: Entrata refused.
      category: ENTRATA_FAILURE_KINDS.includes(init.kind) ? 'unavailable' : 'refused',
      ...(init.cause === undefined ? {} : { cause: init.cause }),
    });
    this.kind = init.kind;
    this.service = init.service;
    this.method = init.method;
    this.entrataCode = code;
    this.httpStatus = init.httpStatus ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.attempts = init.attempts ?? 1;
    this.detail = detail;
  }

  /** Entrata failed: no usable answer (transport, time-out, rate limit, malformed, cap). Retry later. */
  get isEntrataFailure(): boolean {
    return ENTRATA_FAILURE_KINDS.includes(this.kind);
  }

  /** Entrata answered with an error (credentials, permissions, bad request): retrying will not help. */
  get isEntrataAnswer(): boolean {
    return !this.isEntrataFailure;
  }

  toJSON() {
    return {
      name: this.name,
      kind: this.kind,
      service: this.service,
      method: this.method,
      code: this.code,
      entrataCode: this.entrataCode,
      httpStatus: this.httpStatus,
      retryAfterMs: this.retryAfterMs,
      message: this.message,
    };
  }
}

export function isEntrataError(e: unknown): e is EntrataError {
  return e instanceof EntrataError;
}

/** A bad argument or account setting (a caller's mistake, not Entrata's). */
export class EntrataInputError extends UserError {
  static override defaultCode = 'entrata-input';
  override name = 'EntrataInputError';
}

/** The answer to a page number past the last page (docs/entrata.md §1.6): it ends paging, it is no failure. */
export function isPastLastPage(e: unknown): boolean {
  return e instanceof EntrataError && e.kind === 'entrata' && /page_no/i.test(e.detail) && /value must be between/i.test(e.detail);
}

const NOT_PERMITTED = /not authori[sz]ed|permission|not permitted|not allowed|access denied|no access|not granted|agreement/i;
const AUTH = /unauthori[sz]ed|authenticat|credential|api[ _-]?key|password|username|invalid domain|auth(entication)? type/i;

/**
 * What an `response.error` answer means. 310 and 5xx codes are transient (retried); the codes and
 * messages of docs/entrata.md §4.2 map to auth/not-permitted; everything else is Entrata saying no.
 */
export function classifyErrorAnswer(code: number | null, message: string): EntrataErrorKind {
  if (/page_no/i.test(message) && /value must be between/i.test(message)) return 'entrata';
  if (code === 310 || (code !== null && code >= 500 && code < 600)) return 'transient';
  if (code === 104 || code === 106) return 'auth';
  if (code === 420 || code === 301) return 'not-permitted';
  if (NOT_PERMITTED.test(message)) return 'not-permitted';
  if (AUTH.test(message)) return 'auth';
  return 'entrata';
}
