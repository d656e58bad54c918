import { ClusterSums, twoSumInto } from './cluster-sums.ts';

/**
 * The k-means dot-product kernel in WebAssembly SIMD: ~3-4x the plain TypeScript loops (about
 * 4-6 GMAC/s on one core in V8 against 1.5) and bit-identical to them; plus float32
 * approximations (~11 GMAC/s) with a proven error bound, for callers that fall back to the
 * exact values where the bound could matter (kmeans-ts-run.ts).
 *
 * It earns its keep (issue 20 asked; measured 2026-12-04, bench `--only kmeans`, 2-core VM, no
 * GPU, Chromium 156, same pruned fits with and without it, same run): 1,000 x 512 k=5 6.1 vs
 * 29.6 ms (4.8x), 10,000 x 512 k=5 32 vs 217 ms (6.8x), k=10 39 vs 219 ms (5.7x), 50,000 x 512
 * k=5 186 vs 856 ms (4.6x), k=10 178 vs 1,044 ms (5.9x). A fit of the demo's size (~22 ms)
 * would take ~100 ms on the TypeScript kernel alone.
 *
 * Why identical: distance-kernel.ts sums each (row, centre) dot product in two float64 lanes,
 * even and odd columns, and adds the lanes at the end. Here one f64x2 accumulator per centre
 * holds exactly those two lanes: each step loads two float32 x values, widens them to f64x2
 * (exact), multiplies by two float64 centre values and adds, lane by lane, in the same column
 * order; IEEE-754 float64 arithmetic (wasm has no implicit fused multiply-add) then gives the
 * same bits. The lanes are added, and an odd last column folded into the even lane, in
 * TypeScript exactly as distance-kernel.ts does.
 *
 * The module is a few hundred bytes, emitted below rather than shipped as a .wasm file (no
 * build step, no fetch; works offline and in the single-file plugin bundle). In text form each
 * exported `dotN` (N = 4, 2, 1 centres) is:
 *
 *   (func (param $x i32) (param $c0 i32) ... (param $pairs i32) (param $out i32)
 *     (local $acc0 v128) ... (local $xv v128)
 *     (block (loop                                   ;; two column pairs per turn
 *       (br_if 1 (i32.lt_s (local.get $pairs) (i32.const 2)))
 *       (local.set $xv (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $x))))
 *       (local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.mul (local.get $xv) (v128.load (local.get $c0)))))
 *       ...  same at offset 8 (x) / 16 (c); advance $x by 16 and each $cj by 32; $pairs -= 2
 *       (br 0)))
 *     (block (loop ...one pair per turn while $pairs > 0...))
 *     (v128.store offset=0 (local.get $out) (local.get $acc0)) ...)
 *
 * The module also updates ClusterSums (TwoSum per column pair, same arithmetic as cluster-sums.ts),
 * scans the data once (row norms, value range, finiteness), and has float32 versions of the dot
 * products (f32x4 lanes over columns t mod 4, reduced to float64 in the module).
 *
 * Memory: the data are copied once into the module's memory (n*d*4 bytes, so a fit holds them
 * twice); centres are copied in per iteration (k*d*12 bytes with their float32 copy). A
 * disposed kernel's memory is kept (weakly) for the next kernel.
 *
 * Requires WebAssembly SIMD (Chrome 91+, Firefox 89+, Safari 16.4+, Node 16.4+) and a page
 * whose CSP allows compiling WebAssembly (as onnxruntime-web needs anyway); otherwise
 * createWasmKernel returns null and the TypeScript kernel runs, with the same results.
 */

/** A dot-product kernel bound to one data matrix: same results from TypeScript or WebAssembly. */
export interface DotKernel {
  readonly kind: 'wasm' | 'ts';
  /** Make room for k centres (and their sums); views from earlier calls stay valid only up to the k reserved then. */
  reserve(k: number): void;
  /** Use these centres (k x d row-major) for the calls that follow. */
  setCentres(centres: Float64Array, k: number): void;
  /** Dot products of rows i0 .. i0+rows-1 with every centre into out (rows x k row-major). */
  rowsCentres(i0: number, rows: number, out: Float64Array): void;
  /** Dot products of row i with the centres which[0 .. m) into out[which[q]]. */
  rowCentresAt(i: number, which: Int32Array, m: number, out: Float64Array): void;
  /** Dot product of row i with centre j. */
  rowCentre(i: number, j: number): number;
  /**
   * Optional fast approximation of rowsCentres (at most MAX_BLOCK_ROWS rows per call) (float32 centres and sums): each value within
   * approxDotError(d) * ||x|| * ||c|| + APPROX_DOT_ABSOLUTE(d) of the exact dot product. Callers use it
   * only where that error provably cannot change a label, and compute exactly otherwise.
   */
  approxRowsCentres?(i0: number, rows: number, out: Float64Array): void;
  /** Optional fast approximation of pairDots, same error bound as approxRowsCentres. */
  approxPairDots?(rows: Int32Array, centres: Int32Array, count: number, out: Float64Array): void;
  /** Dot products of the pairs (rows[q], centres[q]), q < count, into out[q]. */
  pairDots(rows: Int32Array, centres: Int32Array, count: number, out: Float64Array): void;
  /**
   * Once per data set: squared norm of every row (float64, two lanes: even and odd columns,
   * added at the end) and the largest and smallest nonzero |x| as float32 bit patterns
   * (minBits 0 when every value is 0; maxBits >= 0x7f800000 when some value is not finite).
   */
  scan(): DataScan;
  /** Exact per-cluster sums of the data rows (see cluster-sums.ts), computed by this kernel; all zero; replaces the previous ones. */
  clusterSums(k: number): ClusterSums;
  dispose(): void;
}

