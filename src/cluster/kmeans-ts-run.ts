import type { ClusterSums } from './cluster-sums.ts';
import { distanceErrorFactor } from './distance-kernel.ts';
import { approxDotAbsolute, approxDotError, type DotKernel } from './distance-wasm.ts';
import { ROWS_PER_CALL, type DistanceStats, type Pruning } from './distance-ts.ts';
import { rowSquaredNorms, type Matrix } from './matrix.ts';

/**
 * One Lloyd run in TypeScript (its arithmetic in WebAssembly where available, distance-wasm.ts),
 * with triangle-inequality pruning: Elkan's algorithm (one upper bound on the distance to the
 * assigned centre, one lower bound per centre) or Hamerly's (one lower bound for all other
 * centres). Both give exactly Lloyd's labels, so iterations, stopping and empty-cluster
 * relocation are Lloyd's too; they only skip the distances that the bounds prove cannot change
 * a label. Iterations in which the bounds would prune little (centres still moving by more than
 * the gaps between a row's nearest centres: the first 2-4 on embeddings) run a full pass.
 *
 * Exactly, including rounding: a label is kept without computing only when the bounds prove
 * that Lloyd's computed squared distance to the assigned centre is strictly below its computed
 * distance to every other centre, i.e. with a margin of twice the kernel's rounding bound
 * (distanceErrorFactor); a distance that is computed is computed as a full pass computes it
 * (distance-kernel.ts), ties going to the lowest index as in Lloyd. Where the kernel offers
 * float32 approximations (approxDotError), a label is taken from them only when the winner is
 * ahead by more than their error bound, and recomputed in float64 otherwise. Centre sums are
 * exact (cluster-sums.ts), so updating them with the rows that moved gives the same centres as
 * summing afresh. 'none' runs the same loop without bounds: plain Lloyd, the reference.
 *
 * Cost on 10,000 x 512 embeddings, k = 5-10, 5-7 iterations: ~30 ms in Chromium on one core
 * (scikit-learn's BLAS Lloyd: ~40-50 ms); about 1/3 of it full float32 passes, the rest the
 * copy into WebAssembly memory, the exact sums and bound bookkeeping.
 */

/** What the run needs about the data (prepared once per fit by the TypeScript step). */
export interface TsRunData extends Matrix {
  /** ||x||^2 of every row. */
  dataNorms: Float64Array;
  /** exactSumsPossible(values, n): centre sums may be updated incrementally. */
  exactSums: boolean;
  /** Dot products of rows with centres (WebAssembly or TypeScript: same values). */
  kernel: DotKernel;
}

/** A finished run (fitKMeans keeps the best of nInit). */
export interface RunResult {
  centres: Float64Array;
  labels: Int32Array;
  inertia: number;
  nIter: number;
  converged: boolean;
}

/**
 * Elkan keeps n*k float64 lower bounds; above this many 'auto' picks Hamerly (one lower bound
 * per row) instead (128 MB).
 */
export const ELKAN_MAX_BOUNDS = 2 ** 24;

/**
 * Above this estimated share of distances left to compute, an iteration runs a full pass
 * instead of the bounds (a float32 full pass costs ~1/3 per distance of the scattered pairs
 * plus bookkeeping; measured 0.35-0.7 within noise, 0.35 slightly ahead at n = 1,000).
 */
const FULL_PASS_ABOVE = 0.35;

/** Rows whose distance work Elkan's step gathers before computing it. */
const ELKAN_BATCH = 256;

/** The pruning 'auto' (or a fixed choice) resolves to for a fit of n points and k centres. */
export function resolvePruning(pruning: Pruning, n: number, k: number): 'hamerly' | 'elkan' | 'none' {
  switch (pruning) {
    case 'auto':
      // Elkan even for small k: on embeddings (high d, clusters that touch) centres keep
      // drifting by more than the gap between a row's two nearest centres for several
      // iterations, which defeats Hamerly's single lower bound (it drops by the largest drift
      // of any centre) while Elkan's per-centre bounds still skip every centre that stood still.
      if (k === 1) return 'none';
      return n * k > ELKAN_MAX_BOUNDS ? 'hamerly' : 'elkan';
    case 'hamerly':
    case 'elkan':
    case 'none':
      return pruning;
    default: {
      const never: never = pruning;
      throw new Error(`unknown k-means pruning ${String(never)}: use 'auto', 'hamerly', 'elkan' or 'none'`);
    }
  }
}

