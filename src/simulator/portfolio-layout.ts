// The physical side of a portfolio: properties, buildings, floor plans, units and their spaces.
import type { Rng } from './prng.ts';
import { PROPERTY_NAMES, STREETS, TOWNS } from './names.ts';
import type { Occupancy, SimFloorPlan, SimProperty, SimUnit } from './model.ts';

export type LayoutIds = { building: number; floorPlan: number; unitType: number; unit: number; space: number };

const STUDENT_PLANS = [
  ['S1', 1, 1, 480],
  ['B2', 2, 2, 820],
  ['C3', 3, 3, 1120],
  ['D4', 4, 4, 1400],
] as const;
const CONVENTIONAL_PLANS = [
  ['A1', 1, 1, 650],
  ['B2', 2, 2, 980],
  ['C3', 3, 2, 1250],
] as const;
const SPACE_LETTERS = 'ABCD';
const UNITS_PER_FLOOR = 12;

export function buildProperty(rng: Rng, index: number, unitCount: number, ids: LayoutIds): SimProperty {
  // Every fourth property is conventional, so even a three-property demo has one.
  const type: Occupancy = index % 4 === 2 ? 'Conventional' : 'Student';
  const town = TOWNS[index % TOWNS.length]!;
  const round = Math.floor(index / PROPERTY_NAMES.length);
  const name = `${PROPERTY_NAMES[index % PROPERTY_NAMES.length]}${round > 0 ? ` ${round + 1}` : ''}`;
  const property: SimProperty = {
    id: String(100_001 + index),
    name,
    type,
    address: { street: `${100 + rng.int(0, 89) * 10} ${rng.pick(STREETS)}`, city: town[0], state: town[1], postalCode: town[2] },
    buildings: [],
    floorPlans: [],
    units: [],
  };
  const planSpecs = type === 'Student' ? STUDENT_PLANS : CONVENTIONAL_PLANS;
  for (const [planName, bedrooms, bathrooms, squareFeet] of planSpecs) {
    property.floorPlans.push({ id: String(ids.floorPlan++), name: planName, unitTypeId: String(ids.unitType++), bedrooms, bathrooms, squareFeet });
  }
  const buildingCount = Math.min(12, Math.max(1, Math.ceil(unitCount / 48)));
  const letters = index % 2 === 1;
  for (let b = 0; b < buildingCount; b++) {
    property.buildings.push({ id: String(ids.building++), name: letters ? String.fromCharCode(65 + b) : String(b + 1) });
  }
  const perBuilding = Math.ceil(unitCount / buildingCount);
  for (let u = 0; u < unitCount; u++) {
    const building = property.buildings[Math.floor(u / perBuilding)]!;
    const k = u % perBuilding;
    // Numbers restart in every building, as on real sites: "101" alone does not name a unit.
    const number = `${1 + Math.floor(k / UNITS_PER_FLOOR)}${String((k % UNITS_PER_FLOOR) + 1).padStart(2, '0')}`;
    let plan: SimFloorPlan;
    let spaceCount: number;
    if (type === 'Student') {
      spaceCount = rng.weighted([
        [1, 10],
        [2, 30],
        [3, 20],
        [4, 40],
      ]);
      plan = property.floorPlans[spaceCount - 1]!;
    } else {
      spaceCount = 1;
      plan = rng.weighted(property.floorPlans.map((p, i) => [p, [35, 45, 20][i]!] as const));
    }
    const unit: SimUnit = {
      id: String(ids.unit++),
      propertyId: property.id,
      buildingId: building.id,
      number,
      floorPlanId: plan.id,
      spaces: [],
      deleted: false,
    };
    for (let s = 0; s < spaceCount; s++) {
      const label = type === 'Student' ? `${number}-${SPACE_LETTERS[s]}` : number;
      unit.spaces.push({ id: String(ids.space++), label });
    }
    property.units.push(unit);
  }
  return property;
}
