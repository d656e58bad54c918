import { describe, expect, it } from 'vitest';
import { applyScaling, fitScaling, scaleMatrix } from './feature-scaling.ts';
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
    const rows = [[100, 0.01], [140, 0.012], [90, 0.03], [130, 0.031]];
    const data = packRows(rows);
    const scaled = scaleMatrix(data, fitScaling(data));
    const row = (i: number) => scaled.values.subarray(i * 2, i * 2 + 2);
    const dist = (a: Float32Array, b: Float32Array) => Math.hypot(a[0] - b[0], a[1] - b[1]);
    // Raw space: 0 is nearer to 2 (|100-90|) than to 1; scaled: nearer to its own group.
    expect(dist(row(0), row(1))).toBeLessThan(dist(row(0), row(2)));
    for (let i = 0; i < 4; i++) expect(Math.hypot(...row(i))).toBeCloseTo(1, 5);
  });
});
