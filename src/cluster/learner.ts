import type { ControlState, FittedState, LabelledItem } from './fitted-state.ts';
import { selectHead, type ControlExamples } from './head-selection.ts';
import { applyScaling, fitScaling, scaleMatrix, type FeatureScaling } from './feature-scaling.ts';
import { fitKMeans, KMEANS_DEFAULTS } from './kmeans.ts';
import { dot, neighbourProbabilities, normalise, topK } from './knn-head.ts';
import { clusterProbabilities, decide } from './label-decision.ts';
import {
  LEARNER_DEFAULTS,
  resolveLearnerOptions,
  type ChoicesControl,
  type LearnerOptions,
  type ResolvedLearnerOptions,
  type Suggestion,
} from './learner-options.ts';
import { checkFinite, packRows, type Matrix } from './matrix.ts';
import { choosePrimaryHead } from './probe-selection.ts';
import { probeProbabilities } from './probe-head.ts';
import { assignNearest } from './distance-ts.ts';
import { findImplications, impliedProbabilities, type Implication } from './implied-controls.ts';

/**
 * Learns Choices labels from annotations, per (project, embedding model).
 *
 * Two heads per control: cluster voting (each k-means cluster suggests its most frequent
 * label) and k-nearest neighbours on cosine similarity. Which one answers is chosen per
 * control by leave-one-out accuracy over the labelled items (see head-selection.ts).
 *
 * Costs, with m labelled items, k clusters, d dimensions:
 * - setLabels: O(k d), counts only;
 * - suggest: O(k d + m d); the first call after labels changed also reselects heads, O(m^2 d);
 * - refit: a k-means fit on all embeddings (use `opts.fit` to run it in the worker).
 *
 * Usage: `new Learner(await store.get(project, modelId) ?? null, {project, modelId, dim, controls})`,
 * then `setLabels` on submit/update, `suggest` per task, `refit` when `needsRefit(n)`, and
 * `store.put(learner.toState())`.
 */
export class Learner {
  readonly #opts: ResolvedLearnerOptions;
  readonly #project: string;
  readonly #modelId: string;
  readonly #dim: number;
  #k: number;
  #centres: Float32Array;
  #scaling: FeatureScaling | undefined;
  #fitVersion: number;
  #fittedOn: number;
  #source: FittedState['source'];
  readonly #controls = new Map<string, ControlState>();
  /** Insertion-ordered, so toState() and head selection are deterministic. */
  readonly #items = new Map<string, LabelledItem>();
  /** Cluster of every labelled item under the current centres. */
  readonly #clusterOf = new Map<string, number>();
  /** Unit-length embeddings of labelled items, for kNN (cached; embeddings never change per key without setLabels). */
  readonly #unit = new Map<string, Float32Array>();
  #headsStale: boolean;
  /** Controls answered through a finer one (implied-controls.ts); recomputed when labels change. */
  #implications: Map<string, Implication> | undefined;

