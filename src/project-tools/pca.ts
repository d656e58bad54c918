/**
 * A 2-D projection of embeddings for the map: the first two principal components, found by
 * block power iteration on the covariance, which is never formed (d x d would cost n d^2):
 * each step is V ← Xcᵀ (Xc V), orthonormalised (Gram-Schmidt), O(n d) per component.
 *
 * The components are estimated on at most `maxRows` rows (an even stride through the data):
 * 5,000 rows describe a 512-d cloud's top directions well, and every row is then projected,
 * so a 50,000-task map costs ~0.1 G multiply-adds for the fit plus 50 M for the projection.
 *
 * Kept rather than ml-pca (issue 20 asked; measured 2026-12-04 in Node 20 on the 2-core VM,
 * seeded 5,000 x 512 cloud): ml-pca@4 (covariance + full eigendecomposition) gave the same two
 * components (|cos| = 1.000000, variances within 2e-4) in 25.8 s against 1.6 s here (15.8x
 * slower), and at 1,792 dimensions (the default model) did not finish in 4 minutes; it would
 * also add ml-matrix to the plugin bundle.
 */
import { createRng } from '../cluster/rng.ts';

export interface PcaOptions {
  /** Rows the components are estimated on (default 5000). */
  maxRows?: number;
  /** Power iterations (default 40; the top two directions of embedding clouds converge fast). */
  iterations?: number;
  /** Seed of the start vectors, so a map looks the same every time. */
  seed?: number;
}

export interface Pca2 {
  mean: Float32Array;
  /** Two unit-length, orthogonal components, row-major (2 x d). */
  components: Float32Array;
  /** Variance along each component (the eigenvalues), largest first. */
  variances: [number, number];
}

/** Fit the first two principal components of `n` rows of `d` values. */
export function fitPca2(data: Float32Array, n: number, d: number, options: PcaOptions = {}): Pca2 {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= Math.max(1, n);
  const maxRows = options.maxRows ?? 5000;
  const stride = Math.max(1, Math.ceil(n / maxRows));
  const rows: number[] = [];
  for (let i = 0; i < n; i += stride) rows.push(i);
  const m = rows.length;
  // Centred sample, packed.
  const x = new Float64Array(m * d);
  rows.forEach((row, r) => {
    for (let j = 0; j < d; j++) x[r * d + j] = data[row * d + j] - mean[j];
  });
  const rng = createRng(options.seed ?? 7);
  let v = [new Float64Array(d), new Float64Array(d)];
  for (const vec of v) for (let j = 0; j < d; j++) vec[j] = rng.normal();
  orthonormalise(v);
  const xv = new Float64Array(m);
  let variances: [number, number] = [0, 0];
  for (let it = 0; it < (options.iterations ?? 40); it++) {
    const next = [new Float64Array(d), new Float64Array(d)];
    for (let c = 0; c < 2; c++) {
      // xv = X v; next = Xᵀ xv / m: the covariance times v.
      for (let r = 0; r < m; r++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += x[r * d + j] * v[c][j];
        xv[r] = s;
      }
      const out = next[c];
      for (let r = 0; r < m; r++) {
        const s = xv[r];
        if (s === 0) continue;
        for (let j = 0; j < d; j++) out[j] += x[r * d + j] * s;
      }
      for (let j = 0; j < d; j++) out[j] /= Math.max(1, m);
    }
    // Rayleigh quotients before orthonormalising: v is unit length, so vᵀCv = v·next.
    variances = [dotF64(v[0], next[0]), dotF64(v[1], next[1])];
    orthonormalise(next);
    v = next;
  }
  const components = new Float32Array(2 * d);
  components.set(v[0], 0);
  components.set(v[1], d);
  return { mean: Float32Array.from(mean), components, variances };
}

/** Project every row on the two components: n x 2, row-major. */
export function projectPca2(pca: Pca2, data: Float32Array, n: number, d: number): Float32Array {
  const out = new Float32Array(2 * n);
  const { mean, components } = pca;
  for (let i = 0; i < n; i++) {
    let a = 0;
    let b = 0;
    for (let j = 0; j < d; j++) {
      const value = data[i * d + j] - mean[j];
      a += value * components[j];
      b += value * components[d + j];
    }
    out[2 * i] = a;
    out[2 * i + 1] = b;
  }
  return out;
}

function dotF64(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
}

/** Gram-Schmidt on two vectors, in place; a vanished vector is replaced by a unit axis. */
function orthonormalise(v: Float64Array[]): void {
  normaliseOrAxis(v[0], 0);
  const p = dotF64(v[0], v[1]);
  for (let j = 0; j < v[1].length; j++) v[1][j] -= p * v[0][j];
  normaliseOrAxis(v[1], 1);
}

function normaliseOrAxis(vec: Float64Array, axis: number): void {
  const norm = Math.sqrt(dotF64(vec, vec));
  if (norm > 1e-12) {
    for (let j = 0; j < vec.length; j++) vec[j] /= norm;
  } else {
    vec.fill(0);
    vec[Math.min(axis, vec.length - 1)] = 1;
  }
}
