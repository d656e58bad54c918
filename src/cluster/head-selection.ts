import type { ControlState } from './fitted-state.ts';
import { neighbourProbabilities, topK } from './knn-head.ts';
import { clusterProbabilities, decide, jaccard } from './label-decision.ts';

/** A control's training set: the labelled items that carry a choice for it. */
export interface ControlExamples {
  /** Per example: indices into the control's labels. */
  labelIndices: number[][];
  /** Per example: its k-means cluster (-1 without clusters). */
  clusters: number[];
  /** Per example: its row in `similarity`. */
  rows: number[];
}

/** Settings that matter to the choice. */
export interface HeadSelectionOptions {
  smoothing: number;
  threshold: number;
  knnK: number;
  minPerClass: number;
}

/**
 * Choose the head of one control by leave-one-out accuracy (mean Jaccard similarity of each
 * example's suggestion, made without that example, with its true labels; exact-match rate for
 * single choice). Cluster voting competes whenever there are clusters; kNN only once every
 * label that occurs has `minPerClass` examples and at least two labels occur (with fewer, its
 * leave-one-out estimate is noise). Ties go to cluster voting, the simpler head. No examples: 'none'.
 * @param similarity cosine similarities of all labelled items, row-major, `size` x `size`.
 * Cost: O(m^2) for m examples, given the similarities.
 */
export function selectHead(
  control: ControlState,
  examples: ControlExamples,
  similarity: Float32Array,
  size: number,
  opts: HeadSelectionOptions,
): Pick<ControlState, 'head' | 'headAccuracy'> {
  const m = examples.labelIndices.length;
  const headAccuracy: ControlState['headAccuracy'] = {};
  if (m === 0) return { head: 'none', headAccuracy };
  const truth = examples.labelIndices.map((idx) => idx.map((l) => control.labels[l]));

  if (examples.clusters.some((c) => c >= 0)) {
    let total = 0;
    for (let i = 0; i < m; i++) {
      const p = clusterProbabilities(control, examples.clusters[i], opts.smoothing, examples.labelIndices[i]);
      total += jaccard(p ? (decide(control, p, opts.threshold)?.choices ?? null) : null, truth[i]);
    }
    headAccuracy['cluster-vote'] = total / m;
  }

  if (enoughForKnn(control.labels.length, examples.labelIndices, opts.minPerClass)) {
    const sims = new Float32Array(m);
    let total = 0;
    for (let i = 0; i < m; i++) {
      const row = examples.rows[i] * size;
      for (let j = 0; j < m; j++) sims[j] = similarity[row + examples.rows[j]];
      const neighbours = topK(sims, Math.min(opts.knnK, m - 1), i);
      const p = neighbourProbabilities(neighbours, examples.labelIndices, control.labels.length);
      total += jaccard(decide(control, p, opts.threshold)?.choices ?? null, truth[i]);
    }
    headAccuracy.knn = total / m;
  }

  const vote = headAccuracy['cluster-vote'];
  const knn = headAccuracy.knn;
  if (knn !== undefined && (vote === undefined || knn > vote)) return { head: 'knn', headAccuracy };
  return { head: vote === undefined ? 'none' : 'cluster-vote', headAccuracy };
}

/** At least two labels occur and each occurring label has >= minPerClass examples. */
function enoughForKnn(L: number, labelIndices: readonly (readonly number[])[], minPerClass: number): boolean {
  const counts = new Array<number>(L).fill(0);
  for (const idx of labelIndices) for (const l of idx) counts[l]++;
  const present = counts.filter((c) => c > 0);
  return present.length >= 2 && present.every((c) => c >= minPerClass);
}