  /**
   * @param state what toState() returned earlier (or fittedStateFromSklearn), or null to start empty.
   * @throws when the state belongs to another model or width, or the options are invalid.
   */
  constructor(state: FittedState | null, opts: LearnerOptions) {
    this.#opts = resolveLearnerOptions(opts);
    this.#project = opts.project;
    this.#modelId = opts.modelId;
    this.#dim = opts.dim;
    if (state && (state.modelId !== opts.modelId || state.dim !== opts.dim)) {
      throw new Error(
        `fitted state is for model "${state.modelId}" (${state.dim}-d) but the learner is for "${opts.modelId}" (${opts.dim}-d): ` +
          'load the state stored under this model id, or start from null',
      );
    }
    const hasFit = state !== null && state.centres.length === state.k * state.dim && state.centres.length > 0;
    this.#k = hasFit ? state.k : (opts.k ?? LEARNER_DEFAULTS.k);
    this.#centres = hasFit ? state.centres : new Float32Array(0);
    this.#scaling = hasFit && state.scaling?.mean.length === opts.dim ? state.scaling : undefined;
    this.#fitVersion = state?.fitVersion ?? 0;
    this.#fittedOn = state?.fittedOn ?? 0;
    this.#source = state?.source ?? 'local';
    for (const item of state?.labelled ?? []) this.#items.set(item.key, item);
    this.#assignClusters();
    // Stored heads stay valid while the control's config is unchanged; otherwise reselect lazily.
    this.#headsStale = false;
    for (const control of this.#opts.controls) {
      const stored = state?.controls[control.name];
      // A stored 'probe' head is kept only with its weights, of this width (else reselected).
      const probeOk = stored?.head !== 'probe' || (stored.probe?.weights.length === control.labels.length * opts.dim && this.#scaling !== undefined);
      const same =
        stored && probeOk && stored.multiple === control.multiple && sameLabels(stored.labels, control.labels);
      this.#controls.set(control.name, {
        ...this.#countControl(control),
        head: same ? stored.head : 'none',
        headAccuracy: same ? stored.headAccuracy : {},
        ...(same && stored.probe ? { probe: stored.probe } : {}),
      });
      if (!same && this.#examplesOf(control.name).labelIndices.length > 0) this.#headsStale = true;
    }
  }


  /** Whether clusters exist (fitted here or imported). */
  hasFit(): boolean {
    return this.#centres.length > 0;
  }

