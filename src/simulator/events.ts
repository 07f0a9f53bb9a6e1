// Scripted events: what staff do in Entrata, applied to the running simulator.
// Each returns the ids it touched so a test can assert on exactly those.
import { addMonths, mountainEpoch, parseIso, parseUs, type Day } from './dates.ts';
import { createLease, renewLease, transferLease, type Stamp } from './lease-ops.ts';
import type { CustomerType, SimCustomer, SimLease, SimLeaseCustomer, SimUnit } from './model.ts';
import { customerFromFields, makeCustomer } from './people.ts';
import { createRng } from './prng.ts';
import { leaseStatus } from './status.ts';
import type { SimulatorState } from './state.ts';

export interface EventResult {
  event: string;
  /** Leases whose data changed, created ones included. */
  leaseIds: string[];
  /** Leases this event created. */
  createdLeaseIds: string[];
  customerIds: string[];
  unitIds: string[];
  intervalIds: string[];
}

type Id = string | number;

export class EventError extends Error {}

function result(event: string, fields: Partial<Omit<EventResult, 'event'>>): EventResult {
  return { event, leaseIds: [], createdLeaseIds: [], customerIds: [], unitIds: [], intervalIds: [], ...fields };
}

/** Event dates are YYYY-MM-DD; MM/DD/YYYY is accepted too, as it is what the answers show. */
export function eventDate(value: unknown, name: string): Day {
  const day = typeof value === 'string' ? (parseIso(value) ?? parseUs(value)) : null;
  if (day === null) throw new EventError(`${name} must be a date as YYYY-MM-DD, got ${JSON.stringify(value)}`);
  return day;
}

const optionalDate = (value: unknown, name: string): Day | null => (value === undefined || value === null ? null : eventDate(value, name));

export class Events {
  private sequence = 0;

  constructor(private readonly state: SimulatorState) {}

  private lease(id: Id): SimLease {
    const lease = this.state.portfolio.leaseById.get(String(id));
    if (!lease) throw new EventError(`no lease ${id}`);
    return lease;
  }

  private unit(id: Id): SimUnit {
    const unit = this.state.portfolio.unitById.get(String(id));
    if (!unit) throw new EventError(`no unit ${id}`);
    return unit;
  }

  /** Event timestamps derive from the simulated date and a counter, so scripted runs are reproducible. */
  private stamp(): Stamp {
    const n = this.sequence++;
    const createdAt = mountainEpoch(this.state.today, 10, 0, 0) + n * 61;
    return { createdAt, createdMicros: (n * 7919 + 12_345) % 1_000_000, approvedAt: createdAt + 3600 };
  }

  /** Notice: a move-out date on the lease (and the day notice was given). */
  giveNotice(input: { leaseId: Id; moveOutDate: string; noticeDate?: string; reason?: string }): EventResult {
    const lease = this.lease(input.leaseId);
    lease.moveOut = eventDate(input.moveOutDate, 'moveOutDate');
    lease.noticeDate = optionalDate(input.noticeDate, 'noticeDate') ?? this.state.today;
    lease.moveOutReason = input.reason ?? 'End of Lease';
    return result('notice', { leaseIds: [lease.id], customerIds: lease.customers.map((c) => c.customerId) });
  }

  /**
   * Transfer to another unit of the same or another property: a new linked lease (parentLeaseId,
   * interval type Transfer) from the move day, the old lease on Notice until that day (docs/entrata.md §3.5).
   */
  transfer(input: { leaseId?: Id; customerId?: Id; toUnitId?: Id; toSpaceIds?: Id[]; moveInDate?: string; endDate?: string; customerIds?: Id[] }): EventResult {
    const { portfolio, today } = this.state;
    const from = input.leaseId !== undefined ? this.lease(input.leaseId) : this.openLeaseOf(String(input.customerId ?? ''));
    const date = optionalDate(input.moveInDate, 'moveInDate') ?? today + 14;
    let unit: SimUnit;
    let spaceIds: string[];
    if (input.toSpaceIds && input.toSpaceIds.length > 0) {
      spaceIds = input.toSpaceIds.map(String);
      unit = this.unitOfSpaces(spaceIds);
    } else if (input.toUnitId !== undefined) {
      unit = this.unit(input.toUnitId);
      spaceIds = from.spaceConfiguration === 'Private' ? [this.freeSpace(unit, date)] : unit.spaces.map((s) => s.id);
    } else throw new EventError('transfer needs toUnitId or toSpaceIds');
    if (unit.id === from.unitId && spaceIds.every((s) => from.spaceIds.includes(s))) throw new EventError('transfer target is the lease’s own space');
    const lease = transferLease(portfolio, {
      from,
      toProperty: portfolio.propertyById.get(unit.propertyId)!,
      toUnit: unit,
      toSpaceIds: spaceIds,
      date,
      end: optionalDate(input.endDate, 'endDate'),
      noticeDate: Math.min(today, date),
      customerIds: input.customerIds?.map(String),
      stamp: this.stamp(),
    });
    return result('transfer', {
      leaseIds: [from.id, lease.id],
      createdLeaseIds: [lease.id],
      customerIds: lease.customers.map((c) => c.customerId),
      unitIds: [from.unitId, unit.id],
      intervalIds: [lease.intervals[0]!.id],
    });
  }

