/**
 * The only file that touches Label Studio's editor store (mobx-state-tree objects from the
 * editor bundle, untyped). It states the few members we rely on, which have been stable from
 * editor 1.4 to current (DESIGN §3): `annotationStore.{selected, annotations, predictions,
 * addPrediction, selectPrediction, selectAnnotation}`, `annotation.names.get(name)`, a Choices
 * tag's `setResult` / `updateResult` / `selectedValues`, and `annotation.serializeAnnotation()`.
 */
import type { Prediction } from '../labelstudio/types.ts';

export interface ChoicesTagLike {
  type?: string;
  selectedValues(): string[];
  setResult(values: string[]): void;
  updateResult(): void;
}

export interface AnnotationLike {
  id: string;
  pk?: string | null;
  type: 'annotation' | 'prediction' | string;
  names: { get(name: string): unknown };
  results?: Array<{ from_name?: { name?: string } | string }>;
  serializeAnnotation?: () => unknown[];
  /** `hidden` (editor 1.4 on): load without touching the control tags' shared selection. */
  deserializeResults(results: unknown[], options?: { hidden?: boolean }): void;
  /** Pushes this entity's results into the (shared) control tags' selection state. */
  updateObjects?(): void;
  createdBy?: string;
}

export interface AnnotationStoreLike {
  selected: AnnotationLike | null;
  annotations: AnnotationLike[];
  predictions: Array<AnnotationLike & { createdBy?: string }>;
  addPrediction(options: Record<string, unknown>): AnnotationLike;
  selectPrediction(id: string): AnnotationLike;
  selectAnnotation(id: string): AnnotationLike;
}

/** The editor's root store (`window.Htx`, `ls.store`, the first argument of editor events). */
export interface EditorStoreLike {
  annotationStore: AnnotationStoreLike;
  task?: { id?: number | string; dataObj?: Record<string, unknown>; data?: string | Record<string, unknown> } | null;
  config?: string;
}

/** Marks predictions this plugin added, so a re-injection replaces nothing the user sees twice. */
const AUTHOR_PREFIX = 'cyto-ml ';

function isChoicesTag(tag: unknown): tag is ChoicesTagLike {
  const t = tag as Partial<ChoicesTagLike> | null;
  return !!t && typeof t.setResult === 'function' && typeof t.selectedValues === 'function' && typeof t.updateResult === 'function';
}

/** The task's data as an object (the editor keeps it as a JSON string in `task.data`). */
export function taskData(store: EditorStoreLike): Record<string, unknown> {
  const task = store.task;
  if (!task) return {};
  if (task.dataObj && typeof task.dataObj === 'object') return task.dataObj;
  if (typeof task.data === 'string') {
    try {
      return JSON.parse(task.data) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return (task.data as Record<string, unknown> | undefined) ?? {};
}

/**
 * Show `prediction` in the editor's own prediction list, as Label Studio does for a task's
 * predictions, without changing which annotation the person is working on: the store has to
 * select a prediction to deserialise it, so the person's selection is restored right after.
 * Returns false when this plugin had already added a prediction of the same model_version.
 */
export function injectPrediction(store: EditorStoreLike, prediction: Prediction): boolean {
  const as = store.annotationStore;
  const author = AUTHOR_PREFIX + prediction.model_version;
  if (as.predictions.some((p) => p.createdBy === author)) return false;
  const previous = as.selected;
  const added = as.addPrediction({
    model_version: prediction.model_version,
    score: prediction.score,
    createdBy: author,
    createdAgo: 'just now',
    result: prediction.result,
  });
  // Loaded as Label Studio loads predictions (AppStore.js): `hidden`, so the control tags' one
  // selection state, shared by all entities, keeps showing the person's annotation.
  added.deserializeResults(prediction.result.map((r) => ({ ...r, origin: 'prediction' })), { hidden: true });
  // An editor that ignores `hidden` would have put the suggestion into the shared state: the
  // person's annotation pushes its own back (`updateObjects`, what selecting it does, without
  // re-rendering the editor twice). With `hidden` honoured this changes nothing.
  if (previous && previous.type === 'annotation') {
    if (typeof previous.updateObjects === 'function') previous.updateObjects();
    else as.selectAnnotation(previous.id);
  }
  return true;
}

/**
 * Pre-select suggested choices in the selected annotation, only while it is the person's new,
 * unsaved one and only for controls they have not touched (no choice selected): a person's own
 * choices, and what they saved, are never replaced. Returns the names of the controls set.
 */
export function preselectChoices(store: EditorStoreLike, prediction: Prediction): string[] {
  const annotation = store.annotationStore.selected;
  if (!annotation || annotation.type !== 'annotation') return [];
  if (annotation.pk !== undefined && annotation.pk !== null && annotation.pk !== '') return [];
  const changed: string[] = [];
  for (const result of prediction.result) {
    const tag = annotation.names.get(result.from_name);
    if (!isChoicesTag(tag)) continue;
    if (tag.selectedValues().length > 0) continue;
    tag.setResult(result.value.choices);
    tag.updateResult();
    changed.push(result.from_name);
  }
  return changed;
}

/** The serialised result of an annotation (Label Studio's JSON), for learning from it. */
export function annotationResult(annotation: unknown): unknown[] {
  const a = annotation as Partial<AnnotationLike> & { result?: unknown[] } | null;
  if (!a) return [];
  if (typeof a.serializeAnnotation === 'function') return a.serializeAnnotation() ?? [];
  return Array.isArray(a.result) ? a.result : [];
}
