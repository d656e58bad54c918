/**
 * Reading the labels a person chose out of a serialised annotation, for the learner.
 */

import type { ChoicesControl } from './label-config.ts';

/** Chosen labels per Choices control name, e.g. `{organism_type: ['Plankton'], shape: ['Round']}`. */
export type ControlLabels = Record<string, string[]>;

/**
 * The learner's class for "this control was left empty" (issue 17): scientists leave life form
 * and shape empty for what is not plankton, and that is an answer to learn and suggest like any
 * other. Parentheses keep it apart from real choice values; suggesting it means no result for
 * the control. Never written to Label Studio.
 */
export const EMPTY_CHOICE = '(empty)';

/**
 * An annotation's labels for the controls of one Image, with every control it left empty
 * answered `EMPTY_CHOICE`; an annotation that chose nothing at all stays empty (it says nothing).
 * Controls with dynamic choices (labels from the task) are left out of this: their classes are
 * not known in advance.
 */
export function withEmptyAnswers(labels: Readonly<ControlLabels>, controls: readonly Pick<ChoicesControl, 'name' | 'labels'>[]): ControlLabels {
  const out: ControlLabels = {};
  for (const [name, values] of Object.entries(labels)) if (values.length > 0) out[name] = [...values];
  if (Object.keys(out).length === 0) return out;
  for (const control of controls) {
    if (control.labels.length > 0 && !control.labels.includes(EMPTY_CHOICE) && !out[control.name]) out[control.name] = [EMPTY_CHOICE];
  }
  return out;
}

/**
 * The choices in an annotation, per control.
 *
 * Accepts the result array itself or an annotation object holding `result` (a JSON string of
 * either also works, as some export paths hand results over serialised). Only whole-image
 * `choices` results count: other types (textarea, rectanglelabels…) and per-region choices
 * (which carry a `parent_id` or region geometry) are skipped, as is a cancelled (skipped)
 * annotation. Several results for one control are merged without duplicates.
 *
 * @param controls  when given, only these controls are kept and labels they do not have are
 *                  dropped, so a stale annotation made under an older config cannot teach the
 *                  learner a label that no longer exists.
 */
export function labelsFromAnnotation(annotation: unknown, controls?: readonly ChoicesControl[]): ControlLabels {
  let value = annotation;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return {};
    }
  }
  let items: unknown[];
  if (Array.isArray(value)) {
    items = value;
  } else if (isRecord(value) && Array.isArray(value.result)) {
    if (value.was_cancelled === true) return {};
    items = value.result;
  } else {
    return {};
  }

  const allowed = controls ? new Map(controls.map((c) => [c.name, c])) : null;
  const out: ControlLabels = {};
  for (const item of items) {
    if (!isRecord(item) || item.type !== 'choices' || typeof item.from_name !== 'string') continue;
    if (isPerRegion(item)) continue;
    const v = item.value;
    if (!isRecord(v) || !Array.isArray(v.choices)) continue;
    const control = allowed?.get(item.from_name);
    if (allowed && !control) continue;
    const labels = v.choices.filter(
      (c): c is string => typeof c === 'string' && (!control || control.labels.length === 0 || control.labels.includes(c)),
    );
    if (labels.length === 0) continue;
    const list = (out[item.from_name] ??= []);
    for (const label of labels) if (!list.includes(label)) list.push(label);
  }
  return out;
}

function isPerRegion(item: Record<string, unknown>): boolean {
  if (typeof item.parent_id === 'string' && item.parent_id !== '') return true;
  const v = item.value as Record<string, unknown>;
  return 'x' in v || 'start' in v || 'points' in v;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