  cancel(input: { leaseId: Id }): EventResult {
    const lease = this.lease(input.leaseId);
    lease.stage = 'cancelled';
    return result('cancel', { leaseIds: [lease.id], customerIds: lease.customers.map((c) => c.customerId) });
  }

  /**
   * Move leases to Past at once: one, a list, or a property's open leases (the mass ending rule S3
   * must hold). moveOutDate null leaves the lease Past without a move-out date.
   */
  moveOut(input: { leaseId?: Id; leaseIds?: Id[]; propertyId?: Id; count?: number; moveOutDate?: string | null }): EventResult {
    const { portfolio, today } = this.state;
    let leases: SimLease[];
    if (input.propertyId !== undefined) {
      const open = (portfolio.leasesByProperty.get(String(input.propertyId)) ?? []).filter((l) => {
        const status = leaseStatus(l, today);
        return !l.dropped && (status === 'Current' || status === 'Notice');
      });
      leases = open.slice(0, input.count ?? open.length);
    } else {
      const ids = input.leaseIds ?? (input.leaseId !== undefined ? [input.leaseId] : []);
      if (ids.length === 0) throw new EventError('move-out needs leaseId, leaseIds or propertyId');
      leases = ids.map((id) => this.lease(id));
    }
    const moveOut = input.moveOutDate === null ? null : (optionalDate(input.moveOutDate, 'moveOutDate') ?? today);
    for (const lease of leases) {
      lease.forcedPast = true;
      lease.moveOut = moveOut;
      lease.noticeDate ??= moveOut;
    }
    return result('move-out', { leaseIds: leases.map((l) => l.id), customerIds: [...new Set(leases.flatMap((l) => l.customers.map((c) => c.customerId)))] });
  }

  /** A roommate leaving mid-lease: their own move-out; the lease and the others stay (rule W6). */
  customerMoveOut(input: { leaseId: Id; customerId: Id; moveOutDate: string }): EventResult {
    const lease = this.lease(input.leaseId);
    const link = lease.customers.find((c) => c.customerId === String(input.customerId));
    if (!link) throw new EventError(`customer ${input.customerId} is not on lease ${lease.id}`);
    link.moveOut = eventDate(input.moveOutDate, 'moveOutDate');
    return result('customer-move-out', { leaseIds: [lease.id], customerIds: [link.customerId] });
  }

  /** The unit leaves getPropertyUnits; its leases stay unless dropLeases (rule S5 lists it for staff). */
  deleteUnit(input: { unitId: Id; dropLeases?: boolean }): EventResult {
    const unit = this.unit(input.unitId);
    unit.deleted = true;
    const leases = (this.state.portfolio.leasesByProperty.get(unit.propertyId) ?? []).filter((l) => l.unitId === unit.id);
    if (input.dropLeases) for (const lease of leases) lease.dropped = true;
    return result('delete-unit', { unitIds: [unit.id], leaseIds: leases.map((l) => l.id) });
  }

  /** The lease vanishes from every answer, even asked for by id (rule S2's "missing in Entrata"). */
  drop(input: { leaseId: Id }): EventResult {
    const lease = this.lease(input.leaseId);
    lease.dropped = true;
    return result('drop', { leaseIds: [lease.id] });
  }

  restore(input: { leaseId: Id }): EventResult {
    const lease = this.lease(input.leaseId);
    lease.dropped = false;
    return result('restore', { leaseIds: [lease.id] });
  }

  /** A new interval on the same lease; lease id unchanged, sub-status Renewed. */
  renew(input: { leaseId: Id; endDate?: string }): EventResult {
    const lease = this.lease(input.leaseId);
    const interval = renewLease(this.state.portfolio, lease, optionalDate(input.endDate, 'endDate'), this.stamp());
    return result('renew', { leaseIds: [lease.id], intervalIds: [interval.id] });
  }

