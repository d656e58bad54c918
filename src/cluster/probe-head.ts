/**
 * Linear probe head: multinomial logistic (softmax) regression on the learner's unit feature
 * vectors, for single-choice controls, with its scores calibrated by temperature scaling.
 *
 * Why a probe: kNN needs several labels per class before its vote means anything, and cluster
 * voting can only say as many things as there are clusters; a linear classifier on a pretrained
 * network's features is the usual few-shot learner, and on real plankton (bench/quality.ts) it
 * beats both from one label per class.
 *
 * How it trains, cheaply: with m labelled vectors u_i (unit length) and L2 regularisation, the
 * weights stay in the span of the examples, W = A^T U, so gradient descent on W is gradient
 * descent on the m x L coefficients A using only the m x m similarity matrix K = U U^T (which
 * the learner computes anyway for kNN): O(m^2 L) per step instead of O(m d L). Nesterov's
 * accelerated gradient, fixed step (the loss is (1 + lambda)-smooth for unit vectors), fixed
 * iteration count: deterministic, no tuning per call. The weights are then expanded once to
 * [L x d] for prediction and storage (ControlState.probe).
 *
 * Calibration: the softmax of a regularised probe is over- or under-confident depending on m;
 * one temperature T, fitted on out-of-fold logits by minimising their negative log-likelihood,
 * is folded into the stored weights (W / T, b / T), so a score of 0.8 means right ~8 times in 10
 * on data like the labelled set.
 */

/** Training settings; defaults in PROBE_DEFAULTS. */
export interface ProbeOptions {
  /** L2 regularisation strength on W (per example-averaged loss). */
  lambda: number;
  /** Gradient steps. */
  iterations: number;
  /** Folds of the cross-validation that measures accuracy and fits the temperature. */
  folds: number;
}

export const PROBE_DEFAULTS: Readonly<ProbeOptions> = Object.freeze({ lambda: 1e-3, iterations: 50, folds: 3 });

/** Trained probe in kernel form: logits(x) = sum_j sim(x, u_j) A[j] + b. */
interface KernelProbe {
  /** m x L coefficients, row-major. */
  a: Float64Array;
  bias: Float64Array;
}

/** Stored probe: [L x d] row-major weights and L biases, temperature already folded in. */
export interface ProbeWeights {
  weights: Float32Array;
  bias: Float32Array;
}

function softmaxInPlace(z: Float64Array, offset: number, L: number): void {
  let max = -Infinity;
  for (let l = 0; l < L; l++) max = Math.max(max, z[offset + l]);
  let sum = 0;
  for (let l = 0; l < L; l++) {
    const e = Math.exp(z[offset + l] - max);
    z[offset + l] = e;
    sum += e;
  }
  for (let l = 0; l < L; l++) z[offset + l] /= sum;
}

/**
 * Trains on the examples `rows` (indices into the similarity matrix `sim`, `size` x `size`)
 * with labels `y` (0..L-1).
 */
function trainKernel(sim: Float32Array, size: number, rows: readonly number[], y: readonly number[], L: number, opts: ProbeOptions): KernelProbe {
  const m = rows.length;
  const a = new Float64Array(m * L);
  const bias = new Float64Array(L);
  // Nesterov: look-ahead point (va, vb) and previous iterate.
  let prevA = new Float64Array(m * L);
  let prevB = new Float64Array(L);
  const va = new Float64Array(m * L);
  const vb = new Float64Array(L);
  const z = new Float64Array(m * L);
  const step = 1 / (1 + opts.lambda);
  for (let t = 1; t <= opts.iterations; t++) {
    // logits at the look-ahead point
    z.fill(0);
    for (let i = 0; i < m; i++) {
      const ri = rows[i] * size;
      for (let j = 0; j < m; j++) {
        const k = sim[ri + rows[j]];
        if (k === 0) continue;
        for (let l = 0; l < L; l++) z[i * L + l] += k * va[j * L + l];
      }
      for (let l = 0; l < L; l++) z[i * L + l] += vb[l];
      softmaxInPlace(z, i * L, L);
      z[i * L + y[i]] -= 1; // z is now P - Y
    }
    // gradient step in W-space expressed on A: A <- (1 - step*lambda) A - step * G, G = (P - Y) / m
    const decay = 1 - step * opts.lambda;
    const nextA = new Float64Array(m * L);
    const nextB = new Float64Array(L);
    for (let i = 0; i < m * L; i++) nextA[i] = decay * va[i] - (step * z[i]) / m;
    for (let l = 0; l < L; l++) {
      let g = 0;
      for (let i = 0; i < m; i++) g += z[i * L + l];
      nextB[l] = vb[l] - (step * g) / m;
    }
    const momentum = (t - 1) / (t + 2);
    for (let i = 0; i < m * L; i++) va[i] = nextA[i] + momentum * (nextA[i] - prevA[i]);
    for (let l = 0; l < L; l++) vb[l] = nextB[l] + momentum * (nextB[l] - prevB[l]);
    prevA = nextA;
    prevB = nextB;
  }
  a.set(prevA);
  bias.set(prevB);
  return { a, bias };
}