/**
 * Relative error bound of DotKernel.approxRowsCentres: float32 centres (relative rounding
 * 2^-24 each, so |x.(c - fl(c))| <= 2^-24 ||x|| ||c||) and four float32 lanes of ceil(d/4)
 * rounded products each (error <= (ceil(d/4) + 1) * 2^-24 * sum |x_t c_t| <= ... ||x|| ||c||),
 * combined in float64; generously rounded up.
 */
export function approxDotError(d: number): number {
  return (Math.ceil(d / 4) + 8) * 2 ** -23;
}

/** Absolute term of the same bound: products that underflow float32 lose up to 2^-149 each. */
export function approxDotAbsolute(d: number): number {
  return (d + 8) * 2 ** -126;
}

/** Most rows per approxRowsCentres call (its results go through a block of WebAssembly memory). */
export const MAX_BLOCK_ROWS = 64;

/** What DotKernel.scan finds. */
export interface DataScan {
  norms: Float64Array;
  maxBits: number;
  minBits: number;
}

const leb = (value: number): number[] => {
  const out: number[] = [];
  let n = value >>> 0;
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
const sleb = (value: number): number[] => {
  const out: number[] = [];
  let n = value | 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
};
const section = (id: number, bytes: number[]): number[] => [id, ...leb(bytes.length), ...bytes];
const vector = (items: number[][]): number[] => [...leb(items.length), ...items.flat()];
const name = (s: string): number[] => [...leb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

const I32 = 0x7f;
const V128 = 0x7b;
const localGet = (i: number): number[] => [0x20, ...leb(i)];
const localSet = (i: number): number[] => [0x21, ...leb(i)];
const i32Const = (v: number): number[] => [0x41, ...sleb(v)];
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_LT_S = 0x48;
const I32_EQZ = 0x45;
const simd = (op: number, ...immediates: number[]): number[] => [0xfd, ...leb(op), ...immediates];
const memarg = (alignLog2: number, offset: number): number[] => [...leb(alignLog2), ...leb(offset)];
const V128_LOAD = 0x00;
const V128_STORE = 0x0b;
const V128_LOAD64_ZERO = 0x5d;
const F64X2_PROMOTE_LOW_F32X4 = 0x5f;
const F64X2_ADD = 0xf0;
const F64X2_MUL = 0xf2;
const F64X2_SUB = 0xf1;
const F64X2_NEG = 0xed;
const V128_CONST = 0x0c;
const V128_AND = 0x4e;
const I32X4_SUB = 0xb1;
const I32X4_MIN_U = 0xb7;
const I32X4_MAX_U = 0xb9;
const F32X4_ADD = 0xe4;
const I8X16_SHUFFLE = 0x0d;
const F64X2_EXTRACT_LANE = 0x21;
const F64_ADD = 0xa0;
const F64_STORE = 0x39;
const F32X4_MUL = 0xe6;

/**
 * Body of a dot-product function over `rows` rows and `n` centres: params x0..x(rows-1),
 * c0..c(n-1), pairs, out; one f64x2 accumulator per (row, centre), stored row-major at out
 * (row r, centre j at byte 16 * (r * n + j)). See the text form above.
 * With `float32`: float32 centres and f32x4 accumulators (four lanes, columns t mod 4), `pairs`
 * counting groups of four columns: the approximate pass (see DotKernel.approxRowsCentres).
 */
function dotFunction(rows: number, n: number, float32 = false): { params: number; body: number[] } {
  const x = (r: number): number => r;
  const c = (j: number): number => rows + j;
  const pairs = rows + n;
  const out = rows + n + 1;
  // float32 only: byte distance between the float64 results of successive accumulators.
  const stride = rows + n + 2;
  const first = float32 ? rows + n + 3 : rows + n + 2;
  const acc = (r: number, j: number): number => first + r * n + j;
  const xv = (r: number): number => first + rows * n + r;
  const code: number[] = [];
  const step = (pair: number): void => {
    for (let r = 0; r < rows; r++) {
      if (float32) code.push(...localGet(x(r)), ...simd(V128_LOAD, ...memarg(2, 16 * pair)), ...localSet(xv(r)));
      else code.push(...localGet(x(r)), ...simd(V128_LOAD64_ZERO, ...memarg(3, 8 * pair)), ...simd(F64X2_PROMOTE_LOW_F32X4), ...localSet(xv(r)));
    }
    const [mul, add] = float32 ? [F32X4_MUL, F32X4_ADD] : [F64X2_MUL, F64X2_ADD];
    for (let j = 0; j < n; j++) {
      for (let r = 0; r < rows; r++) {
        code.push(...localGet(acc(r, j)), ...localGet(xv(r)), ...localGet(c(j)));
        code.push(...simd(V128_LOAD, ...memarg(float32 ? 2 : 3, 16 * pair)), ...simd(mul), ...simd(add), ...localSet(acc(r, j)));
      }
    }
  };
  const xStep = float32 ? 16 : 8;
  const advance = (count: number): void => {
    for (let r = 0; r < rows; r++) code.push(...localGet(x(r)), ...i32Const(xStep * count), I32_ADD, ...localSet(x(r)));
    for (let j = 0; j < n; j++) code.push(...localGet(c(j)), ...i32Const(16 * count), I32_ADD, ...localSet(c(j)));
    code.push(...localGet(pairs), ...i32Const(count), I32_SUB, ...localSet(pairs));
  };
  pairLoops(code, step, advance, pairs);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      if (!float32) {
        code.push(...localGet(out), ...localGet(acc(r, j)), ...simd(V128_STORE, ...memarg(3, 16 * (r * n + j))));
        continue;
      }
      // Lanes to one float64 at out; out += stride.
      storeLaneSum(code, acc(r, j), xv(0), out, 0);
      code.push(...localGet(out), ...localGet(stride), I32_ADD, ...localSet(out));
    }
  }
  code.push(0x0b);
  const body = [...vector([[...leb(rows * n + rows), V128]]), ...code];
  return { params: float32 ? rows + n + 3 : rows + n + 2, body: [...leb(body.length), ...body] };
}

