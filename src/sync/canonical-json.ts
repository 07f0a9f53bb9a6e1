/**
 * JSON with object keys sorted, so two equal values give equal text whatever their key order
 * (PostgreSQL's jsonb reorders keys). Used to tell "nothing changed" from a change (S1).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}
