import type { Hash } from 'node:crypto';
import { normaliseLeases, NORMALISER_VERSION, type LeaseBatch, type NormaliseContext } from './lease-normaliser.ts';
import { idStr, isObj, pick } from './quirks.ts';

/**
 * Lease nodes as Entrata sent them, normalised only when asked. A steady-state sync compares the
 * digest of what came back with the last one and, when nothing changed, never normalises (src/sync/steady.ts).
 */
export class LeaseRead {
  private batch: LeaseBatch | undefined;

  constructor(
    readonly nodes: readonly unknown[],
    private readonly ctx: NormaliseContext,
    /** Digest of the bytes of the answers the nodes came in (null: not read over HTTP). */
    readonly answers: string | null = null,
  ) {}

  /** The ids that came back, as normalising reads them (quarantined leases included): S2 asks for the others. */
  ids(): Set<string> {
    return new Set(this.nodes.map(nodeLeaseId));
  }

  /** Normalised once, on first use. */
  normalise(): LeaseBatch {
    this.batch ??= normaliseLeases(this.nodes, this.ctx);
    return this.batch;
  }

  /**
   * Feeds what the normalised result depends on into `hash`: the normaliser's version, its context
   * (pick list, country, property), then either the answers' digest (cheap) or every node as parsed,
   * in the order Entrata sent them (a walk of all of them: only when the answers differ).
   */
  digestInto(hash: Hash, of: 'answers' | 'nodes'): void {
    if (of === 'answers' && this.answers === null) throw new Error('these lease nodes were not read over HTTP: no digest of their answers');
    hash.update(
      JSON.stringify({
        normaliser: NORMALISER_VERSION,
        country: this.ctx.country,
        propertyId: this.ctx.propertyId ?? null,
        statusById: [...this.ctx.statusById].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        nodes: this.nodes.length,
        answers: of === 'answers' ? this.answers : null,
      }),
    );
    hash.update('\n');
    if (of === 'nodes') for (const n of this.nodes) hash.update(`${JSON.stringify(n)}\n`);
  }
}

/** A node's lease id as normalising reads it, '' when it has none it could use. */
export function nodeLeaseId(node: unknown): string {
  return (isObj(node) ? idStr(pick(node, 'id', 'leaseId')) : null) ?? '';
}
