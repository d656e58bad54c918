import type { DistanceStep } from './distance-step.ts';
import { rowSquaredNorms, type Matrix } from './matrix.ts';

/**
 * Plain TypeScript assignment step: ||x||^2 - 2 x.c + ||c||^2 with the data norms computed
 * once per fit and the centre norms once per call. Products and sums run in float64 (float32
 * inputs multiply exactly in float64), so results match scikit-learn's float64 to ~1e-12 and
 * the cancellation in the expansion does not flip labels. Cost: n*k*d multiply-adds per call.
 */
export function createTsDistanceStep(data: Matrix): DistanceStep {
  const { values, n, d } = data;
  const dataNorms = rowSquaredNorms(values, n, d);
  return {
    backend: 'ts',
    assign(centres, k, labels, minDist) {
      assignNearest(values, n, d, dataNorms, centres, k, labels, minDist);
    },
    dispose() {},
  };
}

/** Dot product of row `a` of `x` with row `b` of `c` (width d), 4-way unrolled, float64 sum. */
function dotRows(x: ArrayLike<number>, a: number, c: ArrayLike<number>, b: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t = 0;
  for (; t + 3 < d; t += 4) {
    s0 += x[a + t] * c[b + t];
    s1 += x[a + t + 1] * c[b + t + 1];
    s2 += x[a + t + 2] * c[b + t + 2];
    s3 += x[a + t + 3] * c[b + t + 3];
  }
  for (; t < d; t++) s0 += x[a + t] * c[b + t];
  return s0 + s1 + s2 + s3;
}

/**
 * Nearest centre per row (see DistanceStep.assign). Exposed for predict and k-means++.
 * Negative results of the expansion (rounding when x == c) are clamped to 0.
 */
export function assignNearest(
  values: ArrayLike<number>,
  n: number,
  d: number,
  dataNorms: Float64Array,
  centres: ArrayLike<number>,
  k: number,
  labels: Int32Array,
  minDist: Float64Array,
): void {
  const centreNorms = rowSquaredNorms(centres, k, d);
  for (let i = 0; i < n; i++) {
    const base = i * d;
    const xn = dataNorms[i];
    let best = Infinity;
    let bestJ = 0;
    for (let j = 0; j < k; j++) {
      const dist = xn - 2 * dotRows(values, base, centres, j * d, d) + centreNorms[j];
      if (dist < best) {
        best = dist;
        bestJ = j;
      }
    }
    labels[i] = bestJ;
    minDist[i] = best > 0 ? best : 0;
  }
}

/**
 * Squared distances from every row to every centre, n x k row-major, into a new Float64Array.
 * Computed directly as sum((x - c)^2) (no expansion) because callers report these values.
 */
export function squaredDistances(
  values: ArrayLike<number>,
  n: number,
  d: number,
  centres: ArrayLike<number>,
  k: number,
): Float64Array {
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const base = i * d;
    for (let j = 0; j < k; j++) {
      const cb = j * d;
      let s = 0;
      for (let t = 0; t < d; t++) {
        const diff = values[base + t] - centres[cb + t];
        s += diff * diff;
      }
      out[i * k + j] = s;
    }
  }
  return out;
}
