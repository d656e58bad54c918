/**
 * Quality measures of the benchmark, on feature vectors of a labelled dataset:
 *  - leave-one-out 1-NN accuracy (features z-scored then L2-normalised: the learner's space);
 *  - the plugin's own learner (src/cluster/learner.ts, the code the browser runs) after n labels
 *    per class, mean over seeded random draws: the rest of the images are suggested and scored;
 *  - living vs non-living through the seed config's organism-type control;
 *  - calibration of the suggestion scores: expected calibration error and a reliability table.
 */
import { applyScaling, fitScaling } from '../src/cluster/feature-scaling.ts';
import { normalise, dot } from '../src/cluster/knn-head.ts';
import { Learner } from '../src/cluster/learner.ts';
import type { ChoicesControl } from '../src/cluster/learner-options.ts';
import { packRows } from '../src/cluster/matrix.ts';
import { createRng } from '../src/cluster/rng.ts';
import { parseLabelConfig } from '../src/labelstudio/label-config.ts';
import { SEED_LABEL_CONFIG } from '../src/labelstudio/seed-config.ts';
import { Window } from 'happy-dom';

/** Clusters of the plugin's default options (src/plugin/options.ts). */
export const PLUGIN_K = 6;

/** z-score over the set, then unit length (what the learner's kNN compares after a fit). */
export function learnerSpace(rows: readonly Float32Array[]): Float32Array[] {
  const scaling = fitScaling(packRows(rows));
  return rows.map((r) => normalise(applyScaling(r, scaling)));
}

/** Fraction of items whose most similar other item has the same class. */
export function looOneNn(rows: readonly Float32Array[], labels: readonly number[]): number {
  const unit = learnerSpace(rows);
  let right = 0;
  for (let i = 0; i < unit.length; i++) {
    let best = -Infinity;
    let bestJ = -1;
    for (let j = 0; j < unit.length; j++) {
      if (j === i) continue;
      const s = dot(unit[i], unit[j]);
      if (s > best) {
        best = s;
        bestJ = j;
      }
    }
    if (labels[bestJ] === labels[i]) right++;
  }
  return right / unit.length;
}

/** The seed config's organism-type control, and how a living / non-living group maps onto it. */
export function organismTypeControl(): { control: ChoicesControl; living: string; nonLiving: string } {
  // The config parser uses the browser's DOMParser; Node has none, happy-dom provides one.
  globalThis.DOMParser ??= new Window().DOMParser as unknown as typeof DOMParser;
  const parsed = parseLabelConfig(SEED_LABEL_CONFIG).controls.find((c) => c.name === 'organism_type');
  if (!parsed) throw new Error('seed config has no organism_type control');
  return {
    control: { name: parsed.name, labels: parsed.labels, multiple: parsed.choice === 'multiple' },
    living: 'Plankton',
    nonLiving: 'Debris',
  };
}

/** One suggestion scored against the truth: its score and whether it was right. */
export interface ScoredSuggestion {
  score: number;
  correct: boolean;
}

export interface DrawResult {
  /** Class accuracy on the unlabelled items (no suggestion counts as wrong). */
  accuracy: number;
  /** Living / non-living accuracy through organism_type, when groups are known. */
  livingAccuracy?: number;
  scored: ScoredSuggestion[];
  /** Head that answered the class control. */
  head: string;
  /** Class accuracy on the first `FIRST_OPENS` unlabelled items in a seeded random order (the first tasks a person opens). */
  firstOpensAccuracy: number;
}

/** How many opened tasks the fresh-browser row scores (issue 17: "its first 10 opens"). */
export const FIRST_OPENS = 10;

/**
 * One draw of the labelled images: `n` per class (never a whole class, so each keeps one image to
 * score), by a seeded Fisher-Yates shuffle per class. Shared by the learner's draws and the
 * majority-group baseline so both score the same unlabelled images; the generator is handed back
 * because the learner's draw goes on to order the first opens with the same stream.
 */
function drawLabelled(classes: readonly string[], labels: readonly number[], n: number, seed: number): { labelled: Set<number>; rng: ReturnType<typeof createRng> } {
  const rng = createRng(seed);
  const byClass = classes.map(() => [] as number[]);
  labels.forEach((l, i) => byClass[l].push(i));
  const labelled = new Set<number>();
  for (const members of byClass) {
    const shuffled = [...members];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    for (const i of shuffled.slice(0, Math.min(n, members.length - 1))) labelled.add(i);
  }
  return { labelled, rng };
}

/**
 * One draw: n labelled items per class (fewer when a class is small: at least one stays
 * unlabelled), the learner fitted on every embedding (a project's tasks are all embedded), the
 * labels set as annotations would set them, and every other item suggested.
 */
