// The meaning of every action, as a pure function over RegistryState. The database apply mirrors it row for row;
// tests use it to check that planning again after applying a plan yields nothing (idempotence, S1).

import { asHoldId, asKeyId, asRegistrationId, type Action, type Registration, type RegistryState } from './types.ts';

/**
 * Applies `actions` in order. New ids are made from counts (`applied-reg-N`, `applied-key-N`, `applied-hold-N`) so the
 * result is deterministic; the database makes its own. Notifications leave the state alone (they are outbox rows).
 */
export function applyToState(state: RegistryState, actions: readonly Action[]): RegistryState {
  let residents = [...state.residents];
  let registrations = [...state.registrations];
  let keys = [...state.keys];
  let holds = [...state.holds];
  const blocks = [...state.blocks];

  const update = (id: Registration['id'], patch: Partial<Registration>) => {
    let found = false;
    registrations = registrations.map((r) => {
      if (r.id !== id) return r;
      found = true;
      return { ...r, ...patch };
    });
    if (!found) throw new Error(`applyToState: unknown registration ${id}`);
  };
  const create = (r: Omit<Registration, 'id'>) => {
    registrations.push({ id: asRegistrationId(`applied-reg-${registrations.length + 1}`), ...r });
  };

  for (const a of actions) {
    switch (a.kind) {
      case 'upsert-resident': {
        const existing = residents.find((r) => r.customerId === a.customerId);
        const record = {
          customerId: a.customerId,
          linkedCustomerIds: existing?.linkedCustomerIds ?? [],
          firstName: a.firstName,
          lastName: a.lastName,
          email: a.email,
          mobile: a.mobile,
          contactProblems: [...a.contactProblems],
        };
        residents = existing ? residents.map((r) => (r === existing ? record : r)) : [...residents, record];
        break;
      }
      case 'register':
        create({
          customerId: a.customerId,
          propertyId: a.propertyId,
          unitId: a.unitId,
          spaceIds: [...a.spaceIds],
          leaseIds: [...a.leaseIds],
          state: a.state,
          accessStart: a.accessStart,
          accessEnd: a.accessEnd,
        });
        break;
      case 'activate':
        update(a.registrationId, {
          state: a.state,
          unitId: a.unitId,
          spaceIds: [...a.spaceIds],
          leaseIds: [...a.leaseIds],
          accessStart: a.accessStart,
          accessEnd: a.accessEnd,
        });
        break;
      case 'move-home-unit': {
        // The old registration ends; the target (its pending registration, or a new one) becomes the home.
        update(a.fromRegistrationId, { state: 'ended' });
        const fields = {
          state: a.state,
          unitId: a.unitId,
          spaceIds: [...a.spaceIds],
          leaseIds: [...a.leaseIds],
          accessStart: a.accessStart,
          accessEnd: a.accessEnd,
        };
        if (a.toRegistrationId) update(a.toRegistrationId, fields);
        else create({ customerId: a.customerId, propertyId: a.propertyId, ...fields });
        break;
      }
      case 'set-window':
        update(a.registrationId, { accessStart: a.accessStart, accessEnd: a.accessEnd });
        break;
      case 'set-leases':
        update(a.registrationId, { leaseIds: [...a.leaseIds], spaceIds: [...a.spaceIds] });
        break;
      case 'end':
      case 'withdraw':
        update(a.registrationId, { state: 'ended' });
        break;
      case 'block':
        update(a.registrationId, { state: 'blocked' });
        break;
      case 'issue-key':
        keys = keys.map((k) => (k.customerId === a.customerId && k.propertyId === a.propertyId && !k.revoked ? { ...k, revoked: true } : k));
        keys.push({ customerId: a.customerId, propertyId: a.propertyId, keyId: asKeyId(`applied-key-${keys.length + 1}`), revoked: false });
        break;
      case 'revoke-key':
        keys = keys.map((k) => (k.keyId === a.keyId ? { ...k, revoked: true } : k));
        break;
      case 'notify':
        break;
      case 'hold':
        if (a.existingHoldId) {
          const id = a.existingHoldId;
          holds = holds.map((h) => (h.id === id ? { ...h, endings: [...h.endings, ...a.endings] } : h));
        } else {
          let n = holds.length + 1;
          while (holds.some((h) => h.id === `applied-hold-${n}`)) n++;
          holds.push({ id: asHoldId(`applied-hold-${n}`), propertyId: a.propertyId, endings: [...a.endings] });
        }
        break;
      case 'release-hold':
        holds = holds.filter((h) => h.id !== a.holdId);
        break;
      default: {
        const never: never = a;
        throw new Error(`applyToState: unknown action ${JSON.stringify(never)}`);
      }
    }
  }
  return { residents, registrations, keys, blocks, holds };
}