/**
 * Lloyd from `initial` (k x d; overwritten as scratch space) as kmeans.ts's loop: assign, update
 * (empty clusters take the farthest rows), stop when labels repeat or the squared centre shift
 * is <= absTol, and re-assign after a stop on shift or maxIter.
 */
export function runTsLloyd(
  data: TsRunData,
  initial: Float64Array,
  k: number,
  maxIter: number,
  absTol: number,
  pruning: Pruning,
  stats: DistanceStats,
  report: (iteration: number, inertia: number) => void,
): RunResult {
  const run = new TsRun(data, initial, k, resolvePruning(pruning, data.n, k), stats);
  let strict = false;
  let shiftConverged = false;
  let iteration = 0;
  while (iteration < maxIter) {
    iteration++;
    const changed = run.assign();
    const shift = run.update((inertia) => report(iteration, inertia));
    if (changed === 0) {
      strict = true;
      break;
    }
    if (shift <= absTol) {
      shiftConverged = true;
      break;
    }
  }
  if (!strict) run.assign();
  return { centres: run.centres, labels: run.labels, inertia: run.inertia(), nIter: iteration, converged: strict || shiftConverged };
}

class TsRun {
  readonly values: Float32Array;
  readonly kernel: DotKernel;
  readonly n: number;
  readonly d: number;
  readonly xn: Float64Array;
  /** sqrt(2 * error bound) / (||x|| + max ||c||): the margin, in distance units, per unit of scale. */
  readonly marginFactor: number;
  readonly errorFactor: number;
  readonly roots: Float64Array;
  centres: Float64Array;
  next: Float64Array;
  readonly labels: Int32Array;
  /** Cluster each row is counted in by `sums` (-1: none yet; differs from labels after a relocation). */
  readonly summed: Int32Array;
  readonly sums: ClusterSums;
  readonly exact: boolean;
  readonly cn: Float64Array;
  /** Per-centre drift of the last update (inflated), for the bounds. */
  readonly drift: Float64Array;
  readonly upper: Float64Array;
  /** Hamerly: n lower bounds; Elkan: n*k. */
  readonly lower: Float64Array;
  readonly dots: Float64Array;
  /** Dot products of ROWS_PER_CALL rows (full passes). */
  readonly block: Float64Array;
  /** Exact dot products of one row whose float32 ones were too close to call. */
  readonly exactRow: Float64Array;
  /** Work lists of one batch of rows (Elkan). */
  readonly batch: {
    pairRow: Int32Array;
    pairCentre: Int32Array;
    tightRow: Int32Array;
    tightCentre: Int32Array;
    tightDot: Float64Array;
    queueRow: Int32Array;
    queueCentre: Int32Array;
    pairDot: Float64Array;
    rowBest: Int32Array;
    rowBestDist: Float64Array;
  };
  /** Centre-to-centre distances (k x k) of the current centres, Elkan and Hamerly. */
  readonly cc: Float64Array;
  readonly half: Float64Array;
  first = true;

  constructor(
    data: TsRunData,
    initial: Float64Array,
    readonly k: number,
    readonly mode: 'hamerly' | 'elkan' | 'none',
    readonly stats: DistanceStats,
  ) {
    this.values = data.values;
    this.kernel = data.kernel;
    this.n = data.n;
    this.d = data.d;
    this.xn = data.dataNorms;
    this.roots = data.dataNorms.map(Math.sqrt);
    this.errorFactor = distanceErrorFactor(data.d);
    this.marginFactor = Math.sqrt(2 * this.errorFactor);
    this.centres = initial;
    this.next = new Float64Array(k * data.d);
    this.labels = new Int32Array(data.n);
    this.summed = new Int32Array(data.n).fill(-1);
    data.kernel.reserve(k);
    this.sums = data.kernel.clusterSums(k);
    this.exact = data.exactSums;
    this.cn = new Float64Array(k);
    this.drift = new Float64Array(k);
    this.upper = mode === 'none' ? new Float64Array(0) : new Float64Array(data.n);
    this.lower = new Float64Array(mode === 'elkan' ? data.n * k : mode === 'hamerly' ? data.n : 0);
    this.dots = new Float64Array(k);
    this.block = new Float64Array(ROWS_PER_CALL * k);
    this.exactRow = new Float64Array(k);
    const size = mode === 'elkan' ? ELKAN_BATCH : 0;
    this.batch = {
      pairRow: new Int32Array(size),
      pairCentre: new Int32Array(size),
      tightRow: new Int32Array(size),
      tightCentre: new Int32Array(size),
      tightDot: new Float64Array(size),
      queueRow: new Int32Array(size * k),
      queueCentre: new Int32Array(size * k),
      pairDot: new Float64Array(size * k),
      rowBest: new Int32Array(size),
      rowBestDist: new Float64Array(size),
    };
    this.cc = new Float64Array(mode === 'none' ? 0 : k * k);
    this.half = new Float64Array(k);
  }

