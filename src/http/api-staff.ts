import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { auditStaff } from '../auth/audit.ts';
import { actorOf, type Caller } from '../auth/caller.ts';
import { PROPERTY_ROLES } from '../auth/permissions.ts';
import { propertyDbIds } from '../auth/property-refs.ts';
import {
  createUser,
  disableUser,
  getUser,
  listUsers,
  removeRole,
  resetToOneTimePassword,
  setRole,
  userByEmail,
  userNotFound,
  type StaffUserView,
} from '../auth/users.ts';
import { UserError } from '../errors/user-error.ts';
import type { PropertySettings } from '../properties/properties.ts';
import { apiRoute } from './api-route.ts';
import type { HttpDeps } from './server.ts';
import { ErrorBody } from './errors.ts';

// ── schemas ──────────────────────────────────────────────────────────────────────────────────────

const EntrataId = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'an Entrata id such as 100123');
const PropertyParams = z.object({ propertyId: EntrataId });
const UserId = z
  .string()
  .regex(/^\d{1,15}$/, 'a staff user id (digits)')
  .transform(Number);
const MemberParams = z.object({ propertyId: EntrataId, userId: UserId });
const UserParams = z.object({ userId: UserId });
const PropertyRole = z.enum(PROPERTY_ROLES);
const Role = z.enum(['admin', ...PROPERTY_ROLES]);

const StaffMember = z.object({ userId: z.number(), email: z.string(), role: PropertyRole, mustChangePassword: z.boolean(), disabledAt: z.string().nullable() });
const StaffList = z.object({ property: z.string(), items: z.array(StaffMember), total: z.number() });
const AddStaffBody = z.object({ email: z.string().min(3).max(320), role: PropertyRole }).strict();
const SetRoleBody = z.object({ role: PropertyRole }).strict();
/** A new user's one-time password (only when the user was created by this request), shown this once. */
const OneTimePassword = z.string().nullable();
const AddedMember = z.object({ member: StaffMember, oneTimePassword: OneTimePassword });

const StaffUser = z.object({
  userId: z.number(),
  email: z.string(),
  admin: z.boolean(),
  mustChangePassword: z.boolean(),
  disabledAt: z.string().nullable(),
  createdAt: z.string(),
  roles: z.array(z.object({ propertyId: z.string(), propertyName: z.string(), role: PropertyRole })),
});
const UserList = z.object({ items: z.array(StaffUser), total: z.number() });
const AddUserBody = z
  .object({
    email: z.string().min(3).max(320),
    role: Role,
    /** Entrata ids (ACCOUNT:ID when several accounts have it); none for an administrator. */
    properties: z.array(z.string().min(1).max(140)).max(1000).default([]),
  })
  .strict();
const UserWithPassword = z.object({ user: StaffUser, oneTimePassword: z.string() });

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

// ── helpers ──────────────────────────────────────────────────────────────────────────────────────

function memberOf(u: StaffUserView, property: PropertySettings) {
  const role = u.roles.find((r) => r.propertyId === property.entrataId)?.role;
  if (!role) throw memberNotFound(u.userId, property);
  return { userId: u.userId, email: u.email, role, mustChangePassword: u.mustChangePassword, disabledAt: u.disabledAt };
}

const memberNotFound = (userId: number, p: PropertySettings) =>
  new UserError(`no staff user ${userId} at property ${p.entrataId}`, { code: 'user-not-found', category: 'not-found' });

/** A member of this property's staff (never an administrator: they hold no property role); else 404. */
async function member(deps: HttpDeps, userId: number, property: PropertySettings) {
  const [u] = await listUsers(deps.db, { userId, propertyId: property.id });
  if (!u) throw memberNotFound(userId, property);
  return u;
}

function notYourself(caller: Caller, userId: number, what: string): void {
  if (caller.kind === 'user' && caller.userId === userId)
    throw new UserError(`you cannot ${what} yourself: ask another owner or an administrator`, { code: 'own-account', category: 'conflict' });
}

// ── routes ───────────────────────────────────────────────────────────────────────────────────────

