/**
 * The plugin's status in the annotator's words: what is suggested for which control (as the
 * config titles it), how sure in a word and a score, and why ("like 7 images you labelled
 * Plankton"). The engine's own terms (clusters, heads, fit counters, timings) only appear in
 * the details lines, for whoever asks. Pure functions of the status, no DOM: the badge and the
 * demo render them, the unit tests read them.
 */
import type { EngineInfo } from '../embedding/worker-protocol.ts';
import { EMPTY_CHOICE } from '../labelstudio/annotation-labels.ts';
import type { ControlSuggestionStatus, PluginStatus, SuggestionStatus } from './status.ts';

/** Sureness words, from the score up: the first whose floor the score reaches. */
export const SURENESS_WORDS: ReadonlyArray<{ floor: number; word: string }> = Object.freeze([
  { floor: 0.85, word: 'sure' },
  { floor: 0.65, word: 'fairly sure' },
  { floor: 0.45, word: 'unsure' },
  { floor: 0, word: 'a guess' },
]);

/**
 * Labels of the suggested class needed before a score may be called "sure" / "fairly sure".
 * Why these: the scores' calibration (a 0.8 right about 8 times in 10, expected calibration
 * error 0.025; bench/README.md) was measured with 5 and 10 labels per class. Below that a
 * high score comes from a cluster or neighbours holding one or two examples, Laplace smoothing
 * barely tempers it, and nothing measured says it is right as often as it claims ("Debris, sure
 * (89 %)" after a single Debris label). So: "sure" from 10 labels of the class, "fairly sure"
 * from 5, and below 5 at most "a guess", however high the score.
 */
export const SURE_MIN_LABELS = 10;
export const FAIRLY_SURE_MIN_LABELS = 5;

/**
 * "fairly sure" for 0.72: how sure a score is, in a word; capped by how many labels of the
 * suggested class the learner has (`classCount`, unknown = no cap), see SURE_MIN_LABELS.
 */
export function surenessWord(score: number, classCount = Number.POSITIVE_INFINITY): string {
  const s = Number.isFinite(score) ? score : 0;
  let word = (SURENESS_WORDS.find((w) => s >= w.floor) ?? SURENESS_WORDS[SURENESS_WORDS.length - 1]).word;
  if (word === 'sure' && classCount < SURE_MIN_LABELS) word = 'fairly sure';
  if ((word === 'fairly sure' || word === 'unsure') && classCount < FAIRLY_SURE_MIN_LABELS) word = 'a guess';
  return word;
}

/** "72%" for 0.72. */
export function percent(score: number): string {
  return `${Math.round((Number.isFinite(score) ? score : 0) * 100)}%`;
}

/** The control as the annotator sees it: its Header in the config, else its name. */
export function controlTitle(control: Pick<ControlSuggestionStatus, 'control' | 'title'>): string {
  return control.title?.trim() || control.control;
}

/** What an empty suggestion says for a control. */
export const LEAVE_EMPTY = 'leave empty';

/**
 * "Organism type: Plankton, fairly sure (72%)"; "Life form: leave empty, a guess (60%)"; with
 * few labels of the class, how few ("only 1 labelled so far").
 */
export function suggestionLine(control: ControlSuggestionStatus): string {
  const what = control.empty ? LEAVE_EMPTY : control.choices.join(', ');
  const count = control.classCount;
  const few = count !== undefined && count < FAIRLY_SURE_MIN_LABELS
    ? ` · only ${count} ${control.empty ? 'left empty' : 'labelled'} so far`
    : '';
  return `${controlTitle(control)}: ${what}, ${surenessWord(control.score, count)} (${percent(control.score)})${few}`;
}

/**
 * "like 7 images you labelled Plankton" (this browser's labels only), "like 7 images your team
 * labelled Plankton" (labels read from Label Studio: the team's, the person's own among them),
 * "like 5 images your team left empty": the labels people gave to images that look alike (the
 * same cluster), when the suggestion is the most common of them; else undefined.
 */
