/**
 * Lets the linear probe (probe-head.ts) compete with cluster voting and kNN (head-selection.ts)
 * for a single-choice control, by measured accuracy: the probe's k-fold cross-validated
 * accuracy against the others' leave-one-out accuracy, the same exact-match measure.
 *
 * Ties, and the case where nothing can be measured yet (one label per class: no held-out
 * example has a classmate in training), go to the probe: on real plankton (bench/quality.ts,
 * ndsb-dev) it was the most accurate head at every number of labels per class measured. The
 * probe trains on at most PROBE_MAX_EXAMPLES examples (the most recent ones) so that head
 * selection stays well under a second as a project grows.
 */
import type { ControlState } from './fitted-state.ts';
import type { ControlExamples } from './head-selection.ts';
import { fitProbe, type ProbeWeights } from './probe-head.ts';

/**
 * Cap on the probe's training set: cost grows with its square (about 0.1-0.3 s at 240 on a
 * 2-core VM, 12 labels, 1792-d; see bench/quality.ts).
 */
export const PROBE_MAX_EXAMPLES = 300;

/**
 * The head of one control, given what selectHead chose.
 * @param units unit feature vectors of all labelled items (rows of `similarity`).
 */
export function choosePrimaryHead(
  control: ControlState,
  examples: ControlExamples,
  chosen: Pick<ControlState, 'head' | 'headAccuracy'>,
  units: readonly Float32Array[],
  similarity: Float32Array,
  size: number,
): { choice: Pick<ControlState, 'head' | 'headAccuracy'>; probe?: ProbeWeights } {
  if (control.multiple || examples.labelIndices.length === 0) return { choice: chosen };
  const present = new Set(examples.labelIndices.map((idx) => idx[0]));
  if (present.size < 2) return { choice: chosen };
  const start = Math.max(0, examples.rows.length - PROBE_MAX_EXAMPLES);
  const rows = examples.rows.slice(start);
  const y = examples.labelIndices.slice(start).map((idx) => idx[0]);
  const fit = fitProbe(units, rows, y, control.labels.length, similarity, size);
  const headAccuracy = { ...chosen.headAccuracy, probe: fit.accuracy };
  const others = Math.max(chosen.headAccuracy['cluster-vote'] ?? 0, chosen.headAccuracy.knn ?? 0);
  if (fit.accuracy >= others) return { choice: { head: 'probe', headAccuracy }, probe: fit.probe };
  return { choice: { head: chosen.head, headAccuracy } };
}
