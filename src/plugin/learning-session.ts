/**
 * The learner of one (Label Studio project, model, label config), with its persistence: the
 * fitted state is loaded from IndexedDB when the project is first seen and written back after
 * every change, so learning survives reloads and is shared by every tab of the profile.
 * Label maps update on each submit (fast); the clusters are refitted in the k-means worker
 * when the embeddings have grown by the configured fraction, or on demand.
 */
import { Learner } from '../cluster/learner.ts';
import type { ChoicesControl as LearnerControl, Suggestion } from '../cluster/learner-options.ts';
import type { KMeansClient } from '../cluster/kmeans-client.ts';
import type { ChoicesControl } from '../labelstudio/label-config.ts';
import type { FitStore } from '../store/fit-store.ts';

export interface LearningSessionOptions {
  project: string;
  modelId: string;
  dim: number;
  controls: readonly ChoicesControl[];
  k: number;
  refitGrowth: number;
  fits: FitStore;
  kmeans: KMeansClient;
}

function learnerControls(controls: readonly ChoicesControl[]): LearnerControl[] {
  return controls.map((c) => ({ name: c.name, labels: c.labels, multiple: c.choice === 'multiple' }));
}

export class LearningSession {
  private refitting: Promise<boolean> | undefined;

  private constructor(private readonly learner: Learner, private readonly options: LearningSessionOptions) {}

  static async open(options: LearningSessionOptions): Promise<LearningSession> {
    const stored = await options.fits.get(options.project, options.modelId);
    const learnerOptions = {
      project: options.project,
      modelId: options.modelId,
      dim: options.dim,
      controls: learnerControls(options.controls),
      k: options.k,
      refitGrowth: options.refitGrowth,
      fit: (data: Parameters<KMeansClient['fit']>[0], o: Parameters<KMeansClient['fit']>[1]) => options.kmeans.fit(data, o),
    };
    let learner: Learner;
    try {
      learner = new Learner(stored ?? null, learnerOptions);
    } catch {
      // A state from an incompatible config or model version: start afresh rather than fail.
      learner = new Learner(null, learnerOptions);
    }
    return new LearningSession(learner, options);
  }

  /** `<model id>+kmeans<k>+fit<n>`: the prediction's model_version. */
  get modelVersion(): string {
    return this.learner.modelVersion();
  }

  get labelledCount(): number {
    return this.learner.labelledCount();
  }

  suggest(embedding: Float32Array): Suggestion[] {
    return this.learner.suggest(embedding);
  }

  /** Labels from a submitted/updated annotation; replaces earlier labels of the same key. */
  async learn(key: string, embedding: Float32Array, labels: Record<string, string[]>): Promise<void> {
    this.learner.setLabels(key, embedding, labels);
    await this.persist();
  }

  /** Several items' labels at once (bulk labelling), persisted once. */
  async learnMany(items: ReadonlyArray<{ key: string; embedding: Float32Array; labels: Record<string, string[]> }>): Promise<void> {
    for (const item of items) this.learner.setLabels(item.key, item.embedding, item.labels);
    await this.persist();
  }

  /** Feature-space vector (scaled, unit length after a local fit) for similarity and maps. */
  features(embedding: Float32Array): Float32Array {
    return this.learner.features(embedding);
  }

  /** Cluster and squared distance to its centre. */
  locate(embedding: Float32Array): { cluster: number; distance: number } {
    return this.learner.locate(embedding);
  }

  /** Number of clusters of the current fit (0 before the first). */
  get clusterCount(): number {
    return this.learner.clusterCount();
  }

  /** Majority label and labelled count per control in one cluster. */
  clusterLabels(cluster: number): ReturnType<Learner['clusterLabels']> {
    return this.learner.clusterLabels(cluster);
  }

  /** Labels learned for an item key (`<task id>:<image name>`), if any. */
  labelsOf(key: string): Record<string, string[]> | undefined {
    return this.learner.labelsOf(key);
  }

  /** Refit the clusters when the policy says so (or always with `force`); true when refitted. */
  async maybeRefit(vectors: () => Promise<Float32Array[]>, force = false): Promise<boolean> {
    if (this.refitting) return this.refitting;
    this.refitting = (async () => {
      try {
        const all = await vectors();
        if (all.length < this.options.k) return false;
        if (!force && !this.learner.needsRefit(all.length)) return false;
        await this.learner.refit(all);
        await this.persist();
        return true;
      } finally {
        this.refitting = undefined;
      }
    })();
    return this.refitting;
  }

  /** Heads chosen per control, for the status panel. */
  summary(): { labelled: number; fitVersion: number; k: number; heads: Record<string, string> } {
    const state = this.learner.toState();
    return {
      labelled: this.learner.labelledCount(),
      fitVersion: state.fitVersion,
      k: state.k,
      heads: Object.fromEntries(Object.values(state.controls).map((c) => [c.control, c.head])),
    };
  }

  private async persist(): Promise<void> {
    await this.options.fits.put(this.learner.toState());
  }
}