  /** Assignment step; returns how many labels changed (n on the first call). */
  assign(): number {
    this.cn.set(rowSquaredNorms(this.centres, this.k, this.d));
    this.kernel.setCentres(this.centres, this.k);
    if (this.first || this.mode === 'none') {
      const changed = this.assignAll();
      this.first = false;
      return changed;
    }
    this.centreDistances();
    // While centres still move by more than the gaps between a row's nearest centres (the
    // first iterations on embeddings), the bounds prune little and a full pass is cheaper
    // than bound bookkeeping plus scattered distances; it also renews every bound. Same
    // labels either way.
    if (this.candidateFraction() > FULL_PASS_ABOVE) return this.assignAll();
    return this.mode === 'hamerly' ? this.assignHamerly() : this.assignElkan();
  }

  /**
   * Estimated share of the distances the bounds would leave to compute (Elkan: of the n*(k-1)
   * other centres; Hamerly: of the rows), from a sample of rows; reads the bounds only.
   */
  private candidateFraction(): number {
    const { n, k, labels, upper, lower, drift, half, cc, roots, marginFactor, mode } = this;
    const cmax = Math.sqrt(max(this.cn));
    const step = Math.max(1, Math.floor(n / 256));
    let candidates = 0;
    let total = 0;
    let top = 0;
    for (let j = 0; j < k; j++) top = Math.max(top, drift[j]);
    for (let i = 0; i < n; i += step) {
      const a = labels[i];
      const u = upper[i] + drift[a];
      const margin = marginFactor * (roots[i] + cmax);
      if (mode === 'hamerly') {
        total++;
        if (!(Math.max(lower[i] - top, 2 * half[a] - u) - u > margin)) candidates++;
        continue;
      }
      total += k - 1;
      if (2 * half[a] - u - u > margin) continue;
      const row = i * k;
      for (let j = 0; j < k; j++) {
        if (j !== a && !(lower[row + j] - drift[j] - u > margin || cc[a * k + j] - u - u > margin)) candidates++;
      }
    }
    return total === 0 ? 0 : candidates / total;
  }

