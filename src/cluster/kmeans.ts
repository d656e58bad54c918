import { ClusterSums } from './cluster-sums.ts';
import { createTsDistanceStep, isTsDistanceStep, prepareTsData, squaredDistances, type TsDistanceStep } from './distance-ts.ts';
import type { DistanceBackend, DistanceStep } from './distance-step.ts';
import { kmeansPlusPlus } from './kmeans-plus-plus.ts';
import { runTsLloyd, type RunResult, type TsRunData } from './kmeans-ts-run.ts';
import { checkFinite, checkMatrix, checkShape, type Matrix } from './matrix.ts';
import { createRng } from './rng.ts';

/**
 * k-means (Lloyd's algorithm with k-means++ starts), matching scikit-learn's
 * `KMeans(algorithm="lloyd")`: same tolerance rule, same stopping test, same final
 * re-assignment, same empty-cluster relocation. Pure: no DOM, no worker, runs in Node.
 * With the plain TypeScript step the loop is kmeans-ts-run.ts's, which skips the distances
 * that triangle-inequality bounds prove cannot change a label (same labels, same iterations);
 * other steps (tfjs) run the loop below.
 */

/** Options of a fit. Only `k` is required; see KMEANS_DEFAULTS for the rest. */
export interface KMeansOptions {
  /** Number of clusters (1 <= k <= number of points). */
  k: number;
  /** Independent k-means++ starts; the lowest inertia wins. Ignored (1) when `init` is given. */
  nInit?: number;
  /** Lloyd iterations per start. */
  maxIter?: number;
  /**
   * Convergence tolerance, relative as in scikit-learn: stop when the summed squared centre
   * shift is <= tol * mean(per-feature variance of the data). Labels that no longer change
   * stop the run too.
   */
  tol?: number;
  /** Seed of the k-means++ draws: same seed and data, same result. */
  seed?: number;
  /** Fixed starting centres, k x d row-major (scikit-learn's `init=array`). */
  init?: Float32Array | Float64Array;
  /** Called after every Lloyd iteration; for progress bars on large fits. */
  onProgress?: (progress: KMeansProgress) => void;
}

/** Defaults. nInit 3 (not scikit-learn's old 10): in the browser every start costs the annotator time. */
export const KMEANS_DEFAULTS = Object.freeze({ nInit: 3, maxIter: 300, tol: 1e-4, seed: 42 });

/** One Lloyd iteration done. */
export interface KMeansProgress {
  /** 0-based index of the k-means++ start. */
  run: number;
  nInit: number;
  /** 1-based iteration within the run. */
  iteration: number;
  /** Sum of squared distances to the centres the points were just assigned to. */
  inertia: number;
}

/** A finished fit. */
export interface KMeansResult {
  k: number;
  d: number;
  /** k x d row-major. */
  centres: Float32Array;
  /** Cluster of every training row under the final centres. */
  labels: Int32Array;
  /** Sum of squared distances of the rows to their centres. */
  inertia: number;
  /** Iterations of the winning run. */
  nIter: number;
  /** False when the winning run stopped at maxIter. */
  converged: boolean;
  backend: DistanceBackend;
}

/** Cluster of every row and the Euclidean (not squared) distance to every centre, as sklearn's `transform`. */
export interface KMeansPrediction {
  labels: Int32Array;
  /** n x k row-major. */
  distances: Float32Array;
}

/**
 * Fit k-means on row-major data.
 * @param distance assignment step bound to `data`; plain TypeScript when omitted. The caller
 *   owns it (this function does not dispose it).
 * @throws on k out of range, k > n, NaN/Infinity in data or init, or an init of the wrong shape.
 */
