// Injected failures, per method or for every method ('*'), each good for N calls or always.

export const FAULT_KINDS = [
  'latency',
  'timeout',
  'http500',
  'http503',
  'http429',
  'error420',
  'error301',
  'malformedJson',
  'truncatedBody',
  'shortPage',
  'truncatedPage',
  'emptyLeases',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  /** A method name such as 'getLeases', or '*' for every method. */
  method: string;
  kind: FaultKind;
  /** How many calls it hits; default 1. */
  times?: number | 'always';
  /** For 'latency': milliseconds added to each hit call. */
  latencyMs?: number;
  /** For 'http429' and 'http503': the Retry-After seconds sent; default 1. */
  retryAfter?: number;
}

export interface Fault extends Required<Pick<FaultSpec, 'method' | 'kind'>> {
  id: number;
  remaining: number | 'always';
  latencyMs: number;
  retryAfter: number;
  hits: number;
}

export class FaultBook {
  private faults: Fault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): Fault {
    if (!FAULT_KINDS.includes(spec.kind)) throw new Error(`unknown fault kind '${String(spec.kind)}'; known: ${FAULT_KINDS.join(', ')}`);
    if (typeof spec.method !== 'string' || spec.method === '') throw new Error("fault method must be a method name or '*'");
    const times = spec.times ?? 1;
    if (times !== 'always' && (!Number.isInteger(times) || times < 1)) throw new Error("fault times must be a positive integer or 'always'");
    const fault: Fault = {
      id: this.nextId++,
      method: spec.method,
      // truncatedPage is the brief's name for a short page.
      kind: spec.kind === 'truncatedPage' ? 'shortPage' : spec.kind,
      remaining: times,
      latencyMs: spec.latencyMs ?? (spec.kind === 'latency' ? 1000 : 0),
      retryAfter: spec.retryAfter ?? 1,
      hits: 0,
    };
    this.faults.push(fault);
    return fault;
  }

  clear(): number {
    const count = this.faults.length;
    this.faults = [];
    return count;
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /**
   * The faults that hit this call, used up as they hit: every matching latency fault (delays add up)
   * plus the first matching fault of any other kind.
   */
  take(method: string): { latencyMs: number; fault: Fault | null } {
    let latencyMs = 0;
    let fault: Fault | null = null;
    for (const f of this.faults) {
      if (f.method !== '*' && f.method !== method) continue;
      if (f.kind === 'latency') {
        latencyMs += f.latencyMs;
        this.use(f);
      } else if (fault === null) {
        fault = f;
        this.use(f);
      }
    }
    this.faults = this.faults.filter((f) => f.remaining === 'always' || f.remaining > 0);
    return { latencyMs, fault };
  }

  private use(f: Fault): void {
    f.hits++;
    if (f.remaining !== 'always') f.remaining--;
  }
}
