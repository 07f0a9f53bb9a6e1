// The leases of one property: student beds and groups by term, conventional 12-month leases, with
// notices, renewals, next-term applicants, guarantors and roommates leaving mid-lease.
import { addMonths, dayOf, mountainEpoch, ymdOf, type Day } from './dates.ts';
import type { Rng } from './prng.ts';
import { MOVE_OUT_REASONS } from './names.ts';
import { makeCustomer } from './people.ts';
import { createLease, renewLease, type Stamp } from './lease-ops.ts';
import type { Portfolio, SimCustomer, SimLease, SimLeaseCustomer, SimProperty, SimUnit } from './model.ts';

interface Term {
  start: Day;
  end: Day;
}

/** Student terms run Aug 15 to Jul 31; the "current" term is the latest that has started. */
function studentTerm(today: Day, offset: number): Term {
  const { year } = ymdOf(today);
  const startYear = (today >= dayOf(year, 8, 15) ? year : year - 1) + offset;
  return { start: dayOf(startYear, 8, 15), end: dayOf(startYear + 1, 7, 31) };
}

type Outcome = 'stay' | 'notice' | 'renew';

/** Writes one property's leases; holds the per-property state (last guarantor for siblings). */
export class LeaseWriter {
  private lastGuarantor: SimCustomer | null = null;
  private readonly student: boolean;

  constructor(
    private readonly portfolio: Portfolio,
    private readonly property: SimProperty,
    private readonly rng: Rng,
    private readonly today: Day,
  ) {
    this.student = property.type === 'Student';
  }

  fillProperty(): void {
    for (const unit of this.property.units) {
      if (!this.student) {
        this.conventionalUnit(unit);
        continue;
      }
      const mode =
        unit.spaces.length === 1
          ? 'bed'
          : this.rng.weighted<'bed' | 'group' | 'conventional'>([
              ['bed', 70],
              ['group', 22],
              ['conventional', 8],
            ]);
      if (mode === 'bed') this.bedUnit(unit);
      else if (mode === 'group') this.groupUnit(unit);
      else this.conventionalUnit(unit);
    }
  }

  private stamp(start: Day): Stamp {
    const rng = this.rng;
    const created = mountainEpoch(start - rng.int(20, 200), rng.int(8, 19), rng.int(0, 59), rng.int(0, 59));
    return { createdAt: created, createdMicros: rng.int(0, 999_999), approvedAt: created + rng.int(3600, 3 * 86_400) };
  }

  private person(lastName?: string, withContacts = true): SimCustomer {
    const customer = makeCustomer(this.rng, this.portfolio.ids, { lastName, withContacts });
    this.portfolio.customerById.set(customer.id, customer);
    return customer;
  }

  private link(customer: SimCustomer, type: SimLeaseCustomer['type'], relationship: string): SimLeaseCustomer {
    return { customerId: customer.id, type, relationship, moveIn: null, moveOut: null, cancelled: false };
  }

  /** A parent as guarantor; now and then the sibling's guarantor again (one id on several leases, §3.2). */
  private guarantor(resident: SimCustomer): SimLeaseCustomer {
    let parent: SimCustomer;
    if (this.lastGuarantor && this.rng.chance(0.04)) parent = this.lastGuarantor;
    else parent = this.person(resident.lastName, false);
    this.lastGuarantor = parent;
    const link = this.link(parent, 'Guarantor', 'Guarantor');
    link.cancelled = this.rng.chance(0.03);
    return link;
  }

  private lease(unit: SimUnit, spaceIds: string[], customers: SimLeaseCustomer[], term: Term, moveIn: Day, stage: SimLease['stage'], rent: number): SimLease {
    return createLease(this.portfolio, this.property, {
      unit,
      spaceIds,
      stage,
      moveIn,
      start: term.start,
      end: term.end,
      intervalType: 'Application',
      customers,
      rent,
      stamp: this.stamp(term.start),
    });
  }

  private bedRent(): number {
    return 25 * this.rng.int(24, 44);
  }

