/** The session cookie and the header that must repeat its CSRF token on a state-changing request. */
export const SESSION_COOKIE = 'pebbles_session';
export const CSRF_HEADER = 'x-csrf-token';

/** Names of the OpenAPI security schemes (apiRoute lists them on every route that is not public). */
export const SECURITY = { session: 'session', csrf: 'csrf', bearer: 'bearer' } as const;