  /**
   * Auto-refit policy: true when there is no fit yet and n >= k, or when n has grown by
   * `refitGrowth` (default 25%) since the last fit. An import without a known sample count
   * (fittedOn 0) is replaced as soon as n >= k.
   */
  needsRefit(nEmbeddings: number): boolean {
    if (nEmbeddings < this.#targetK()) return false;
    if (!this.hasFit()) return true;
    return nEmbeddings >= Math.max(this.#fittedOn * (1 + this.#opts.refitGrowth), this.#fittedOn + 1);
  }

  /**
   * Record the labels of an annotation (create or update: a key's previous labels are replaced).
   * Labels of controls the learner does not know, and values not in a control's labels
   * (an edited config), are ignored; an empty list means the control was left unlabelled.
   * @throws on an embedding of the wrong width or with NaN/Infinity.
   */
  setLabels(key: string, embedding: ArrayLike<number>, labels: Record<string, readonly string[]>): void {
    const vector = this.#checkEmbedding(embedding, `embedding of ${key}`);
    this.removeLabels(key);
    const kept: Record<string, string[]> = {};
    for (const [name, values] of Object.entries(labels)) {
      const control = this.#controls.get(name);
      if (!control) continue;
      const known = control.labels.filter((l) => values.includes(l));
      if (known.length) kept[name] = control.multiple ? known : [values.find((v) => control.labels.includes(v)) as string];
    }
    if (Object.keys(kept).length === 0) return;
    const item: LabelledItem = { key, embedding: vector, labels: kept };
    this.#items.set(key, item);
    const cluster = this.#clusterFor(this.#features(vector));
    this.#clusterOf.set(key, cluster);
    this.#count(item, cluster, +1);
    this.#headsStale = true;
    this.#implications = undefined;
  }

  /** Forget an item's labels (annotation deleted). No-op for an unknown key. */
  removeLabels(key: string): void {
    const item = this.#items.get(key);
    if (!item) return;
    this.#count(item, this.#clusterOf.get(key) ?? -1, -1);
    this.#items.delete(key);
    this.#clusterOf.delete(key);
    this.#unit.delete(key);
    this.#headsStale = true;
    this.#implications = undefined;
  }

  /** Number of labelled items. */
  labelledCount(): number {
    return this.#items.size;
  }

  /**
   * Suggestions for one embedding: one per control that has something to say. A control
   * without labels, a cluster without labelled members (cluster voting) or a multiple-choice
   * control where no label reaches the threshold gives no entry.
   * @throws on an embedding of the wrong width or with NaN/Infinity.
   */
  suggest(embedding: ArrayLike<number>): Suggestion[] {
    const vector = this.#checkEmbedding(embedding, 'embedding to suggest for');
    this.#ensureHeads();
    const features = this.#features(vector);
    const cluster = this.#clusterFor(features);
    let unit: Float32Array | undefined;
    // Every control's own probabilities first: an implied control reads another's.
    const own = new Map<string, { probabilities: Float64Array | null; head: Suggestion['head'] }>();
    for (const control of this.#controls.values()) {
      let probabilities: Float64Array | null = null;
      let head: Suggestion['head'];
      switch (control.head) {
        case 'none':
          continue;
        case 'probe':
          if (!control.probe) continue;
          head = 'probe';
          unit ??= normalise(features);
          probabilities = probeProbabilities(control.probe, unit);
          break;
        case 'cluster-vote':
          head = 'cluster-vote';
          probabilities = clusterProbabilities(control, cluster, this.#opts.smoothing);
          break;
        case 'knn':
          head = 'knn';
          unit ??= normalise(features);
          probabilities = this.#knnProbabilities(control, unit);
          break;
        default: {
          const never: never = control.head;
          throw new Error(`unknown head ${String(never)}`);
        }
      }
      own.set(control.control, { probabilities, head });
    }
    this.#implications ??= findImplications([...this.#controls.values()], this.#items.values());
    const out: Suggestion[] = [];
    for (const control of this.#controls.values()) {
      let answer = own.get(control.control);
      const implication = this.#implications.get(control.control);
      const from = implication && own.get(implication.from)?.probabilities;
      if (implication && from) {
        answer = { probabilities: impliedProbabilities(implication, from, answer?.probabilities ?? null, control.labels.length), head: 'implied' };
      }
      if (!answer) continue;
      const decision = answer.probabilities && decide(control, answer.probabilities, this.#opts.threshold);
      if (decision) out.push({ control: control.control, ...decision, cluster, head: answer.head });
    }
    return out;
  }

  /**
   * Refit the clusters on all embeddings (labelled or not), then recount labels per cluster.
   * fitVersion increases, so model_version changes.
   * @throws (rejects) when there are fewer embeddings than k, or on bad embeddings.
   */
  async refit(embeddings: readonly ArrayLike<number>[] | Matrix): Promise<void> {
    const data = isMatrix(embeddings) ? embeddings : packRows(embeddings);
    if (data.d !== this.#dim) {
      throw new Error(`embeddings are ${data.d}-d but model ${this.#modelId} gives ${this.#dim}-d: refit with this model's embeddings`);
    }
    const k = this.#targetK();
    const options = { ...KMEANS_DEFAULTS, ...this.#opts.kmeans, k };
    const scaling = fitScaling(data);
    const result = await (this.#opts.fit ?? fitKMeans)(scaleMatrix(data, scaling), options);
    this.#k = k;
    this.#centres = result.centres;
    this.#scaling = scaling;
    // kNN's unit vectors live in the scaled space: recompute them lazily.
    this.#unit.clear();
    this.#fitVersion++;
    this.#fittedOn = data.n;
    this.#source = 'local';
    this.#assignClusters();
    for (const [name, control] of this.#controls) {
      this.#controls.set(name, { ...control, ...this.#countControl(control) });
    }
    this.#headsStale = true;
    this.#implications = undefined;
  }

  /**
   * The space clusters and kNN work in, for tools that compare embeddings (neighbours, the
   * map): z-scored and unit length when the clusters were fitted here, raw otherwise.
   * @throws on an embedding of the wrong width or with NaN/Infinity.
   */
  features(embedding: ArrayLike<number>): Float32Array {
    return this.#features(this.#checkEmbedding(embedding, 'embedding'));
  }

  /**
   * Cluster of an embedding and its squared distance to that cluster's centre (in feature
   * space), e.g. to show a cluster's most typical members first. Cluster -1 (distance
   * Infinity) while there are no clusters.
   */
  locate(embedding: ArrayLike<number>): { cluster: number; distance: number } {
    const features = this.features(embedding);
    const cluster = this.#clusterFor(features);
    if (cluster < 0) return { cluster, distance: Infinity };
    const centre = this.#centres.subarray(cluster * this.#dim, (cluster + 1) * this.#dim);
    let distance = 0;
    for (let j = 0; j < this.#dim; j++) {
      const delta = features[j] - centre[j];
      distance += delta * delta;
    }
    return { cluster, distance };
  }

  /** Number of clusters of the current fit (0 before the first fit). */
  clusterCount(): number {
    return this.hasFit() ? this.#k : 0;
  }

  /**
   * What the labelled members of one cluster say, per control: the most frequent label, how
   * many labelled members chose it, and how many members are labelled for that control
   * (purity = count / labelled). Controls without labelled members in the cluster are absent.
   */
  clusterLabels(cluster: number): Array<{ control: string; label: string; count: number; labelled: number }> {
    const out: Array<{ control: string; label: string; count: number; labelled: number }> = [];
    for (const control of this.#controls.values()) {
      const labelled = control.clusterItemCounts[cluster] ?? 0;
      const counts = control.clusterLabelCounts[cluster];
      if (!counts || labelled === 0) continue;
      let best = 0;
      for (let l = 1; l < counts.length; l++) if (counts[l] > counts[best]) best = l;
      out.push({ control: control.control, label: control.labels[best], count: counts[best], labelled });
    }
    return out;
  }

  /** The labels recorded for an item key (a copy), or undefined when it is not labelled. */
  labelsOf(key: string): Record<string, string[]> | undefined {
    const item = this.#items.get(key);
    return item ? structuredClone(item.labels) : undefined;
  }

  /**
   * The state to persist (src/store keeps it as is). Selects heads first if labels changed, so
   * `head`/`headAccuracy` are current. Shares the embeddings with the learner: do not mutate.
   */
  toState(): FittedState {
    this.#ensureHeads();
    const controls: Record<string, ControlState> = {};
    for (const [name, c] of this.#controls) controls[name] = { ...c, headAccuracy: { ...c.headAccuracy } };
    return {
      project: this.#project,
      modelId: this.#modelId,
      dim: this.#dim,
      k: this.#k,
      centres: this.#centres,
      ...(this.#scaling ? { scaling: this.#scaling } : {}),
      fitVersion: this.#fitVersion,
      fittedOn: this.#fittedOn,
      controls,
      labelled: [...this.#items.values()],
      source: this.#source,
      updatedAt: Date.now(),
    };
  }

  #targetK(): number {
    return this.#opts.k ?? this.#k;
  }

  #checkEmbedding(embedding: ArrayLike<number>, what: string): Float32Array {
    if (embedding.length !== this.#dim) {
      throw new Error(`${what} has ${embedding.length} values but model ${this.#modelId} gives ${this.#dim}: use this model's embeddings`);
    }
    checkFinite(embedding, this.#dim, what);
    return embedding instanceof Float32Array ? embedding : Float32Array.from(embedding);
  }

  /** The space clusters and kNN work in: scaled when the clusters were fitted here. */
  #features(vector: Float32Array): Float32Array {
    return this.#scaling ? applyScaling(vector, this.#scaling) : vector;
  }

  /** Cluster of a vector already in feature space (see #features). */
  #clusterFor(vector: Float32Array): number {
    if (!this.hasFit()) return -1;
    const label = new Int32Array(1);
    const norms = Float64Array.of(dot(vector, vector));
    assignNearest(vector, 1, this.#dim, norms, this.#centres, this.#k, label, new Float64Array(1));
    return label[0];
  }

  #assignClusters(): void {
    this.#clusterOf.clear();
    for (const item of this.#items.values()) this.#clusterOf.set(item.key, this.#clusterFor(this.#features(item.embedding)));
  }

  /** Label counts of a control from scratch (after a refit or a reload). */
  #countControl(control: ChoicesControl | ControlState): Pick<ControlState, 'control' | 'labels' | 'multiple' | 'clusterLabelCounts' | 'clusterItemCounts'> {
    const name = 'name' in control ? control.name : control.control;
    const k = this.hasFit() ? this.#k : 0;
    const counts = {
      control: name,
      labels: [...control.labels],
      multiple: control.multiple,
      clusterLabelCounts: Array.from({ length: k }, () => new Array<number>(control.labels.length).fill(0)),
      clusterItemCounts: new Array<number>(k).fill(0),
    };
    for (const item of this.#items.values()) {
      const values = item.labels[name];
      const cluster = this.#clusterOf.get(item.key) ?? -1;
      if (!values || cluster < 0) continue;
      counts.clusterItemCounts[cluster]++;
      for (const v of values) {
        const l = counts.labels.indexOf(v);
        if (l >= 0) counts.clusterLabelCounts[cluster][l]++;
      }
    }
    return counts;
  }

  #count(item: LabelledItem, cluster: number, sign: 1 | -1): void {
    if (cluster < 0) return;
    for (const [name, values] of Object.entries(item.labels)) {
      const control = this.#controls.get(name);
      if (!control) continue;
      control.clusterItemCounts[cluster] += sign;
      for (const v of values) {
        const l = control.labels.indexOf(v);
        if (l >= 0) control.clusterLabelCounts[cluster][l] += sign;
      }
    }
  }

  #unitOf(item: LabelledItem): Float32Array {
    let u = this.#unit.get(item.key);
    if (!u) {
      u = normalise(this.#features(item.embedding));
      this.#unit.set(item.key, u);
    }
    return u;
  }

  /** Labelled items of one control, with label indices and clusters. Rows index #items order. */
  #examplesOf(name: string): ControlExamples {
    const control = this.#controls.get(name) ?? this.#opts.controls.find((c) => c.name === name);
    const labels = control?.labels ?? [];
    const examples: ControlExamples = { labelIndices: [], clusters: [], rows: [] };
    let row = 0;
    for (const item of this.#items.values()) {
      const values = item.labels[name];
      const idx = values ? values.map((v) => labels.indexOf(v)).filter((l) => l >= 0) : [];
      if (idx.length) {
        examples.labelIndices.push(idx);
        examples.clusters.push(this.#clusterOf.get(item.key) ?? -1);
        examples.rows.push(row);
      }
      row++;
    }
    return examples;
  }

  #knnProbabilities(control: ControlState, unit: Float32Array): Float64Array | null {
    const labelIndices: number[][] = [];
    const sims: number[] = [];
    for (const item of this.#items.values()) {
      const values = item.labels[control.control];
      if (!values) continue;
      labelIndices.push(values.map((v) => control.labels.indexOf(v)).filter((l) => l >= 0));
      sims.push(dot(unit, this.#unitOf(item)));
    }
    if (sims.length === 0) return null;
    const neighbours = topK(sims, Math.min(this.#opts.knnK, sims.length));
    return neighbourProbabilities(neighbours, labelIndices, control.labels.length);
  }

  /** Reselect every control's head if labels or clusters changed since the last selection. */
  #ensureHeads(): void {
    if (!this.#headsStale) return;
    const items = [...this.#items.values()];
    const size = items.length;
    const units = items.map((item) => this.#unitOf(item));
    const similarity = new Float32Array(size * size);
    for (let i = 0; i < size; i++) {
      for (let j = i; j < size; j++) {
        const s = dot(units[i], units[j]);
        similarity[i * size + j] = s;
        similarity[j * size + i] = s;
      }
    }
    for (const [name, control] of this.#controls) {
      const examples = this.#examplesOf(name);
      const choice = selectHead(control, examples, similarity, size, this.#opts);
      // The probe competes with the heads above for single-choice controls (probe-selection.ts).
      const primary = this.#opts.probe ? choosePrimaryHead(control, examples, choice, units, similarity, size) : { choice };
      const { probe: _old, ...rest } = control;
      this.#controls.set(name, { ...rest, ...primary.choice, ...('probe' in primary && primary.probe ? { probe: primary.probe } : {}) });
    }
    this.#headsStale = false;
  }
}

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function isMatrix(x: readonly ArrayLike<number>[] | Matrix): x is Matrix {
  return !Array.isArray(x);
}
