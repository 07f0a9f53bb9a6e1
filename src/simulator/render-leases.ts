// getLeases r2 lease nodes, in the shape of the real captures (docs/entrata.md §2.2, §7.2).
import { usOf } from './dates.ts';
import type { SimCustomer, SimInterval, SimLease, SimLeaseCustomer, SimPhone } from './model.ts';
import { activeInterval, customerStatus, intervalStatus, isMonthToMonth, leaseStatus } from './status.ts';
import { unitHash } from './prng.ts';
import { customerMoveOutMirrors, homeAddress, INTERVAL_TYPE_IDS, spaceLabels, type RenderContext } from './render-context.ts';

type Json = Record<string, unknown>;

const PHONE_TYPE_NAMES: Record<SimPhone['type'], string> = { mobile: 'Mobile', personal: 'Personal', work: 'Work', home: 'Home' };
const PAYMENT_ALLOWANCE = 'Allow All Payment Types';

/**
 * The lease move-out as r2 shows it. With quirks, a fifth of the leases whose move-out is simply the
 * term's last day leave it out, as the r2 model allows: a client must then fall back on the interval
 * end date (rule W3). The date it falls back on is the same, so no window changes.
 */
export function shownLeaseMoveOut(ctx: RenderContext, lease: SimLease): number | null {
  if (lease.moveOut === null) return null;
  const hidden = ctx.wire.quirks && lease.moveOut === activeInterval(lease, ctx.today).end && unitHash(lease.id, 71) < 0.2;
  return hidden ? null : lease.moveOut;
}

export function customerMoveOut(ctx: RenderContext, lease: SimLease, link: SimLeaseCustomer): number | null {
  if (link.moveOut !== null) return link.moveOut;
  const leaseMoveOut = shownLeaseMoveOut(ctx, lease);
  return leaseMoveOut !== null && !link.cancelled && customerMoveOutMirrors(lease) ? leaseMoveOut : null;
}

function renderCustomer(ctx: RenderContext, lease: SimLease, link: SimLeaseCustomer, collapse: boolean): Json {
  const { wire } = ctx;
  const person = ctx.portfolio.customerById.get(link.customerId) as SimCustomer;
  const node: Json = {
    id: wire.num(person.id),
    customerType: link.type,
    firstName: person.firstName,
    lastName: person.lastName,
  };
  if (person.middleName) node.middleName = person.middleName;
  node.nameFull = `${person.lastName}, ${person.firstName}`;
  if (person.email) node.emailAddress = person.email;
  node.leaseCustomerStatus = customerStatus(lease, link, ctx.today);
  node.relationshipName = link.relationship;
  node.moveInDate = usOf(link.moveIn ?? lease.moveIn);
  const moveOut = customerMoveOut(ctx, lease, link);
  if (moveOut !== null) node.moveOutDate = usOf(moveOut);
  node.paymentAllowanceType = PAYMENT_ALLOWANCE;
  if (person.phones.length > 0) {
    const phones = person.phones.map((p) => ({
      phoneNumber: p.number,
      phoneType: p.type,
      phoneTypeName: PHONE_TYPE_NAMES[p.type],
      countryCode: wire.int(p.countryCode),
    }));
    node.phones = { phone: wire.list(phones, collapse) };
  }
  const home = homeAddress(person);
  if (home) {
    const address = {
      addressType: 'Primary',
      streetLine: home.street,
      city: home.city,
      state: home.state,
      postalCode: home.postalCode,
      countryName: 'United States',
    };
    node.addresses = { address: wire.list([address], collapse) };
  }
  if (person.contacts.length > 0) {
    const contacts = person.contacts.map((c) => ({
      id: c.id,
      contactTypeId: '7',
      contactTypeName: 'Emergency Contact',
      firstName: c.firstName,
      lastName: c.lastName,
      relationship: c.relationship,
      primaryPhoneNumber: c.phone,
      hasAccessToUnit: c.hasAccessToUnit ? '1' : '0',
    }));
    node.customerContacts = { customerContact: wire.list(contacts, collapse) };
  }
  return node;
}

