/**
 * Export tasks as Label Studio import JSON: an array of `{data, annotations, predictions}`
 * (Label Studio's "Basic Label Studio JSON" task format, which its import accepts as is, the
 * `predictions` key holding pre-annotations). Used by the demo to hand its work to a real
 * Label Studio project.
 */

import type { LabelStudioTask, Prediction } from './types.ts';

/** One annotation as Label Studio imports it. */
export interface ImportAnnotation {
  result: unknown[];
  was_cancelled?: boolean;
  ground_truth?: boolean;
  lead_time?: number;
}

/** One task as Label Studio imports it. */
export interface ImportTask {
  /** Kept only with `keepIds` (Label Studio assigns its own ids to imported tasks). */
  id?: number;
  data: Record<string, unknown>;
  /** Task metadata, imported as the task's `meta`. */
  meta?: Record<string, unknown>;
  annotations: ImportAnnotation[];
  predictions: Prediction[];
}

/** Export options. */
export interface ExportOptions {
  /** Keep task ids (default false: ids of another instance mean nothing to the importer). */
  keepIds?: boolean;
}

/**
 * Convert tasks to import JSON. Annotations keep only portable fields: user ids
 * (`completed_by`), timestamps and ids belong to the instance they came from and would break or
 * mislead an import elsewhere. Predictions keep `model_version`, `score` and `result`.
 */
export function toImportTasks(
  tasks: ReadonlyArray<LabelStudioTask & { meta?: Record<string, unknown> }>,
  options: ExportOptions = {},
): ImportTask[] {
  return tasks.map((task) => {
    // `id` first when kept: key order is what people see reading the file.
    const out: ImportTask = options.keepIds ? { id: task.id, data: {}, annotations: [], predictions: [] } : { data: {}, annotations: [], predictions: [] };
    out.data = { ...task.data };
    if (task.meta && Object.keys(task.meta).length > 0) out.meta = { ...task.meta };
    out.annotations = (task.annotations ?? []).map((a) => {
      const annotation: ImportAnnotation = { result: a.result ?? [] };
      if (typeof a.was_cancelled === 'boolean') annotation.was_cancelled = a.was_cancelled;
      if (typeof a.ground_truth === 'boolean') annotation.ground_truth = a.ground_truth;
      if (typeof a.lead_time === 'number') annotation.lead_time = a.lead_time;
      return annotation;
    });
    out.predictions = (task.predictions ?? []).map((p) => ({
      model_version: p.model_version,
      score: p.score,
      result: p.result,
    }));
    return out;
  });
}

/** {@link toImportTasks} serialised, pretty-printed, ready to save as a `.json` file. */
export function exportImportJson(
  tasks: ReadonlyArray<LabelStudioTask & { meta?: Record<string, unknown> }>,
  options: ExportOptions = {},
): string {
  return `${JSON.stringify(toImportTasks(tasks, options), null, 2)}\n`;
}
