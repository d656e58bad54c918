/**
 * Row-major float matrices (n rows x d columns in one Float32Array) and the input checks every
 * entry point shares, so that bad embeddings fail early with a message that says what to do.
 */

/** n x d row-major matrix. */
export interface Matrix {
  values: Float32Array;
  n: number;
  d: number;
}

/**
 * Pack equal-length vectors into one matrix.
 * @throws when the list is empty or the widths differ (naming the first offending row).
 */
export function packRows(rows: readonly ArrayLike<number>[], what = 'embeddings'): Matrix {
  if (rows.length === 0) throw new Error(`no ${what} given: need at least one vector`);
  const d = rows[0].length;
  const values = new Float32Array(rows.length * d);
  rows.forEach((row, i) => {
    if (row.length !== d) {
      throw new Error(
        `${what} have mismatched widths: row 0 has ${d} values, row ${i} has ${row.length}; ` +
          'all vectors must come from the same embedding model',
      );
    }
    values.set(row, i * d);
  });
  return { values, n: rows.length, d };
}

/**
 * Check shape and values of a matrix.
 * @throws on a length that is not n*d, an empty matrix, or a NaN/Infinity (naming row and column).
 */
export function checkMatrix(m: Matrix, what = 'data'): void {
  checkShape(m, what);
  checkFinite(m.values, m.d, what);
}

/**
 * checkMatrix without the value scan (for callers that scan the values anyway).
 * @throws on a length that is not n*d or an empty matrix.
 */
export function checkShape(m: Matrix, what = 'data'): void {
  if (!Number.isInteger(m.n) || !Number.isInteger(m.d) || m.n < 1 || m.d < 1) {
    throw new Error(`${what} must have at least one row and one column (got n=${m.n}, d=${m.d})`);
  }
  if (m.values.length !== m.n * m.d) {
    throw new Error(`${what} holds ${m.values.length} values, expected n*d = ${m.n}*${m.d} = ${m.n * m.d}`);
  }
}

/**
 * Throw if any value is NaN or infinite; `d` is the row width used to name the position.
 * Such values would silently poison every centre they touch.
 */
export function checkFinite(values: ArrayLike<number>, d: number, what = 'data'): void {
  let from = 0;
  if (values instanceof Float32Array) {
    // Fast path on the bits (an all-ones exponent is Infinity or NaN): ~4x quicker than
    // Number.isFinite per value, which mattered next to a pruned k-means fit.
    const bits = new Int32Array(values.buffer, values.byteOffset, values.length);
    let i = 0;
    while (i < bits.length && (bits[i] & 0x7f800000) !== 0x7f800000) i++;
    if (i === bits.length) return;
    from = i;
  }
  for (let i = from; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      throw new Error(
        `${what} row ${Math.floor(i / d)}, column ${i % d} is ${v}: embeddings must be finite numbers; ` +
          're-embed that item or leave it out',
      );
    }
  }
}

/** Squared Euclidean norm of every row, accumulated in float64. */
export function rowSquaredNorms(values: ArrayLike<number>, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const base = i * d;
    let s = 0;
    for (let t = 0; t < d; t++) {
      const v = values[base + t];
      s += v * v;
    }
    out[i] = s;
  }
  return out;
}
