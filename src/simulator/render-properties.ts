// getProperties (PascalCase, docs/entrata.md §7.7) and getPropertyUnits (camelCase, §7.6).
import { usOf } from './dates.ts';
import { rpcErrors } from './errors.ts';
import type { SimProperty, SimUnit } from './model.ts';
import { csv, flag, type Params } from './params.ts';
import { leaseStatus } from './status.ts';
import type { RenderContext } from './render-context.ts';

type Json = Record<string, unknown>;

export function renderProperties(ctx: RenderContext, params: Params): Json {
  const wanted = csv(params, 'propertyIds');
  const properties = ctx.portfolio.properties.filter((p) => wanted === null || wanted.includes(p.id));
  const nodes = properties.map((p) => ({
    PropertyID: ctx.wire.num(p.id),
    MarketingName: p.name,
    Type: p.type,
    Address: {
      '@attributes': { AddressType: 'property' },
      Address: p.address.street,
      City: p.address.city,
      State: p.address.state,
      PostalCode: p.address.postalCode,
      Country: 'US',
    },
    IsDisabled: ctx.wire.int(0),
  }));
  return { PhysicalProperty: { Property: ctx.wire.list(nodes, true) } };
}

interface SpaceState {
  occupied: boolean;
  notice: boolean;
  rented: boolean;
  availableFrom: number;
}

/** Availability per space from the leases on the simulated day; the strings are unverified (§7.6). */
function spaceStates(ctx: RenderContext, property: SimProperty): Map<string, SpaceState> {
  const states = new Map<string, SpaceState>();
  const state = (id: string) => {
    let s = states.get(id);
    if (!s) states.set(id, (s = { occupied: false, notice: false, rented: false, availableFrom: ctx.today }));
    return s;
  };
  for (const lease of ctx.portfolio.leasesByProperty.get(property.id) ?? []) {
    if (lease.dropped) continue;
    const status = leaseStatus(lease, ctx.today);
    for (const spaceId of lease.spaceIds) {
      if (status === 'Current' || status === 'Notice') {
        const s = state(spaceId);
        s.occupied = true;
        if (status === 'Notice' && lease.moveOut !== null) {
          s.notice = true;
          s.availableFrom = lease.moveOut + 1;
        }
      } else if (status === 'Future') state(spaceId).rented = true;
    }
  }
  return states;
}

function availability(s: SpaceState | undefined): string {
  if (!s) return 'Vacant Unrented Ready';
  if (s.occupied) return s.notice ? (s.rented ? 'Notice Rented' : 'Notice Unrented') : 'Occupied No Notice';
  return s.rented ? 'Vacant Rented Ready' : 'Vacant Unrented Ready';
}

function renderUnit(ctx: RenderContext, property: SimProperty, unit: SimUnit, states: Map<string, SpaceState>): Json {
  const { wire } = ctx;
  const building = property.buildings.find((b) => b.id === unit.buildingId)!;
  const plan = property.floorPlans.find((p) => p.id === unit.floorPlanId)!;
  const spaces = unit.spaces.map((space) => {
    const s = states.get(space.id);
    const node: Json = {
      unitSpaceId: wire.num(space.id),
      unitNumber: space.label,
      spaceConfiguration: property.type === 'Student' ? 'Private' : 'Conventional',
      availabilityStatus: availability(s),
    };
    if (!s?.occupied || s.notice) node.availableDate = usOf(s?.availableFrom ?? ctx.today);
    return node;
  });
  return {
    id: wire.num(unit.id),
    unitNumber: unit.number,
    buildingId: wire.num(building.id),
    buildingName: building.name,
    floorplanId: wire.num(plan.id),
    floorplanName: plan.name,
    unitTypeId: wire.num(plan.unitTypeId),
    unitTypeName: plan.name,
    noOfBedrooms: plan.bedrooms,
    noOfBathrooms: plan.bathrooms,
    squareFeet: plan.squareFeet,
    numberOccupants: unit.spaces.length,
    unitAddress: {
      address: `${property.address.street} Bldg ${building.name} Apt ${unit.number}`,
      city: property.address.city,
      state: property.address.state,
      postalCode: property.address.postalCode,
      country: 'US',
    },
    unitSpaces: { unitSpace: wire.list(spaces, true) },
  };
}

export function renderPropertyUnits(ctx: RenderContext, params: Params): Json {
  const ids = csv(params, 'propertyIds');
  if (ids === null || ids.length === 0) throw rpcErrors.requiredParam('propertyIds');
  const availableOnly = flag(params, 'availableUnitsOnly');
  const nodes = ids.map((id) => {
    const property = ctx.portfolio.propertyById.get(id);
    if (!property) throw rpcErrors.invalidParam(`Invalid propertyIds value ${id}: no such property for this API user.`);
    const states = spaceStates(ctx, property);
    const units = property.units
      .filter((u) => !u.deleted)
      .filter((u) => !availableOnly || u.spaces.some((s) => !states.get(s.id)?.occupied))
      .map((u) => renderUnit(ctx, property, u, states));
    return {
      propertyId: ctx.wire.num(property.id),
      propertyName: property.name,
      unitCount: units.length,
      buildingCount: property.buildings.length,
      units: { unit: ctx.wire.list(units, true) },
    };
  });
  return { properties: { property: ctx.wire.list(nodes, true) } };
}