/**
 * `dotPairs4(x0..x3, c0..c3, pairs, out)`: four independent dot products, x_q with c_q (any
 * rows, any centres), so that four accumulators run side by side.
 */
function pairFunction(p: number, float32 = false): { params: number; body: number[] } {
  const x = (q: number): number => q;
  const c = (q: number): number => p + q;
  const pairs = 2 * p;
  const out = 2 * p + 1;
  const acc = (q: number): number => 2 * p + 2 + q;
  const temp = 2 * p + 2 + p;
  const code: number[] = [];
  const step = (pair: number): void => {
    for (let q = 0; q < p; q++) {
      if (float32) {
        code.push(...localGet(acc(q)), ...localGet(x(q)), ...simd(V128_LOAD, ...memarg(2, 16 * pair)));
        code.push(...localGet(c(q)), ...simd(V128_LOAD, ...memarg(2, 16 * pair)), ...simd(F32X4_MUL), ...simd(F32X4_ADD), ...localSet(acc(q)));
      } else {
        code.push(...localGet(acc(q)), ...localGet(x(q)), ...simd(V128_LOAD64_ZERO, ...memarg(3, 8 * pair)), ...simd(F64X2_PROMOTE_LOW_F32X4));
        code.push(...localGet(c(q)), ...simd(V128_LOAD, ...memarg(3, 16 * pair)), ...simd(F64X2_MUL), ...simd(F64X2_ADD), ...localSet(acc(q)));
      }
    }
  };
  const advance = (count: number): void => {
    for (let q = 0; q < p; q++) code.push(...localGet(x(q)), ...i32Const((float32 ? 16 : 8) * count), I32_ADD, ...localSet(x(q)));
    for (let q = 0; q < p; q++) code.push(...localGet(c(q)), ...i32Const(16 * count), I32_ADD, ...localSet(c(q)));
    code.push(...localGet(pairs), ...i32Const(count), I32_SUB, ...localSet(pairs));
  };
  pairLoops(code, step, advance, pairs);
  for (let q = 0; q < p; q++) {
    if (float32) storeLaneSum(code, acc(q), temp, out, 8 * q);
    else code.push(...localGet(out), ...localGet(acc(q)), ...simd(V128_STORE, ...memarg(3, 16 * q)));
  }
  code.push(0x0b);
  const body = [...vector([[...leb(p + 1), V128]]), ...code];
  return { params: 2 * p + 2, body: [...leb(body.length), ...body] };
}

