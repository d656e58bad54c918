import type { Matrix } from '../matrix.ts';
import { createRng } from '../rng.ts';

/** Seeded Gaussian blobs for tests and benchmarks. */
export interface Blobs extends Matrix {
  /** True blob of every row. */
  classes: Int32Array;
  /** k x d blob centres. */
  centres: Float32Array;
}

/**
 * n points in d dimensions around k centres drawn from N(0, scale^2), each point offset by
 * N(0, spread^2) per coordinate; the blob of point i is i mod k (balanced classes).
 */
export function makeBlobs(opts: { n: number; d: number; k: number; spread?: number; scale?: number; seed?: number }): Blobs {
  const { n, d, k } = opts;
  const spread = opts.spread ?? 1;
  const scale = opts.scale ?? 10;
  const rng = createRng(opts.seed ?? 1);
  const centres = new Float32Array(k * d);
  for (let i = 0; i < centres.length; i++) centres[i] = rng.normal() * scale;
  const values = new Float32Array(n * d);
  const classes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    classes[i] = c;
    for (let t = 0; t < d; t++) values[i * d + t] = centres[c * d + t] + rng.normal() * spread;
  }
  return { values, n, d, classes, centres };
}
