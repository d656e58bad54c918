import type { ControlState } from './fitted-state.ts';

/**
 * Turning per-label probabilities into choices, shared by all heads so that they decide alike.
 * Single choice: the most probable label (first in config order on ties).
 * Multiple choice: every label with probability >= threshold; none passing means no suggestion.
 * @returns the chosen labels and score, or null.
 */
export function decide(
  control: Pick<ControlState, 'labels' | 'multiple'>,
  probabilities: ArrayLike<number>,
  threshold: number,
): { choices: string[]; score: number } | null {
  if (!control.multiple) {
    let best = 0;
    for (let l = 1; l < control.labels.length; l++) if (probabilities[l] > probabilities[best]) best = l;
    return { choices: [control.labels[best]], score: probabilities[best] };
  }
  const choices: string[] = [];
  let total = 0;
  control.labels.forEach((label, l) => {
    if (probabilities[l] >= threshold) {
      choices.push(label);
      total += probabilities[l];
    }
  });
  return choices.length ? { choices, score: total / choices.length } : null;
}

/**
 * Posterior label probabilities of one cluster with additive smoothing `alpha`, or null for a
 * cluster without labelled members (it suggests nothing rather than guessing).
 * Single choice: (count + alpha) / (items + alpha * L), a distribution over labels.
 * Multiple choice: (count + alpha) / (items + 2 alpha), each label present-or-not on its own.
 * `exclude` removes one item's own labels first (leave-one-out).
 */
export function clusterProbabilities(
  state: ControlState,
  cluster: number,
  alpha: number,
  exclude?: readonly number[],
): Float64Array | null {
  if (cluster < 0 || cluster >= state.clusterItemCounts.length) return null;
  const counts = state.clusterLabelCounts[cluster];
  const items = state.clusterItemCounts[cluster] - (exclude ? 1 : 0);
  if (items <= 0) return null;
  const L = state.labels.length;
  const out = new Float64Array(L);
  const denominator = state.multiple ? items + 2 * alpha : items + alpha * L;
  for (let l = 0; l < L; l++) out[l] = (counts[l] + alpha) / denominator;
  if (exclude) for (const l of exclude) out[l] -= 1 / denominator;
  return out;
}

/** Jaccard similarity of a suggestion with the true labels (1 = exact); no suggestion scores 0. */
export function jaccard(predicted: readonly string[] | null, truth: readonly string[]): number {
  if (!predicted) return 0;
  const t = new Set(truth);
  const p = new Set(predicted);
  let both = 0;
  for (const v of p) if (t.has(v)) both++;
  const union = t.size + p.size - both;
  return union === 0 ? 1 : both / union;
}
