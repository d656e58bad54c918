import { exactSumsPossible } from './cluster-sums.ts';
import { dotRowCentreAny, dotRowCentres } from './distance-kernel.ts';
import type { DistanceStep } from './distance-step.ts';
import { rowSquaredNorms, type Matrix } from './matrix.ts';

/** How the TypeScript k-means avoids distance computations (see kmeans-ts-run.ts). */
export type Pruning = 'auto' | 'hamerly' | 'elkan' | 'none';

/** Valid `Pruning` values, for error messages and option parsing. */
export const PRUNINGS = Object.freeze(['auto', 'hamerly', 'elkan', 'none'] as const);

/** Counters of one TypeScript distance step, summed over every fit that used it. */
export interface DistanceStats {
  /** Point-to-centre squared distances computed (each costs d multiply-adds). */
  distanceEvaluations: number;
}

/**
 * The plain TypeScript step. Besides the DistanceStep interface it carries what fitKMeans needs
 * to run its own pruned Lloyd loop on it (kmeans-ts-run.ts): the data, their squared norms and
 * the pruning choice. `assign` alone always computes every distance.
 */
export interface TsDistanceStep extends DistanceStep {
  readonly backend: 'ts';
  readonly data: Matrix;
  /** ||x||^2 of every row, float64. */
  readonly dataNorms: Float64Array;
  /** Whether centre sums over these data can be kept exact (cluster-sums.ts). */
  readonly exactSums: boolean;
  readonly pruning: Pruning;
  readonly stats: DistanceStats;
}

/** Whether `step` is a plain TypeScript step (so fitKMeans may prune). */
export function isTsDistanceStep(step: DistanceStep): step is TsDistanceStep {
  return step.backend === 'ts' && 'dataNorms' in step && 'pruning' in step;
}

/**
 * Plain TypeScript assignment step: ||x||^2 - 2 x.c + ||c||^2 with the data norms (and the
 * exact-sums check) computed once per step and the centre norms once per call. Products and sums run in float64 (see
 * distance-kernel.ts), so results match scikit-learn's float64 to ~1e-12 and the cancellation
 * in the expansion does not flip labels. Cost: n*k*d multiply-adds per `assign` call; a fit
 * through fitKMeans prunes most of them (Hamerly's or Elkan's bounds, same labels as Lloyd).
 * @param options.pruning 'auto' (default: Hamerly for small k, Elkan for larger), or a fixed
 *   choice; 'none' is plain Lloyd, kept as a baseline.
 * @throws on an unknown pruning name.
 */
export function createTsDistanceStep(data: Matrix, options: { pruning?: Pruning } = {}): TsDistanceStep {
  const pruning = options.pruning ?? 'auto';
  if (!PRUNINGS.includes(pruning)) {
    throw new Error(`unknown k-means pruning ${String(pruning)}: use ${PRUNINGS.map((p) => `'${p}'`).join(', ')}`);
  }
  const { values, n, d } = data;
  const dataNorms = rowSquaredNorms(values, n, d);
  const exactSums = exactSumsPossible(values, n);
  const stats: DistanceStats = { distanceEvaluations: 0 };
  return {
    backend: 'ts',
    data,
    dataNorms,
    exactSums,
    pruning,
    stats,
    assign(centres, k, labels, minDist) {
      assignNearest(values, n, d, dataNorms, centres, k, labels, minDist);
      stats.distanceEvaluations += n * k;
    },
    dispose() {},
  };
}

/**
 * Nearest centre per row (see DistanceStep.assign). Exposed for predict and the learner.
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
  const fast = values instanceof Float32Array && centres instanceof Float64Array;
  const dots = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const base = i * d;
    const xn = dataNorms[i];
    if (fast) dotRowCentres(values, base, centres, k, d, dots);
    else for (let j = 0; j < k; j++) dots[j] = dotRowCentreAny(values, base, centres, j * d, d);
    let best = Infinity;
    let bestJ = 0;
    for (let j = 0; j < k; j++) {
      const dist = xn - 2 * dots[j] + centreNorms[j];
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
