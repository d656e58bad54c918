/**
 * Per-cluster sums of float32 rows, kept exact so that they can be updated incrementally (add
 * the rows that joined a cluster, subtract those that left) and still give the same means as
 * summing every row afresh: each sum is a float64 pair hi + lo (Knuth's TwoSum puts the
 * rounding error of every addition into lo). That is exact while no partial sum needs more
 * than ~106 bits between the largest value and the finest float32 grid step in the data, which
 * `exactSumsPossible` checks once per fit; otherwise the caller rebuilds the sums every
 * iteration (same arithmetic, same order, so still deterministic).
 *
 * Cost: ~7 flops per added value; a Lloyd iteration in which m rows change cluster costs
 * 2 * m * d of them instead of n * d.
 */
export class ClusterSums {
  readonly hi: Float64Array;
  readonly lo: Float64Array;
  readonly counts: Float64Array;
  readonly #addRow: ((row: number, j: number, sign: 1 | -1) => void) | undefined;

  /**
   * @param storage hi and lo arrays (k x d) elsewhere, e.g. in WebAssembly memory, and a row
   *   update that does what addRow's loop does (distance-wasm.ts); plain arrays when omitted.
   */
  constructor(
    readonly k: number,
    readonly d: number,
    storage?: { hi: Float64Array; lo: Float64Array; addRow(row: number, j: number, sign: 1 | -1): void },
  ) {
    this.hi = storage?.hi ?? new Float64Array(k * d);
    this.lo = storage?.lo ?? new Float64Array(k * d);
    this.counts = new Float64Array(k);
    this.#addRow = storage?.addRow;
  }

  clear(): void {
    this.hi.fill(0);
    this.lo.fill(0);
    this.counts.fill(0);
  }

  /** Add (sign 1) or subtract (sign -1) row `row` of `values` to cluster j. */
  addRow(values: Float32Array, row: number, j: number, sign: 1 | -1): void {
    this.counts[j] += sign;
    if (this.#addRow) {
      this.#addRow(row, j, sign);
      return;
    }
    const { hi, lo, d } = this;
    const base = row * d;
    const cb = j * d;
    for (let t = 0; t < d; t++) {
      const a = hi[cb + t];
      const b = sign * values[base + t];
      const s = a + b;
      const bb = s - a;
      lo[cb + t] += a - (s - bb) + (b - bb);
      hi[cb + t] = s;
    }
  }

  /** Make cluster j's sum exactly row `row` (the empty-cluster relocation); count 1. */
  setRow(values: Float32Array, row: number, j: number): void {
    const { hi, lo, d } = this;
    for (let t = 0; t < d; t++) {
      hi[j * d + t] = values[row * d + t];
      lo[j * d + t] = 0;
    }
    this.counts[j] = 1;
  }

  /**
   * Fold lo into hi (exactly: hi + lo is unchanged), so that lo stays small and the next
   * iteration's additions cannot lose bits in it.
   */
  renormalise(): void {
    const { hi, lo } = this;
    for (let i = 0; i < hi.length; i++) {
      const a = hi[i];
      const b = lo[i];
      const s = a + b;
      const bb = s - a;
      lo[i] = a - (s - bb) + (b - bb);
      hi[i] = s;
    }
  }

  /**
   * Mean of every non-empty cluster into `out` (the sum rounded once, then divided); empty
   * clusters copy `fallback` (their previous centre).
   */
  means(out: Float64Array, fallback: Float64Array): void {
    const { hi, lo, counts, k, d } = this;
    for (let j = 0; j < k; j++) {
      const cb = j * d;
      const c = counts[j];
      if (c > 0) {
        for (let t = 0; t < d; t++) out[cb + t] = (hi[cb + t] + lo[cb + t]) / c;
      } else {
        for (let t = 0; t < d; t++) out[cb + t] = fallback[cb + t];
      }
    }
  }

  /** Sum of cluster j, column t, rounded once. */
  value(j: number, t: number): number {
    const i = j * this.d + t;
    return this.hi[i] + this.lo[i];
  }
}

/** One TwoSum step of ClusterSums.addRow: hi[i] + value, the rounding error into lo[i]. */
export function twoSumInto(hi: Float64Array, lo: Float64Array, i: number, value: number): void {
  const a = hi[i];
  const s = a + value;
  const bb = s - a;
  lo[i] += a - (s - bb) + (value - bb);
  hi[i] = s;
}

/**
 * Whether double-float sums of these values are exact through a fit (see ClusterSums): every
 * value is a multiple of the finest float32 step q among them and every partial sum is at most
 * n * max|x|; the TwoSum error terms then stay exactly representable while
 * n^2 * max|x| / q < 2^100 (margin below the ~2^106 the analysis allows, with lo folded into hi
 * every iteration). Fails only for data that mix huge and tiny magnitudes (>~1e12 apart at
 * n = 50,000).
 */
export function exactSumsPossible(values: Float32Array, n: number): boolean {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  let maxBits = 0;
  let minBits = 0;
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i] & 0x7fffffff;
    if (b > maxBits) maxBits = b;
    if (b !== 0 && (minBits === 0 || b < minBits)) minBits = b;
  }
  return exactSumsForRange(maxBits, minBits, n);
}

/**
 * exactSumsPossible from the largest and smallest nonzero |x| as float32 bit patterns (for
 * non-negative floats the pattern orders like the value; minBits 0: every value is 0).
 */
export function exactSumsForRange(maxBits: number, minBits: number, n: number): boolean {
  if (maxBits === 0 || minBits === 0) return true;
  const f = new Float32Array(new Uint32Array([maxBits, minBits]).buffer);
  // Finest grid step among the values: ulp of the smallest magnitude (float32: 23 fraction bits).
  const log2q = Math.floor(Math.log2(f[1])) - 23;
  return 2 * Math.log2(n) + Math.log2(f[0]) - log2q < 100;
}