  /** What a signed lease of the running term does next; notice and renewal only once the season allows. */
  private applyOutcome(lease: SimLease, term: Term): Outcome {
    const rng = this.rng;
    const roll = rng.next();
    if (roll < 0.12 && this.today > term.start + 60) {
      renewLease(this.portfolio, lease, null, this.stamp(term.end));
      return 'renew';
    }
    if (roll < 0.42 && this.today > term.start + 30) {
      lease.moveOut = term.end;
      lease.noticeDate = Math.max(term.start + 20, this.today - rng.int(0, 90));
      lease.moveOutReason = rng.pick(this.student ? ['Graduation', 'End of Lease'] : MOVE_OUT_REASONS);
      return 'notice';
    }
    return 'stay';
  }

  private pastLease(unit: SimUnit, spaceIds: string[], customers: SimLeaseCustomer[], term: Term, rent: number): void {
    const lease = this.lease(unit, spaceIds, customers, term, term.start + (this.rng.chance(0.8) ? 0 : this.rng.int(1, 20)), 'signed', rent);
    lease.moveOut = term.end;
    lease.noticeDate = term.end - this.rng.int(30, 150);
    lease.moveOutReason = this.rng.pick(MOVE_OUT_REASONS);
  }

  private nextStage(): SimLease['stage'] {
    return this.rng.weighted<SimLease['stage']>([
      ['signed', 85],
      ['applicant', 10],
      ['cancelled', 5],
    ]);
  }

  private bedCustomers(): SimLeaseCustomer[] {
    const resident = this.person();
    const customers = [this.link(resident, 'Primary', 'Primary')];
    if (this.rng.chance(0.65)) customers.push(this.guarantor(resident));
    if (this.rng.chance(0.015)) customers.push(this.link(this.person(undefined, false), 'Occupant', 'Other'));
    return customers;
  }

  /** Student housing by the bed: one lease per space, a few leases holding two spaces (15 of 284 in a capture). */
  private bedUnit(unit: SimUnit): void {
    const rng = this.rng;
    const prev = studentTerm(this.today, -1);
    const cur = studentTerm(this.today, 0);
    const next = studentTerm(this.today, 1);
    const taken = new Set<number>();
    for (let s = 0; s < unit.spaces.length; s++) {
      const space = unit.spaces[s]!;
      if (rng.chance(0.3)) this.pastLease(unit, [space.id], this.bedCustomers(), prev, this.bedRent());
      let renewed = false;
      if (!taken.has(s) && rng.chance(0.88)) {
        const spaceIds = [space.id];
        const pairable = s + 1 < unit.spaces.length && !taken.has(s + 1);
        if (pairable && rng.chance(0.04)) {
          spaceIds.push(unit.spaces[s + 1]!.id);
          taken.add(s + 1);
        }
        const customers = this.bedCustomers();
        const moveIn = cur.start + (rng.chance(0.88) ? 0 : rng.int(1, 75));
        const cancelled = rng.chance(0.01);
        const lease = this.lease(unit, spaceIds, customers, cur, moveIn, cancelled ? 'cancelled' : 'signed', this.bedRent() * spaceIds.length);
        if (!cancelled) renewed = this.applyOutcome(lease, cur) === 'renew';
        if (pairable && spaceIds.length === 1 && rng.chance(0.015)) {
          // The same person on a second lease for the next bedroom of the unit (rule B1: one registration).
          taken.add(s + 1);
          const second = this.lease(unit, [unit.spaces[s + 1]!.id], [{ ...customers[0]! }], cur, moveIn, 'signed', this.bedRent());
          second.moveOut = lease.moveOut;
          second.noticeDate = lease.noticeDate;
        }
      }
      const leasingSeason = this.today > cur.start + 45;
      if (!renewed && rng.chance(leasingSeason ? 0.35 : 0.08)) {
        this.lease(unit, [space.id], this.bedCustomers(), next, next.start, this.nextStage(), this.bedRent());
      }
    }
  }

  private groupCustomers(count: number): SimLeaseCustomer[] {
    const customers: SimLeaseCustomer[] = [];
    for (let i = 0; i < count; i++) {
      const resident = this.person();
      customers.push(i === 0 ? this.link(resident, 'Primary', 'Primary') : this.link(resident, 'Co-Applicant', 'Roommate'));
      if (this.rng.chance(0.5)) customers.push(this.guarantor(resident));
    }
    return customers;
  }

