// A small seeded PRNG (sfc32, seeded through splitmix32) so a portfolio is the same on every machine
// and every run: Math.random would make tests and benchmarks irreproducible.

export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both ends included. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight: weights need not sum to 1. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T;
  /** An independent stream derived from this seed and a label, so adding draws in one place does not shift another. */
  fork(label: string | number): Rng;
}

/** FNV-1a over the string form: turns any seed (number or text) into 32 bits. */
export function hash32(value: string | number): number {
  const text = String(value);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A float in [0, 1) that depends only on (id, salt): used for per-record quirks without storing them. */
export function unitHash(id: string | number, salt: number): number {
  let h = hash32(id) ^ Math.imul(salt + 1, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createRng(seed: string | number): Rng {
  const seedText = String(seed);
  const init = splitmix32(hash32(seedText));
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const next = (): number => {
    // sfc32: fast, 128-bit state, passes PractRand far beyond what a portfolio draws.
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    weighted: <T>(choices: readonly (readonly [T, number])[]): T => {
      // Indexed loops: destructuring for-of here was the generator's hottest spot.
      let total = 0;
      for (let i = 0; i < choices.length; i++) total += choices[i]![1];
      let r = next() * total;
      for (let i = 0; i < choices.length; i++) {
        r -= choices[i]![1];
        if (r < 0) return choices[i]![0];
      }
      return choices[choices.length - 1]![0];
    },
    fork: (label) => createRng(`${seedText}/${label}`),
  };
  return rng;
}
