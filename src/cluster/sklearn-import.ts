import type { FittedState } from './fitted-state.ts';
import { checkFinite } from './matrix.ts';

/**
 * Loading a scikit-learn KMeans exported by models/kmeans_to_json.py, e.g. the reference
 * backend's `kmeans-<bucket>.pkl` (5 x 2048 on resnet50-cefas embeddings):
 *   python models/kmeans_to_json.py kmeans.pkl --model-id resnet50-cefas -o kmeans.json
 */

/** The JSON written by kmeans_to_json.py (format version 1). */
export interface SklearnKMeansJson {
  format: 'cyto-ml-kmeans';
  format_version: 1;
  model_id: string;
  estimator: string;
  sklearn_version: string;
  n_clusters: number;
  n_features: number;
  inertia: number | null;
  n_iter: number | null;
  n_samples: number | null;
  centres: number[][];
}

/** A checked import. */
export interface ImportedKMeans {
  modelId: string;
  k: number;
  d: number;
  /** k x d row-major. */
  centres: Float32Array;
  sklearnVersion: string;
  inertia: number | null;
  /** Embeddings the KMeans was fitted on, when the exporter was told (`--n-samples`). */
  nSamples: number | null;
}

const EXPORT_HINT = 'export it with: python models/kmeans_to_json.py kmeans.pkl --model-id <model id> -o kmeans.json';

/**
 * Read and check exported JSON (a parsed object or its text).
 * @param expected the embedding model in use: its id and output width. A width that differs
 *   from `n_features` is refused (the centres cannot be compared with these embeddings), as is
 *   another model id.
 * @throws with a message naming the problem and the fix.
 */
export function parseSklearnKMeans(json: unknown, expected: { modelId?: string; dim?: number } = {}): ImportedKMeans {
  const raw = typeof json === 'string' ? parseText(json) : json;
  if (typeof raw !== 'object' || raw === null) throw new Error(`k-means JSON must be an object; ${EXPORT_HINT}`);
  const o = raw as Partial<SklearnKMeansJson>;
  if (o.format !== 'cyto-ml-kmeans') {
    throw new Error(`not a k-means export (format is ${JSON.stringify(o.format)}, expected "cyto-ml-kmeans"); ${EXPORT_HINT}`);
  }
  if (o.format_version !== 1) {
    throw new Error(`k-means export format_version ${String(o.format_version)} is not supported (this version reads 1); export it again with this project's models/kmeans_to_json.py`);
  }
  const k = o.n_clusters;
  const d = o.n_features;
  if (!Number.isInteger(k) || (k as number) < 1 || !Number.isInteger(d) || (d as number) < 1) {
    throw new Error(`k-means export has invalid n_clusters=${String(k)} / n_features=${String(d)}`);
  }
  if (typeof o.model_id !== 'string' || o.model_id === '') throw new Error(`k-means export has no model_id; ${EXPORT_HINT}`);
  if (expected.dim !== undefined && d !== expected.dim) {
    throw new Error(
      `k-means export has ${d}-wide centres but model ${expected.modelId ?? o.model_id} gives ${expected.dim}-wide embeddings: ` +
        `use a KMeans fitted on this model's embeddings (or pick the ${d}-d model), or leave the import out and let the plugin fit its own clusters`,
    );
  }
  if (expected.modelId !== undefined && o.model_id !== expected.modelId) {
    throw new Error(
      `k-means export was made for model "${o.model_id}" but the plugin embeds with "${expected.modelId}": ` +
        `import a KMeans fitted on ${expected.modelId} embeddings, or re-export with --model-id ${expected.modelId} if it really was`,
    );
  }
  const rows = o.centres;
  if (!Array.isArray(rows) || rows.length !== k || rows.some((r) => !Array.isArray(r) || r.length !== d)) {
    throw new Error(`k-means export centres must be ${k} rows of ${d} numbers (n_clusters x n_features)`);
  }
  const centres = new Float32Array((k as number) * (d as number));
  rows.forEach((row, i) => centres.set(row, i * (d as number)));
  checkFinite(centres, d as number, 'k-means export centres');
  return {
    modelId: o.model_id,
    k: k as number,
    d: d as number,
    centres,
    sklearnVersion: String(o.sklearn_version ?? 'unknown'),
    inertia: typeof o.inertia === 'number' ? o.inertia : null,
    nSamples: typeof o.n_samples === 'number' ? o.n_samples : null,
  };
}

/**
 * Seed a learner's state with imported centres (fitVersion 0, no controls or labels yet;
 * the Learner adds the controls it is given). `fittedOn` is the export's n_samples, or 0 when
 * unknown, which lets the first local fit (once there are k embeddings) replace the import.
 */
export function fittedStateFromSklearn(imported: ImportedKMeans, project: string): FittedState {
  return {
    project,
    modelId: imported.modelId,
    dim: imported.d,
    k: imported.k,
    centres: imported.centres,
    fitVersion: 0,
    fittedOn: imported.nSamples ?? 0,
    controls: {},
    labelled: [],
    source: 'sklearn',
    updatedAt: Date.now(),
  };
}

function parseText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`k-means JSON does not parse (${(error as Error).message}); ${EXPORT_HINT}`);
  }
}
