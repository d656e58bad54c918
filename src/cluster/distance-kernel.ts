import { ClusterSums } from './cluster-sums.ts';
import type { DataScan, DotKernel } from './distance-wasm.ts';

/**
 * The dot-product kernels behind every squared distance the TypeScript k-means computes
 * (||x||^2 - 2 x.c + ||c||^2). One fixed summation order per (row, centre) pair: two float64
 * lanes, even and odd columns, added at the end (an odd last column goes to the even lane).
 * `dotRowCentres` (all centres, 4 at a time so each x value is loaded once per 4 centres) and
 * `dotRowCentre` (one centre) therefore return bit-identical values for the same pair, which is
 * what lets the pruned k-means (kmeans-ts-run.ts) recompute one distance and still agree
 * exactly with a full pass.
 *
 * Precision: float32 data times float64 centres, products and sums in float64 (JavaScript has
 * no fused multiply-add, so the order above fully determines the result). The rounding error of
 * a squared distance is at most `distanceErrorFactor(d) * (||x|| + ||c||)^2`.
 * Cost: about 1.5 GMAC/s in V8 on one core for 4-centre blocks (the naive one-centre loop ~1).
 */

/** Dot products of row `x[a .. a+d)` with every centre (k x d row-major) into `out[0 .. k)`. */
export function dotRowCentres(x: Float32Array, a: number, centres: Float64Array, k: number, d: number, out: Float64Array): void {
  let j = 0;
  for (; j + 3 < k; j += 4) dot4(x, a, centres, j * d, (j + 1) * d, (j + 2) * d, (j + 3) * d, d, out, j, j + 1, j + 2, j + 3);
  if (j + 1 < k) {
    dot2(x, a, centres, j * d, (j + 1) * d, d, out, j, j + 1);
    j += 2;
  }
  if (j < k) out[j] = dotRowCentre(x, a, centres, j * d, d);
}

/**
 * Dot products of row `x[a .. a+d)` with the centres listed in `which[0 .. m)`, into
 * `out[which[q]]` (4 at a time as dotRowCentres, same values).
 */
export function dotRowCentresAt(
  x: Float32Array,
  a: number,
  centres: Float64Array,
  d: number,
  which: Int32Array,
  m: number,
  out: Float64Array,
): void {
  let q = 0;
  for (; q + 3 < m; q += 4) {
    const j0 = which[q];
    const j1 = which[q + 1];
    const j2 = which[q + 2];
    const j3 = which[q + 3];
    dot4(x, a, centres, j0 * d, j1 * d, j2 * d, j3 * d, d, out, j0, j1, j2, j3);
  }
  if (q + 1 < m) {
    const j0 = which[q];
    const j1 = which[q + 1];
    dot2(x, a, centres, j0 * d, j1 * d, d, out, j0, j1);
    q += 2;
  }
  if (q < m) out[which[q]] = dotRowCentre(x, a, centres, which[q] * d, d);
}

/** Dot product of row `x[a .. a+d)` with `c[b .. b+d)`; same order as dotRowCentres. */
export function dotRowCentre(x: Float32Array, a: number, c: Float64Array, b: number, d: number): number {
  let s = 0;
  let r = 0;
  let t = 0;
  for (; t + 1 < d; t += 2) {
    s += x[a + t] * c[b + t];
    r += x[a + t + 1] * c[b + t + 1];
  }
  if (t < d) s += x[a + t] * c[b + t];
  return s + r;
}

/**
 * dotRowCentre for any array types (same order, same result for the same values). Kept apart so
 * that the hot kernels above stay monomorphic (V8 specialises them on Float32Array x Float64Array).
 */
export function dotRowCentreAny(x: ArrayLike<number>, a: number, c: ArrayLike<number>, b: number, d: number): number {
  let s = 0;
  let r = 0;
  let t = 0;
  for (; t + 1 < d; t += 2) {
    s += x[a + t] * c[b + t];
    r += x[a + t + 1] * c[b + t + 1];
  }
  if (t < d) s += x[a + t] * c[b + t];
  return s + r;
}

