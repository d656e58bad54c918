/**
 * The most similar tasks to one task: cosine similarity in the learner's feature space (rows
 * of a FeatureTable are unit length, so a dot product). A full scan, O(n d): 50,000 x 512-d
 * is ~25 M multiply-adds, a few tens of ms; no index structure is worth it at that size.
 */
import type { FeatureTable } from './feature-table.ts';

export interface Neighbour {
  taskId: number;
  row: number;
  similarity: number;
}

/** The `k` rows most similar to row `query` (the query itself excluded), best first. */
export function nearestRows(table: FeatureTable, query: number, k: number): Neighbour[] {
  const { features, dim, ids } = table;
  const n = ids.length;
  const q = features.subarray(query * dim, (query + 1) * dim);
  // Keep the best k in a small sorted array: k is tiny (12) next to n.
  const best: Neighbour[] = [];
  for (let row = 0; row < n; row++) {
    if (row === query) continue;
    let s = 0;
    const offset = row * dim;
    for (let j = 0; j < dim; j++) s += q[j] * features[offset + j];
    if (best.length === k && s <= best[k - 1].similarity) continue;
    let at = best.length;
    while (at > 0 && best[at - 1].similarity < s) at--;
    best.splice(at, 0, { taskId: ids[row], row, similarity: s });
    if (best.length > k) best.pop();
  }
  return best;
}
