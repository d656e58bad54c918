/**
 * k-nearest-neighbour head with cosine similarity: an embedding gets the labels of the most
 * similar labelled embeddings. Zero vectors have no direction: their similarity to anything is 0.
 */

/** Unit-length copy of a vector (zeros stay zeros). */
export function normalise(v: ArrayLike<number>): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const out = new Float32Array(v.length);
  if (s === 0) return out;
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) out[i] = v[i] * inv;
  return out;
}

/** Dot product in float64. */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Indices of the `k` largest similarities (ties: lower index first), skipping `skip`.
 * O(m k), fine for k of a few.
 */
export function topK(similarities: ArrayLike<number>, k: number, skip = -1): number[] {
  const best: number[] = [];
  for (let i = 0; i < similarities.length; i++) {
    if (i === skip) continue;
    const s = similarities[i];
    if (best.length === k && s <= similarities[best[k - 1]]) continue;
    let at = best.length;
    while (at > 0 && similarities[best[at - 1]] < s) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

/**
 * Label probabilities from neighbours: the fraction of the neighbours that carry each label
 * (one label each for single choice, so the fractions sum to 1).
 * @param labelIndices per labelled item, the indices of its labels for this control.
 */
export function neighbourProbabilities(neighbours: readonly number[], labelIndices: readonly (readonly number[])[], L: number): Float64Array {
  const out = new Float64Array(L);
  for (const i of neighbours) for (const l of labelIndices[i]) out[l] += 1 / neighbours.length;
  return out;
}
