import type { LabelledItem } from './fitted-state.ts';

/**
 * One Choices control answered through another: in every annotation that labels both, the
 * value of `from` fixed the value of `to` (a taxon fixes "living / non-living"; a morphology
 * class fixes its life form). Then the suggestion for `to` is read off the suggestion for `from`
 * instead of being learnt on its own.
 *
 * Why: the finer control's head separates the images better than a coarse head trained on the
 * same few labels, and the two suggestions can no longer contradict each other ("Copepod" with
 * "Debris"). Measured on ndsb-dev (bench --quality, 10 labels per class): living vs non-living
 * from the class head against the organism-type control's own head, see models/README.md.
 */
export interface Implication {
  /** The finer control whose probabilities are used. */
  from: string;
  /** For each label index of `from`: the label index of `to` it fixed, or -1 when never seen together. */
  map: number[];
}

/** Fewest annotations labelling both controls before a dependency is trusted. */
export const MIN_SHARED_ITEMS = 10;

interface ControlLabels {
  control: string;
  labels: readonly string[];
  multiple: boolean;
}

/**
 * The implications that hold in the labelled items: for each single-choice control `to`, the
 * single-choice control `from` with the most labels such that every item labelling both has
 * one `to` value per `from` value, at least MIN_SHARED_ITEMS such items, and `from` finer
 * than `to` (more distinct values seen). A single contradicting annotation removes the
 * dependency, so a team that does not use the controls hierarchically gets the own heads.
 */
export function findImplications(controls: readonly ControlLabels[], items: Iterable<LabelledItem>): Map<string, Implication> {
  const single = controls.filter((c) => !c.multiple);
  const list = [...items];
  const out = new Map<string, Implication>();
  for (const to of single) {
    let best: { implication: Implication; labels: number } | undefined;
    for (const from of single) {
      if (from.control === to.control || from.labels.length <= to.labels.length) continue;
      const implication = dependency(from, to, list);
      if (implication && (!best || from.labels.length > best.labels)) best = { implication, labels: from.labels.length };
    }
    if (best) out.set(to.control, best.implication);
  }
  return out;
}

function dependency(from: ControlLabels, to: ControlLabels, items: readonly LabelledItem[]): Implication | null {
  const map = new Array<number>(from.labels.length).fill(-1);
  let shared = 0;
  for (const item of items) {
    const a = item.labels[from.control]?.[0];
    const b = item.labels[to.control]?.[0];
    if (a === undefined || b === undefined) continue;
    const ai = from.labels.indexOf(a);
    const bi = to.labels.indexOf(b);
    if (ai < 0 || bi < 0) continue;
    if (map[ai] >= 0 && map[ai] !== bi) return null;
    map[ai] = bi;
    shared++;
  }
  const fromSeen = map.filter((m) => m >= 0).length;
  const toSeen = new Set(map.filter((m) => m >= 0)).size;
  if (shared < MIN_SHARED_ITEMS || fromSeen <= toSeen) return null;
  return { from: from.control, map };
}

/**
 * Probabilities of `to` from those of `from`: each `from` label's probability goes to the `to`
 * label it fixed; the share of `from` labels never seen with `to` goes to `own` (the control's
 * own head), or is spread evenly when it has none.
 */
export function impliedProbabilities(implication: Implication, fromProbabilities: ArrayLike<number>, own: ArrayLike<number> | null, toLabels: number): Float64Array {
  const out = new Float64Array(toLabels);
  let unmapped = 0;
  implication.map.forEach((to, from) => {
    if (to >= 0) out[to] += fromProbabilities[from];
    else unmapped += fromProbabilities[from];
  });
  if (unmapped > 0) for (let l = 0; l < toLabels; l++) out[l] += unmapped * (own ? own[l] : 1 / toLabels);
  return out;
}
