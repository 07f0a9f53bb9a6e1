// SimulatorControl: the programmatic handle tests and the demo use to read the portfolio, move the
// simulated date, script events and inject faults. The HTTP control routes call the same methods.
import { isoOf, parseIso, type Day } from './dates.ts';
import { Events, EventError, type EventResult } from './events.ts';
import type { Fault, FaultSpec } from './faults.ts';
import { findLeases, leaseView, type LeaseCriteria, type LeaseView } from './find.ts';
import type { CapMode } from './lease-query.ts';
import { LEASE_STATUS_NAMES, type CustomerStatusName, type LeaseStatusName, type Portfolio, type SimCustomer, type SimLease } from './model.ts';
import { customerStatus, leaseStatus, resolveStatusTypeIds, type StatusTypeIds } from './status.ts';
import type { SimulatorState } from './state.ts';

export { EventError, type EventResult };

export interface SimulatorSummary {
  date: string;
  properties: number;
  units: number;
  leases: number;
  customers: number;
  byStatus: Record<LeaseStatusName, number>;
  calls: Record<string, number>;
}

export class SimulatorControl {
  private readonly events: Events;

  constructor(private readonly state: SimulatorState) {
    this.events = new Events(state);
  }

  // ---- date -------------------------------------------------------------------------------------------

  /** The simulated date, YYYY-MM-DD. */
  today(): string {
    return isoOf(this.state.today);
  }

  /** The simulated date as a Day number (days since 1970-01-01), for computing expectations. */
  todayDay(): Day {
    return this.state.today;
  }

  setDate(date: string): { date: string } {
    const day = parseIso(date);
    if (day === null) throw new EventError(`date must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
    this.state.today = day;
    return { date: this.today() };
  }

  advance(days: number): { date: string } {
    if (!Number.isInteger(days)) throw new EventError(`days must be an integer, got ${JSON.stringify(days)}`);
    this.state.today += days;
    return { date: this.today() };
  }

  // ---- reading the portfolio -----------------------------------------------------------------------------

  /** The live domain objects: read them to compute expectations; change them only through events. */
  portfolio(): Portfolio {
    return this.state.portfolio;
  }

  lease(id: string | number): SimLease | undefined {
    return this.state.portfolio.leaseById.get(String(id));
  }

  customer(id: string | number): SimCustomer | undefined {
    return this.state.portfolio.customerById.get(String(id));
  }

  /** A lease's status on the simulated date (or on `date`). */
  statusOf(lease: SimLease | string | number, date?: string): LeaseStatusName {
    return leaseStatus(this.resolve(lease), this.dayOr(date));
  }

  customerStatusOf(lease: SimLease | string | number, customerId: string | number, date?: string): CustomerStatusName {
    const l = this.resolve(lease);
    const link = l.customers.find((c) => c.customerId === String(customerId));
    if (!link) throw new EventError(`customer ${customerId} is not on lease ${l.id}`);
    return customerStatus(l, link, this.dayOr(date));
  }

  findLeases(criteria: LeaseCriteria = {}, limit?: number): SimLease[] {
    return findLeases(this.state.portfolio, this.state.today, criteria, limit);
  }

  findLease(criteria: LeaseCriteria = {}): SimLease | undefined {
    return this.findLeases(criteria, 1)[0];
  }

  /** A lease as plain JSON with ISO dates and statuses on the simulated date. */
  leaseView(lease: SimLease | string | number): LeaseView {
    return leaseView(this.state.portfolio, this.resolve(lease), this.state.today);
  }

  summary(): SimulatorSummary {
    const { portfolio, today } = this.state;
    const byStatus = Object.fromEntries(LEASE_STATUS_NAMES.map((s) => [s, 0])) as Record<LeaseStatusName, number>;
    for (const lease of portfolio.leases) if (!lease.dropped) byStatus[leaseStatus(lease, today)]++;
    return {
      date: this.today(),
      properties: portfolio.properties.length,
      units: portfolio.unitById.size,
      leases: portfolio.leases.length,
      customers: portfolio.customerById.size,
      byStatus,
      calls: Object.fromEntries(this.state.calls),
    };
  }

  // ---- events -----------------------------------------------------------------------------------------------

  giveNotice(input: Parameters<Events['giveNotice']>[0]): EventResult {
    return this.events.giveNotice(input);
  }

  transfer(input: Parameters<Events['transfer']>[0]): EventResult {
    return this.events.transfer(input);
  }

  cancelLease(input: Parameters<Events['cancel']>[0]): EventResult {
    return this.events.cancel(input);
  }

  moveOut(input: Parameters<Events['moveOut']>[0]): EventResult {
    return this.events.moveOut(input);
  }

  customerMoveOut(input: Parameters<Events['customerMoveOut']>[0]): EventResult {
    return this.events.customerMoveOut(input);
  }

  deleteUnit(input: Parameters<Events['deleteUnit']>[0]): EventResult {
    return this.events.deleteUnit(input);
  }

  dropLease(input: Parameters<Events['drop']>[0]): EventResult {
    return this.events.drop(input);
  }

  restoreLease(input: Parameters<Events['restore']>[0]): EventResult {
    return this.events.restore(input);
  }

  renewLease(input: Parameters<Events['renew']>[0]): EventResult {
    return this.events.renew(input);
  }

  addLease(input: Parameters<Events['addLease']>[0]): EventResult {
    return this.events.addLease(input);
  }

  // ---- faults and settings --------------------------------------------------------------------------------

  injectFault(spec: FaultSpec): Fault {
    return this.state.faults.add(spec);
  }

  clearFaults(): { cleared: number } {
    return { cleared: this.state.faults.clear() };
  }

  faults(): Fault[] {
    return this.state.faults.list();
  }

  setCapMode(mode: CapMode): void {
    if (mode !== 'paged' && mode !== 'capped') throw new EventError(`capMode must be 'paged' or 'capped'`);
    this.state.capMode = mode;
  }

  setLatency(ms: number): void {
    this.state.latencyMs = Math.max(0, ms);
  }

  /** Changes the getLeasePickList ids from now on (a client caching the old ones should re-read). */
  setStatusTypeIds(ids: Partial<StatusTypeIds>): StatusTypeIds {
    this.state.statusIds = resolveStatusTypeIds(ids);
    return { ...this.state.statusIds };
  }

  statusTypeIds(): StatusTypeIds {
    return { ...this.state.statusIds };
  }

  resetRateLimits(): void {
    this.state.limiter?.reset();
  }

  /** RPC calls answered so far, per method name. */
  calls(): Record<string, number> {
    return Object.fromEntries(this.state.calls);
  }

  private resolve(lease: SimLease | string | number): SimLease {
    if (typeof lease === 'object') return lease;
    const found = this.lease(lease);
    if (!found) throw new EventError(`no lease ${lease}`);
    return found;
  }

  private dayOr(date: string | undefined): Day {
    if (date === undefined) return this.state.today;
    const day = parseIso(date);
    if (day === null) throw new EventError(`date must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
    return day;
  }
}
