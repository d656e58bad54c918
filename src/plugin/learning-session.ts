/**
 * The learner of one (Label Studio project, model, label config), with its persistence.
 *
 * The labelled set is derived from the project's label records (one per annotation, in
 * IndexedDB: this browser's submissions, other tabs', and the team's annotations read from Label
 * Studio), never written back whole: `record()` adds records, and `sync()` makes the learner
 * match what the records say — adding, relabelling and forgetting items — so any number of tabs
 * and browsers merge their labels. The fitted clusters (and the learner's copy of the labelled
 * embeddings) are kept per (project, model) in the fits store; another tab overwriting them
 * loses nothing, because every tab re-derives its labels from the records.
 * Clusters are refitted in the k-means worker when the embeddings have grown by the configured
 * fraction, or on demand.
 */
import { Learner } from '../cluster/learner.ts';
import type { ChoicesControl as LearnerControl, Suggestion } from '../cluster/learner-options.ts';
import type { KMeansClient } from '../cluster/kmeans-client.ts';
import type { ChoicesControl } from '../labelstudio/label-config.ts';
import type { FitStore } from '../store/fit-store.ts';
import type { LabelChanges } from '../store/label-changes.ts';
import { derivedItems, isServerRecord, labelsWatermark, sameLabels } from '../store/label-records.ts';
import type { LabelStore } from '../store/label-store.ts';
import type { LabelRecord } from '../store/schema.ts';
import { modelVersionOf } from '../labelstudio/model-version.ts';
import { EMPTY_CHOICE, withEmptyAnswers } from '../labelstudio/annotation-labels.ts';

/** Embeds image URLs for items a browser has no vector for yet (undefined where one failed). */
export type EmbedForLearning = (urls: readonly string[]) => Promise<Array<Float32Array | undefined>>;

export interface LearningSessionOptions {
  project: string;
  modelId: string;
  dim: number;
  controls: readonly ChoicesControl[];
  k: number;
  refitGrowth: number;
  fits: FitStore;
  labels: LabelStore;
  /** Tells other tabs (and hears from them) that a project's records changed. */
  changes?: LabelChanges;
  kmeans: KMeansClient;
  embed: EmbedForLearning;
}

/** What a sync changed. */
export interface SyncReport {
  added: number;
  removed: number;
  /** Items the records name but no vector could be made for (image gone, offline). */
  missing: number;
}

/**
 * The learner's controls: the config's, each with one more class, "left empty" (EMPTY_CHOICE),
 * learnt from annotations that answered other controls of the image but not this one. Dynamic
 * choices (no labels in the config) stay as they are.
 */
function learnerControls(controls: readonly ChoicesControl[]): LearnerControl[] {
  return controls.map((c) => ({
    name: c.name,
    labels: c.labels.length > 0 && !c.labels.includes(EMPTY_CHOICE) ? [...c.labels, EMPTY_CHOICE] : c.labels,
    multiple: c.choice === 'multiple',
  }));
}

/** Items embedded per worker round trip while catching up with many records. */
const EMBED_BATCH = 32;

/**
 * The order to embed and learn items in while catching up: round robin over their labels
 * (first control's first value), so the first few items already show the learner every class
 * the team used, and a task opened meanwhile gets a suggestion from all classes long before the
 * last of a hundred labels is embedded. Stable within a label (the records' order).
 */