function dot4(
  x: Float32Array,
  a: number,
  c: Float64Array,
  b0: number,
  b1: number,
  b2: number,
  b3: number,
  d: number,
  out: Float64Array,
  o0: number,
  o1: number,
  o2: number,
  o3: number,
): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let r0 = 0;
  let r1 = 0;
  let r2 = 0;
  let r3 = 0;
  let t = 0;
  for (; t + 1 < d; t += 2) {
    const v = x[a + t];
    const w = x[a + t + 1];
    s0 += v * c[b0 + t];
    s1 += v * c[b1 + t];
    s2 += v * c[b2 + t];
    s3 += v * c[b3 + t];
    r0 += w * c[b0 + t + 1];
    r1 += w * c[b1 + t + 1];
    r2 += w * c[b2 + t + 1];
    r3 += w * c[b3 + t + 1];
  }
  if (t < d) {
    const v = x[a + t];
    s0 += v * c[b0 + t];
    s1 += v * c[b1 + t];
    s2 += v * c[b2 + t];
    s3 += v * c[b3 + t];
  }
  out[o0] = s0 + r0;
  out[o1] = s1 + r1;
  out[o2] = s2 + r2;
  out[o3] = s3 + r3;
}

function dot2(x: Float32Array, a: number, c: Float64Array, b0: number, b1: number, d: number, out: Float64Array, o0: number, o1: number): void {
  let s0 = 0;
  let s1 = 0;
  let r0 = 0;
  let r1 = 0;
  let t = 0;
  for (; t + 1 < d; t += 2) {
    const v = x[a + t];
    const w = x[a + t + 1];
    s0 += v * c[b0 + t];
    s1 += v * c[b1 + t];
    r0 += w * c[b0 + t + 1];
    r1 += w * c[b1 + t + 1];
  }
  if (t < d) {
    const v = x[a + t];
    s0 += v * c[b0 + t];
    s1 += v * c[b1 + t];
  }
  out[o0] = s0 + r0;
  out[o1] = s1 + r1;
}

/**
 * Bound on the relative rounding error of a squared distance from the expansion: computed and
 * true value differ by at most `distanceErrorFactor(d) * (||x|| + ||c||)^2`. (Each of ||x||^2,
 * x.c and ||c||^2 is a float64 sum of at most d rounded products, error <= d * 2^-53 of the sum
 * of magnitudes; two more roundings combine them.) Deliberately generous: it only widens the
 * band of points the pruned k-means recomputes instead of skipping.
 */
export function distanceErrorFactor(d: number): number {
  return (d + 16) * 2 ** -52;
}

/** DotKernel (distance-wasm.ts) on the TypeScript functions above: the fallback, and the reference. */
export function createTsKernel(values: Float32Array, n: number, d: number): DotKernel {
  let centres: Float64Array = new Float64Array(0);
  let k = 0;
  return {
    kind: 'ts',
    reserve() {},
    setCentres(source, count) {
      centres = source;
      k = count;
    },
    rowsCentres(i0, rows, out) {
      for (let r = 0; r < rows; r++) dotRowCentres(values, (i0 + r) * d, centres, k, d, r === 0 ? out : out.subarray(r * k, r * k + k));
    },
    rowCentresAt(i, which, m, out) {
      dotRowCentresAt(values, i * d, centres, d, which, m, out);
    },
    rowCentre(i, j) {
      return dotRowCentre(values, i * d, centres, j * d, d);
    },
    pairDots(rows, cs, count, out) {
      for (let q = 0; q < count; q++) out[q] = dotRowCentre(values, rows[q] * d, centres, cs[q] * d, d);
    },
    scan() {
      return scanValues(values, n, d);
    },
    clusterSums(count) {
      return new ClusterSums(count, d);
    },
    dispose() {
      centres = new Float64Array(0);
    },
  };
}

/**
 * DotKernel.scan in TypeScript: row norms in two lanes (even, odd columns; the order the
 * WebAssembly scan uses, so both give the same bits) and the |x| range as float32 bit patterns.
 */
export function scanValues(values: Float32Array, n: number, d: number): DataScan {
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const base = i * d;
    let sEven = 0;
    let sOdd = 0;
    let t = 0;
    for (; t + 1 < d; t += 2) {
      const v = values[base + t];
      const w = values[base + t + 1];
      sEven += v * v;
      sOdd += w * w;
    }
    if (t < d) sEven += values[base + t] * values[base + t];
    norms[i] = sEven + sOdd;
  }
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  let maxBits = 0;
  let minBits = 0x100000000;
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i] & 0x7fffffff;
    if (b > maxBits) maxBits = b;
    if (b !== 0 && b < minBits) minBits = b;
  }
  return { norms, maxBits, minBits: minBits > 0xffffffff ? 0 : minBits };
}
