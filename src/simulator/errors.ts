// Errors the simulator answers with. Only 104, 106, 420 and the page_no message are attested
// (docs/entrata.md §4.2); the other codes are our choice within Entrata's documented 1xx/3xx/4xx/5xx ranges.
// HTTP status: 401 for credentials, 429 for throttling, 400 for a request the API rejects (the
// OpenAPI's "400 = Failure"); the agreement and permission errors come as HTTP 200, as reported.

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
  }
}

export const rpcErrors = {
  invalidJson: () => new RpcError(103, 'Invalid request: the body is not valid JSON.'),
  invalidDomain: (subdomain: string) => new RpcError(104, `Invalid Domain: ${subdomain}`, 401),
  authTypeRequired: () => new RpcError(106, 'Auth Type Required', 401),
  invalidAuthType: (type: string) => new RpcError(107, `Invalid auth type '${type}' for this endpoint.`, 401),
  unauthorized: () => new RpcError(113, 'Authentication failed: invalid or missing credentials.', 401),
  notPermitted: (method: string) => new RpcError(301, `The web service method ${method} is not permitted for this API user.`, 200),
  invalidService: (service: string) => new RpcError(302, `Invalid web service: ${service}`),
  invalidMethod: (method: string) => new RpcError(303, `Invalid method name: ${method}`),
  invalidVersion: (method: string, version: string, allowed: readonly string[]) =>
    new RpcError(304, `Invalid version ${version} for ${method}; allowed: ${allowed.join(', ')}.`),
  invalidParam: (message: string) => new RpcError(305, message),
  requiredParam: (name: string) => new RpcError(306, `${name} is required.`),
  invalidPage: (pageNo: string, lastPage: number) => new RpcError(307, `Invalid page_no ${pageNo}: value must be between 1 and ${lastPage}.`),
  invalidPerPage: (perPage: string) => new RpcError(307, `Invalid per_page ${perPage}: value must be between 5 and 1000.`),
  agreementRequired: () => new RpcError(420, 'API agreement required.', 200),
  rateLimited: () => new RpcError(429, 'Too Many Requests: rate limit exceeded.', 429),
  internal: () => new RpcError(500, 'Internal Server Error', 500),
} as const;
