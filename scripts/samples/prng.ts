/**
 * A small seeded PRNG (mulberry32) with the helpers the sample drawer needs. Math.random is
 * never used: the same seed must give byte-identical samples on every machine, so tests and
 * cached embeddings stay valid.
 */
import { createRng as createCoreRng } from '../../src/cluster/rng.ts';

/** Deterministic random source. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  range(min: number, max: number): number;
  /** Integer uniform in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[];
}

/** A generator for a 32-bit seed. */
export function createRng(seed: number): Rng {
  // The project's mulberry32 (src/cluster/rng.ts): the same sequence on every engine.
  const next = createCoreRng(seed).next;
  const rng: Rng = {
    next,
    range: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    normal: () => {
      const u = Math.max(next(), 1e-12);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
    shuffle: (items) => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
  return rng;
}

/**
 * A seed for one item derived from a base seed and labels, so that image k of a class is the
 * same whatever `--count` is and whatever other classes exist.
 */
export function deriveSeed(base: number, ...parts: Array<string | number>): number {
  let h = (0x811c9dc5 ^ base) >>> 0;
  for (const ch of parts.join('\u0000')) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
