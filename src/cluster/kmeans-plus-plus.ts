import type { Matrix } from './matrix.ts';
import type { Rng } from './rng.ts';

/**
 * Greedy k-means++ seeding, as scikit-learn does it (`_kmeans_plusplus`): the first centre is
 * a uniformly drawn point; each next one is the best (lowest total potential) of
 * `2 + floor(ln k)` candidates drawn with probability proportional to the squared distance to
 * the nearest centre chosen so far. Returns k x d centres (float64, copies of data rows).
 * Cost: about k * (2 + ln k) * n * d multiply-adds.
 *
 * When every remaining point coincides with a chosen centre (duplicates, k > distinct
 * points), the potential is 0 and the draw falls on the first point: the result then holds
 * duplicate centres, which Lloyd's empty-cluster relocation keeps harmless.
 */
export function kmeansPlusPlus(data: Matrix, k: number, rng: Rng): Float64Array {
  const { values, n, d } = data;
  const centres = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const closest = new Float64Array(n);
  const candidateDist = new Float64Array(trials * n);
  const cumulative = new Float64Array(n);

  const first = rng.int(n);
  copyRow(values, first, centres, 0, d);
  let potential = 0;
  for (let i = 0; i < n; i++) {
    closest[i] = squaredDistanceRows(values, i, values, first, d);
    potential += closest[i];
  }

  for (let c = 1; c < k; c++) {
    let running = 0;
    for (let i = 0; i < n; i++) {
      running += closest[i];
      cumulative[i] = running;
    }
    let bestPotential = Infinity;
    let bestCandidate = 0;
    let bestTrial = 0;
    for (let t = 0; t < trials; t++) {
      const candidate = Math.min(searchSorted(cumulative, rng.next() * potential), n - 1);
      let candidatePotential = 0;
      const offset = t * n;
      for (let i = 0; i < n; i++) {
        const dist = Math.min(closest[i], squaredDistanceRows(values, i, values, candidate, d));
        candidateDist[offset + i] = dist;
        candidatePotential += dist;
      }
      if (candidatePotential < bestPotential) {
        bestPotential = candidatePotential;
        bestCandidate = candidate;
        bestTrial = t;
      }
    }
    copyRow(values, bestCandidate, centres, c, d);
    closest.set(candidateDist.subarray(bestTrial * n, bestTrial * n + n));
    potential = bestPotential;
  }
  return centres;
}

/** First index i with sorted[i] >= value (numpy searchsorted, side 'left'). */
function searchSorted(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function copyRow(from: ArrayLike<number>, row: number, to: Float64Array, toRow: number, d: number): void {
  for (let t = 0; t < d; t++) to[toRow * d + t] = from[row * d + t];
}

function squaredDistanceRows(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, d: number): number {
  let s = 0;
  const ai = i * d;
  const bj = j * d;
  for (let t = 0; t < d; t++) {
    const diff = a[ai + t] - b[bj + t];
    s += diff * diff;
  }
  return s;
}
