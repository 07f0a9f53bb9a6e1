/**
 * A failure the user can act on: a bad setting or argument, something that does not exist, a state
 * that forbids the action, a service that is down. It is printed as one line by the CLI and answered
 * with its status by HTTP, both mapped here and nowhere else; anything else is a bug and keeps its
 * stack (shown at LOG_LEVEL=debug).
 */
export type UserErrorCategory = 'invalid' | 'not-found' | 'conflict' | 'unavailable' | 'refused' | 'unauthenticated' | 'forbidden' | 'too-many';

/**
 * The HTTP status per category. `refused`: a peer (Entrata, a provider) said no, or a secret does not match.
 * `unauthenticated`: no valid sign-in; `forbidden`: signed in and allowed to see the object, not to do this
 * (an object the caller may not see is `not-found`); `too-many`: a rate limit, with `retryAfterSeconds`.
 */
const HTTP_STATUS: Record<UserErrorCategory, number> = {
  invalid: 400,
  'not-found': 404,
  conflict: 409,
  unavailable: 503,
  refused: 502,
  unauthenticated: 401,
  forbidden: 403,
  'too-many': 429,
};

export interface UserErrorOptions extends ErrorOptions {
  /** Overrides the class's stable code for one case (e.g. `account-not-found`). */
  code?: string;
  category?: UserErrorCategory;
  /** The CLI's exit code: 1 unless the family says otherwise (a malformed command line: 2). */
  exitCode?: number;
  /** `too-many`: when to try again (HTTP `Retry-After`, and said in the message). */
  retryAfterSeconds?: number;
}

/** Subclasses name their family with `static defaultCode` (and `defaultCategory` when it is not `invalid`). */
export class UserError extends Error {
  static defaultCode = 'error';
  static defaultCategory: UserErrorCategory = 'invalid';
  static defaultExitCode = 1;
  override name = 'UserError';
  /** A stable, machine-readable code such as `secret-key-mismatch`; scripts and the API match on it. */
  readonly code: string;
  readonly category: UserErrorCategory;
  readonly exitCode: number;
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, opts: UserErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    const family = new.target as typeof UserError;
    this.code = opts.code ?? family.defaultCode;
    this.category = opts.category ?? family.defaultCategory;
    this.exitCode = opts.exitCode ?? family.defaultExitCode;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }

  /** The HTTP status (the name Fastify reads). */
  get statusCode(): number {
    return HTTP_STATUS[this.category];
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
