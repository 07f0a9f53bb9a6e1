/**
 * Who may do what (F-19). Staff hold a role per property; platform administrators hold every
 * permission on every property. This table is the one source: the API's access check, the permission
 * test and the README's matrix all read it.
 */

export const PROPERTY_ROLES = ['owner', 'manager', 'employee'] as const;
export type PropertyRole = (typeof PROPERTY_ROLES)[number];
/** A staff user's or token's role: a property role, or `admin` (the platform, every property). */
export type Role = 'admin' | PropertyRole;
export const ROLES: readonly Role[] = ['admin', ...PROPERTY_ROLES];

interface PermissionDef {
  /** The property roles that hold it (admin holds all). Empty: administrators only. */
  roles: readonly PropertyRole[];
  /** What it allows, in the README's words. */
  says: string;
}

const ALL = PROPERTY_ROLES;
const MANAGERS = ['owner', 'manager'] as const;

export const PERMISSIONS = {
  'property.view': { roles: ALL, says: 'see the property, its residents, units, keys (masked), notifications, runs, holds, upcoming changes and dashboard' },
  'resident.sync': { roles: ALL, says: 'sync now (property, unit, resident or selection) and resend a key (N3)' },
  'resident.act': {
    roles: MANAGERS,
    says: 'move in / out / transfer now, reassign, early and late dates, block and unblock, rotate a key, link ids, execute early, confirm a removed unit',
  },
  'key.reveal': { roles: MANAGERS, says: "reveal a resident's key in clear (P3; every reveal is audited)" },
  'hold.decide': { roles: MANAGERS, says: 'approve or reject a held sync (S3)' },
  'message.send': { roles: MANAGERS, says: 'send personal messages and blasts, schedule and cancel them, read the caught mail and SMS' },
  'audit.view': { roles: MANAGERS, says: 'read the audit trail' },
  'policy.change': { roles: MANAGERS, says: 'change the early move-in and late move-out policy' },
  'settings.change': {
    roles: ['owner'],
    says: "change the property's settings (network name, time zone, SMS, sync interval, welcomes, sender and support contact)",
  },
  'staff.manage': { roles: ['owner'], says: 'add, change and disable staff of the property (never administrators)' },
  'token.manage': { roles: [], says: 'create, list and revoke API tokens' },
  'account.manage': { roles: [], says: 'add, test and list Entrata accounts; enable and disable properties' },
} as const satisfies Record<string, PermissionDef>;

export type Permission = keyof typeof PERMISSIONS;
export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

/** Whether a role holds a permission (on the properties it is held for). */
export function roleAllows(role: Role, permission: Permission): boolean {
  if (role === 'admin') return true;
  return (PERMISSIONS[permission].roles as readonly PropertyRole[]).includes(role);
}

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}
