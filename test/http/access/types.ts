import type { ApiBench } from '../../support/api-bench.ts';

/**
 * One property's objects as the permission test sees them: the test calls every route on its caller's
 * own property and on a foreign one. `customerId` is a resident registered with a key, in `unit`.
 */
export interface PropertyFixture {
  entrataId: string;
  dbId: number;
  customerId: string;
  unit: string;
}

/**
 * How to call one API route for the permission test (test/http/permissions.db.test.ts). Every route
 * registered through apiRoute needs exactly one case, named `METHOD url` as registered
 * (e.g. `POST /api/properties/:propertyId/residents/:customerId/resend`). `request` may create the
 * objects it needs (a hold, a message) in `fx`'s property through the service functions; it is called
 * once per caller, so each caller gets objects of its own.
 * The test expects: anonymous 401; allowed by the matrix: anything but 401/403/404 (and 500); visible
 * but not allowed: 403; a property the caller may not see: 404. See ./README.md.
 */
export interface AccessCase {
  route: string;
  request(fx: PropertyFixture, t: ApiBench): Promise<AccessRequest> | AccessRequest;
  /**
   * Only for a `signed-in` route whose URL names an object of `fx`'s property without its
   * `:propertyId` (a sync request by its job id): callers who may not see that property must get 404,
   * the answer for an object that does not exist. Without it, every signed-in caller is allowed.
   */
  namesObjectOfProperty?: boolean;
  /**
   * The route acts on the caller's own session (sign-out, sign-out everywhere, password change): an
   * API token has none and must get 400 `not-a-session`, a signed-in user must succeed (2xx). Each
   * signed-in caller sends it with a fresh session of a new user of its role, whose password is
   * `SESSION_PASSWORD`, so the sessions the other cases share stay signed in.
   */
  actsOnOwnSession?: boolean;
}

/** The password of every staff user the permission test signs in (the password change case needs it). */
export const SESSION_PASSWORD = 'an access-test session passphrase';

export interface AccessRequest {
  url: string;
  payload?: unknown;
}
