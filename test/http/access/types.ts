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
 * objects it needs (a hold, a message) in `fx`'s property through the service functions.
 * The test expects: anonymous 401; allowed by the matrix: anything but 401/403/404; visible but not
 * allowed: 403; a property the caller may not see: 404.
 */
export interface AccessCase {
  route: string;
  request(fx: PropertyFixture, t: ApiBench): Promise<{ url: string; payload?: unknown }> | { url: string; payload?: unknown };
}