  /** Every distance of every row (first iteration, and plain Lloyd); sets the bounds. */
  private assignAll(): number {
    const { kernel, n, k, xn, cn, dots, labels, upper, lower, mode, roots, errorFactor } = this;
    const cmax = Math.sqrt(max(cn));
    let changed = 0;
    const block = this.block;
    const exactRow = this.exactRow;
    const buildSums = this.first && this.exact;
    // Float32 first where the kernel offers it; a row whose two nearest centres are closer than
    // the float32 error could make them is recomputed exactly, so labels are Lloyd's.
    const approx = kernel.approxRowsCentres !== undefined;
    const approxRelative = approxDotError(this.d);
    const approxAbsolute = approxDotAbsolute(this.d);
    const elkan = mode === 'elkan';
    let recomputed = 0;
    for (let i = 0; i < n; i++) {
      const r = i % ROWS_PER_CALL;
      if (r === 0) {
        const rows = Math.min(ROWS_PER_CALL, n - i);
        if (approx) kernel.approxRowsCentres!(i, rows, block);
        else kernel.rowsCentres(i, rows, block);
      }
      const x = xn[i];
      const scale = roots[i] + cmax;
      const delta = errorFactor * scale * scale;
      let source = block;
      let offset = r * k;
      let slack = 0;
      let best = Infinity;
      let second = Infinity;
      let bestJ = 0;
      for (let pass = approx ? 0 : 1; pass < 2; pass++) {
        best = Infinity;
        second = Infinity;
        bestJ = 0;
        // A sum of finite distances is finite (they are far below 1e308): one test for all.
        let total = 0;
        for (let j = 0; j < k; j++) {
          const dist = x - 2 * source[offset + j] + cn[j];
          if (dist < best) {
            second = best;
            best = dist;
            bestJ = j;
          } else if (dist < second) {
            second = dist;
          }
          total += dist;
          if (elkan) dots[j] = dist;
        }
        if (pass === 1) break;
        // |float32 distance - Lloyd's computed distance| <= slack, per centre.
        slack = 2 * (approxRelative * roots[i] * cmax + approxAbsolute) + 3 * delta;
        if (Number.isFinite(total) && second - best > 2 * slack) break;
        kernel.rowsCentres(i, 1, exactRow);
        recomputed++;
        source = exactRow;
        offset = 0;
        slack = 0;
      }
      if (this.first || labels[i] !== bestJ) changed++;
      labels[i] = bestJ;
      if (buildSums) {
        // First pass: start the sums while the row is still in the cache (exact: order-free).
        this.sums.addRow(this.values, i, bestJ, 1);
        this.summed[i] = bestJ;
      }
      if (mode === 'none') continue;
      upper[i] = Math.sqrt(Math.max(best + slack + delta, 0));
      if (mode === 'hamerly') {
        lower[i] = Math.sqrt(Math.max(second - slack - delta, 0));
      } else {
        const row = i * k;
        for (let j = 0; j < k; j++) lower[row + j] = Math.sqrt(Math.max(dots[j] - slack - delta, 0));
      }
    }
    this.stats.distanceEvaluations += n * k + recomputed * k;
    this.stats.approximateRecomputed = (this.stats.approximateRecomputed ?? 0) + recomputed;
    return changed;
  }

  /** Distances between the current centres, and half the distance of each to its nearest other. */
  private centreDistances(): void {
    const { k, d, centres, cc, half } = this;
    half.fill(Infinity);
    for (let a = 0; a < k; a++) {
      cc[a * k + a] = 0;
      for (let b = a + 1; b < k; b++) {
        let s = 0;
        for (let t = 0; t < d; t++) {
          const diff = centres[a * d + t] - centres[b * d + t];
          s += diff * diff;
        }
        // Shrunk by a relative 1e-12: rounding of this float64 sum must never inflate a bound.
        const dist = Math.sqrt(s) * (1 - 1e-12);
        cc[a * k + b] = dist;
        cc[b * k + a] = dist;
        if (dist < 2 * half[a]) half[a] = dist / 2;
        if (dist < 2 * half[b]) half[b] = dist / 2;
      }
    }
  }

  private assignHamerly(): number {
    const { kernel, n, k, xn, cn, dots, labels, upper, lower, drift, half, roots, marginFactor, errorFactor } = this;
    // Largest and second largest drift: a row's lower bound drops by the largest drift among
    // the centres it is not assigned to.
    let top = 0;
    let topJ = -1;
    let runnerUp = 0;
    for (let j = 0; j < k; j++) {
      if (drift[j] > top) {
        runnerUp = top;
        top = drift[j];
        topJ = j;
      } else if (drift[j] > runnerUp) {
        runnerUp = drift[j];
      }
    }
    const cmax = Math.sqrt(max(cn));
    let changed = 0;
    let evaluations = 0;
    for (let i = 0; i < n; i++) {
      const a = labels[i];
      let u = upper[i] + drift[a];
      const l = lower[i] - (a === topJ ? runnerUp : top);
      const scale = roots[i] + cmax;
      const margin = marginFactor * scale;
      let bound = Math.max(l, 2 * half[a] - u);
      if (bound - u > margin) {
        upper[i] = u;
        lower[i] = l;
        continue;
      }
      const delta = errorFactor * scale * scale;
      const x = xn[i];
      // Tighten the upper bound with the one distance to the assigned centre.
      const da = x - 2 * kernel.rowCentre(i, a) + cn[a];
      evaluations++;
      u = Math.sqrt(Math.max(da + delta, 0));
      bound = Math.max(l, 2 * half[a] - u);
      if (bound - u > margin) {
        upper[i] = u;
        lower[i] = l;
        continue;
      }
      kernel.rowsCentres(i, 1, dots);
      evaluations += k;
      let best = Infinity;
      let second = Infinity;
      let bestJ = 0;
      for (let j = 0; j < k; j++) {
        const dist = x - 2 * dots[j] + cn[j];
        if (dist < best) {
          second = best;
          best = dist;
          bestJ = j;
        } else if (dist < second) {
          second = dist;
        }
      }
      if (bestJ !== a) changed++;
      labels[i] = bestJ;
      upper[i] = Math.sqrt(Math.max(best + delta, 0));
      lower[i] = Math.sqrt(Math.max(second - delta, 0));
    }
    this.stats.distanceEvaluations += evaluations;
    return changed;
  }

