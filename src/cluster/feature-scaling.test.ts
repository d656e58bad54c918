import { describe, expect, it } from 'vitest';
import { applyScaling, fitScaling, scaleMatrix, STD_FLOOR_FRACTION } from './feature-scaling.ts';
import { createRng } from './rng.ts';
import { packRows } from './matrix.ts';

describe('feature scaling (z-score + L2)', () => {
  it('fits mean and 1/std per dimension; constant dimensions do not blow up', () => {
    const data = packRows([[1, 10, 5], [3, 10, 5], [5, 10, 5]]);
    const s = fitScaling(data);
    expect(Array.from(s.mean)).toEqual([3, 10, 5]);
    expect(s.invStd[0]).toBeCloseTo(1 / Math.sqrt(8 / 3), 5);
    const scaled = applyScaling(Float32Array.of(5, 10, 5), s);
    // Only the first dimension varies: the scaled vector is the unit vector along it.
    expect(Array.from(scaled)).toEqual([1, 0, 0]);
  });

  it('lets a small dimension that separates two groups outweigh a large noisy one', () => {
    // Dimension 0: large values, noise only. Dimension 1: tiny values that separate the groups.
    // (Two dimensions: the median std is their mean, so the plain z-score is asked for: floor 0.)
    const rows = [[100, 0.01], [140, 0.012], [90, 0.03], [130, 0.031]];
    const data = packRows(rows);
    const scaled = scaleMatrix(data, fitScaling(data, { floorFraction: 0 }));
    const row = (i: number) => scaled.values.subarray(i * 2, i * 2 + 2);
    const dist = (a: Float32Array, b: Float32Array) => Math.hypot(a[0] - b[0], a[1] - b[1]);
    // Raw space: 0 is nearer to 2 (|100-90|) than to 1; scaled: nearer to its own group.
    expect(dist(row(0), row(1))).toBeLessThan(dist(row(0), row(2)));
    for (let i = 0; i < 4; i++) expect(Math.hypot(...row(i))).toBeCloseTo(1, 5);
  });
});

/**
 * Issue 17's fresh browser, in small: the scaling is fitted on the few embeddings a browser has
 * (here 10: 5 per class), in which some sparse ReLU dimensions are exactly 0; a new image with a
 * value in one of them must still be judged by the dimensions that carry its class.
 */
describe('feature scaling fitted on few samples (fresh browser)', () => {
  const D = 64;
  const SPARSE = [40, 41, 42, 43]; // zero in every fitted embedding
  function sample(rng: ReturnType<typeof createRng>, cls: 0 | 1, sparseValue = 0): Float32Array {
    const v = new Float32Array(D);
    for (let j = 0; j < D; j++) v[j] = SPARSE.includes(j) ? 0 : Math.max(0, 1 + 0.3 * (rng.next() - 0.5));
    // The class signal: dimensions 0-9 high for class 0, 10-19 for class 1.
    for (let j = 0; j < 10; j++) v[cls * 10 + j] += 1.5;
    if (sparseValue) v[SPARSE[cls === 0 ? 0 : 1]] = sparseValue;
    return v;
  }
  const centroid = (vs: Float32Array[]): Float32Array => {
    const c = new Float32Array(D);
    for (const v of vs) for (let j = 0; j < D; j++) c[j] += v[j] / vs.length;
    return c;
  };
  const cos = (a: Float32Array, b: Float32Array): number => {
    let ab = 0, aa = 0, bb = 0;
    for (let j = 0; j < D; j++) (ab += a[j] * b[j]), (aa += a[j] * a[j]), (bb += b[j] * b[j]);
    return ab / Math.sqrt(aa * bb);
  };

  for (const [name, floorFraction, fixed] of [['the 1e-6 tolerance alone (before)', 0, false], ['the std floor (now)', STD_FLOOR_FRACTION, true]] as const) {
    it(`${name}: a new image with a value in a dimension constant in the fitted set ${fixed ? 'keeps' : 'loses'} its class`, () => {
      const rng = createRng(1817);
      const fitted = [...Array.from({ length: 5 }, () => sample(rng, 0)), ...Array.from({ length: 5 }, () => sample(rng, 1))];
      const s = fitScaling(packRows(fitted), { floorFraction });
      const scaled = fitted.map((v) => applyScaling(v, s));
      const c0 = centroid(scaled.slice(0, 5));
      const c1 = centroid(scaled.slice(5));
      // Two new images of different classes, each with a small value (0.05, a twentieth of a
      // typical feature) in a dimension that was 0 in all ten fitted embeddings.
      const a = applyScaling(sample(rng, 0, 0.05), s);
      const b = applyScaling(sample(rng, 1, 0.05), s);
      const right = cos(a, c0) > cos(a, c1) && cos(b, c1) > cos(b, c0);
      const margin = Math.min(cos(a, c0) - cos(a, c1), cos(b, c1) - cos(b, c0));
      if (fixed) {
        expect(right).toBe(true);
        expect(margin).toBeGreaterThan(0.3);
        // No dimension weighs more than 1 / floor times a dimension of median std.
        const stds = Array.from(s.invStd, (x) => 1 / x).sort((x, y) => x - y);
        const medianStd = (stds[D / 2 - 1] + stds[D / 2]) / 2;
        expect(Math.max(...s.invStd) * medianStd).toBeLessThanOrEqual(1 / floorFraction + 1e-3);
      } else {
        // Before: the constant dimension's z-score (0.05 / 1e-6) swamps everything after L2;
        // both images point along their own sparse axis, at ~0 cosine to either class.
        expect(Math.abs(margin)).toBeLessThan(0.01);
      }
    });
  }
});
