// The running simulator's mutable state, shared by the RPC handler, the control API and the server.
import { denverToday, parseIso, type Day } from './dates.ts';
import { FaultBook } from './faults.ts';
import type { CapMode } from './lease-query.ts';
import type { Portfolio } from './model.ts';
import { generatePortfolio } from './portfolio.ts';
import { Wire } from './quirks.ts';
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimits } from './rate-limit.ts';
import { resolveStatusTypeIds, type StatusTypeIds } from './status.ts';
import type { RenderContext } from './render-context.ts';

export interface Credentials {
  apiKey: string;
  username: string;
  password: string;
}

export const DEFAULT_CREDENTIALS: Credentials = { apiKey: 'demo-key', username: 'demo', password: 'demo' };

export interface SimulatorConfig {
  seed?: string | number;
  properties?: number;
  /** Units per property. */
  units?: number;
  /** The simulated date, YYYY-MM-DD; default today in America/Denver. */
  today?: string;
  /** Per subdomain+service limits, or false for none (benchmarks). */
  rateLimits?: false | RateLimits;
  /** Entrata's JSON oddities (single objects, mixed id types, varying timestamps); default true. */
  quirks?: boolean;
  credentials?: Partial<Credentials>;
  /** 'capped' ignores paging and answers at most 500 leases, to exercise a client's range splitting. */
  capMode?: CapMode;
  /** Added to every RPC answer (benchmarks use 50). */
  latencyMs?: number;
  /** Override the getLeasePickList status ids, e.g. to prove a client does not hard-code 1..6. */
  statusTypeIds?: Partial<StatusTypeIds>;
  /** When set, other subdomains get error 104 "Invalid Domain"; default: any subdomain works. */
  subdomains?: string[];
  /** A portfolio generated beforehand (a benchmark reusing one); seed/properties/units are then ignored. */
  portfolio?: Portfolio;
  /** Clock for the rate-limit windows; tests may pin it. */
  nowMs?: () => number;
}

export class SimulatorState {
  portfolio: Portfolio;
  today: Day;
  readonly wire: Wire;
  statusIds: StatusTypeIds;
  capMode: CapMode;
  readonly credentials: Credentials;
  readonly subdomains: Set<string> | null;
  latencyMs: number;
  readonly faults = new FaultBook();
  readonly limiter: RateLimiter | null;
  /** RPC calls answered, per method name (also failed and faulted ones), for tests and the demo. */
  readonly calls = new Map<string, number>();

  constructor(config: SimulatorConfig = {}) {
    const todayText = config.today ?? denverToday();
    const today = parseIso(todayText);
    if (today === null) throw new Error(`today must be YYYY-MM-DD, got '${todayText}'`);
    this.today = today;
    this.portfolio =
      config.portfolio ?? generatePortfolio({ seed: config.seed, properties: config.properties, unitsPerProperty: config.units, today: todayText });
    this.wire = new Wire(config.quirks ?? true);
    this.statusIds = resolveStatusTypeIds(config.statusTypeIds);
    this.capMode = config.capMode ?? 'paged';
    this.credentials = { ...DEFAULT_CREDENTIALS, ...config.credentials };
    this.subdomains = config.subdomains ? new Set(config.subdomains) : null;
    this.latencyMs = config.latencyMs ?? 0;
    this.limiter = config.rateLimits === false ? null : new RateLimiter(config.rateLimits ?? DEFAULT_RATE_LIMITS, config.nowMs);
  }

  renderContext(): RenderContext {
    return { portfolio: this.portfolio, today: this.today, wire: this.wire, statusIds: this.statusIds, includeHistory: false };
  }
}