/** Store the f32x4 in local `acc` at out + offset as one float64: (l0 + l2) + (l1 + l3). */
function storeLaneSum(code: number[], acc: number, temp: number, out: number, offset: number): void {
  code.push(...localGet(out));
  code.push(...localGet(acc), ...simd(F64X2_PROMOTE_LOW_F32X4));
  code.push(...localGet(acc), ...localGet(acc), ...simd(I8X16_SHUFFLE, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15));
  code.push(...simd(F64X2_PROMOTE_LOW_F32X4), ...simd(F64X2_ADD), ...localSet(temp));
  code.push(...localGet(temp), ...simd(F64X2_EXTRACT_LANE, 0), ...localGet(temp), ...simd(F64X2_EXTRACT_LANE, 1), F64_ADD);
  code.push(F64_STORE, ...memarg(3, offset));
}

/** `block { loop { if pairs < 2 break; two steps; continue } } block { loop { if pairs == 0 break; one step; continue } }` */
function pairLoops(code: number[], step: (pair: number) => void, advance: (count: number) => void, pairs: number): void {
  code.push(0x02, 0x40, 0x03, 0x40, ...localGet(pairs), ...i32Const(2), I32_LT_S, 0x0d, 1);
  step(0);
  step(1);
  advance(2);
  code.push(0x0c, 0, 0x0b, 0x0b);
  code.push(0x02, 0x40, 0x03, 0x40, ...localGet(pairs), I32_EQZ, 0x0d, 1);
  step(0);
  advance(1);
  code.push(0x0c, 0, 0x0b, 0x0b);
}

/**
 * `addRow(x, hi, lo, pairs)` / `subRow(...)`: for each column pair, TwoSum of hi and the widened
 * (for subRow negated) x values, the rounding error added into lo; as ClusterSums.addRow does
 * per column.
 */
function addRowFunction(negate: boolean): { params: number; body: number[] } {
  const [x, hi, lo, pairs] = [0, 1, 2, 3];
  const [xv, a, sum, bb] = [4, 5, 6, 7];
  const code: number[] = [];
  const step = (pair: number): void => {
    code.push(...localGet(x), ...simd(V128_LOAD64_ZERO, ...memarg(3, 8 * pair)), ...simd(F64X2_PROMOTE_LOW_F32X4));
    if (negate) code.push(...simd(F64X2_NEG)); // exact
    code.push(...localSet(xv));
    code.push(...localGet(hi), ...simd(V128_LOAD, ...memarg(3, 16 * pair)), ...localSet(a));
    code.push(...localGet(a), ...localGet(xv), ...simd(F64X2_ADD), ...localSet(sum));
    code.push(...localGet(sum), ...localGet(a), ...simd(F64X2_SUB), ...localSet(bb));
    // lo += (a - (sum - bb)) + (xv - bb)
    code.push(...localGet(lo));
    code.push(...localGet(lo), ...simd(V128_LOAD, ...memarg(3, 16 * pair)));
    code.push(...localGet(a), ...localGet(sum), ...localGet(bb), ...simd(F64X2_SUB), ...simd(F64X2_SUB));
    code.push(...localGet(xv), ...localGet(bb), ...simd(F64X2_SUB), ...simd(F64X2_ADD));
    code.push(...simd(F64X2_ADD), ...simd(V128_STORE, ...memarg(3, 16 * pair)));
    code.push(...localGet(hi), ...localGet(sum), ...simd(V128_STORE, ...memarg(3, 16 * pair)));
  };
  const advance = (count: number): void => {
    code.push(...localGet(x), ...i32Const(8 * count), I32_ADD, ...localSet(x));
    code.push(...localGet(hi), ...i32Const(16 * count), I32_ADD, ...localSet(hi));
    code.push(...localGet(lo), ...i32Const(16 * count), I32_ADD, ...localSet(lo));
    code.push(...localGet(pairs), ...i32Const(count), I32_SUB, ...localSet(pairs));
  };
  pairLoops(code, step, advance, pairs);
  code.push(0x0b);
  const body = [...vector([[...leb(4), V128]]), ...code];
  return { params: 4, body: [...leb(body.length), ...body] };
}

/**
 * `scanRows(x, rows, quads, stride, norms, range)`: for each row, the squared norm of its first
 * 4 * quads values in two float64 lanes (even, odd columns; stored at norms, 16 bytes per row),
 * and over all of them the largest |x| bit pattern and the smallest nonzero one minus 1 (u32
 * lanes at range and range + 16, read and written back, so calls accumulate). Bit patterns of
 * non-negative floats order as their values; a pattern >= 0x7f800000 is Infinity or NaN.
 */
