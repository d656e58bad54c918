/**
 * Label Studio's own JSON shapes that this project reads and writes. Pure data, no behaviour.
 * See ../shared/DESIGN.md §3-4: a Choices result needs `from_name`/`to_name` equal to the
 * config's `name`/`toName`, `type: "choices"` and `value.choices`, or Label Studio shows nothing.
 */

export interface ChoicesResult {
  id: string;
  from_name: string;
  to_name: string;
  type: 'choices';
  value: { choices: string[] };
  /** Optional per-result score (Label Studio shows the prediction-level score). */
  score?: number;
  origin?: 'prediction' | 'manual';
  readonly?: boolean;
}

/** A prediction as Label Studio stores it (`POST /api/predictions/`, ML backend `/predict`). */
export interface Prediction {
  model_version: string;
  score: number;
  result: ChoicesResult[];
}

/** A prediction bound to a task, as the plugin posts it to the shim's relay. */
export interface TaskPrediction extends Prediction {
  task: number;
  /** Label Studio project id (numeric part of `<id>.<created_ts>`), or a demo project key. */
  project: string;
}

/** A Label Studio task as the editor and the REST API hand it over. */
export interface LabelStudioTask {
  id: number;
  data: Record<string, unknown>;
  annotations?: Array<{ id?: number | string; result: unknown[]; [key: string]: unknown }>;
  predictions?: Array<Prediction & { [key: string]: unknown }>;
}