export function coverageOrder<T extends { labels: Record<string, readonly string[]> }>(items: readonly T[]): T[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const control = Object.keys(item.labels).sort()[0];
    const key = control === undefined ? '' : `${control}\u0000${item.labels[control][0] ?? ''}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(item);
  }
  const out: T[] = [];
  const lists = [...groups.values()];
  for (let i = 0; out.length < items.length; i++) for (const list of lists) if (i < list.length) out.push(list[i]);
  return out;
}

/**
 * The first embedding round trip of a catch-up: everything when it fits in one batch (a few
 * labels cost one round trip anyway, and the first suggestion then knows them all), else one
 * item per class (at least 4).
 */
function firstBatchSize(items: readonly { labels: Record<string, readonly string[]> }[]): number {
  if (items.length <= EMBED_BATCH) return Math.max(1, items.length);
  const classes = new Set(items.map((item) => JSON.stringify(Object.entries(item.labels).sort()[0] ?? null))).size;
  return Math.min(EMBED_BATCH, Math.max(4, classes));
}

export class LearningSession {
  private refitting: Promise<boolean> | undefined;
  private syncing: Promise<SyncReport> | undefined;
  private syncAgain = false;
  /** Embedding of every item key this session has seen (labelled now or before). */
  private readonly vectors = new Map<string, Float32Array>();
  /** Keys and labels the learner holds now (toState() would reselect heads just to list them). */
  private readonly learned = new Map<string, Record<string, string[]>>();
  private version: string;
  private labelsAt = 0;
  private teamLabels = false;
  private readonly unsubscribe: (() => void) | undefined;
  /** Waiters for {@link whenEveryClassLearnt}. */
  private coverageWaiters: Array<() => void> = [];

  private constructor(private readonly learner: Learner, private readonly options: LearningSessionOptions) {
    this.version = `${options.modelId}+kmeans${options.k}@pending`;
    for (const item of learner.toState().labelled) {
      this.vectors.set(item.key, item.embedding);
      this.learned.set(item.key, item.labels);
    }
    this.unsubscribe = options.changes?.subscribe((project) => {
      if (project === options.project) void this.sync().catch(() => {});
    });
  }

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
    const session = new LearningSession(learner, options);
    await session.sync();
    await session.refreshVersion();
    return session;
  }

  /** `<model id>+kmeans<k>@<labels time>.<content hash>` (model-version.ts): the predictions' model_version. */
  get modelVersion(): string {
    return this.version;
  }

  get labelledCount(): number {
    return this.learner.labelledCount();
  }

  suggest(embedding: Float32Array): Suggestion[] {
    return this.learner.suggest(embedding);
  }

  /**
   * Store label records (a submission, bulk labels, annotations read from the server) and learn
   * them. `vectors` (item key → embedding) spares embedding what the caller already has.
   */
  async record(records: readonly LabelRecord[], vectors?: ReadonlyMap<string, Float32Array>): Promise<SyncReport> {
    for (const [key, vector] of vectors ?? []) this.vectors.set(key, vector);
    await this.options.labels.put(records);
    this.options.changes?.notify(this.options.project);
    return this.sync();
  }

  /**
   * Make the learner match the project's records (other tabs', the team's): embed what it lacks,
   * relabel what changed, forget what was deleted. One sync runs at a time; calls during one
   * run it once more afterwards.
   */
  sync(): Promise<SyncReport> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      let total: SyncReport = { added: 0, removed: 0, missing: 0 };
      try {
        do {
          this.syncAgain = false;
          const r = await this.syncOnce();
          total = { added: total.added + r.added, removed: total.removed + r.removed, missing: r.missing };
        } while (this.syncAgain);
      } finally {
        this.syncing = undefined;
      }
      return total;
    })();
    return this.syncing;
  }

  private async syncOnce(): Promise<SyncReport> {
    const records = await this.options.labels.list(this.options.project);
    this.teamLabels = records.some((r) => isServerRecord(r));
    const wanted = derivedItems(records);
    this.labelsAt = labelsWatermark(records);
    let removed = 0;
    for (const key of [...this.learned.keys()]) {
      if (!wanted.has(key)) {
        this.learner.removeLabels(key);
        this.learned.delete(key);
        removed++;
      }
    }
    // A control the annotation left empty is answered "(empty)" (per image: its own controls).
    for (const item of wanted.values()) item.labels = withEmptyAnswers(item.labels, this.options.controls.filter((c) => c.image.name === item.imageName));
    const changed = coverageOrder([...wanted.values()].filter((item) => !sameLabels(this.learned.get(item.key), item.labels)));
    let added = 0;
    let missing = 0;
    // In batches, each learnt at once, one item per class first: a task opened while hundreds
    // of the team's annotations are still being embedded already gets suggestions from every
    // class (cyto-ml.ts waits for that, not for the whole catch-up).
    const first = firstBatchSize(changed);
    for (let i = 0; i < changed.length; i += i === 0 ? first : EMBED_BATCH) {
      const batch = changed.slice(i, i + (i === 0 ? first : EMBED_BATCH));
      const lacking = batch.filter((item) => !this.vectors.has(item.key) && item.url);
      if (lacking.length > 0) {
        const vectors = await this.options.embed(lacking.map((item) => item.url!));
        lacking.forEach((item, j) => { if (vectors[j]) this.vectors.set(item.key, vectors[j]!); });
      }
      for (const item of batch) {
        const vector = this.vectors.get(item.key);
        if (!vector) {
          missing++;
          continue;
        }
        this.learner.setLabels(item.key, vector, item.labels);
        this.learned.set(item.key, item.labels);
        added++;
      }
      this.checkCoverage(wanted);
    }
    this.checkCoverage(wanted);
    if (added > 0 || removed > 0) await this.persist();
    return { added, removed, missing };
  }

  /**
   * Resolves once the learner holds at least one example of every class the project's records
   * name (checked after each embedded batch of a sync), so a first suggestion need not wait for
   * the whole catch-up; never resolves while the records name no class (the caller races it
   * with the catch-up itself and a time limit).
   */
  whenEveryClassLearnt(): Promise<void> {
    return new Promise((resolve) => this.coverageWaiters.push(resolve));
  }

  private checkCoverage(wanted: ReadonlyMap<string, { labels: Record<string, readonly string[]> }>): void {
    if (this.coverageWaiters.length === 0 || wanted.size === 0) return;
    const named = new Set<string>();
    for (const item of wanted.values()) for (const [c, values] of Object.entries(item.labels)) for (const v of values) named.add(`${c}\u0000${v}`);
    for (const labels of this.learned.values()) for (const [c, values] of Object.entries(labels)) for (const v of values) named.delete(`${c}\u0000${v}`);
    if (named.size > 0) return;
    const waiters = this.coverageWaiters;
    this.coverageWaiters = [];
    for (const resolve of waiters) resolve();
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

  /** Labels learned for an item key (`<task id>:<image name>`), if any; controls left empty are not listed. */
  labelsOf(key: string): Record<string, string[]> | undefined {
    const labels = this.learner.labelsOf(key);
    if (!labels) return undefined;
    const out: Record<string, string[]> = {};
    for (const [control, values] of Object.entries(labels)) {
      const chosen = values.filter((v) => v !== EMPTY_CHOICE);
      if (chosen.length > 0) out[control] = chosen;
    }
    return out;
  }

  /** Whether any label the learner holds came from Label Studio (the team), not only this browser. */
  get fromTeam(): boolean {
    return this.teamLabels;
  }

  /**
   * Labelled items per control and label (for "too few examples" warnings); with `withEmpty`,
   * also how many left the control empty (EMPTY_CHOICE).
   */
  labelCounts(withEmpty = false): Record<string, Record<string, number>> {
    const counts: Record<string, Record<string, number>> = {};
    for (const control of this.options.controls) {
      counts[control.name] = Object.fromEntries([...control.labels, ...(withEmpty ? [EMPTY_CHOICE] : [])].map((l) => [l, 0]));
    }
    for (const labels of this.learned.values()) {
      for (const [control, values] of Object.entries(labels)) {
        for (const value of values) if (counts[control]?.[value] !== undefined) counts[control][value]++;
      }
    }
    return counts;
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

  /** Stop listening to other tabs. */
  close(): void {
    this.unsubscribe?.();
  }

  private async persist(): Promise<void> {
    await this.options.fits.put(this.learner.toState());
    await this.refreshVersion();
  }

  private async refreshVersion(): Promise<void> {
    this.version = await modelVersionOf(this.learner.toState(), this.labelsAt);
  }
}