export async function learnerDraw(
  rows: readonly Float32Array[],
  classes: readonly string[],
  labels: readonly number[],
  groups: readonly (string | undefined)[] | undefined,
  n: number,
  seed: number,
  options: {
    k?: number;
    probe?: boolean;
    /**
     * What the scaling and clusters are fitted on: "all" (a pre-annotated browser: every task
     * embedded) or "labelled" (a colleague's fresh browser: only the team's labelled images
     * embedded yet).
     */
    fitOn?: 'all' | 'labelled';
  } = {},
): Promise<DrawResult> {
  const { labelled, rng } = drawLabelled(classes, labels, n, seed);
  const organism = organismTypeControl();
  const controls: ChoicesControl[] = [{ name: 'class', labels: [...classes], multiple: false }];
  if (groups) controls.push(organism.control);
  const learner = new Learner(null, { project: 'bench', modelId: 'bench', dim: rows[0].length, controls, k: options.k ?? PLUGIN_K, probe: options.probe });
  const fitRows = options.fitOn === 'labelled' ? [...labelled].map((i) => rows[i]) : (rows as Float32Array[]);
  // The learner needs at least k embeddings to fit its clusters; fewer labels than that and it
  // works without clusters (k-means is not needed by the probe and kNN heads).
  if (fitRows.length >= (options.k ?? PLUGIN_K)) await learner.refit(fitRows);
  for (const i of labelled) {
    const l: Record<string, string[]> = { class: [classes[labels[i]]] };
    if (groups) l.organism_type = [groups[i] === 'living' ? organism.living : organism.nonLiving];
    learner.setLabels(`item-${i}`, rows[i], l);
  }
  let right = 0;
  let livingRight = 0;
  let total = 0;
  const scored: ScoredSuggestion[] = [];
  for (let i = 0; i < rows.length; i++) {
    if (labelled.has(i)) continue;
    total++;
    const suggestions = learner.suggest(rows[i]);
    const cls = suggestions.find((s) => s.control === 'class');
    const correct = cls?.choices[0] === classes[labels[i]];
    if (correct) right++;
    if (cls) scored.push({ score: cls.score, correct });
    if (groups) {
      const org = suggestions.find((s) => s.control === 'organism_type');
      const saysLiving = org?.choices[0] === organism.living;
      if (org && saysLiving === (groups[i] === 'living')) livingRight++;
    }
  }
  const head = learner.toState().controls.class.head;
  // The first tasks opened: a seeded order of the unlabelled items (the same rng stream per seed).
  const unlabelled = rows.map((_, i) => i).filter((i) => !labelled.has(i));
  for (let i = unlabelled.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [unlabelled[i], unlabelled[j]] = [unlabelled[j], unlabelled[i]];
  }
  const opens = unlabelled.slice(0, FIRST_OPENS);
  const firstRight = opens.filter((i) => learner.suggest(rows[i]).find((s) => s.control === 'class')?.choices[0] === classes[labels[i]]).length;
  return { accuracy: right / total, livingAccuracy: groups ? livingRight / total : undefined, scored, head, firstOpensAccuracy: firstRight / opens.length };
}

export interface ReliabilityBin {
  /** Lower edge of the score bin (bins are [lo, lo + 0.1), the last includes 1). */
  lo: number;
  count: number;
  meanScore: number;
  accuracy: number;
}

/** Expected calibration error over 10 equal-width score bins, and the bins themselves. */
export function calibration(scored: readonly ScoredSuggestion[], bins = 10): { ece: number; table: ReliabilityBin[] } {
  const table: ReliabilityBin[] = Array.from({ length: bins }, (_, b) => ({ lo: b / bins, count: 0, meanScore: 0, accuracy: 0 }));
  for (const s of scored) {
    const b = table[Math.min(bins - 1, Math.floor(s.score * bins))];
    b.count++;
    b.meanScore += s.score;
    b.accuracy += s.correct ? 1 : 0;
  }
  let ece = 0;
  for (const b of table) {
    if (b.count === 0) continue;
    b.meanScore /= b.count;
    b.accuracy /= b.count;
    ece += (b.count / scored.length) * Math.abs(b.accuracy - b.meanScore);
  }
  return { ece, table };
}

/**
 * Living vs non-living accuracy of a constant answer (the larger group among the unlabelled
 * items) on the same draw as `learnerDraw` with the same seed: the floor a useful suggestion
 * must beat.
 */
export function majorityGroupAccuracy(
  classes: readonly string[],
  labels: readonly number[],
  groups: readonly (string | undefined)[],
  n: number,
  seed: number,
): number {
  const { labelled } = drawLabelled(classes, labels, n, seed);
  let living = 0;
  let total = 0;
  groups.forEach((g, i) => {
    if (labelled.has(i)) return;
    total++;
    if (g === 'living') living++;
  });
  return Math.max(living, total - living) / total;
}
