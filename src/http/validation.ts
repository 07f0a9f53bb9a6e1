/**
 * One message from a request that does not match its route's schema, for every route: each wrong
 * field by its name (`body.unit`, `query.limit`, `body.units[3]`) and what is expected there, never
 * the value that was sent (it may be a password, and the answer must not echo input back).
 *
 * Schemas may carry their own message (`z.string({ error: 'expected a unit number as text' })`):
 * it is used as written. Zod's default English messages are replaced by the ones below.
 */

/** A zod issue as zod gives it, or as fastify-type-provider-zod hands it to Fastify (code → keyword, rest → params). */
interface Issue {
  code: string;
  path: readonly PropertyKey[];
  message: string;
  [detail: string]: unknown;
}

/** Fastify's validation entry (from fastify-type-provider-zod's validator). */
export interface FastifyValidationEntry {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

const PART: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/** "body.unit: expected a unit number as text; query.limit: expected at most 500" */
export function formatValidation(context: string | undefined, entries: readonly FastifyValidationEntry[]): string {
  const part = PART[context ?? ''] ?? 'request';
  const issues: Issue[] = entries.map((e) => ({
    ...e.params,
    code: e.keyword,
    message: e.message ?? '',
    path: e.instancePath
      .split('/')
      .filter((s) => s !== '')
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s)),
  }));
  return formatIssues(part, issues);
}

export function formatIssues(base: string, issues: readonly Issue[]): string {
  return [...new Set(issues.flatMap((i) => describe(base, i)))].join('; ');
}

function describe(base: string, issue: Issue): string[] {
  const at = where(base, issue.path);
  if (issue.code === 'unrecognized_keys') {
    return ((issue.keys as string[] | undefined) ?? []).map((k) => `${where(at, [k])}: not a field of this request`);
  }
  if (issue.code === 'invalid_union' && !isCustom(issue.message)) {
    // The branch that came closest says what is wrong, not an unrelated one: fewest problems, and of
    // those the one that got deepest into the value (its shape matched, a field of it did not).
    const branches = (issue.errors as Issue[][] | undefined) ?? [];
    const depth = (b: Issue[]) => Math.max(0, ...b.map((i) => i.path.length));
    const best = [...branches].sort((a, b) => a.length - b.length || depth(b) - depth(a))[0];
    if (best?.length) return best.flatMap((i) => describe(at, i));
  }
  return [`${at}: ${expectation(issue)}`];
}

function where(base: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : `${s}.${String(p)}`), base);
}

// Zod's own messages start like this; a schema's own message does not.
const isCustom = (message: string) => message !== '' && !/^(Invalid|Too (small|big)|Unrecognized key)/.test(message);

const KIND: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  bigint: 'a whole number',
  date: 'a date',
  null: 'null',
};

function expectation(issue: Issue): string {
  if (isCustom(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type': {
      const kind = KIND[String(issue.expected)] ?? String(issue.expected);
      return /received undefined$/.test(issue.message) ? `required (${kind})` : `expected ${kind}`;
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? (issue.inclusive === false ? 'more than' : 'at least') : issue.inclusive === false ? 'less than' : 'at most';
      const n = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      const unit =
        issue.origin === 'string' ? ` character${n === 1 ? '' : 's'}` : issue.origin === 'array' || issue.origin === 'set' ? ` item${n === 1 ? '' : 's'}` : '';
      return `expected ${bound} ${n}${unit}`;
    }
    case 'invalid_value':
      return `expected one of ${((issue.values as unknown[] | undefined) ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'regex'
        ? 'not in the expected format'
        : `expected ${article(String(issue.format))} ${String(issue.format).toUpperCase() === 'UUID' ? 'UUID' : issue.format}`;
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}`;
    default:
      return 'not valid here';
  }
}

const article = (word: string) => (/^[aeiou]/i.test(word) && !/^uu/i.test(word) ? 'an' : 'a');

/**
 * Where a request part holds a NUL character (U+0000), as validation entries ("query.q: ..."):
 * PostgreSQL text cannot hold one, so such a value would otherwise fail deep in a query as a 500.
 */
export function nulFields(value: unknown, at = ''): FastifyValidationEntry[] {
  const entry = (path: string): FastifyValidationEntry => ({
    keyword: 'nul',
    instancePath: path,
    message: 'must not contain a NUL character (\\u0000)',
    params: {},
  });
  if (typeof value === 'string') return value.includes('\u0000') ? [entry(at)] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => (k.includes('\u0000') ? [entry(at)] : nulFields(v, `${at}/${k}`)));
}

type Validate = (data: unknown) => unknown;

/**
 * A route's validator that also refuses a NUL character in any text of the validated part, after
 * the schema has passed (so only fields the route knows are named).
 */
export function refusingNul<R>(compile: (route: R) => Validate): (route: R) => Validate {
  return (route) => {
    const validate = compile(route);
    return (data) => {
      const result = validate(data) as { error?: unknown; value?: unknown };
      if (result.error || !('value' in result)) return result;
      const nul = nulFields(result.value);
      return nul.length > 0 ? { error: nul } : result;
    };
  };
}