  /** A group of roommates leasing the whole unit together: primary plus co-applicants. */
  private groupUnit(unit: SimUnit): void {
    const rng = this.rng;
    const spaceIds = unit.spaces.map((s) => s.id);
    const people = () => Math.max(1, unit.spaces.length - (rng.chance(0.2) ? 1 : 0));
    const rent = () => this.bedRent() * unit.spaces.length;
    const cur = studentTerm(this.today, 0);
    if (rng.chance(0.3)) this.pastLease(unit, spaceIds, this.groupCustomers(people()), studentTerm(this.today, -1), rent());
    let renewed = false;
    if (rng.chance(0.9)) {
      const lease = this.lease(unit, spaceIds, this.groupCustomers(people()), cur, cur.start + (rng.chance(0.9) ? 0 : rng.int(1, 30)), 'signed', rent());
      renewed = this.applyOutcome(lease, cur) === 'renew';
      if (rng.chance(0.15)) this.roommateLeaves(lease);
    }
    if (!renewed && rng.chance(this.today > cur.start + 45 ? 0.3 : 0.06)) {
      const next = studentTerm(this.today, 1);
      this.lease(unit, spaceIds, this.groupCustomers(people()), next, next.start, this.nextStage(), rent());
    }
  }

  /** A co-applicant moving out mid-lease: their own move-out, past (status Past) or coming (Notice). */
  private roommateLeaves(lease: SimLease): boolean {
    const roommate = lease.customers.find((c) => c.type === 'Co-Applicant' && c.moveOut === null && !c.cancelled);
    if (!roommate || lease.moveIn > this.today - 20 || lease.moveOut !== null) return false;
    roommate.moveOut = this.rng.chance(0.5) ? Math.max(lease.moveIn + 5, this.today - this.rng.int(1, 15)) : this.today + this.rng.int(3, 30);
    return true;
  }

  private conventionalCustomers(): SimLeaseCustomer[] {
    const rng = this.rng;
    const primary = this.person();
    const customers = [this.link(primary, 'Primary', 'Primary')];
    if (rng.chance(0.4)) {
      const spouse = rng.chance(0.5);
      customers.push(this.link(this.person(spouse ? primary.lastName : undefined), 'Co-Applicant', spouse ? 'Spouse' : 'Roommate'));
    }
    if (rng.chance(0.15)) customers.push(this.link(this.person(primary.lastName, false), 'Occupant', rng.pick(['Child', 'Other'])));
    if (rng.chance(0.1)) customers.push(this.guarantor(primary));
    return customers;
  }

  /** Conventional 12-month leases starting any day of the year; some roll month to month or renew. */
  private conventionalUnit(unit: SimUnit): void {
    const rng = this.rng;
    if (rng.chance(0.05)) return;
    const spaceIds = unit.spaces.map((s) => s.id);
    const rent = () => 10 * rng.int(90, 220);
    let start = this.today - rng.int(0, 420);
    if (rng.chance(0.6)) start = dayOf(ymdOf(start).year, ymdOf(start).month, 1);
    const term = (from: Day): Term => ({ start: from, end: addMonths(from, 12) - 1 });
    const first = term(start);
    const lease = this.lease(unit, spaceIds, this.conventionalCustomers(), first, start, 'signed', rent());
    let current = lease;
    if (first.end < this.today) {
      const roll = rng.next();
      if (roll < 0.35) {
        lease.moveOut = first.end;
        lease.noticeDate = first.end - rng.int(30, 60);
        lease.moveOutReason = rng.pick(MOVE_OUT_REASONS);
        const nextStart = first.end + rng.int(1, 20);
        current = this.lease(unit, spaceIds, this.conventionalCustomers(), term(nextStart), nextStart, 'signed', rent());
      } else if (roll < 0.7) {
        renewLease(this.portfolio, lease, null, this.stamp(first.end));
      }
      // else: a holdover rolling month to month (no move-out, term over).
    } else if (rng.chance(0.2)) {
      lease.moveOut = first.end;
      lease.noticeDate = Math.min(this.today, first.end - rng.int(30, 60));
      lease.moveOutReason = rng.pick(MOVE_OUT_REASONS);
    }
    if (current.moveOut !== null && current.moveOut >= this.today && rng.chance(0.5)) {
      const nextStart = current.moveOut + rng.int(1, 15);
      this.lease(unit, spaceIds, this.conventionalCustomers(), term(nextStart), nextStart, this.nextStage(), rent());
    } else if (rng.chance(0.02)) {
      const nextStart = this.today + rng.int(30, 90);
      this.lease(unit, spaceIds, this.conventionalCustomers(), term(nextStart), nextStart, 'applicant', rent());
    }
  }
}
