import { describe, expect, it } from 'vitest';
import { generatePortfolio } from '../../src/simulator/portfolio.ts';
import { customerStatus, leaseStatus } from '../../src/simulator/status.ts';
import { parseIso, ymdOf } from '../../src/simulator/dates.ts';
import { LEASE_STATUS_NAMES, type Portfolio } from '../../src/simulator/model.ts';

const TODAY = '2026-11-27';
const today = parseIso(TODAY)!;
const portfolio: Portfolio = generatePortfolio({ seed: 'test', properties: 4, unitsPerProperty: 150, today: TODAY });

describe('portfolio generator', () => {
  it('is deterministic: the same inputs give the same portfolio, another seed another one', () => {
    const again = generatePortfolio({ seed: 'test', properties: 4, unitsPerProperty: 150, today: TODAY });
    expect(JSON.stringify(again.leases)).toBe(JSON.stringify(portfolio.leases));
    expect(JSON.stringify([...again.customerById.values()])).toBe(JSON.stringify([...portfolio.customerById.values()]));
    const other = generatePortfolio({ seed: 'other', properties: 4, unitsPerProperty: 150, today: TODAY });
    expect(JSON.stringify(other.leases)).not.toBe(JSON.stringify(portfolio.leases));
  });

  it('lays out properties, buildings, units with 1 to 4 spaces, all with numeric string ids', () => {
    expect(portfolio.properties.map((p) => p.id)).toEqual(['100001', '100002', '100003', '100004']);
    expect(portfolio.properties.map((p) => p.type)).toContain('Conventional');
    for (const property of portfolio.properties) {
      expect(property.units).toHaveLength(150);
      expect(property.buildings.length).toBeGreaterThan(1);
      for (const unit of property.units) {
        expect(unit.id).toMatch(/^\d+$/);
        expect(unit.spaces.length).toBeGreaterThanOrEqual(1);
        expect(unit.spaces.length).toBeLessThanOrEqual(4);
        for (const space of unit.spaces) {
          expect(space.id).toMatch(/^\d+$/);
          expect(space.label).toMatch(property.type === 'Student' ? new RegExp(`^${unit.number}-[A-D]$`) : new RegExp(`^${unit.number}$`));
        }
      }
    }
    const student = portfolio.properties[0]!;
    expect(new Set(student.units.map((u) => u.spaces.length))).toEqual(new Set([1, 2, 3, 4]));
  });

  it('has leases in every status around today', () => {
    const counts = new Map<string, number>();
    for (const lease of portfolio.leases) counts.set(leaseStatus(lease, today), (counts.get(leaseStatus(lease, today)) ?? 0) + 1);
    for (const status of LEASE_STATUS_NAMES) expect(counts.get(status) ?? 0, status).toBeGreaterThan(0);
    expect(counts.get('Current')!).toBeGreaterThan(counts.get('Applicant')!);
  });

  it('uses student terms (Aug 15 to Jul 31) and conventional 12-month leases', () => {
    const terms = portfolio.leases.map((l) => l.intervals[0]!).filter((i) => ymdOf(i.start).month === 8 && ymdOf(i.start).day === 15);
    expect(terms.length).toBeGreaterThan(100);
    for (const i of terms.filter((t) => t.leaseTerm.match(/^\d{4}\/\d{4}$/))) expect(ymdOf(i.end)).toMatchObject({ month: 7, day: 31 });
    expect(portfolio.leases.some((l) => l.occupancy === 'Conventional' && l.intervals[0]!.leaseTerm === '12 Months')).toBe(true);
  });

  it('has every customer type, emergency contacts, and shared guarantors (one id on several leases)', () => {
    const types = new Set(portfolio.leases.flatMap((l) => l.customers.map((c) => c.type)));
    expect(types).toEqual(new Set(['Primary', 'Co-Applicant', 'Guarantor', 'Occupant']));
    expect([...portfolio.customerById.values()].some((c) => c.contacts.length > 0)).toBe(true);
    const leasesPerGuarantor = new Map<string, number>();
    for (const lease of portfolio.leases) {
      for (const c of lease.customers) if (c.type === 'Guarantor') leasesPerGuarantor.set(c.customerId, (leasesPerGuarantor.get(c.customerId) ?? 0) + 1);
    }
    expect(Math.max(...leasesPerGuarantor.values())).toBeGreaterThan(1);
  });

  it('has about a fifth of customers without e-mail or phone, and mixed phone types including invalid and international', () => {
    const customers = [...portfolio.customerById.values()];
    const noEmail = customers.filter((c) => c.email === null).length / customers.length;
    const noPhone = customers.filter((c) => c.phones.length === 0).length / customers.length;
    expect(noEmail).toBeGreaterThan(0.12);
    expect(noEmail).toBeLessThan(0.28);
    expect(noPhone).toBeGreaterThan(0.12);
    expect(noPhone).toBeLessThan(0.28);
    const phones = customers.flatMap((c) => c.phones);
    expect(new Set(phones.map((p) => p.type))).toEqual(new Set(['mobile', 'personal', 'work', 'home']));
    expect(phones.some((p) => p.countryCode !== 1)).toBe(true);
    expect(phones.some((p) => p.countryCode === 1 && p.number.replace(/\D/g, '').length < 10)).toBe(true);
  });

  it('has transfers within and across properties that keep the customer id', () => {
    const transfers = portfolio.leases.filter((l) => l.parentLeaseId !== null);
    expect(transfers.length).toBeGreaterThanOrEqual(4);
    let within = 0;
    let across = 0;
    for (const lease of transfers) {
      const parent = portfolio.leaseById.get(lease.parentLeaseId!)!;
      expect(lease.intervals[0]!.type).toBe('Transfer');
      expect(parent.transferLeaseId).toBe(lease.id);
      expect(parent.moveOut).toBe(lease.moveIn);
      const primary = lease.customers.find((c) => c.type === 'Primary')!;
      expect(parent.customers.some((c) => c.customerId === primary.customerId)).toBe(true);
      if (parent.propertyId === lease.propertyId) within++;
      else across++;
    }
    expect(within).toBeGreaterThan(0);
    expect(across).toBeGreaterThan(0);
    // Pending ones: old lease Notice, new lease Future.
    expect(transfers.some((l) => leaseStatus(l, today) === 'Future' && leaseStatus(portfolio.leaseById.get(l.parentLeaseId!)!, today) === 'Notice')).toBe(true);
  });

  it('has renewals (same lease id, a second interval, sub-status Renewed) and roommates who moved out mid-lease', () => {
    const renewed = portfolio.leases.filter((l) => l.subStatus === 'Renewed');
    expect(renewed.length).toBeGreaterThan(0);
    for (const lease of renewed) {
      expect(lease.intervals.length).toBe(2);
      expect(lease.intervals[1]!.type).toBe('Renewal');
      expect(lease.intervals[1]!.start).toBe(lease.intervals[0]!.end + 1);
    }
    const roommateGone = portfolio.leases.find(
      (l) => leaseStatus(l, today) === 'Current' && l.customers.some((c) => c.type === 'Co-Applicant' && customerStatus(l, c, today) === 'Past'),
    );
    expect(roommateGone).toBeDefined();
  });

  it('has people with several spaces in one unit, on one lease or on two', () => {
    expect(portfolio.leases.some((l) => l.spaceConfiguration === 'Private' && l.spaceIds.length === 2)).toBe(true);
    const byPersonUnit = new Map<string, Set<string>>();
    for (const lease of portfolio.leases) {
      if (lease.spaceIds.length !== 1 || lease.stage !== 'signed') continue;
      const primary = lease.customers.find((c) => c.type === 'Primary');
      if (!primary) continue;
      const key = `${primary.customerId}/${lease.unitId}/${lease.intervals[0]!.start}`;
      byPersonUnit.set(key, new Set([...(byPersonUnit.get(key) ?? []), lease.id]));
    }
    expect([...byPersonUnit.values()].some((ids) => ids.size > 1)).toBe(true);
  });

  it('generates 20 properties × 200 units in under 2 s', () => {
    // CPU time of this process (vitest runs each file in its own fork), so a busy machine does not fail it.
    const started = process.cpuUsage();
    const big = generatePortfolio({ seed: 'size', properties: 20, unitsPerProperty: 200, today: TODAY });
    const used = process.cpuUsage(started);
    expect(big.leases.length).toBeGreaterThan(10_000);
    expect((used.user + used.system) / 1000).toBeLessThan(2000);
  });

  it('rejects bad options', () => {
    expect(() => generatePortfolio({ today: '11/27/2026' })).toThrow(/YYYY-MM-DD/);
    expect(() => generatePortfolio({ properties: 0 })).toThrow(/positive/);
  });
});