function scanFunction(): { params: number; body: number[] } {
  const [x, rows, quads, stride, norms, range] = [0, 1, 2, 3, 4, 5];
  const [q, p] = [6, 7];
  const [acc, v, mx, mn, ab, w] = [8, 9, 10, 11, 12, 13];
  const splat = (value: number): number[] => simd(V128_CONST, ...Array.from({ length: 4 }, () => [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24]).flat());
  const code: number[] = [];
  code.push(...localGet(range), ...simd(V128_LOAD, ...memarg(4, 0)), ...localSet(mx));
  code.push(...localGet(range), ...simd(V128_LOAD, ...memarg(4, 16)), ...localSet(mn));
  code.push(0x02, 0x40, 0x03, 0x40, ...localGet(rows), I32_EQZ, 0x0d, 1);
  code.push(...localGet(x), ...localSet(p), ...localGet(quads), ...localSet(q), ...splat(0), ...localSet(acc));
  code.push(0x02, 0x40, 0x03, 0x40, ...localGet(q), I32_EQZ, 0x0d, 1);
  code.push(...localGet(p), ...simd(V128_LOAD, ...memarg(2, 0)), ...localSet(v));
  code.push(...localGet(v), ...splat(0x7fffffff), ...simd(V128_AND), ...localSet(ab));
  code.push(...localGet(mx), ...localGet(ab), ...simd(I32X4_MAX_U), ...localSet(mx));
  code.push(...localGet(mn), ...localGet(ab), ...splat(1), ...simd(I32X4_SUB), ...simd(I32X4_MIN_U), ...localSet(mn));
  for (const offset of [0, 8]) {
    code.push(...localGet(p), ...simd(V128_LOAD64_ZERO, ...memarg(2, offset)), ...simd(F64X2_PROMOTE_LOW_F32X4), ...localSet(w));
    code.push(...localGet(acc), ...localGet(w), ...localGet(w), ...simd(F64X2_MUL), ...simd(F64X2_ADD), ...localSet(acc));
  }
  code.push(...localGet(p), ...i32Const(16), I32_ADD, ...localSet(p));
  code.push(...localGet(q), ...i32Const(1), I32_SUB, ...localSet(q), 0x0c, 0, 0x0b, 0x0b);
  code.push(...localGet(norms), ...localGet(acc), ...simd(V128_STORE, ...memarg(3, 0)));
  code.push(...localGet(norms), ...i32Const(16), I32_ADD, ...localSet(norms));
  code.push(...localGet(x), ...localGet(stride), I32_ADD, ...localSet(x));
  code.push(...localGet(rows), ...i32Const(1), I32_SUB, ...localSet(rows), 0x0c, 0, 0x0b, 0x0b);
  code.push(...localGet(range), ...localGet(mx), ...simd(V128_STORE, ...memarg(4, 0)));
  code.push(...localGet(range), ...localGet(mn), ...simd(V128_STORE, ...memarg(4, 16)));
  code.push(0x0b);
  const body = [...vector([[2, I32], [6, V128]]), ...code];
  return { params: 6, body: [...leb(body.length), ...body] };
}

/** Exported functions, in order: dot products of 1 row x 4, 2, 1 centres and 4 rows x 1 centre; exact-sum row update (add, subtract); 4 (row, centre) pairs; norms and value range; float32 approximations of the first four. */
const EXPORTS = ['dot4', 'dot2', 'dot1', 'dotRows4', 'addRow', 'subRow', 'dotPairs4', 'scanRows', 'dot4f', 'dotRows4f', 'dot1f', 'dotPairs4f'] as const;

/** The module's bytes: imports memory env.mem, exports EXPORTS. */
export function dotModuleBytes(): Uint8Array<ArrayBuffer> {
  const functions = [dotFunction(1, 4), dotFunction(1, 2), dotFunction(1, 1), dotFunction(4, 1), addRowFunction(false), addRowFunction(true), pairFunction(4), scanFunction(), dotFunction(1, 4, true), dotFunction(4, 1, true), dotFunction(1, 1, true), pairFunction(4, true)];
  const types = vector(functions.map((f) => [0x60, ...vector(Array.from({ length: f.params }, () => [I32])), 0]));
  const imports = vector([[...name('env'), ...name('mem'), 0x02, 0x00, 1]]);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, vector(functions.map((_, i) => leb(i)))),
    ...section(7, vector(EXPORTS.map((e, i) => [...name(e), 0x00, ...leb(i)]))),
    ...section(10, vector(functions.map((f) => f.body))),
  ]);
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null where WebAssembly or its SIMD is unavailable (or a CSP forbids compiling). */
function dotModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = dotModuleBytes();
    compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

