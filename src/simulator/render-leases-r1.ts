// getLeases r1 lease nodes, reconstructed from the r1 models (docs/entrata.md §2.3, §7.3): flat unit fields,
// lifecycle fields as "" when empty, every value a string, one `phone`, e-mail under addresses.
import { isoOf, usOf, type Day } from './dates.ts';
import type { SimCustomer, SimLease } from './model.ts';
import { activeInterval, customerStatus, intervalStatus, isMonthToMonth, leaseStatus } from './status.ts';
import { unitHash } from './prng.ts';
import { customerMoveOut } from './render-leases.ts';
import { spaceLabels, type RenderContext } from './render-context.ts';
import { Wire } from './quirks.ts';

type Json = Record<string, unknown>;

const TIDY = new Wire(false);

const dateOrEmpty = (day: Day | null) => (day === null ? '' : usOf(day));

export function renderLeaseR1(ctx: RenderContext, lease: SimLease): Json {
  const { wire, portfolio, today } = ctx;
  const property = portfolio.propertyById.get(lease.propertyId)!;
  const unit = portfolio.unitById.get(lease.unitId);
  const building = property.buildings.find((b) => b.id === unit?.buildingId);
  const spaces = spaceLabels(portfolio, lease);
  const status = leaseStatus(lease, today);
  const active = activeInterval(lease, today);
  const collapse = wire.collapses(lease.id);
  // r1 always shows the lease move-out, so customers mirror it as if without quirks.
  const tidy = { ...ctx, wire: TIDY };
  const customers = lease.customers.map((link) => {
    const person = portfolio.customerById.get(link.customerId) as SimCustomer;
    const node: Json = {
      id: person.id,
      customerType: link.type,
      relationshipName: link.relationship,
      firstName: person.firstName,
      lastName: person.lastName,
      leaseCustomerStatus: customerStatus(lease, link, today),
      moveInDate: usOf(link.moveIn ?? lease.moveIn),
    };
    const moveOut = customerMoveOut(tidy, lease, link);
    if (moveOut !== null) node.moveOutDate = usOf(moveOut);
    const phone = person.phones[0];
    if (phone)
      node.phone = { phoneType: phone.type.charAt(0).toUpperCase() + phone.type.slice(1), phoneNumber: phone.number, countryCode: String(phone.countryCode) };
    // r1 puts the e-mail in the address block, which XML-to-JSON leaves as a bare object.
    if (person.email) node.addresses = { address: wire.list([{ addressType: 'Primary', email: person.email }], true) };
    return node;
  });
  const intervals = (ctx.includeHistory ? lease.intervals : [active]).map((i) => ({
    id: i.id,
    startDate: usOf(i.start),
    endDate: usOf(i.end),
    leaseIntervalTypeName: i.type,
    leaseIntervalStatusTypeName: intervalStatus(lease, i, today),
  }));
  return {
    id: lease.id,
    leaseStatusTypeId: String(ctx.statusIds[status]),
    leaseSubStatus: lease.subStatus ?? '',
    leaseType: 'Standard',
    propertyId: lease.propertyId,
    propertyName: property.name,
    buildingId: building?.id ?? '',
    buildingName: building?.name ?? '',
    unitId: lease.unitId,
    unitNumberSpace: spaces[0]?.label ?? '',
    unitSpaceId: spaces[0]?.id ?? '',
    spaceConfiguration: lease.spaceConfiguration,
    moveInDate: usOf(lease.moveIn),
    noticeDate: dateOrEmpty(lease.noticeDate),
    moveOutDate: dateOrEmpty(lease.moveOut),
    moveOutReason: lease.moveOutReason ?? '',
    transferLeaseId: lease.transferLeaseId ?? '',
    transferLeasePropertyId: lease.transferPropertyId ?? '',
    transferDate: dateOrEmpty(lease.transferDate),
    parentLeaseId: lease.parentLeaseId ?? '',
    leaseIntervalId: active.id,
    leaseIntervalStatus: intervalStatus(lease, active, today),
    isMonthToMonth: isMonthToMonth(lease, today) ? '1' : '0',
    customers: { customer: wire.list(customers, collapse) },
    leaseIntervals: { leaseInterval: wire.list(intervals, collapse) },
    leaseActivities: { leasesActivity: wire.list(activities(lease, today, wire.quirks), collapse) },
  };
}

/** The lease's event log; some leases write activity dates as ISO, others as US (docs/entrata.md §2.3). */
function activities(lease: SimLease, today: Day, quirks: boolean): Json[] {
  const iso = quirks && unitHash(lease.id, 61) < 0.3;
  const fmt = (day: Day) => (iso ? isoOf(day) : usOf(day));
  const first = lease.intervals[0]!;
  const log: Json[] = [
    { date: fmt(Math.floor(first.createdAt / 86_400)), eventType: 'Application', description: '', comment: '' },
    { date: fmt(first.start), eventType: 'Lease From', description: '', comment: '' },
    { date: fmt(lease.intervals[lease.intervals.length - 1]!.end), eventType: 'Lease To', description: '', comment: '' },
  ];
  const status = leaseStatus(lease, today);
  if (lease.stage === 'signed' && lease.moveIn <= today) log.push({ date: fmt(lease.moveIn), eventType: 'Actual Move In', description: '', comment: '' });
  if (status === 'Past' && lease.moveOut !== null) log.push({ date: fmt(lease.moveOut), eventType: 'Actual Move Out', description: '', comment: '' });
  return log;
}
