/**
 * What the learner persists per (Label Studio project, model id) in IndexedDB.
 * Structured-clone friendly (typed arrays and plain objects only), so the store keeps it as is.
 * Owned by src/cluster; src/store only stores and loads it.
 */

/** Learned state of one Choices control. */
export interface ControlState {
  /** The control's `name` in the label config. */
  control: string;
  /** All choice values, in config order. */
  labels: string[];
  multiple: boolean;
  /** [cluster][label] counts of labelled embeddings (before smoothing). */
  clusterLabelCounts: number[][];
  /**
   * [cluster] number of labelled embeddings with at least one choice for this control. Equals
   * the row sum of `clusterLabelCounts` for single-choice controls; for multiple-choice ones it
   * is the denominator of every label's frequency.
   */
  clusterItemCounts: number[];
  /** Which head answers for this control, chosen by cross-validated accuracy. */
  head: 'none' | 'cluster-vote' | 'knn' | 'probe';
  /** Accuracy estimates that decided `head` (leave-one-out or k-fold), for the status panel. */
  headAccuracy: Partial<Record<'cluster-vote' | 'knn' | 'probe', number>>;
  /** Serialised probe weights when `head === 'probe'` ([labels x dim] row-major, then bias). */
  probe?: { weights: Float32Array; bias: Float32Array };
}

/** One annotated item: its embedding and the choices of its latest annotation, per control. */
export interface LabelledItem {
  /** Stable item key (e.g. the Label Studio task id); one entry per key. */
  key: string;
  embedding: Float32Array;
  /** Control name -> chosen values; a control the annotation left empty is absent. */
  labels: Record<string, string[]>;
}

export interface FittedState {
  /** Label Studio project id (or the demo's project key). */
  project: string;
  modelId: string;
  /** Embedding width. */
  dim: number;
  k: number;
  /**
   * Standardisation fitted with the clusters (see feature-scaling.ts); centres and kNN work in
   * the scaled space. Absent for imported scikit-learn centres (raw space) and before a fit.
   */
  scaling?: { mean: Float32Array; invStd: Float32Array };
  /** [k x dim] row-major k-means centres. */
  centres: Float32Array;
  /** Increases with every refit of the clusters; part of `model_version`. */
  fitVersion: number;
  /** Number of embeddings the clusters were fitted on (drives the auto-refit policy). */
  fittedOn: number;
  /** Per Choices control name. */
  controls: Record<string, ControlState>;
  /**
   * Every labelled item, the training set of the kNN/probe heads and the source of the
   * cluster counts after a refit. Updating an item's labels replaces its entry.
   */
  labelled: LabelledItem[];
  /** Where the centres came from: fitted here, or imported from scikit-learn (fitVersion 0). */
  source: 'local' | 'sklearn';
  updatedAt: number;
}
