import { describe, expect, it } from 'vitest';
import lloyd300 from './fixtures/sklearn-lloyd-300x8.json';
import lloyd200 from './fixtures/sklearn-lloyd-200x16.json';
import { fitKMeans, predictKMeans, type KMeansProgress } from './kmeans.ts';
import { packRows, type Matrix } from './matrix.ts';
import { makeBlobs } from './testing/make-blobs.ts';

/** Fraction of pairs on which two labelings agree about "same cluster or not" (Rand index). */
function randIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let agree = 0;
  let total = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      total++;
      if ((a[i] === a[j]) === (b[i] === b[j])) agree++;
    }
  }
  return agree / total;
}

const fourPoints: Matrix = packRows([
  [0, 0],
  [0, 1],
  [10, 10],
  [10, 11],
]);

describe('fitKMeans', () => {
  it('splits four points into their two pairs', async () => {
    const result = await fitKMeans(fourPoints, { k: 2, seed: 1 });
    expect(result.labels[0]).toBe(result.labels[1]);
    expect(result.labels[2]).toBe(result.labels[3]);
    expect(result.labels[0]).not.toBe(result.labels[2]);
    const c = result.labels[0];
    expect(Array.from(result.centres.subarray(c * 2, c * 2 + 2))).toEqual([0, 0.5]);
    expect(result.inertia).toBeCloseTo(1, 10);
    expect(result.converged).toBe(true);
  });

  it('recovers generated blobs and is deterministic for a seed', async () => {
    const blobs = makeBlobs({ n: 400, d: 12, k: 5, spread: 1, scale: 8, seed: 5 });
    const a = await fitKMeans(blobs, { k: 5, seed: 9 });
    const b = await fitKMeans(blobs, { k: 5, seed: 9 });
    expect(randIndex(a.labels, blobs.classes)).toBe(1);
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    expect(Array.from(b.centres)).toEqual(Array.from(a.centres));
  });

  it('reports progress per iteration and run', async () => {
    const blobs = makeBlobs({ n: 200, d: 4, k: 3, seed: 2 });
    const seen: KMeansProgress[] = [];
    await fitKMeans(blobs, { k: 3, nInit: 2, onProgress: (p) => seen.push(p) });
    expect(new Set(seen.map((p) => p.run))).toEqual(new Set([0, 1]));
    expect(seen.filter((p) => p.run === 0).map((p) => p.iteration)[0]).toBe(1);
    expect(seen.every((p) => Number.isFinite(p.inertia) && p.nInit === 2)).toBe(true);
  });

  it('stops at maxIter and says so', async () => {
    const data = makeBlobs({ n: 300, d: 8, k: 6, spread: 4, scale: 2, seed: 3 });
    const result = await fitKMeans(data, { k: 6, maxIter: 1, nInit: 1, tol: 0 });
    expect(result.nIter).toBe(1);
    expect(result.converged).toBe(false);
  });
});

describe('parity with scikit-learn', () => {
  const cases = [
    ['300x8', lloyd300],
    ['200x16', lloyd200],
  ] as const;
  for (const [name, fx] of cases) {
    const data = packRows(fx.data);
    for (const start of ['from_init', 'from_empty_init'] as const) {
      it(`${name} ${start}: same labels, centres, inertia and iterations`, async () => {
        const ref = fx[start];
        const result = await fitKMeans(data, {
          k: fx.k,
          init: Float64Array.from(ref.init.flat()),
          tol: fx.tol,
          maxIter: fx.max_iter,
        });
        expect(Array.from(result.labels)).toEqual(ref.labels);
        const expected = ref.centres.flat();
        result.centres.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(1e-5));
        expect(Math.abs(result.inertia - ref.inertia) / ref.inertia).toBeLessThan(1e-6);
        expect(result.nIter).toBe(ref.n_iter);
      });
    }
    it(`${name}: k-means++ inertia within 1% of sklearn's best of n_init=10`, async () => {
      const result = await fitKMeans(data, { k: fx.k, nInit: 10, seed: 42 });
      expect(result.inertia).toBeLessThanOrEqual(fx.kmeanspp_best_of_10_inertia * 1.01);
    });
  }
});

describe('predictKMeans', () => {
  it('gives the nearest cluster and Euclidean distances to all centres', () => {
    const model = { centres: Float32Array.from([0, 0, 3, 4]), k: 2, d: 2 };
    const p = predictKMeans(model, packRows([[3, 4], [0, 1]]));
    expect(Array.from(p.labels)).toEqual([1, 0]);
    expect(Array.from(p.distances)).toEqual([5, 0, 1, Math.fround(Math.sqrt(18))]);
  });

  it('refuses data of another width, naming both', () => {
    const model = { centres: new Float32Array(4), k: 2, d: 2 };
    expect(() => predictKMeans(model, packRows([[1, 2, 3]]))).toThrow(/3 columns .* have 2/);
  });
});

describe('bad input', () => {
  it('refuses k larger than the number of points', async () => {
    await expect(fitKMeans(fourPoints, { k: 5 })).rejects.toThrow(/k = 5 clusters but only 4 points/);
  });

  it('refuses NaN and Infinity, naming row and column', async () => {
    const data = packRows([[0, 0], [1, Number.NaN], [2, 2]]);
    await expect(fitKMeans(data, { k: 2 })).rejects.toThrow(/row 1, column 1 is NaN/);
    const inf = packRows([[0, 0], [1, 1], [Infinity, 2]]);
    await expect(fitKMeans(inf, { k: 2 })).rejects.toThrow(/row 2, column 0 is Infinity/);
  });

  it('refuses vectors of mismatched widths', () => {
    expect(() => packRows([[0, 0], [1, 1, 1]])).toThrow(/row 0 has 2 values, row 1 has 3/);
  });

  it('refuses an init of the wrong shape', async () => {
    await expect(fitKMeans(fourPoints, { k: 2, init: new Float32Array(3) })).rejects.toThrow(/expected k\*d = 2\*2 = 4/);
  });

  it('handles zero vectors like any other point', async () => {
    const data = packRows([[0, 0], [0, 0], [5, 5], [5, 5]]);
    const result = await fitKMeans(data, { k: 2 });
    expect(result.inertia).toBe(0);
    expect(result.labels[0]).not.toBe(result.labels[2]);
  });

  it('terminates on all-duplicate points with k > distinct points (duplicate centres, inertia 0)', async () => {
    const data = packRows(Array.from({ length: 10 }, () => [1, 2, 3]));
    const result = await fitKMeans(data, { k: 3, nInit: 2 });
    expect(result.inertia).toBe(0);
    expect(Array.from(result.centres)).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]);
    expect(result.converged).toBe(true);
  });
});
