import { ClusterSums, twoSumInto } from './cluster-sums.ts';

/**
 * The k-means dot-product kernel in WebAssembly SIMD: ~4x the plain TypeScript loops (about
 * 6 GMAC/s on one core in V8 against 1.5) and bit-identical to them.
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
 * The module also updates ClusterSums (TwoSum per column pair, same arithmetic as cluster-sums.ts).
 *
 * Memory: the data are copied once into the module's memory (n*d*4 bytes, so a fit holds them
 * twice); centres are copied in per iteration (k*d*8 bytes).
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
  /** Exact per-cluster sums of the data rows (see cluster-sums.ts), computed by this kernel; all zero; replaces the previous ones. */
  clusterSums(k: number): ClusterSums;
  dispose(): void;
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

/**
 * Body of a dot-product function over `rows` rows and `n` centres: params x0..x(rows-1),
 * c0..c(n-1), pairs, out; one f64x2 accumulator per (row, centre), stored row-major at out
 * (row r, centre j at byte 16 * (r * n + j)). See the text form above.
 */
function dotFunction(rows: number, n: number): { params: number; body: number[] } {
  const x = (r: number): number => r;
  const c = (j: number): number => rows + j;
  const pairs = rows + n;
  const out = rows + n + 1;
  const acc = (r: number, j: number): number => rows + n + 2 + r * n + j;
  const xv = (r: number): number => rows + n + 2 + rows * n + r;
  const code: number[] = [];
  const step = (pair: number): void => {
    for (let r = 0; r < rows; r++) {
      code.push(...localGet(x(r)), ...simd(V128_LOAD64_ZERO, ...memarg(3, 8 * pair)), ...simd(F64X2_PROMOTE_LOW_F32X4), ...localSet(xv(r)));
    }
    for (let j = 0; j < n; j++) {
      for (let r = 0; r < rows; r++) {
        code.push(...localGet(acc(r, j)), ...localGet(xv(r)), ...localGet(c(j)));
        code.push(...simd(V128_LOAD, ...memarg(3, 16 * pair)), ...simd(F64X2_MUL), ...simd(F64X2_ADD), ...localSet(acc(r, j)));
      }
    }
  };
  const advance = (count: number): void => {
    for (let r = 0; r < rows; r++) code.push(...localGet(x(r)), ...i32Const(8 * count), I32_ADD, ...localSet(x(r)));
    for (let j = 0; j < n; j++) code.push(...localGet(c(j)), ...i32Const(16 * count), I32_ADD, ...localSet(c(j)));
    code.push(...localGet(pairs), ...i32Const(count), I32_SUB, ...localSet(pairs));
  };
  pairLoops(code, step, advance, pairs);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) code.push(...localGet(out), ...localGet(acc(r, j)), ...simd(V128_STORE, ...memarg(3, 16 * (r * n + j))));
  }
  code.push(0x0b);
  const body = [...vector([[...leb(rows * n + rows), V128]]), ...code];
  return { params: rows + n + 2, body: [...leb(body.length), ...body] };
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
 * `addRow(x, hi, lo, pairs, negate)`: for each column pair, TwoSum of hi and the (negated)
 * widened x values, the rounding error added into lo; as ClusterSums.addRow does per column.
 */
function addRowFunction(): { params: number; body: number[] } {
  const [x, hi, lo, pairs, negate] = [0, 1, 2, 3, 4];
  const [xv, a, sum, bb] = [5, 6, 7, 8];
  const code: number[] = [];
  const step = (pair: number): void => {
    code.push(...localGet(x), ...simd(V128_LOAD64_ZERO, ...memarg(3, 8 * pair)), ...simd(F64X2_PROMOTE_LOW_F32X4), ...localSet(xv));
    // if negate: xv = -xv (exact)
    code.push(...localGet(negate), 0x04, 0x40, ...localGet(xv), ...simd(F64X2_NEG), ...localSet(xv), 0x0b);
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
  return { params: 5, body: [...leb(body.length), ...body] };
}

/** Exported functions, in order: dot products of 1 row x 4, 2, 1 centres and 4 rows x 1 centre; exact-sum row update. */
const EXPORTS = ['dot4', 'dot2', 'dot1', 'dotRows4', 'addRow'] as const;

/** The module's bytes: imports memory env.mem, exports EXPORTS. */
export function dotModuleBytes(): Uint8Array<ArrayBuffer> {
  const functions = [dotFunction(1, 4), dotFunction(1, 2), dotFunction(1, 1), dotFunction(4, 1), addRowFunction()];
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
  let memory: WebAssembly.Memory;
  let instance: WebAssembly.Instance;
  try {
    memory = new WebAssembly.Memory({ initial: Math.ceil((centresAt + 3 * 8 * d * 8) / PAGE) });
    instance = new WebAssembly.Instance(module, { env: { mem: memory } });
    new Float32Array(memory.buffer, 0, n * d).set(values);
  } catch {
    return null; // too large for this engine's memory limit: the TypeScript kernel takes over
  }
  const { dot4, dot2, dot1, dotRows4, addRow } = instance.exports as unknown as Record<(typeof EXPORTS)[number], WasmFn>;
  const pairs = d >> 1;
  const odd = (d & 1) === 1;
  const rowBytes = d * 4;
  const centreBytes = d * 8;
  let reserved = 0;
  let k = 0;
  let out: Float64Array = new Float64Array(0);
  let centres: Float64Array = new Float64Array(0);

  const reserve = (count: number): void => {
    if (count <= reserved) return;
    const needed = centresAt + 3 * count * centreBytes;
    if (needed > memory.buffer.byteLength) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE));
    reserved = count;
    out = new Float64Array(memory.buffer, outAt, 8);
    centres = new Float64Array(memory.buffer, centresAt, reserved * d);
  };
  reserve(1);

  // Lanes (even, odd) of accumulator q of the last call, added as distance-kernel.ts adds them.
  const finish = (q: number, i: number, j: number): number => {
    let s = out[2 * q];
    if (odd) s += values[i * d + d - 1] * centres[j * d + d - 1];
    return s + out[2 * q + 1];
  };

  const kernel: DotKernel = {
    kind: 'wasm',
    reserve,
    setCentres(source, count) {
      reserve(count);
      k = count;
      centres.set(source.subarray(0, count * d));
    },
    rowsCentres(i0, rows, result) {
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
    rowCentresAt(i, which, m, result) {
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
      dot1(i * rowBytes, centresAt + j * centreBytes, pairs, outAt);
      return finish(0, i, j);
    },
    clusterSums(count) {
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
          addRow(row * rowBytes, hiAt + j * centreBytes, loAt + j * centreBytes, pairs, sign < 0 ? 1 : 0);
          if (odd) twoSumInto(hi, lo, j * d + d - 1, sign * values[row * d + d - 1]);
        },
      });
    },
    dispose() {
      centres = new Float64Array(0);
    },
  };
  return kernel;
}

function align(bytes: number, to: number): number {
  return Math.ceil(bytes / to) * to;
}