/** Staff and roles (F-19): a property's owner manages its staff; administrators manage every user. */
export function registerStaffApi(app: FastifyInstance, deps: HttpDeps): void {
  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/properties/:propertyId/staff',
    access: { permission: 'staff.manage', on: 'property' },
    schema: { summary: "A property's staff and their roles", tags: ['staff'], params: PropertyParams, response: { 200: StaffList, ...errors } },
    handler: async (_req, _reply, { property }) => {
      const items = (await listUsers(deps.db, { propertyId: property.id })).map((u) => memberOf(u, property));
      return { property: property.entrataId, items, total: items.length };
    },
  });

  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/properties/:propertyId/staff',
    access: { permission: 'staff.manage', on: 'property' },
    schema: {
      summary: 'Add a staff member to a property (a new user gets a one-time password, answered this once)',
      tags: ['staff'],
      params: PropertyParams,
      body: AddStaffBody,
      response: { 201: AddedMember, ...errors },
    },
    handler: async (req, reply, { caller, property }) => {
      const now = deps.now();
      const existing = await userByEmail(deps.db, req.body.email);
      if (existing?.admin)
        throw new UserError(`${req.body.email} is an administrator: they see every property already`, { code: 'user-is-admin', category: 'conflict' });
      let oneTimePassword: string | null = null;
      let userId: number;
      if (existing) {
        if ((await listUsers(deps.db, { userId: existing.id, propertyId: property.id })).length > 0) {
          throw new UserError(
            `${req.body.email} is already staff of property ${property.entrataId}: change the role with PUT /api/properties/${property.entrataId}/staff/${existing.id}`,
            { code: 'already-staff', category: 'conflict' },
          );
        }
        await setRole(deps.db, { userId: existing.id, propertyId: property.id, role: req.body.role, now });
        userId = existing.id;
      } else {
        const created = await createUser(deps.db, { email: req.body.email, role: req.body.role, propertyIds: [property.id], password: null, now });
        await auditStaff(deps.db, {
          actor: actorOf(caller),
          action: 'user-add',
          propertyId: property.id,
          details: { userId: created.user.userId, email: created.user.email },
          now,
        });
        userId = created.user.userId;
        oneTimePassword = created.oneTimePassword;
      }
      await auditStaff(deps.db, { actor: actorOf(caller), action: 'staff-role-set', propertyId: property.id, details: { userId, role: req.body.role }, now });
      return reply.status(201).send({ member: memberOf(await getUser(deps.db, userId), property), oneTimePassword });
    },
  });

  apiRoute(app, deps, {
    method: 'PUT',
    url: '/api/properties/:propertyId/staff/:userId',
    access: { permission: 'staff.manage', on: 'property' },
    schema: {
      summary: "Change a staff member's role at the property",
      tags: ['staff'],
      params: MemberParams,
      body: SetRoleBody,
      response: { 200: StaffMember, ...errors },
    },
    handler: async (req, _reply, { caller, property }) => {
      await member(deps, req.params.userId, property);
      notYourself(caller, req.params.userId, 'change the role of');
      const now = deps.now();
      await setRole(deps.db, { userId: req.params.userId, propertyId: property.id, role: req.body.role, now });
      await auditStaff(deps.db, {
        actor: actorOf(caller),
        action: 'staff-role-set',
        propertyId: property.id,
        details: { userId: req.params.userId, role: req.body.role },
        now,
      });
      return memberOf(await getUser(deps.db, req.params.userId), property);
    },
  });

  apiRoute(app, deps, {
    method: 'DELETE',
    url: '/api/properties/:propertyId/staff/:userId',
    access: { permission: 'staff.manage', on: 'property' },
    schema: {
      summary: 'Remove a staff member from the property (their account and other properties stay)',
      tags: ['staff'],
      params: MemberParams,
      response: { 204: z.null(), ...errors },
    },
    handler: async (req, reply, { caller, property }) => {
      await member(deps, req.params.userId, property);
      notYourself(caller, req.params.userId, 'remove');
      await removeRole(deps.db, req.params.userId, property.id);
      await auditStaff(deps.db, {
        actor: actorOf(caller),
        action: 'staff-role-remove',
        propertyId: property.id,
        details: { userId: req.params.userId },
        now: deps.now(),
      });
      return reply.status(204).send(null);
    },
  });

  apiRoute(app, deps, {
    method: 'GET',
    url: '/api/users',
    access: { permission: 'staff.manage', on: 'platform' },
    schema: { summary: 'Every staff user, with their roles (administrators)', tags: ['staff'], response: { 200: UserList, ...errors } },
    handler: async () => {
      const items = await listUsers(deps.db);
      return { items, total: items.length };
    },
  });

  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/users',
    access: { permission: 'staff.manage', on: 'platform' },
    schema: {
      summary: 'Add a staff user: an administrator, or a role on properties; answers the one-time password this once',
      tags: ['staff'],
      body: AddUserBody,
      response: { 201: UserWithPassword, ...errors },
    },
    handler: async (req, reply, { caller }) => {
      const now = deps.now();
      const propertyIds = await propertyDbIds(deps.db, req.body.properties);
      const { user, oneTimePassword } = await createUser(deps.db, { email: req.body.email, role: req.body.role, propertyIds, password: null, now });
      await auditStaff(deps.db, {
        actor: actorOf(caller),
        action: 'user-add',
        details: { userId: user.userId, email: user.email, role: req.body.role, properties: req.body.properties },
        now,
      });
      return reply.status(201).send({ user, oneTimePassword: oneTimePassword! });
    },
  });

  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/users/:userId/disable',
    access: { permission: 'staff.manage', on: 'platform' },
    schema: {
      summary: 'Disable a staff user: their sessions and the tokens they created stop at once',
      tags: ['staff'],
      params: UserParams,
      response: { 200: StaffUser, ...errors },
    },
    handler: async (req, _reply, { caller }) => {
      notYourself(caller, req.params.userId, 'disable');
      const now = deps.now();
      const user = await disableUser(deps.db, req.params.userId, now);
      await auditStaff(deps.db, { actor: actorOf(caller), action: 'user-disable', details: { userId: user.userId, email: user.email }, now });
      return user;
    },
  });

  apiRoute(app, deps, {
    method: 'POST',
    url: '/api/users/:userId/reset-password',
    access: { permission: 'staff.manage', on: 'platform' },
    schema: {
      summary: 'Give a staff user a new one-time password (answered this once; to be changed at their next sign-in); their sessions end',
      tags: ['staff'],
      params: UserParams,
      response: { 200: UserWithPassword, ...errors },
    },
    handler: async (req, _reply, { caller }) => {
      const now = deps.now();
      await getUser(deps.db, req.params.userId).catch(() => {
        throw userNotFound(req.params.userId);
      });
      const oneTimePassword = await resetToOneTimePassword(deps.db, req.params.userId, now);
      const user = await getUser(deps.db, req.params.userId);
      await auditStaff(deps.db, { actor: actorOf(caller), action: 'user-reset-password', details: { userId: user.userId, email: user.email }, now });
      return { user, oneTimePassword };
    },
  });
}