/** Logits of example `row` (a row of `sim`) under a kernel probe trained on `trainRows`. */
function kernelLogits(p: KernelProbe, sim: Float32Array, size: number, trainRows: readonly number[], row: number, L: number): Float64Array {
  const z = Float64Array.from(p.bias);
  for (let j = 0; j < trainRows.length; j++) {
    const k = sim[row * size + trainRows[j]];
    for (let l = 0; l < L; l++) z[l] += k * p.a[j * L + l];
  }
  return z;
}

/** Mean negative log-likelihood of the true labels under softmax(logits / T). */
function nll(logits: readonly Float64Array[], y: readonly number[], T: number): number {
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    const z = logits[i];
    let max = -Infinity;
    for (const v of z) max = Math.max(max, v / T);
    let sum = 0;
    for (const v of z) sum += Math.exp(v / T - max);
    total += Math.log(sum) + max - z[y[i]] / T;
  }
  return total / logits.length;
}

/** Temperature minimising the NLL of out-of-fold logits: golden-section search on log T in [-3, 3]. */
export function fitTemperature(logits: readonly Float64Array[], y: readonly number[]): number {
  if (logits.length === 0) return 1;
  let lo = -3;
  let hi = 3;
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - g * (hi - lo);
  let x2 = lo + g * (hi - lo);
  let f1 = nll(logits, y, Math.exp(x1));
  let f2 = nll(logits, y, Math.exp(x2));
  for (let it = 0; it < 40; it++) {
    if (f1 <= f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - g * (hi - lo);
      f1 = nll(logits, y, Math.exp(x1));
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + g * (hi - lo);
      f2 = nll(logits, y, Math.exp(x2));
    }
  }
  return Math.exp((lo + hi) / 2);
}

/** Result of fitting a probe for one control. */
export interface ProbeFit {
  /** Cross-validated accuracy (fraction of held-out examples whose top label is right). */
  accuracy: number;
  /** Calibrated weights trained on all examples. */
  probe: ProbeWeights;
  temperature: number;
}

/**
 * Cross-validates, calibrates and trains a probe for a single-choice control.
 * @param units unit feature vectors of the whole labelled set (rows of `sim`), d wide.
 * @param rows the examples of this control (indices into `units`), with labels `y`.
 * @param sim cosine similarities of all labelled items, `size` x `size`, row-major.
 * Folds are assigned round-robin per label (every label spread over the folds), so the result
 * depends only on the examples' order. Cost: (folds + 1) trainings of O(iterations m^2 L).
 */
export function fitProbe(
  units: readonly Float32Array[],
  rows: readonly number[],
  y: readonly number[],
  L: number,
  sim: Float32Array,
  size: number,
  opts: ProbeOptions = PROBE_DEFAULTS,
): ProbeFit {
  const m = rows.length;
  const fold = new Int32Array(m);
  const seen = new Array<number>(L).fill(0);
  for (let i = 0; i < m; i++) fold[i] = seen[y[i]]++ % opts.folds;
  const held: Float64Array[] = [];
  const heldY: number[] = [];
  let right = 0;
  for (let f = 0; f < opts.folds; f++) {
    const train: number[] = [];
    const trainY: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < m; i++) {
      if (fold[i] === f) test.push(i);
      else {
        train.push(rows[i]);
        trainY.push(y[i]);
      }
    }
    if (test.length === 0 || train.length === 0) continue;
    const p = trainKernel(sim, size, train, trainY, L, opts);
    for (const i of test) {
      const z = kernelLogits(p, sim, size, train, rows[i], L);
      let best = 0;
      for (let l = 1; l < L; l++) if (z[l] > z[best]) best = l;
      if (best === y[i]) right++;
      held.push(z);
      heldY.push(y[i]);
    }
  }
  const temperature = fitTemperature(held, heldY);
  const full = trainKernel(sim, size, rows, y, L, opts);
  const d = units[0]?.length ?? 0;
  const weights = new Float32Array(L * d);
  for (let j = 0; j < m; j++) {
    const u = units[rows[j]];
    for (let l = 0; l < L; l++) {
      const c = full.a[j * L + l] / temperature;
      if (c === 0) continue;
      const w = l * d;
      for (let k = 0; k < d; k++) weights[w + k] += c * u[k];
    }
  }
  const bias = Float32Array.from(full.bias, (b) => b / temperature);
  return { accuracy: held.length ? right / held.length : 0, probe: { weights, bias }, temperature };
}

/** Label probabilities of a unit feature vector under a stored probe. */
export function probeProbabilities(probe: ProbeWeights, unit: Float32Array): Float64Array {
  const L = probe.bias.length;
  const d = unit.length;
  const z = new Float64Array(L);
  for (let l = 0; l < L; l++) {
    let s = probe.bias[l];
    const w = l * d;
    for (let k = 0; k < d; k++) s += probe.weights[w + k] * unit[k];
    z[l] = s;
  }
  softmaxInPlace(z, 0, L);
  return z;
}