  /** A new lease for existing customers (by id) or new people (by name); a generated person if none given. */
  addLease(input: {
    unitId?: Id;
    spaceIds?: Id[];
    customers?: ({ customerId: Id; type?: CustomerType } | { firstName: string; lastName: string; email?: string; phone?: string; type?: CustomerType })[];
    moveInDate?: string;
    endDate?: string;
    stage?: 'applicant' | 'signed';
    rent?: number;
  }): EventResult {
    const { portfolio, today } = this.state;
    let unit: SimUnit;
    let spaceIds: string[];
    if (input.spaceIds && input.spaceIds.length > 0) {
      spaceIds = input.spaceIds.map(String);
      unit = this.unitOfSpaces(spaceIds);
    } else if (input.unitId !== undefined) {
      unit = this.unit(input.unitId);
      spaceIds = unit.spaces.map((s) => s.id);
    } else throw new EventError('add-lease needs unitId or spaceIds');
    const moveIn = optionalDate(input.moveInDate, 'moveInDate') ?? today + 14;
    const end = optionalDate(input.endDate, 'endDate') ?? addMonths(moveIn, 12) - 1;
    if (end < moveIn) throw new EventError('endDate is before moveInDate');
    const specs = input.customers && input.customers.length > 0 ? input.customers : [{}];
    const links: SimLeaseCustomer[] = specs.map((spec, i) => {
      let person: SimCustomer;
      if ('customerId' in spec) {
        const known = portfolio.customerById.get(String(spec.customerId));
        if (!known) throw new EventError(`no customer ${spec.customerId}`);
        person = known;
      } else if ('firstName' in spec) {
        person = customerFromFields(portfolio.ids, spec);
        portfolio.customerById.set(person.id, person);
      } else {
        person = makeCustomer(createRng(`${portfolio.seed}/added/${portfolio.ids.customer}`), portfolio.ids, { withContacts: true });
        portfolio.customerById.set(person.id, person);
      }
      const type: CustomerType = ('type' in spec && spec.type) || (i === 0 ? 'Primary' : 'Co-Applicant');
      const relationship = type === 'Primary' ? 'Primary' : type === 'Co-Applicant' ? 'Roommate' : type === 'Guarantor' ? 'Guarantor' : 'Other';
      return { customerId: person.id, type, relationship, moveIn: null, moveOut: null, cancelled: false };
    });
    const lease = createLease(portfolio, portfolio.propertyById.get(unit.propertyId)!, {
      unit,
      spaceIds,
      stage: input.stage ?? 'signed',
      moveIn,
      start: moveIn,
      end,
      intervalType: 'Application',
      customers: links,
      rent: input.rent ?? 900,
      stamp: this.stamp(),
    });
    return result('add-lease', { leaseIds: [lease.id], createdLeaseIds: [lease.id], customerIds: links.map((l) => l.customerId), unitIds: [unit.id] });
  }

  /** The customer's lease that a transfer moves from: open now, latest first. */
  private openLeaseOf(customerId: string): SimLease {
    const { portfolio, today } = this.state;
    const open = portfolio.leases.filter(
      (l) => !l.dropped && l.customers.some((c) => c.customerId === customerId) && ['Current', 'Notice', 'Future'].includes(leaseStatus(l, today)),
    );
    const lease = open[open.length - 1];
    if (!lease) throw new EventError(`customer ${customerId} has no open lease to transfer from`);
    return lease;
  }

  private unitOfSpaces(spaceIds: string[]): SimUnit {
    const units = new Set(spaceIds.map((id) => this.state.portfolio.unitBySpaceId.get(id)));
    const [unit] = units;
    if (units.size !== 1 || !unit) throw new EventError('spaceIds must name spaces of one existing unit');
    return unit;
  }

  /** The first space of the unit no open lease holds on that day, else the first space. */
  private freeSpace(unit: SimUnit, day: Day): string {
    const leases = (this.state.portfolio.leasesByProperty.get(unit.propertyId) ?? []).filter(
      (l) => l.unitId === unit.id && l.stage !== 'cancelled' && !l.forcedPast,
    );
    const busy = (spaceId: string) =>
      leases.some((l) => l.spaceIds.includes(spaceId) && l.moveIn <= day && (l.moveOut ?? l.intervals[l.intervals.length - 1]!.end) >= day);
    return (unit.spaces.find((s) => !busy(s.id)) ?? unit.spaces[0]!).id;
  }
}
