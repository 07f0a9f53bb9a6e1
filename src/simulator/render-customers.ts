// getCustomers r1 (docs/entrata.md §2.4, §7.5): PascalCase with XML-style @attributes, one node per person
// listing their leases at the property. Not paginated.
import { rpcErrors } from './errors.ts';
import type { CustomerType, SimCustomer } from './model.ts';
import { csv, singleId, type Params } from './params.ts';
import { leaseStatus, statusByTypeId } from './status.ts';
import { spaceLabels, type RenderContext } from './render-context.ts';

type Json = Record<string, unknown>;

export function renderCustomers(ctx: RenderContext, params: Params): Json {
  const { portfolio, wire } = ctx;
  const propertyId = singleId(params, 'propertyId', true)!;
  const property = portfolio.propertyById.get(propertyId);
  if (!property) throw rpcErrors.invalidParam(`Invalid propertyId ${propertyId}: no such property for this API user.`);
  const wantedIds = csv(params, 'customerIds');
  const wanted = wantedIds === null ? null : new Set(wantedIds);
  const statusIds = csv(params, 'leaseStatusTypeIds');
  const byId = statusByTypeId(ctx.statusIds);
  const statuses = statusIds === null ? null : new Set(statusIds.map((id) => byId.get(Number(id))));
  const people = new Map<string, { person: SimCustomer; leases: { leaseId: string; type: CustomerType }[]; unit: string; building: string; apt: string }>();
  for (const lease of portfolio.leasesByProperty.get(property.id) ?? []) {
    if (lease.dropped) continue;
    const status = leaseStatus(lease, ctx.today);
    if (statuses === null ? status === 'Cancelled' : !statuses.has(status)) continue;
    for (const link of lease.customers) {
      if (wanted !== null && !wanted.has(link.customerId)) continue;
      let entry = people.get(link.customerId);
      if (!entry) {
        const unit = portfolio.unitById.get(lease.unitId);
        const building = property.buildings.find((b) => b.id === unit?.buildingId);
        entry = {
          person: portfolio.customerById.get(link.customerId)!,
          leases: [],
          unit: spaceLabels(portfolio, lease)[0]?.label ?? '',
          building: building?.name ?? '',
          apt: unit?.number ?? '',
        };
        people.set(link.customerId, entry);
      }
      entry.leases.push({ leaseId: lease.id, type: link.type });
    }
  }
  const nodes = [...people.values()]
    .sort((a, b) => Number(a.person.id) - Number(b.person.id))
    .map(({ person, leases, unit, building, apt }) => {
      const node: Json = {
        '@attributes': { Id: person.id, ExternalId: '' },
        LeaseId: leases.map((l) => ({ Identification: [{ IDValue: l.leaseId, '@attributes': { IDType: 'LeaseID' } }], CustomerType: l.type })),
        FirstName: person.firstName,
        LastName: person.lastName,
        UnitNumber: unit,
        BuildingName: building,
        Address: `${property.address.street} Apt ${apt}`,
        City: property.address.city,
        State: property.address.state,
        PostalCode: property.address.postalCode,
      };
      if (person.email) node.Email = person.email;
      if (person.phones[0]) node.PhoneNumber = person.phones[0].number;
      node.TermsApprovedDate = '';
      return node;
    });
  return { Customers: { Customer: wire.list(nodes, true) } };
}
