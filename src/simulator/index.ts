// Public surface of the Entrata simulator.
export { startSimulator, type RunningSimulator, type SimulatorOptions } from './server.ts';
export { SimulatorControl, EventError, type EventResult, type SimulatorSummary } from './control.ts';
export { generatePortfolio, DEFAULT_PORTFOLIO, type PortfolioOptions } from './portfolio.ts';
export { DEFAULT_CREDENTIALS, type Credentials, type SimulatorConfig } from './state.ts';
export { DEFAULT_RATE_LIMITS, type RateLimits } from './rate-limit.ts';
export { FAULT_KINDS, type Fault, type FaultKind, type FaultSpec } from './faults.ts';
export { DEFAULT_STATUS_TYPE_IDS, leaseStatus, customerStatus, intervalStatus, activeInterval, type StatusTypeIds } from './status.ts';
export type { LeaseCriteria, LeaseView } from './find.ts';
export type { CapMode } from './lease-query.ts';
export { isoOf, parseIso, usOf, type Day } from './dates.ts';
export type * from './model.ts';
export { LEASE_STATUS_NAMES } from './model.ts';