/** Whether the WebAssembly kernel can run here. */
export function wasmKernelAvailable(): boolean {
  return dotModule() !== null;
}

const PAGE = 65536;
type WasmFn = (...args: number[]) => void;

/**
 * WebAssembly kernel for `values` (n x d), or null when unavailable here or when the data do
 * not fit in a 32-bit memory. Layout: data (float32) | 64-byte output | centres | sums hi | sums lo
 * (float64, k x d each, room made by `reserve`).
 */
export function createWasmKernel(values: Float32Array, n: number, d: number): DotKernel | null {
  const module = dotModule();
  if (!module) return null;
  const outAt = align(n * d * 4, 16);
  const centresAt = outAt + 64;
  // Scan scratch after the room for one centre (see reserve): range (32 bytes), 2 lanes per row.
  const rangeAt = align(align(centresAt + 3 * d * 8 + d * 4, 16) + MAX_BLOCK_ROWS * 8, 16);
  const normsAt = rangeAt + 32;
  let memory: WebAssembly.Memory;
  let instance: WebAssembly.Instance;
  try {
    memory = takeMemory(normsAt + n * 16);
    instance = new WebAssembly.Instance(module, { env: { mem: memory } });
  } catch {
    return null; // too large for this engine's memory limit: the TypeScript kernel takes over
  }
  const { dot4, dot2, dot1, dotRows4, addRow, subRow, dotPairs4, scanRows, dot4f, dotRows4f, dot1f, dotPairs4f } = instance.exports as unknown as Record<(typeof EXPORTS)[number], WasmFn>;
  const pairs = d >> 1;
  const odd = (d & 1) === 1;
  const rowBytes = d * 4;
  const centreBytes = d * 8;
  let reserved = 1;
  let k = 0;
  let out: Float64Array = new Float64Array(memory.buffer, outAt, 8);
  let centres: Float64Array = new Float64Array(memory.buffer, centresAt, d);
  const scanned = copyAndScan(memory, scanRows, values, n, d, rangeAt, normsAt);
  let disposed = false;
  // After dispose the memory may belong to another kernel: refuse to touch it.
  const live = (): void => {
    if (disposed) throw new Error('this k-means kernel was disposed: create a new distance step');
  };

  const ensure = (bytes: number): void => {
    if (bytes > memory.buffer.byteLength) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
  };
  let c32At = centresAt + 3 * centreBytes;
  let centres32: Float32Array = new Float32Array(memory.buffer, c32At, d);
  const blockAt = (): number => align(c32At + reserved * d * 4, 16);
  // Views into the memory: renewed whenever it grows (growing detaches the old ones).
  const refresh = (): void => {
    out = new Float64Array(memory.buffer, outAt, 8);
    centres = new Float64Array(memory.buffer, centresAt, reserved * d);
    centres32 = new Float32Array(memory.buffer, c32At, reserved * d);
  };
  // Room for `count` centres: float64 centres, sums hi and lo, float32 centres, and a block
  // of MAX_BLOCK_ROWS x count approximate results. Reserved at once, so that no later call
  // grows the memory under views handed out (ClusterSums).
  const reserve = (count: number): void => {
    if (count <= reserved) return;
    reserved = count;
    c32At = centresAt + 3 * reserved * centreBytes;
    ensure(blockAt() + MAX_BLOCK_ROWS * count * 8);
    refresh();
  };
  const quads = d >> 2;
  const tailFrom = 4 * quads;

  // Lanes (even, odd) of accumulator q of the last call, added as distance-kernel.ts adds them.
  const finish = (q: number, i: number, j: number): number => {
    let s = out[2 * q];
    if (odd) s += values[i * d + d - 1] * centres[j * d + d - 1];
    return s + out[2 * q + 1];
  };

  const kernel: DotKernel = {
    kind: 'wasm',
    reserve(count) {
      live();
      reserve(count);
    },
    setCentres(source, count) {
      live();
      reserve(count);
      k = count;
      centres.set(source.subarray(0, count * d));
      centres32.set(centres.subarray(0, count * d)); // rounded to nearest
    },
    rowsCentres(i0, rows, result) {
      live();
      let j = 0;
      for (; j + 3 < k; j += 4) {
        const c = centresAt + j * centreBytes;
        for (let r = 0; r < rows; r++) {
          const i = i0 + r;
          dot4(i * rowBytes, c, c + centreBytes, c + 2 * centreBytes, c + 3 * centreBytes, pairs, outAt);
          const o = r * k + j;
          result[o] = finish(0, i, j);
          result[o + 1] = finish(1, i, j + 1);
          result[o + 2] = finish(2, i, j + 2);
          result[o + 3] = finish(3, i, j + 3);
        }
      }
      // The last k mod 4 centres: 4 rows at a time, so that four accumulators run side by side.
      for (; j < k; j++) {
        const c = centresAt + j * centreBytes;
        let r = 0;
        for (; r + 3 < rows; r += 4) {
          const x = (i0 + r) * rowBytes;
          dotRows4(x, x + rowBytes, x + 2 * rowBytes, x + 3 * rowBytes, c, pairs, outAt);
          for (let q = 0; q < 4; q++) result[(r + q) * k + j] = finish(q, i0 + r + q, j);
        }
        for (; r < rows; r++) result[r * k + j] = kernel.rowCentre(i0 + r, j);
      }
    },
    approxRowsCentres(i0, rows, result) {
      live();
      const c4 = d * 4;
      if (rows > MAX_BLOCK_ROWS) throw new Error(`approxRowsCentres takes at most ${MAX_BLOCK_ROWS} rows per call (got ${rows})`);
      const at = blockAt();
      const block = rows * k;
      let j = 0;
      for (; j + 3 < k; j += 4) {
        const c = c32At + j * c4;
        for (let r = 0; r < rows; r++) {
          dot4f((i0 + r) * rowBytes, c, c + c4, c + 2 * c4, c + 3 * c4, quads, at + 8 * (r * k + j), 8);
        }
      }
      for (; j < k; j++) {
        const c = c32At + j * c4;
        let r = 0;
        for (; r + 3 < rows; r += 4) {
          const x = (i0 + r) * rowBytes;
          dotRows4f(x, x + rowBytes, x + 2 * rowBytes, x + 3 * rowBytes, c, quads, at + 8 * (r * k + j), 8 * k);
        }
        for (; r < rows; r++) dot1f((i0 + r) * rowBytes, c, quads, at + 8 * (r * k + j), 8);
      }
      result.set(new Float64Array(memory.buffer, at, block));
      if (tailFrom < d) {
        // The last d mod 4 columns, in float64.
        for (let r = 0; r < rows; r++) {
          const base = (i0 + r) * d;
          for (let jj = 0; jj < k; jj++) {
            let s = 0;
            for (let t = tailFrom; t < d; t++) s += values[base + t] * centres[jj * d + t];
            result[r * k + jj] += s;
          }
        }
      }
    },
    rowCentresAt(i, which, m, result) {
      live();
      const x = i * rowBytes;
      let q = 0;
      for (; q + 3 < m; q += 4) {
        const j0 = which[q];
        const j1 = which[q + 1];
        const j2 = which[q + 2];
        const j3 = which[q + 3];
        dot4(x, centresAt + j0 * centreBytes, centresAt + j1 * centreBytes, centresAt + j2 * centreBytes, centresAt + j3 * centreBytes, pairs, outAt);
        result[j0] = finish(0, i, j0);
        result[j1] = finish(1, i, j1);
        result[j2] = finish(2, i, j2);
        result[j3] = finish(3, i, j3);
      }
      if (q + 1 < m) {
        const j0 = which[q];
        const j1 = which[q + 1];
        dot2(x, centresAt + j0 * centreBytes, centresAt + j1 * centreBytes, pairs, outAt);
        result[j0] = finish(0, i, j0);
        result[j1] = finish(1, i, j1);
        q += 2;
      }
      if (q < m) result[which[q]] = kernel.rowCentre(i, which[q]);
    },
    rowCentre(i, j) {
      live();
      dot1(i * rowBytes, centresAt + j * centreBytes, pairs, outAt);
      return finish(0, i, j);
    },
    pairDots(rows, cs, count, result) {
      live();
      for (let q = 0; q < count; q += 4) {
        // A short last group repeats its last pair (computed twice, read once).
        const q1 = Math.min(q + 1, count - 1);
        const q2 = Math.min(q + 2, count - 1);
        const q3 = Math.min(q + 3, count - 1);
        dotPairs4(
          rows[q] * rowBytes, rows[q1] * rowBytes, rows[q2] * rowBytes, rows[q3] * rowBytes,
          centresAt + cs[q] * centreBytes, centresAt + cs[q1] * centreBytes, centresAt + cs[q2] * centreBytes, centresAt + cs[q3] * centreBytes,
          pairs, outAt,
        );
        result[q] = finish(0, rows[q], cs[q]);
        if (q + 1 < count) result[q + 1] = finish(1, rows[q1], cs[q1]);
        if (q + 2 < count) result[q + 2] = finish(2, rows[q2], cs[q2]);
        if (q + 3 < count) result[q + 3] = finish(3, rows[q3], cs[q3]);
      }
    },
    approxPairDots(rows, cs, count, result) {
      live();
      const c4 = d * 4;
      for (let q = 0; q < count; q += 4) {
        const q1 = Math.min(q + 1, count - 1);
        const q2 = Math.min(q + 2, count - 1);
        const q3 = Math.min(q + 3, count - 1);
        dotPairs4f(
          rows[q] * rowBytes, rows[q1] * rowBytes, rows[q2] * rowBytes, rows[q3] * rowBytes,
          c32At + cs[q] * c4, c32At + cs[q1] * c4, c32At + cs[q2] * c4, c32At + cs[q3] * c4,
          quads, outAt,
        );
        const last = Math.min(4, count - q);
        for (let u = 0; u < last; u++) {
          let v = out[u];
          if (tailFrom < d) {
            const base = rows[q + u] * d;
            const cb = cs[q + u] * d;
            for (let t = tailFrom; t < d; t++) v += values[base + t] * centres[cb + t];
          }
          result[q + u] = v;
        }
      }
    },
    scan() {
      return scanned;
    },
    clusterSums(count) {
      live();
      reserve(count);
      const hiAt = centresAt + reserved * centreBytes;
      const loAt = hiAt + reserved * centreBytes;
      const hi = new Float64Array(memory.buffer, hiAt, count * d);
      const lo = new Float64Array(memory.buffer, loAt, count * d);
      hi.fill(0);
      lo.fill(0);
      return new ClusterSums(count, d, {
        hi,
        lo,
        addRow(row, j, sign) {
          live();
          (sign < 0 ? subRow : addRow)(row * rowBytes, hiAt + j * centreBytes, loAt + j * centreBytes, pairs);
          if (odd) twoSumInto(hi, lo, j * d + d - 1, sign * values[row * d + d - 1]);
        },
      });
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      giveMemory(memory);
    },
  };
  return kernel;
}

