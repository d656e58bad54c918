/**
 * Building Label Studio predictions from per-control suggestions. The shape is the one
 * DESIGN §3 gives: anything else (wrong `type` case, `text` instead of `value.choices`, names
 * not matching the config) is accepted by Label Studio and silently shown as nothing, so every
 * rule here is checked and violations throw instead.
 */

import { controlVisible, type ChoicesControl } from './label-config.ts';
import type { ChoicesResult, Prediction } from './types.ts';

/** What the model suggests for one Choices control. */
export interface ControlSuggestion {
  control: ChoicesControl;
  /** Suggested labels (result values: a choice's alias or value); empty = no suggestion. */
  choices: string[];
  /** Confidence in 0..1. */
  score: number;
}

/**
 * The suggestions Label Studio would show together: a control whose visibility condition
 * (`visibleWhen="choice-selected"`, `whenTagName`, `whenChoiceValue`) the other suggestions do
 * not meet is dropped (no life form for something suggested Not-plankton), and so, in turn, are
 * the controls that depended on a dropped one. Order is kept.
 */
export function honourConditions<T extends { control: Pick<ChoicesControl, 'name' | 'conditions'>; choices: readonly string[] }>(suggestions: readonly T[]): T[] {
  let kept = [...suggestions];
  for (;;) {
    const chosen = Object.fromEntries(kept.map((s) => [s.control.name, s.choices]));
    const next = kept.filter((s) => controlVisible(s.control, chosen));
    if (next.length === kept.length) return kept;
    kept = next;
  }
}

/** A suggestion Label Studio would not show or would misread. */
export class PredictionError extends Error {
  override readonly name = 'PredictionError';
}

/**
 * Build one prediction for a task: one `choices` result per control that has a suggestion.
 *
 * The prediction-level `score` is the **mean** of the per-result scores: Label Studio sorts and
 * filters tasks by it, and a mean ranks a task whose controls are mostly confident above one
 * that is unsure everywhere, where a min would let one weak control (often a rarely used
 * multiple-choice one) pull every task to the bottom. Per-result scores keep the detail.
 *
 * @param taskId  the task's id; with the control name it seeds each result's stable `id`.
 * @returns the prediction, or null when no control has a suggestion (an empty prediction would
 *          still count as "predicted by this model_version" and block a later real one).
 * @throws PredictionError for an empty/"undefined" model_version, a score outside 0..1, a label
 *         the control does not have, several labels for a single-choice control, or two
 *         suggestions for the same control.
 */
export function buildPrediction(
  taskId: number | string,
  suggestions: readonly ControlSuggestion[],
  modelVersion: string,
): Prediction | null {
  if (typeof modelVersion !== 'string' || modelVersion.trim() === '' || modelVersion === 'undefined') {
    throw new PredictionError(
      `model_version must be a non-empty string naming the model (got ${JSON.stringify(modelVersion)}); ` +
        'Label Studio shows it as the prediction author and skips tasks already predicted by it.',
    );
  }
  const seen = new Set<string>();
  const result: ChoicesResult[] = [];
  for (const { control, choices, score } of suggestions) {
    if (seen.has(control.name)) {
      throw new PredictionError(`Two suggestions for control "${control.name}"; give at most one per control.`);
    }
    seen.add(control.name);
    if (choices.length === 0) continue;
    validateChoices(control, choices);
    if (!Number.isFinite(score) || score < 0 || score > 1) {
      throw new PredictionError(`Score for "${control.name}" must be a number in 0..1 (got ${score}).`);
    }
    result.push({
      id: resultId(taskId, control.name),
      from_name: control.name,
      to_name: control.toName,
      type: 'choices',
      value: { choices: [...choices] },
      score,
    });
  }
  if (result.length === 0) return null;
  const score = result.reduce((sum, r) => sum + (r.score ?? 0), 0) / result.length;
  return { model_version: modelVersion, score, result };
}

/**
 * A short result id (10 characters of `[A-Za-z0-9_-]`, like the editor's own), the same for the
 * same (task, control) every time, so re-predicting a task yields identical JSON and the
 * editor keeps its selection when a prediction is swapped for a newer one.
 */
export function resultId(taskId: number | string, controlName: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
  const key = `${taskId}\u0000${controlName}`;
  // Two FNV-1a passes with different offsets give 64 bits, of which 60 are used.
  let a = fnv1a(key, 0x811c9dc5);
  let b = fnv1a(key, 0x01000193 ^ 0x9e3779b9);
  let id = '';
  for (let i = 0; i < 10; i++) {
    const source = i < 5 ? a : b;
    id += alphabet[source & 63];
    if (i < 5) a >>>= 6;
    else b >>>= 6;
  }
  return id;
}

function validateChoices(control: ChoicesControl, choices: readonly string[]): void {
  if (control.choice !== 'multiple' && choices.length > 1) {
    throw new PredictionError(
      `Control "${control.name}" is choice="${control.choice}" but got ${choices.length} labels ` +
        `(${choices.join(', ')}); suggest one.`,
    );
  }
  // Dynamic choices come from the task, not the config: nothing to check against here.
  if (control.dynamicOptionsKey !== null && control.labels.length === 0) return;
  const unknown = choices.filter((c) => !control.labels.includes(c));
  if (unknown.length > 0) {
    throw new PredictionError(
      `Control "${control.name}" has no label ${unknown.map((u) => JSON.stringify(u)).join(', ')}; ` +
        `valid labels: ${control.labels.map((l) => JSON.stringify(l)).join(', ')}.`,
    );
  }
}

function fnv1a(text: string, offset: number): number {
  let h = offset >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
