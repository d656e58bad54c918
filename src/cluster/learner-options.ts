import type { KMeansOptions, KMeansResult } from './kmeans.ts';
import type { Matrix } from './matrix.ts';

/** A Choices control of the labelling config. */
export interface ChoicesControl {
  /** The control's `name`. */
  name: string;
  /** Choice values in config order. */
  labels: string[];
  /** `choice="multiple"`. */
  multiple: boolean;
}

/** The heads that can answer for a control. */
/**
 * 'implied': read off the suggestion of a finer control that fixed this one in every shared
 * annotation (implied-controls.ts).
 */
export type SuggestingHead = 'cluster-vote' | 'knn' | 'probe' | 'implied';

/** What the learner suggests for one control. */
export interface Suggestion {
  control: string;
  /** One value for single-choice controls, one or more for multiple-choice ones. */
  choices: string[];
  /**
   * 0..1. Single choice: the chosen label's probability. Multiple choice: the mean
   * probability of the chosen labels.
   */
  score: number;
  /** k-means cluster of the embedding, or -1 while there are no clusters yet. */
  cluster: number;
  /** The head that produced it. */
  head: SuggestingHead;
}

/** Learner options; the required ones say which project, model and controls. */
export interface LearnerOptions {
  project: string;
  /** Embedding model id (part of `model_version`). */
  modelId: string;
  /** Embedding width of that model. */
  dim: number;
  controls: readonly ChoicesControl[];
  /** Clusters of the next refit (default: the state's k, else 5 as the reference backend). */
  k?: number;
  /** Additive (Laplace) smoothing of the per-cluster label counts. */
  smoothing?: number;
  /** Multiple choice: a label is suggested when its probability is >= this. */
  threshold?: number;
  /** Refit once the number of embeddings has grown by this fraction since the last fit. */
  refitGrowth?: number;
  /** Neighbours of the kNN head. */
  knnK?: number;
  /** Labelled examples every present class needs before the kNN head competes. */
  minPerClass?: number;
  /** k-means settings of a refit (k comes from `k`). */
  kmeans?: Omit<KMeansOptions, 'k' | 'init'>;
  /**
   * Whether the linear probe (probe-head.ts) competes for single-choice controls (default true;
   * false gives the cluster-vote / kNN learner alone, e.g. to benchmark the difference).
   */
  probe?: boolean;
  /** How to run a refit, e.g. `(data, o) => client.fit(data, o)` with a KMeansClient; in-thread by default. */
  fit?: (data: Matrix, options: KMeansOptions) => Promise<KMeansResult>;
}

/** Defaults of the optional numeric options. */
export const LEARNER_DEFAULTS = Object.freeze({
  k: 5,
  smoothing: 1,
  threshold: 0.5,
  refitGrowth: 0.25,
  knnK: 5,
  minPerClass: 5,
});

/** Resolved options. */
export type ResolvedLearnerOptions = Required<Omit<LearnerOptions, 'kmeans' | 'fit' | 'k'>> &
  Pick<LearnerOptions, 'kmeans' | 'fit'> & { k: number | undefined };

/**
 * Fill defaults and check options.
 * @throws naming the bad option and the valid range.
 */
export function resolveLearnerOptions(opts: LearnerOptions): ResolvedLearnerOptions {
  const r: ResolvedLearnerOptions = {
    project: opts.project,
    modelId: opts.modelId,
    dim: opts.dim,
    controls: opts.controls,
    k: opts.k,
    smoothing: opts.smoothing ?? LEARNER_DEFAULTS.smoothing,
    threshold: opts.threshold ?? LEARNER_DEFAULTS.threshold,
    refitGrowth: opts.refitGrowth ?? LEARNER_DEFAULTS.refitGrowth,
    knnK: opts.knnK ?? LEARNER_DEFAULTS.knnK,
    minPerClass: opts.minPerClass ?? LEARNER_DEFAULTS.minPerClass,
    probe: opts.probe ?? true,
    kmeans: opts.kmeans,
    fit: opts.fit,
  };
  if (!Number.isInteger(r.dim) || r.dim < 1) throw new Error(`dim must be a positive integer (got ${r.dim})`);
  if (r.k !== undefined && (!Number.isInteger(r.k) || r.k < 1)) throw new Error(`k must be a positive integer (got ${r.k})`);
  if (!(r.smoothing > 0)) throw new Error(`smoothing must be > 0 (got ${r.smoothing})`);
  if (!(r.threshold > 0 && r.threshold <= 1)) throw new Error(`threshold must be in (0, 1] (got ${r.threshold})`);
  if (!(r.refitGrowth >= 0)) throw new Error(`refitGrowth must be >= 0 (got ${r.refitGrowth})`);
  if (!Number.isInteger(r.knnK) || r.knnK < 1) throw new Error(`knnK must be a positive integer (got ${r.knnK})`);
  if (!Number.isInteger(r.minPerClass) || r.minPerClass < 1) {
    throw new Error(`minPerClass must be a positive integer (got ${r.minPerClass})`);
  }
  const names = new Set<string>();
  for (const c of r.controls) {
    if (names.has(c.name)) throw new Error(`control "${c.name}" is listed twice: control names must be unique`);
    names.add(c.name);
    if (c.labels.length === 0) throw new Error(`control "${c.name}" has no labels: a Choices control needs at least one Choice`);
    if (new Set(c.labels).size !== c.labels.length) throw new Error(`control "${c.name}" lists a label twice`);
  }
  return r;
}