/**
 * Copy the rows into the module's memory and scan them (DotKernel.scan), 64 rows at a time so
 * that the scan reads what the copy just brought into the cache.
 */
function copyAndScan(
  memory: WebAssembly.Memory,
  scanRows: WasmFn,
  values: Float32Array,
  n: number,
  d: number,
  rangeAt: number,
  normsAt: number,
): DataScan {
  const target = new Float32Array(memory.buffer, 0, n * d);
  const range = new Uint32Array(memory.buffer, rangeAt, 8);
  range.fill(0, 0, 4);
  range.fill(0xffffffff, 4, 8);
  const quads = d >> 2;
  for (let r0 = 0; r0 < n; r0 += 64) {
    const r1 = Math.min(n, r0 + 64);
    target.set(values.subarray(r0 * d, r1 * d), r0 * d);
    scanRows(r0 * d * 4, r1 - r0, quads, d * 4, normsAt + r0 * 16, rangeAt);
  }
  const lanes = new Float64Array(memory.buffer, normsAt, 2 * n);
  let maxBits = Math.max(range[0], range[1], range[2], range[3]);
  let minBits = Math.min(range[4], range[5], range[6], range[7]) + 1; // 2^32 (> any pattern) when all zero
  const norms = new Float64Array(n);
  const from = 4 * quads;
  const bits = from < d ? new Uint32Array(values.buffer, values.byteOffset, values.length) : undefined;
  for (let i = 0; i < n; i++) {
    let sEven = lanes[2 * i];
    let sOdd = lanes[2 * i + 1];
    if (bits) {
      // The last d mod 4 columns, continuing the two lanes in column order.
      const base = i * d;
      let t = from;
      for (; t + 1 < d; t += 2) {
        sEven += values[base + t] * values[base + t];
        sOdd += values[base + t + 1] * values[base + t + 1];
      }
      if (t < d) sEven += values[base + t] * values[base + t];
      for (let u = base + from; u < base + d; u++) {
        const b = bits[u] & 0x7fffffff;
        if (b > maxBits) maxBits = b;
        if (b !== 0 && b < minBits) minBits = b;
      }
    }
    norms[i] = sEven + sOdd;
  }
  return { norms, maxBits, minBits: minBits > 0xffffffff ? 0 : minBits };
}

/**
 * The memory of the last disposed kernel, held weakly: the next kernel reuses it (skipping a
 * fresh allocation and its page faults, ~10 ms per 20 MB) unless the GC has reclaimed it.
 */
let spare: WeakRef<WebAssembly.Memory> | undefined;

function takeMemory(bytes: number): WebAssembly.Memory {
  const memory = spare?.deref();
  spare = undefined;
  if (memory) {
    if (bytes > memory.buffer.byteLength) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
    return memory;
  }
  return new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE) });
}

function giveMemory(memory: WebAssembly.Memory): void {
  const held = spare?.deref();
  if (!held || held.buffer.byteLength < memory.buffer.byteLength) spare = new WeakRef(memory);
}

function align(bytes: number, to: number): number {
  return Math.ceil(bytes / to) * to;
}