export function whyLine(control: ControlSuggestionStatus): string | undefined {
  const support = control.support;
  if (!support || support.count < 1) return undefined;
  const agrees = control.empty ? support.label === EMPTY_CHOICE : control.choices.includes(support.label);
  if (!agrees) return undefined;
  const images = support.count === 1 ? 'image' : 'images';
  const others = support.labelled - support.count;
  const rest = others > 0 ? ` (and ${others} labelled otherwise)` : '';
  const who = support.who === 'team' ? 'your team' : 'you';
  const did = control.empty ? 'left empty' : `labelled ${support.label}`;
  return `like ${support.count} ${images} ${who} ${did}${rest}`;
}

const HEAD_WORDS: Record<string, string> = {
  'cluster-vote': 'vote of its cluster',
  knn: 'nearest labelled neighbours',
  implied: 'read off the finer control it always follows',
};

/** Details for whoever asks: "cluster 3 · vote of its cluster". */
export function suggestionDetails(control: ControlSuggestionStatus): string {
  const cluster = control.cluster >= 0 ? `cluster ${control.cluster}` : 'no clusters yet';
  return `${controlTitle(control)}: ${cluster} · ${HEAD_WORDS[control.head] ?? control.head}`;
}

/**
 * True when the clusters were refitted after the suggestion on screen was made (the suggestion
 * carries this browser's fit counter; the model version no longer does: it is shared by browsers).
 */
export function isStale(suggestion: Pick<SuggestionStatus, 'fitVersion'>, learning: PluginStatus['learning']): boolean {
  return learning !== undefined && learning.fitVersion > suggestion.fitVersion;
}

/** "ResNet18 (untrained, seeded weights)"; names of untrained models say so even when the manifest's name does not. */
export function modelWords(engine: Pick<EngineInfo, 'modelName' | 'trained'> | undefined): string {
  if (!engine) return 'loading the model…';
  return engine.trained || /untrained/i.test(engine.modelName) ? engine.modelName : `${engine.modelName} (untrained)`;
}

/**
 * The demo's model note, for any model: what it is and where its suggestions come from.
 * Plain text (no Markdown): it is shown as is.
 */
export function modelNote(engine: Pick<EngineInfo, 'modelName' | 'trained'> | undefined): string {
  if (!engine) return 'Loading the model…';
  return engine.trained
    ? `Model: ${engine.modelName}. Suggestions combine what it learnt in training with what you label here.`
    : `Model: ${modelWords(engine)}. It knows nothing of plankton by itself: suggestions come from what you label here.`;
}

/** "12 images labelled" (what the learner has to go on). */
export function learningLine(learning: NonNullable<PluginStatus['learning']>): string {
  return learning.labelled === 1 ? '1 image labelled' : `${learning.labelled} images labelled`;
}

/** Details: "k-means: 6 clusters, fit 3". */
export function learningDetails(learning: NonNullable<PluginStatus['learning']>): string {
  return `k-means: ${learning.k} clusters, fit ${learning.fitVersion}`;
}

/** Details: "from the cache · 12 ms · mobilenet-v2-1.4-nsfwjs-u8+kmeans6@20261128T094112123Z.0a1b2c3d4e". */
export function timingDetails(suggestion: SuggestionStatus): string {
  const source = suggestion.cacheHit === 'none' ? 'image embedded' : 'from the cache';
  return `${source} · ${Math.round(suggestion.taskToSuggestionMs)} ms · ${suggestion.modelVersion}`;
}

/** What the badge says when a task has no suggestion for any control. */
export const NO_SUGGESTION_YET = 'No suggestion yet: label a few images and it will learn.';

/**
 * The first step, when the project has no labels at all: what to do, and when suggestions
 * start (with the first labels, for images that look like them; about 5 per class before they
 * are worth a glance, FAIRLY_SURE_MIN_LABELS).
 */
export const FIRST_STEP =
  `No labels yet: label a few images of each class. Suggestions start after the first labels, and get useful at about ${FAIRLY_SURE_MIN_LABELS} per class.`;

/** The pill's words with no labels yet. */
export const FIRST_STEP_SHORT = 'cyto-ml: label a few images to start';

/** What the badge says over a suggestion made before the last refit. */
export const STALE_SUGGESTION = 'Clusters were refitted since: this suggestion is from before. Reopen the task for a new one.';