function renderInterval(ctx: RenderContext, lease: SimLease, interval: SimInterval, floorPlanId: string, collapse: boolean): Json {
  const { wire } = ctx;
  const status = intervalStatus(lease, interval, ctx.today);
  const active = activeInterval(lease, ctx.today) === interval;
  const application: Json = {
    id: interval.applicationId,
    leaseStartDate: usOf(interval.start),
    leaseEndDate: usOf(interval.end),
    leaseTerm: interval.leaseTerm,
  };
  if (lease.stage !== 'applicant') application.leaseApprovedOn = wire.timestamp(interval.approvedAt, interval.createdMicros, `${interval.id}a`);
  application.applicationCompletedOn = wire.timestamp(interval.createdAt, interval.createdMicros, `${interval.id}c`);
  application.isActiveLeaseInterval = active ? 't' : 'f';
  application.propertyFloorPlanId = floorPlanId;
  return {
    id: wire.num(interval.id),
    startDate: usOf(interval.start),
    endDate: usOf(interval.end),
    leaseIntervalTypeId: wire.int(INTERVAL_TYPE_IDS[interval.type]),
    leaseIntervalTypeName: interval.type,
    leaseIntervalStatusTypeId: wire.int(ctx.statusIds[status]),
    leaseIntervalStatusTypeName: status,
    intervalDateTime: wire.timestamp(interval.createdAt, interval.createdMicros, `${interval.id}c`),
    applications: { application: wire.list([application], collapse) },
  };
}

export function renderLeaseR2(ctx: RenderContext, lease: SimLease): Json {
  const { wire, portfolio, today } = ctx;
  const property = portfolio.propertyById.get(lease.propertyId)!;
  const unit = portfolio.unitById.get(lease.unitId);
  const plan = property.floorPlans.find((p) => p.id === unit?.floorPlanId) ?? property.floorPlans[0]!;
  const status = leaseStatus(lease, today);
  const active = activeInterval(lease, today);
  const collapse = wire.collapses(lease.id);
  const node: Json = {
    id: lease.id,
    leaseStatusTypeId: String(ctx.statusIds[status]),
    propertyId: lease.propertyId,
    moveInDate: usOf(lease.moveIn),
    propertyName: property.name,
    leaseIntervalStatus: intervalStatus(lease, active, today),
    occupancyTypeId: lease.occupancy === 'Student' ? '10' : '1',
    occupancyType: lease.occupancy,
    isMonthToMonth: wire.int(isMonthToMonth(lease, today) ? 1 : 0),
    leaseIntervalId: active.id,
    floorPlanId: plan.id,
    floorPlanName: plan.name,
    spaceConfiguration: lease.spaceConfiguration,
    paymentAllowanceType: PAYMENT_ALLOWANCE,
  };
  if (lease.subStatus) node.leaseSubStatus = lease.subStatus;
  if (unitHash(lease.id, 51) < 0.6) node.leaseType = 'Standard';
  const moveOut = shownLeaseMoveOut(ctx, lease);
  if (moveOut !== null) node.moveOutDate = usOf(moveOut);
  if (lease.transferDate !== null) node.transferDate = usOf(lease.transferDate);
  if (lease.parentLeaseId !== null) {
    node.parentLeaseId = lease.parentLeaseId;
    const parent = portfolio.leaseById.get(lease.parentLeaseId);
    const label = parent ? spaceLabels(portfolio, parent)[0]?.label : undefined;
    if (label) node.parentUnitNumberCache = label;
  }
  if (lease.intervals.length > 1) node.originalLeaseStartDate = usOf(lease.intervals[0]!.start);
  node.customers = {
    customer: wire.list(
      lease.customers.map((c) => renderCustomer(ctx, lease, c, collapse)),
      collapse,
    ),
  };
  node.unitId = lease.unitId;
  const spaces = spaceLabels(portfolio, lease).map((s) => ({ unitSpaceId: wire.num(s.id), unitSpace: s.label }));
  node.unitSpaces = { unitSpace: wire.list(spaces, collapse) };
  const intervals = ctx.includeHistory ? lease.intervals : [active];
  node.leaseIntervals = {
    leaseInterval: wire.list(
      intervals.map((i) => renderInterval(ctx, lease, i, plan.id, collapse)),
      collapse,
    ),
  };
  const charge = {
    id: String(90_000_000 + (Number(active.id) % 10_000_000)),
    leaseIntervalId: active.id,
    chargeCodeId: '155001',
    chargeCode: 'Base Rent',
    amount: lease.rent.toFixed(2),
    frequency: 'Monthly',
    startDate: usOf(active.start),
    endDate: usOf(active.end),
    chargeType: 'Rent',
    chargeUsage: 'Rent',
    description: '',
  };
  node.scheduledCharges = { scheduledCharge: wire.list([charge], collapse) };
  return node;
}
