import { exactSumsForRange } from './cluster-sums.ts';
import { createTsKernel, dotRowCentreAny, dotRowCentres } from './distance-kernel.ts';
import { createWasmKernel, MAX_BLOCK_ROWS, type DotKernel } from './distance-wasm.ts';
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
  /** Rows of full passes whose float32 distances were too close to call and were recomputed in float64. */
  approximateRecomputed?: number;
}

/** Which dot-product kernel the TypeScript step uses: WebAssembly SIMD when available ('auto'), or plain TypeScript. */
export type KernelChoice = 'auto' | 'wasm' | 'ts';

/** What a TypeScript fit needs about its data, computed once per step on first use. */
export interface TsPrepared {
  /** ||x||^2 of every row, float64. */
  dataNorms: Float64Array;
  /** Whether centre sums over these data can be kept exact (cluster-sums.ts). */
  exactSums: boolean;
  /** False when some value is NaN or infinite (then checkFinite names it). */
  finite: boolean;
  kernel: DotKernel;
}

/**
 * The plain TypeScript step (its arithmetic may run in WebAssembly, see distance-wasm.ts).
 * Besides the DistanceStep interface it carries what fitKMeans needs to run its own pruned
 * Lloyd loop on it (kmeans-ts-run.ts). `assign` alone always computes every distance.
 */
export interface TsDistanceStep extends DistanceStep {
  readonly backend: 'ts';
  readonly data: Matrix;
  readonly pruning: Pruning;
  readonly stats: DistanceStats;
  /** Norms, exact-sums check, kernel (copying the data into WebAssembly memory): done on first call, so a fit's timing includes it. */
  prepare(): TsPrepared;
}

/** Whether `step` is a plain TypeScript step (so fitKMeans may prune). */
export function isTsDistanceStep(step: DistanceStep): step is TsDistanceStep {
  return step.backend === 'ts' && 'prepare' in step && 'pruning' in step;
}

/** Norms, finiteness and exact-sums checks, and dot-product kernel for `data` (one scan of the data). */
export function prepareTsData(data: Matrix, kernel: KernelChoice = 'auto'): TsPrepared {
  const { values, n, d } = data;
  let dots: DotKernel | null = null;
  if (kernel !== 'ts') {
    dots = createWasmKernel(values, n, d);
    if (!dots && kernel === 'wasm') throw new Error("the WebAssembly SIMD k-means kernel is not available here: use kernel 'auto' or 'ts'");
  }
  dots ??= createTsKernel(values, n, d);
  const scan = dots.scan();
  const finite = scan.maxBits < 0x7f800000;
  return { dataNorms: scan.norms, finite, exactSums: finite && exactSumsForRange(scan.maxBits, scan.minBits, n), kernel: dots };
}

/**
 * Plain TypeScript assignment step: ||x||^2 - 2 x.c + ||c||^2 with the data norms (two-lane
 * sums, see distance-kernel.ts scanValues) computed once per step and the centre norms once per call. Products and sums run in float64 (see
 * distance-kernel.ts), so results match scikit-learn's float64 to ~1e-12 and the cancellation
 * in the expansion does not flip labels. Cost: n*k*d multiply-adds per `assign` call; a fit
 * through fitKMeans prunes most of them (Elkan's or Hamerly's bounds, same labels as Lloyd).
 * @param options.pruning 'auto' (default), or a fixed choice; 'none' is plain Lloyd, kept as a baseline.
 * @param options.kernel 'auto' (default: WebAssembly SIMD where available, same results), 'wasm' or 'ts'.
 * @throws on an unknown pruning or kernel name.
 */
export function createTsDistanceStep(data: Matrix, options: { pruning?: Pruning; kernel?: KernelChoice } = {}): TsDistanceStep {
  const pruning = options.pruning ?? 'auto';
  if (!PRUNINGS.includes(pruning)) {
    throw new Error(`unknown k-means pruning ${String(pruning)}: use ${PRUNINGS.map((p) => `'${p}'`).join(', ')}`);
  }
  const kernel = options.kernel ?? 'auto';
  if (!KERNELS.includes(kernel)) {
    throw new Error(`unknown k-means kernel ${String(kernel)}: use ${KERNELS.map((p) => `'${p}'`).join(', ')}`);
  }
  const { n } = data;
  const stats: DistanceStats = { distanceEvaluations: 0 };
  let prepared: TsPrepared | undefined;
  const prepare = (): TsPrepared => (prepared ??= prepareTsData(data, kernel));
  return {
    backend: 'ts',
    data,
    pruning,
    stats,
    prepare,
    assign(centres, k, labels, minDist) {
      const { dataNorms, kernel: dots } = prepare();
      assignWithKernel(dots, n, data.d, dataNorms, centres, k, labels, minDist);
      stats.distanceEvaluations += n * k;
    },
    dispose() {
      prepared?.kernel.dispose();
      prepared = undefined;
    },
  };
}

/** Rows per kernel call in a full pass (the WebAssembly kernel runs 4 rows side by side for the last k mod 4 centres). */
export const ROWS_PER_CALL = MAX_BLOCK_ROWS;

/** Valid `KernelChoice` values. */
export const KERNELS = Object.freeze(['auto', 'wasm', 'ts'] as const);

function assignWithKernel(
  kernel: DotKernel,
  n: number,
  d: number,
  dataNorms: Float64Array,
  centres: Float64Array,
  k: number,
  labels: Int32Array,
  minDist: Float64Array,
): void {
  const centreNorms = rowSquaredNorms(centres, k, d);
  kernel.setCentres(centres, k);
  const dots = new Float64Array(ROWS_PER_CALL * k);
  for (let i = 0; i < n; i++) {
    const r = i % ROWS_PER_CALL;
    if (r === 0) kernel.rowsCentres(i, Math.min(ROWS_PER_CALL, n - i), dots);
    const xn = dataNorms[i];
    let best = Infinity;
    let bestJ = 0;
    for (let j = 0; j < k; j++) {
      const dist = xn - 2 * dots[r * k + j] + centreNorms[j];
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
