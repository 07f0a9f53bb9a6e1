import { z } from 'zod';

/** The error body every route answers with on 4xx and 5xx: `{ error, code, message }`. */
export const ErrorBody = z
  .object({
    error: z.string().describe('The HTTP status text, e.g. Bad Request'),
    code: z.string().describe('A stable, machine-readable code such as property-not-found'),
    message: z.string().describe('What is wrong and what to do, for a person'),
  })
  .meta({ id: 'Error' });
export type ErrorBody = z.output<typeof ErrorBody>;

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  421: 'Misdirected Request',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function errorBody(status: number, code: string, message: string): ErrorBody {
  return { error: STATUS_TEXT[status] ?? 'Error', code, message };
}

/** The error responses a route may answer, for its schema (and so the OpenAPI document). */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorBody]));
}
