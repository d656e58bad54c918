/**
 * The plugin's status in the annotator's words: what is suggested for which control (as the
 * config titles it), how sure in a word and a score, and why ("like 7 images you labelled
 * Plankton"). The engine's own terms (clusters, heads, fit counters, timings) only appear in
 * the details lines, for whoever asks. Pure functions of the status, no DOM: the badge and the
 * demo render them, the unit tests read them.
 */
import type { EngineInfo } from '../embedding/worker-protocol.ts';
import type { ControlSuggestionStatus, PluginStatus, SuggestionStatus } from './status.ts';

/** Sureness words, from the score up: the first whose floor the score reaches. */
export const SURENESS_WORDS: ReadonlyArray<{ floor: number; word: string }> = Object.freeze([
  { floor: 0.85, word: 'sure' },
  { floor: 0.65, word: 'fairly sure' },
  { floor: 0.45, word: 'unsure' },
  { floor: 0, word: 'a guess' },
]);

/** "fairly sure" for 0.72: how sure a score is, in a word. */
export function surenessWord(score: number): string {
  const s = Number.isFinite(score) ? score : 0;
  return (SURENESS_WORDS.find((w) => s >= w.floor) ?? SURENESS_WORDS[SURENESS_WORDS.length - 1]).word;
}

/** "72%" for 0.72. */
export function percent(score: number): string {
  return `${Math.round((Number.isFinite(score) ? score : 0) * 100)}%`;
}

/** The control as the annotator sees it: its Header in the config, else its name. */
export function controlTitle(control: Pick<ControlSuggestionStatus, 'control' | 'title'>): string {
  return control.title?.trim() || control.control;
}

/** "Organism type: Plankton, fairly sure (72%)". */
export function suggestionLine(control: ControlSuggestionStatus): string {
  return `${controlTitle(control)}: ${control.choices.join(', ')}, ${surenessWord(control.score)} (${percent(control.score)})`;
}

/**
 * "like 7 images you labelled Plankton": the labels people gave to images that look alike (the
 * same cluster), when the suggested choices include the most common of them; else undefined.
 */
export function whyLine(control: ControlSuggestionStatus): string | undefined {
  const support = control.support;
  if (!support || support.count < 1 || !control.choices.includes(support.label)) return undefined;
  const images = support.count === 1 ? 'image' : 'images';
  const others = support.labelled - support.count;
  const rest = others > 0 ? ` (and ${others} labelled otherwise)` : '';
  return `like ${support.count} ${images} you labelled ${support.label}${rest}`;
}

const HEAD_WORDS: Record<string, string> = {
  'cluster-vote': 'vote of its cluster',
  knn: 'nearest labelled neighbours',
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

/** What the badge says over a suggestion made before the last refit. */
export const STALE_SUGGESTION = 'Clusters were refitted since: this suggestion is from before. Reopen the task for a new one.';