  /**
   * Elkan, batched over ELKAN_BATCH rows: per row, the centres whose lower bound does not clear
   * the upper bound are candidates. The distances to the assigned centres of the rows with
   * candidates are computed first (tightening their upper bounds), then those to the
   * candidates that still do not clear, all as (row, centre) pairs 4 at a time. A row with
   * every other centre a candidate gets all k at once. A centre that did not move keeps its
   * bounds, so it costs nothing once they are tight.
   */
  private assignElkan(): number {
    const { kernel, n, k, xn, cn, labels, upper, lower, drift, half, cc, roots, marginFactor, errorFactor } = this;
    const { pairRow, pairCentre, pairDot, rowBest, rowBestDist } = this.batch;
    const cmax = Math.sqrt(max(cn));
    const approxRelative = approxDotError(this.d);
    const approxAbsolute = approxDotAbsolute(this.d);
    let changed = 0;
    let evaluations = 0;
    let recomputed = 0;
    for (let i0 = 0; i0 < n; i0 += ELKAN_BATCH) {
      const i1 = Math.min(n, i0 + ELKAN_BATCH);
      // A: loosen the bounds by the drifts; rows with candidates queue their assigned centre
      // (or, when nothing is pruned, every centre).
      let tightens = 0;
      for (let i = i0; i < i1; i++) {
        const row = i * k;
        for (let j = 0; j < k; j++) lower[row + j] -= drift[j];
        const a = labels[i];
        const u = upper[i] + drift[a];
        upper[i] = u;
        rowBest[i - i0] = -1;
        const margin = marginFactor * (roots[i] + cmax);
        // d(x, c_j) >= ||c_a - c_j|| - d(x, c_a) >= 2 * half[a] - u for every j != a.
        if (2 * half[a] - u - u > margin) continue;
        let m = 0;
        const ca = a * k;
        for (let j = 0; j < k; j++) {
          if (j !== a && !(lower[row + j] - u > margin || cc[ca + j] - u - u > margin)) m++;
        }
        if (m === 0) continue;
        pairRow[tightens] = i;
        pairCentre[tightens] = m === k - 1 ? -1 : a; // -1: all centres, below
        tightens++;
      }
      // B: tighten; queue the candidates that survive, and the all-centre rows.
      let count = 0;
      const tightRows = this.batch.tightRow;
      const tightCentres = this.batch.tightCentre;
      let compute = 0;
      for (let q = 0; q < tightens; q++) {
        if (pairCentre[q] < 0) continue;
        tightRows[compute] = pairRow[q];
        tightCentres[compute] = pairCentre[q];
        compute++;
      }
      kernel.pairDots(tightRows, tightCentres, compute, this.batch.tightDot);
      evaluations += compute;
      let t = 0;
      const queueRow = this.batch.queueRow;
      const queueCentre = this.batch.queueCentre;
      for (let q = 0; q < tightens; q++) {
        const i = pairRow[q];
        const row = i * k;
        const a = labels[i];
        const scale = roots[i] + cmax;
        if (pairCentre[q] < 0) {
          rowBest[i - i0] = k; // any centre beats "none yet"
          rowBestDist[i - i0] = Infinity;
          for (let j = 0; j < k; j++) {
            queueRow[count] = i;
            queueCentre[count] = j;
            count++;
          }
          continue;
        }
        const margin = marginFactor * scale;
        const delta = errorFactor * scale * scale;
        const da = xn[i] - 2 * this.batch.tightDot[t++] + cn[a];
        const u = Math.sqrt(Math.max(da + delta, 0));
        upper[i] = u;
        lower[row + a] = Math.sqrt(Math.max(da - delta, 0));
        rowBest[i - i0] = a;
        rowBestDist[i - i0] = da;
        const ca = a * k;
        for (let j = 0; j < k; j++) {
          if (j === a || lower[row + j] - u > margin || cc[ca + j] - u - u > margin) continue;
          queueRow[count] = i;
          queueCentre[count] = j;
          count++;
        }
      }
      const approx = kernel.approxPairDots !== undefined;
      if (approx) kernel.approxPairDots!(queueRow, queueCentre, count, pairDot);
      else kernel.pairDots(queueRow, queueCentre, count, pairDot);
      evaluations += count;
      // C: nearest among the computed (ties to the lowest index, as Lloyd), new bounds. With
      // float32 values (each within `slack` of Lloyd's) a row is decided only when the winner
      // is clear by more than the slack; otherwise its candidates are recomputed exactly.
      for (let q = 0; q < count; ) {
        const i = queueRow[q];
        const row = i * k;
        const scale = roots[i] + cmax;
        const delta = errorFactor * scale * scale;
        const x = xn[i];
        const start = q;
        while (q < count && queueRow[q] === i) q++;
        let best = rowBest[i - i0];
        let bestDist = rowBestDist[i - i0];
        let bestSlack = 0;
        let exact = !approx;
        if (approx) {
          const slack = 2 * (approxRelative * roots[i] * cmax + approxAbsolute) + 3 * delta;
          let first = Infinity;
          let second = Infinity;
          let firstJ = -1;
          let total = 0;
          for (let u = start; u < q; u++) {
            const j = queueCentre[u];
            const dist = x - 2 * pairDot[u] + cn[j];
            total += dist;
            lower[row + j] = Math.sqrt(Math.max(dist - slack - delta, 0));
            if (dist < first) {
              second = first;
              first = dist;
              firstJ = j;
            } else if (dist < second) {
              second = dist;
            }
          }
          const clear = Number.isFinite(total) && first + slack < second - slack;
          if (best < k && Number.isFinite(total) && first - slack > bestDist) {
            // The assigned centre (exact) beats every candidate.
          } else if (clear && first + slack < bestDist) {
            best = firstJ;
            bestDist = first;
            bestSlack = slack;
          } else {
            exact = true;
            recomputed++;
          }
        }
        if (exact) {
          if (approx) {
            kernel.pairDots(queueRow.subarray(start, q), queueCentre.subarray(start, q), q - start, pairDot.subarray(start, q));
            evaluations += q - start;
          }
          for (let u = start; u < q; u++) {
            const j = queueCentre[u];
            const dist = x - 2 * pairDot[u] + cn[j];
            lower[row + j] = Math.sqrt(Math.max(dist - delta, 0));
            if (dist < bestDist || (dist === bestDist && j < best)) {
              best = j;
              bestDist = dist;
            }
          }
        }
        rowBest[i - i0] = best;
        rowBestDist[i - i0] = bestDist;
        upper[i] = Math.sqrt(Math.max(bestDist + bestSlack + delta, 0));
      }
      for (let i = i0; i < i1; i++) {
        const best = rowBest[i - i0];
        if (best >= 0 && best !== labels[i]) {
          labels[i] = best;
          changed++;
        }
      }
    }
    this.stats.distanceEvaluations += evaluations;
    this.stats.approximateRecomputed = (this.stats.approximateRecomputed ?? 0) + recomputed;
    return changed;
  }

