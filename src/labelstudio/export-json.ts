/**
 * Export tasks as Label Studio import JSON: an array of `{data, annotations, predictions}`
 * (Label Studio's "Basic Label Studio JSON" task format, which its import accepts as is, the
 * `predictions` key holding pre-annotations). Used by the demo to hand its work to a real
 * Label Studio project.
 *
 * Image references must work in Label Studio after import, where a relative path means nothing
 * (it would resolve against Label Studio's own pages). Two ways, chosen by {@link ImageLinks}:
 *  - `url`: absolute URLs to where the images are served now (the demo's sample images, served
 *    by `npm start`): Label Studio shows them while that server runs;
 *  - `local-files`: Label Studio's local-files paths, `/data/local-files/?d=<folder>/<file>`, for
 *    images on the disk of the machine running Label Studio (a folder opened in the demo). Label
 *    Studio serves them when started with LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED=true and
 *    LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT=<the folder holding that folder>, and the project has a
 *    Local files storage whose path contains the files (Settings → Cloud Storage; no sync needed).
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

/** How exported tasks refer to their images (see the module comment). */
export type ImageLinks =
  | { kind: 'keep' }
  /** Resolve each path against `base` (e.g. the demo page's URL) into an absolute URL. */
  | { kind: 'url'; base: string }
  /** `/data/local-files/?d=<folder/>path`: `folder` is the path under Label Studio's document root ('' when the root holds the files' folders). */
  | { kind: 'local-files'; folder?: string };

/** Export options. */
export interface ExportOptions {
  /** Keep task ids (default false: ids of another instance mean nothing to the importer). */
  keepIds?: boolean;
  /** How image references are written (default: kept as they are). */
  images?: ImageLinks;
  /** Task data key of the image (default `image`: the `$image` of the config's Image tag). */
  imageKey?: string;
  /**
   * Task data key holding the image's path relative to its folder, preferred over `imageKey` as
   * the source of the link when present (the demo's folder tasks: `file`; their `image` is a
   * browser-only object URL).
   */
  pathKey?: string;
}

/** Label Studio's local-files URL for a path under its document root (`/` kept, the rest escaped). */
export function localFilesUrl(path: string, folder = ''): string {
  const joined = [folder, path].map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/');
  if (joined.split('/').includes('..')) throw new Error(`image path "${path}" leaves its folder (..): Label Studio's local files refuse it`);
  return `/data/local-files/?d=${encodeURIComponent(joined).replace(/%2F/g, '/')}`;
}

/** The image reference to export for `path` (a URL or a path relative to the images' folder). */
export function imageLink(path: string, links: ImageLinks): string {
  switch (links.kind) {
    case 'keep':
      return path;
    case 'url':
      return new URL(path, links.base).href;
    case 'local-files':
      return localFilesUrl(path, links.folder);
  }
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
    if (options.images && options.images.kind !== 'keep') {
      const imageKey = options.imageKey ?? 'image';
      const source = (options.pathKey && task.data[options.pathKey]) || task.data[imageKey];
      if (typeof source !== 'string' || source === '') {
        throw new Error(`task ${task.id} has no "${options.pathKey ?? imageKey}" path to export its image from`);
      }
      out.data[imageKey] = imageLink(source, options.images);
    }
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
