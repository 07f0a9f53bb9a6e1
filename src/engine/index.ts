// The lifecycle engine: pure functions of (snapshots, registry state, policy, overrides, now).
export { plan } from './plan.ts';
export { applyToState } from './apply-to-state.ts';
export { explain } from './explain.ts';
export { addDays, localDateOf, startOfLocalDay, formatLocal } from './local-time.ts';
export { HOLD_MIN_RESIDENTS, HOLD_SHARE } from './holds.ts';
export * from './types.ts';