  /**
   * Update step: bring the sums up to the new labels, relocate rows into empty clusters, new
   * centres into place, drift per centre for the bounds. Reports the inertia of the assignment
   * just made (from the sums: ||x||^2 - 2 c.S + n ||c||^2 per cluster) and returns the squared
   * centre shift.
   */
  update(report: (inertia: number) => void): number {
    const { k, d, sums, labels } = this;
    this.syncSums();
    report(Math.max(this.expandedInertia(this.centres), 0));
    const empty: number[] = [];
    for (let j = 0; j < k; j++) if (sums.counts[j] === 0) empty.push(j);
    if (empty.length > 0) {
      // As scikit-learn's _relocate_empty_clusters_dense: the rows farthest from their centre,
      // farthest first, each moved out of its old cluster.
      const minDist = this.distancesToAssigned();
      const far = Array.from({ length: this.n }, (_, i) => i)
        .sort((a, b) => minDist[b] - minDist[a] || a - b)
        .slice(0, empty.length);
      empty.forEach((target, e) => {
        const row = far[e];
        sums.addRow(this.values, row, labels[row], -1);
        sums.setRow(this.values, row, target);
        this.summed[row] = target;
      });
    }
    sums.means(this.next, this.centres);
    let shift = 0;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) {
        const diff = this.next[j * d + t] - this.centres[j * d + t];
        s += diff * diff;
      }
      shift += s;
      // Inflated by a relative 1e-12 so that rounding never makes a bound too tight.
      this.drift[j] = Math.sqrt(s) * (1 + 1e-12);
    }
    [this.centres, this.next] = [this.next, this.centres];
    return shift;
  }

  /** Make the sums those of the current labels: move the rows whose cluster changed. */
  private syncSums(): void {
    const { sums, labels, summed, values, n } = this;
    if (!this.exact) {
      // Sums could lose bits: rebuild in row order every time (deterministic, same in every mode).
      sums.clear();
      for (let i = 0; i < n; i++) {
        sums.addRow(values, i, labels[i], 1);
        summed[i] = labels[i];
      }
      return;
    }
    for (let i = 0; i < n; i++) {
      const j = labels[i];
      const was = summed[i];
      if (j === was) continue;
      if (was >= 0) sums.addRow(values, i, was, -1);
      sums.addRow(values, i, j, 1);
      summed[i] = j;
    }
    sums.renormalise();
  }

  /** Squared distance of every row to its assigned centre, as the full pass computes it (clamped at 0). */
  private distancesToAssigned(): Float64Array {
    const { kernel, n, xn, cn, labels } = this;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const a = labels[i];
      const dist = xn[i] - 2 * kernel.rowCentre(i, a) + cn[a];
      out[i] = dist > 0 ? dist : 0;
    }
    this.stats.distanceEvaluations += n;
    return out;
  }

  /**
   * Sum over clusters of sum ||x||^2 - 2 c.S + count ||c||^2, for the labels the sums hold. The
   * per-cluster terms are added smallest first, so that the same partition under another
   * numbering of the clusters (two k-means++ starts that found the same optimum) gives the same
   * value to the last bit and the first run stays the best, as with a direct sum over rows.
   */
  private expandedInertia(centres: Float64Array): number {
    const { k, d, sums, xn } = this;
    let total = 0;
    for (let i = 0; i < xn.length; i++) total += xn[i];
    const terms: number[] = [];
    for (let j = 0; j < k; j++) {
      const count = sums.counts[j];
      if (count === 0) continue;
      let dot = 0;
      let norm = 0;
      for (let t = 0; t < d; t++) {
        const c = centres[j * d + t];
        dot += c * sums.value(j, t);
        norm += c * c;
      }
      terms.push(count * norm - 2 * dot);
    }
    terms.sort((a, b) => a - b);
    for (const term of terms) total += term;
    return total;
  }

  /**
   * Inertia of the final labels and centres. From the exact sums when that cannot lose more
   * than ~1e-10 of it (the expansion cancels when points sit far from the origin relative to
   * their spread); otherwise directly, sum ||x - c||^2.
   */
  inertia(): number {
    this.syncSums();
    let norms = 0;
    for (let i = 0; i < this.n; i++) norms += this.xn[i];
    const expanded = this.expandedInertia(this.centres);
    if (expanded >= 1e-4 * norms) return expanded;
    const { values, n, d, centres, labels } = this;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const cb = labels[i] * d;
      const base = i * d;
      for (let t = 0; t < d; t++) {
        const diff = values[base + t] - centres[cb + t];
        total += diff * diff;
      }
    }
    return total;
  }
}

function max(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > m) m = a[i];
  return m;
}