export async function fitKMeans(data: Matrix, options: KMeansOptions, distance?: DistanceStep): Promise<KMeansResult> {
  checkShape(data, 'k-means data');
  const { n, d } = data;
  const { k } = options;
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer (got ${k})`);
  if (k > n) {
    throw new Error(`k = ${k} clusters but only ${n} points: collect at least ${k} embeddings or lower k`);
  }
  const maxIter = options.maxIter ?? KMEANS_DEFAULTS.maxIter;
  const tol = options.tol ?? KMEANS_DEFAULTS.tol;
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new Error(`maxIter must be a positive integer (got ${maxIter})`);
  if (!(tol >= 0)) throw new Error(`tol must be >= 0 (got ${tol})`);
  let nInit = options.nInit ?? KMEANS_DEFAULTS.nInit;
  if (!Number.isInteger(nInit) || nInit < 1) throw new Error(`nInit must be a positive integer (got ${nInit})`);
  if (options.init) {
    if (options.init.length !== k * d) {
      throw new Error(`init holds ${options.init.length} values, expected k*d = ${k}*${d} = ${k * d}`);
    }
    checkFinite(options.init, d, 'init centres');
    nInit = 1;
  }

  const step = distance ?? createTsDistanceStep(data);
  let best: RunResult | undefined;
  try {
    // The TypeScript step scans the data once anyway (norms, range): it tells whether all are finite.
    const scanned = isTsDistanceStep(step) && step.data.values === data.values ? step.prepare() : undefined;
    if (!scanned?.finite) checkFinite(data.values, d, 'k-means data');
    const rng = createRng(options.seed ?? KMEANS_DEFAULTS.seed);
    // tol 0 (run exactly maxIter iterations unless labels freeze) needs no variance pass.
    const absTol = tol === 0 ? 0 : tol * meanVariance(data);
    for (let run = 0; run < nInit; run++) {
      const start = options.init ? Float64Array.from(options.init) : kmeansPlusPlus(data, k, rng);
      const report = (iteration: number, inertia: number): void => options.onProgress?.({ run, nInit, iteration, inertia });
      const result = isTsDistanceStep(step)
        ? runTsLloyd(tsRunData(step, data), start, k, maxIter, absTol, step.pruning, step.stats, report)
        : await lloyd(data, start, k, maxIter, absTol, step, report);
      if (!best || result.inertia < best.inertia) best = result;
    }
  } finally {
    if (!distance) step.dispose(); // ours: hands its WebAssembly memory back for the next fit
  }
  const winner = best as RunResult;
  return {
    k,
    d,
    centres: Float32Array.from(winner.centres),
    labels: winner.labels,
    inertia: winner.inertia,
    nIter: winner.nIter,
    converged: winner.converged,
    backend: step.backend,
  };
}

/** The step's prepared data, or the same prepared afresh when the step was made for other data. */
function tsRunData(step: TsDistanceStep, data: Matrix): TsRunData {
  return { ...data, ...(step.data.values === data.values ? step.prepare() : prepareTsData(data)) };
}

/** One Lloyd run from `initial` (which it overwrites as scratch space), any distance step. */
async function lloyd(
  data: Matrix,
  initial: Float64Array,
  k: number,
  maxIter: number,
  absTol: number,
  step: DistanceStep,
  report: (iteration: number, inertia: number) => void,
): Promise<RunResult> {
  const { values, n, d } = data;
  let centres: Float64Array = initial;
  let next: Float64Array = new Float64Array(k * d);
  const labels = new Int32Array(n);
  const previous = new Int32Array(n).fill(-1);
  const minDist = new Float64Array(n);
  const sums = new ClusterSums(k, d);
  let strict = false;
  let shiftConverged = false;
  let iteration = 0;
  while (iteration < maxIter) {
    iteration++;
    await step.assign(centres, k, labels, minDist);
    updateCentres(values, n, labels, minDist, centres, next, sums);
    const shift = squaredShift(centres, next, k, d);
    [centres, next] = [next, centres];
    report(iteration, sum(minDist));
    if (arraysEqual(labels, previous)) {
      strict = true;
      break;
    }
    if (shift <= absTol) {
      shiftConverged = true;
      break;
    }
    previous.set(labels);
  }
  // As sklearn: unless the labels were already stable, re-assign so labels match the final centres.
  if (!strict) await step.assign(centres, k, labels, minDist);
  return { centres, labels, inertia: exactInertia(values, n, d, centres, labels), nIter: iteration, converged: strict || shiftConverged };
}

/**
 * Means of the assigned rows into `next`, from exact sums (cluster-sums.ts; the same centres
 * the TypeScript loop's incremental sums give). Empty clusters take the rows farthest from
 * their current centre (farthest first), each moved out of its old cluster, as scikit-learn's
 * `_relocate_empty_clusters_dense` does; so no centre is ever lost to NaN. A cluster emptied
 * by that move (its only row was relocated) keeps its previous centre.
 */
function updateCentres(
  values: Float32Array,
  n: number,
  labels: Int32Array,
  minDist: Float64Array,
  centres: Float64Array,
  next: Float64Array,
  sums: ClusterSums,
): void {
  sums.clear();
  for (let i = 0; i < n; i++) sums.addRow(values, i, labels[i], 1);
  const empty: number[] = [];
  for (let j = 0; j < sums.k; j++) if (sums.counts[j] === 0) empty.push(j);
  if (empty.length > 0) {
    const far = Array.from({ length: n }, (_, i) => i)
      .sort((a, b) => minDist[b] - minDist[a] || a - b)
      .slice(0, empty.length);
    empty.forEach((target, e) => {
      const row = far[e];
      sums.addRow(values, row, labels[row], -1);
      sums.setRow(values, row, target);
    });
  }
  sums.means(next, centres);
}

/**
 * Nearest centre and Euclidean distances to all centres for every row.
 * @throws when the data width differs from the centres' width or data hold NaN/Infinity.
 */
export function predictKMeans(model: { centres: Float32Array; k: number; d: number }, data: Matrix): KMeansPrediction {
  checkMatrix(data, 'data to predict');
  if (data.d !== model.d) {
    throw new Error(
      `data have ${data.d} columns but the k-means centres have ${model.d}: ` +
        'embed with the same model the clusters were fitted on, or refit',
    );
  }
  const sq = squaredDistances(data.values, data.n, data.d, model.centres, model.k);
  const labels = new Int32Array(data.n);
  const distances = new Float32Array(sq.length);
  for (let i = 0; i < data.n; i++) {
    let best = Infinity;
    for (let j = 0; j < model.k; j++) {
      const v = sq[i * model.k + j];
      distances[i * model.k + j] = Math.sqrt(v);
      if (v < best) {
        best = v;
        labels[i] = j;
      }
    }
  }
  return { labels, distances };
}

/** Summed squared movement of the centres, per centre then over centres (as kmeans-ts-run.ts). */
function squaredShift(from: Float64Array, to: Float64Array, k: number, d: number): number {
  let shift = 0;
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let t = 0; t < d; t++) {
      const diff = to[j * d + t] - from[j * d + t];
      s += diff * diff;
    }
    shift += s;
  }
  return shift;
}

/** scikit-learn's `_tolerance`: mean over features of the (population) variance. */
function meanVariance({ values, n, d }: Matrix): number {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) mean[t] += values[i * d + t];
  for (let t = 0; t < d; t++) mean[t] /= n;
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < d; t++) {
      const diff = values[i * d + t] - mean[t];
      total += diff * diff;
    }
  }
  return total / (n * d);
}

/** Inertia from scratch (direct differences): the expansion used for assignment loses digits. */
function exactInertia(values: ArrayLike<number>, n: number, d: number, centres: Float64Array, labels: Int32Array): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const cb = labels[i] * d;
    for (let t = 0; t < d; t++) {
      const diff = values[i * d + t] - centres[cb + t];
      total += diff * diff;
    }
  }
  return total;
}

function sum(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

function arraysEqual(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
