import { roleAllows, type Permission, type PropertyRole } from './permissions.ts';

declare const brand: unique symbol;
export type StaffUserId = number & { readonly [brand]: 'StaffUserId' };
export type ApiTokenId = number & { readonly [brand]: 'ApiTokenId' };
/** The database id of a property (not its Entrata id). */
export type PropertyDbId = number;

/** Who makes a request: a signed-in staff user or an API token, with the properties each may see. */
export type Caller =
  | {
      kind: 'user';
      userId: StaffUserId;
      email: string;
      /** A platform administrator: every property, every permission. */
      admin: boolean;
      /** The role held per property (empty for an administrator, who needs none). */
      roles: ReadonlyMap<PropertyDbId, PropertyRole>;
      /** The session the request came with (for sign-out and CSRF). */
      sessionId: string;
      /** A one-time or reset password: every route but the password change answers 403 until it is changed. */
      mustChangePassword: boolean;
    }
  | {
      kind: 'token';
      tokenId: ApiTokenId;
      name: string;
      admin: boolean;
      roles: ReadonlyMap<PropertyDbId, PropertyRole>;
    };

/** The actor recorded in the audit trail (O6): `user:<email>` or `token:<name>`. */
export function actorOf(caller: Caller): string {
  return caller.kind === 'user' ? `user:${caller.email}` : `token:${caller.name}`;
}

/** The properties on which the caller holds the permission: every one, or these ids (set-based, for SQL). */
export function allowedProperties(caller: Caller, permission: Permission): 'all' | PropertyDbId[] {
  if (caller.admin) return 'all';
  const ids: PropertyDbId[] = [];
  for (const [propertyId, role] of caller.roles) if (roleAllows(role, permission)) ids.push(propertyId);
  return ids;
}

/** Whether the caller holds the permission on one property. */
export function mayOn(caller: Caller, permission: Permission, propertyId: PropertyDbId): boolean {
  if (caller.admin) return true;
  const role = caller.roles.get(propertyId);
  return role !== undefined && roleAllows(role, permission);
}

/** Whether the caller holds the permission somewhere (for routes not about one property, e.g. the dashboard list). */
export function mayAnywhere(caller: Caller, permission: Permission): boolean {
  const allowed = allowedProperties(caller, permission);
  return allowed === 'all' || allowed.length > 0;
}
