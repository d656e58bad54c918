/**
 * The plugin's core, independent of how it was loaded: for a task, embed its image(s), ask the
 * project's learner, and put the suggestion into the editor; on submit, learn from the
 * person's choices; in idle time, embed upcoming tasks. Hosts (hosts/*.ts) turn Label Studio's
 * events into calls to `openTask` / `learnFromAnnotation` / `prefetch`.
 *
 * Nothing here may disturb the annotator: every failure ends in the status badge, never in an
 * exception the editor sees, and nothing is awaited on the editor's submit path.
 *
 * This class composes the plugin's concerns, each in its own module with the narrow functions it
 * needs: the per-task steps (task-flow.ts), team sync (team-sync.ts), prefetch (prefetch.ts) and
 * the prediction relay with its outbox (prediction-relay.ts). It owns the engine, the store, the
 * learners per project and the badge.
 */
import { KMeansClient } from '../cluster/kmeans-client.ts';
import { startKMeansWorker } from '../cluster/start-kmeans-worker.ts';
import { EmbeddingClient, type EmbedResult } from '../embedding/embedding-client.ts';
import { EngineError, toEngineErrorData } from '../embedding/engine-errors.ts';
import { ortAssetUrls } from '../embedding/ort-asset-urls.ts';
import type { EmbedOutcome, EngineInfo } from '../embedding/worker-protocol.ts';
import { labelsFromAnnotation } from '../labelstudio/annotation-labels.ts';
import { imageUrlForControl, parseLabelConfig, type ChoicesControl, type LabelConfig } from '../labelstudio/label-config.ts';
import type { Prediction } from '../labelstudio/types.ts';
import { labelRecordOf } from '../labelstudio/annotation-sync.ts';
import type { LabelStudioClient } from '../labelstudio/rest-client.ts';
import { LabelChanges } from '../store/label-changes.ts';
import { localSource } from '../store/label-records.ts';
import type { LabelRecord } from '../store/schema.ts';
import { openStore, type Store } from '../store/open-db.ts';
import { importProjectEmbeddingsOnce } from '../store/embedding-import.ts';
import type { OutboxFetch } from '../store/outbox.ts';
import { injectPrediction, preselectChoices } from './editor-adapter.ts';
import { LearningSession } from './learning-session.ts';
import type { Options } from './options.ts';
import { TaskIndex } from '../project-tools/task-index.ts';
import { describeBackend, StatusTracker } from './status.ts';
import { embedTaskImages, predictWith, recordInIndex, type TaskContext, type TaskSuggestion } from './task-flow.ts';
import { TeamSync } from './team-sync.ts';
import { Prefetcher } from './prefetch.ts';
import { PredictionRelay } from './prediction-relay.ts';

export type { TaskContext, TaskSuggestion } from './task-flow.ts';

/**
 * How long opening a task waits for the team's annotations to be read and learnt, on the first
 * read of a project only, before it suggests with what it has (a big project keeps catching up
 * in the background). Later reads never hold up the task on screen.
 */
const TEAM_CATCH_UP_WAIT_MS = 20_000;
/** The message for a config the plugin has nothing to do with. */
const NO_CHOICES_MESSAGE =
  'This project has no Choices control on an Image, so there is nothing to suggest (TextArea, Labels and controls on text are ignored).';

export class CytoMl {
  readonly status = new StatusTracker();
  private readonly client: EmbeddingClient;
  private readonly storePromise: Promise<Store>;
  private kmeans: KMeansClient | undefined;
  private readonly sessions = new Map<string, Promise<LearningSession>>();
  private readonly configs = new Map<string, LabelConfig>();
  private readonly indexes = new Map<string, TaskIndex>();
  /** Says "labels changed" to this tab's learners and to other tabs'. */
  private readonly labelChanges = new LabelChanges();
  private readonly team: TeamSync;
  private readonly prefetcher: Prefetcher;
  private readonly relay: PredictionRelay;
  /**
   * Generation of the task on screen: each `openTask` with an editor takes the next number, and
   * its result may reach the editor and the badge only while it is still the latest (a quick task
   * switch, or an editor left behind by a host, must never show another task's suggestion).
   */
  private openSeq = 0;
  private shownSeq = 0;
  /** The project the page shows (set by hosts that follow navigation); undefined = any. */
  private activeProject: string | undefined;

  constructor(readonly options: Options, scriptBase: string) {
    const manifestUrl = new URL(options.manifestUrl, scriptBase).href;
    this.client = new EmbeddingClient({
      manifestUrl,
      ...(options.modelId ? { modelId: options.modelId } : {}),
      ortAssets: ortAssetUrls(options.runtimeUrl ? new URL(options.runtimeUrl, scriptBase).href : scriptBase),
      webgpu: options.webgpu,
      cache: true,
    }, {
      onRestart: (message) => this.status.update({ lastError: { code: 'worker-crashed', message } }),
    });
    this.storePromise = openStore();
    this.storePromise.then((store) => this.status.update({
      storage: store.persistent ? { persistent: true } : { persistent: false, reason: store.reason },
    }));
    const allVectors = () => this.client.allVectors().then((v) => v.vectors);
    this.team = new TeamSync({
      store: this.storePromise, options, labelChanges: this.labelChanges, allVectors,
      projectSession: (project, configXml) => this.projectSession(project, configXml),
      controlsOf: (configXml) => this.parseConfig(configXml).controls,
      showLearning: (project, session) => this.showLearning(project, session),
      reportError: (lastError) => this.status.update({ lastError }),
    });
    this.prefetcher = new Prefetcher({
      options,
      start: () => this.start(),
      embed: (urls) => this.client.prefetch(urls),
      onBatch: (outcomes) => {
        const computed = outcomes.filter((o) => o.ok && o.cacheHit === 'none').length;
        this.count(outcomes.map((o) => (o.ok ? o.cacheHit : 'none')), computed);
        this.status.update({ prefetched: this.status.current.prefetched + computed });
      },
    });
    this.relay = new PredictionRelay({ store: this.storePromise, options, onReport: (relay) => this.status.update({ relay }) });
  }

  /** Start the engine (model download, session); the badge shows progress and errors. */
  start(): Promise<EngineInfo | undefined> {
    return this.client.start().then(
      (info) => {
        this.status.update({ state: 'ready', engine: info, backendLabel: describeBackend(info) });
        return info;
      },
      (error) => {
        this.status.update({ state: 'error', backendLabel: 'not available', lastError: toEngineErrorData(error) });
        return undefined;
      },
    );
  }

  /** The engine's client (embedding on demand; used by the demo's bulk tools). */
  get embeddings(): EmbeddingClient {
    return this.client;
  }

  /** The parsed config, cached by its text. */
  parseConfig(xml: string): LabelConfig {
    let config = this.configs.get(xml);
    if (!config) {
      config = parseLabelConfig(xml);
      this.configs.set(xml, config);
    }
    return config;
  }

  /**
   * Suggest for a task and show it in the editor. Resolves to the suggestion (also when it
   * could not be shown because the person moved on), or null when there was nothing to do;
   * never rejects.
   */
  async openTask(ctx: TaskContext): Promise<TaskSuggestion | null> {
    const openedAt = ctx.openedAt ?? performance.now();
    const seq = ++this.openSeq;
    if (ctx.editor) this.shownSeq = seq;
    // Still the task on screen: the host says so, and no later task was opened since.
    const isShown = () => (ctx.isCurrent?.() ?? true) && (!ctx.editor || seq === this.shownSeq) &&
      (this.activeProject === undefined || this.activeProject === ctx.project);
    try {
      const config = this.parseConfig(ctx.config);
      if (config.controls.length === 0) {
        this.status.update({ lastError: { code: 'no-choices', message: NO_CHOICES_MESSAGE } });
        return null;
      }
      const info = await this.start();
      if (!info) return null;
      await importProjectEmbeddingsOnce(this.options.shimUrl, ctx.project, info.modelId, this.storePromise); // issue 14: embeddings from `npm run import -- --embed`, once per project
      const t0 = performance.now();
      const embeddings = await this.embedTaskImages(ctx, config.controls);
      const embedMs = performance.now() - t0;
      const t1 = performance.now();
      const session = await this.session(ctx.project, ctx.config, info);
      this.team.followLabelStudioPage(ctx.project);
      const firstTeamRead = this.team.isFirstRead(ctx.project);
      const catchUp = this.team.catchUp(ctx.project, ctx.config, session);
      // The first read waits for the team's labels, but only until every class they name has an
      // example learnt (one per class is embedded first): not for the whole catch-up.
      if (firstTeamRead) {
        await withTimeout(Promise.race([catchUp, session.whenEveryClassLearnt()]), TEAM_CATCH_UP_WAIT_MS);
        // Every class may be learnt before the catch-up's own refit: a learner never fitted has
        // no heads and would suggest nothing, so fit it now on what is embedded (milliseconds
        // for a first batch). Only then: reading every vector of a big, already fitted project
        // is the catch-up's work, off the task's path.
        if (session.summary().fitVersion === 0) await session.maybeRefit(() => this.client.allVectors().then((v) => v.vectors));
      }
      const vectors = new Map([...embeddings].map(([name, e]) => [name, e.vector]));
      const { prediction, controls } = predictWith(session, config, ctx.taskId, vectors);
      const predictMs = performance.now() - t1;
      recordInIndex(() => this.taskIndex(ctx.project), ctx, config, embeddings);
      const current = isShown();
      if (prediction && ctx.editor && current) {
        injectPrediction(ctx.editor, prediction);
        if (this.options.preselect || ctx.prefill) preselectChoices(ctx.editor, prediction);
      }
      const first = [...embeddings.values()][0];
      if (current) {
        const learning = session.summary();
        this.status.update({
          lastSuggestion: {
            taskId: ctx.taskId,
            modelVersion: session.modelVersion,
            fitVersion: learning.fitVersion,
            controls,
            cacheHit: first?.cacheHit ?? 'none',
            taskToSuggestionMs: performance.now() - openedAt,
            editorStartMs: ctx.editorStartMs ?? 0,
            embedMs,
            predictMs,
          },
          learning: { project: ctx.project, ...learning },
          lastError: undefined,
        });
      }
      if (prediction) void this.relay.relay(ctx.project, ctx.taskId, prediction);
      return { prediction, controls, embeddings };
    } catch (error) {
      if (isShown()) this.status.update({ lastError: describeError(error) });
      return null;
    }
  }

  /**
   * The page now shows `project` (a host followed a client-side navigation; undefined: no
   * project page). A different project clears the badge's suggestion, learning line and problem,
   * and a suggestion still on its way for the old project's task is dropped, so nothing of one
   * project shows in another. Its learner, team reads and tools stay per project.
   */
  showProject(project: string | undefined): void {
    if (project === this.activeProject) return;
    this.activeProject = project;
    this.shownSeq = ++this.openSeq;
    const s = this.status.current;
    if (s.lastSuggestion || (s.learning && s.learning.project !== project) || s.lastError) {
      this.status.update({ lastSuggestion: undefined, learning: undefined, lastError: undefined });
    }
  }

  /** The project the page shows, when a host follows navigation. */
  get shownProject(): string | undefined {
    return this.activeProject;
  }

  /** The learning line of the badge, for the project on screen only. */
  private showLearning(project: string, session: LearningSession): void {
    if (this.activeProject !== undefined && this.activeProject !== project) return;
    this.status.update({ learning: { project, ...session.summary() } });
  }

  /** Start embedding a task's image(s) now (no editor yet); errors surface in `openTask`. */
  preload(ctx: TaskContext): void {
    try {
      const config = this.parseConfig(ctx.config);
      if (config.controls.length === 0) return;
      void this.start().then((info) => (info ? this.embedTaskImages(ctx, config.controls) : undefined)).catch(() => {});
    } catch {
      // A broken config is reported when the task opens.
    }
  }

  /**
   * Learn from a submitted or updated annotation: its choices become labels of the task's
   * embeddings. Called without awaiting from the editor's submit handlers.
   */
  async learnFromAnnotation(ctx: TaskContext, result: unknown): Promise<void> {
    try {
      const config = this.parseConfig(ctx.config);
      if (config.controls.length === 0) return;
      const labels = labelsFromAnnotation(result, config.controls);
      if (Object.keys(labels).length === 0) return;
      const info = await this.start();
      if (!info) return;
      const taskId = Number(ctx.taskId);
      if (!Number.isInteger(taskId)) return;
      const embeddings = await this.embedTaskImages(ctx, config.controls);
      const session = await this.session(ctx.project, ctx.config, info);
      // A record of its own (`local:<task>`), merged with every other tab's and annotator's;
      // once the server's copy is read back (`ls:<annotation id>`) that one speaks for the task.
      const record = labelRecordOf(ctx.project, localSource(taskId), { id: taskId, data: ctx.data }, result, config.controls, Date.now());
      if (!record) return;
      await session.record([record], new Map([...embeddings].map(([name, e]) => [`${taskId}:${name}`, e.vector])));
      await session.maybeRefit(() => this.client.allVectors().then((v) => v.vectors));
      this.showLearning(ctx.project, session);
    } catch (error) {
      this.status.update({ lastError: describeError(error) });
    }
  }

  /** Refit the project's clusters now, on all cached embeddings of the model. */
  async refit(project: string, config: string, vectors?: Float32Array[]): Promise<boolean> {
    const info = await this.start();
    if (!info) return false;
    const session = await this.session(project, config, info);
    // A project's own vectors when the caller has them (pre-annotation); else every cached one.
    const source = vectors ? async () => vectors : () => this.client.allVectors().then((v) => v.vectors);
    const refitted = await session.maybeRefit(source, true);
    this.showLearning(project, session);
    return refitted;
  }

  /**
   * Embed several images in one worker round trip, counting cache hits and model runs in the
   * status like every other embedding (bulk pre-annotation). One outcome per URL.
   */
  async embedUrls(urls: readonly string[]): Promise<EmbedOutcome[]> {
    const outcomes = await this.client.embedMany([...urls]);
    const hits = outcomes.map((o) => (o.ok ? o.cacheHit : 'none'));
    this.count(hits, outcomes.filter((o) => o.ok && o.cacheHit === 'none').length);
    return outcomes;
  }

  /** The learner of a project (started engine required; resolves undefined when it cannot start). */
  async projectSession(project: string, config: string): Promise<LearningSession | undefined> {
    const info = await this.start();
    if (!info) return undefined;
    return this.session(project, config, info);
  }

  /**
   * The prediction for a task from embeddings already at hand (image name → vector): what
   * openTask shows, without the editor (pre-annotation). Null when nothing is suggested.
   */
  async predictVectors(project: string, configXml: string, taskId: number | string, vectors: Map<string, Float32Array>): Promise<Prediction | null> {
    const session = await this.projectSession(project, configXml);
    if (!session) return null;
    return predictWith(session, this.parseConfig(configXml), taskId, vectors).prediction;
  }

  /**
   * Learn from many annotations at once (bulk labelling): labels of each task's images, one
   * write of the learner's state, one refit check.
   */
  async learnMany(
    project: string, configXml: string,
    items: ReadonlyArray<{ taskId: number | string; vectors: Map<string, Float32Array>; result: unknown; data?: Record<string, unknown> }>,
  ): Promise<void> {
    const config = this.parseConfig(configXml);
    const session = await this.projectSession(project, configXml);
    if (!session) return;
    const records: LabelRecord[] = [];
    const vectors = new Map<string, Float32Array>();
    const now = Date.now();
    for (const item of items) {
      const taskId = Number(item.taskId);
      if (!Number.isInteger(taskId)) continue;
      const record = labelRecordOf(project, localSource(taskId), { id: taskId, data: item.data ?? {} }, item.result, config.controls, now);
      if (!record) continue;
      records.push(record);
      for (const [imageName, vector] of item.vectors) vectors.set(`${taskId}:${imageName}`, vector);
    }
    if (records.length === 0) return;
    await session.record(records, vectors);
    await session.maybeRefit(() => this.client.allVectors().then((v) => v.vectors));
    this.showLearning(project, session);
  }

  /**
   * Learn from annotations made earlier (a project's existing labels, a reload of the offline
   * annotator): the tasks' images are embedded in one batched worker call (cache hits after the
   * first visit) and learnt with one state write, instead of one write and refit check per task.
   */
  async learnFromTasks(project: string, configXml: string, tasks: ReadonlyArray<{ taskId: number | string; data: Record<string, unknown>; result: unknown }>): Promise<void> {
    try {
      const config = this.parseConfig(configXml);
      const images = new Map<string, ChoicesControl>();
      for (const c of config.controls) if (!images.has(c.image.name)) images.set(c.image.name, c);
      const vectors = tasks.map(() => new Map<string, Float32Array>());
      for (const [imageName, control] of images) {
        // A task without this image (or with a bad one) is skipped, not the whole batch.
        const rows: number[] = [];
        const urls: string[] = [];
        tasks.forEach((t, i) => {
          try {
            urls.push(imageUrlForControl({ id: Number(t.taskId), data: t.data }, control));
            rows.push(i);
          } catch {
            // no URL in this task's data
          }
        });
        const outcomes = await this.embedUrls(urls);
        outcomes.forEach((o, j) => { if (o.ok) vectors[rows[j]].set(imageName, o.vector); });
      }
      await this.learnMany(project, configXml, tasks.map((t, i) => ({ taskId: t.taskId, vectors: vectors[i], result: t.result, data: t.data })));
    } catch (error) {
      this.status.update({ lastError: describeError(error) });
    }
  }

  /**
   * Follow a Label Studio project's annotations: on the first task opened (and every few seconds
   * at most after), read what the team added, updated or deleted since the last read and learn
   * it; in idle time too. Called by the Label Studio project tools with their REST client.
   */
  useLabelStudio(o: { client: LabelStudioClient; projectId: number }): void {
    this.team.use(o);
  }

  /**
   * Read the team's new annotations of a project now (when it follows one) and learn them.
   * Resolves when learnt; never rejects (a failure is shown in the badge and retried later).
   */
  catchUpWithTeam(project: string, configXml: string, session?: LearningSession): Promise<void> {
    return this.team.catchUp(project, configXml, session);
  }

  /** The model_version predictions of a project get now (model-version.ts). */
  async modelVersion(project: string, configXml: string): Promise<string | undefined> {
    return (await this.projectSession(project, configXml))?.modelVersion;
  }

  /** Labelled examples per control and label of a project's learner. */
  async labelCounts(project: string, configXml: string): Promise<Record<string, Record<string, number>>> {
    return (await this.projectSession(project, configXml))?.labelCounts() ?? {};
  }

  /** The in-memory index of a project's embedded tasks (neighbours, gallery, map). */
  taskIndex(project: string): TaskIndex {
    let index = this.indexes.get(project);
    if (!index) {
      index = new TaskIndex();
      this.indexes.set(project, index);
    }
    return index;
  }

  /**
   * How queued writes are sent (e.g. with Label Studio's CSRF header or token); also starts
   * retrying pending writes with backoff in the background.
   */
  setOutboxFetch(fetchImpl: OutboxFetch): void {
    this.relay.setFetch(fetchImpl);
  }

  /**
   * Embed these image URLs in idle time, a few at a time, so the usual next task opens with a
   * cached embedding. A new call replaces the queue (the person's position changed).
   */
  prefetch(urls: string[]): void {
    this.prefetcher.prefetch(urls);
  }

  /** A task's image embeddings, each counted in the badge as it comes (task-flow.ts). */
  private embedTaskImages(ctx: TaskContext, controls: readonly ChoicesControl[]): Promise<Map<string, EmbedResult>> {
    return embedTaskImages(async (url) => {
      const result = await this.client.embed(url);
      this.count([result.cacheHit], result.cacheHit === 'none' ? 1 : 0);
      return result;
    }, ctx, controls);
  }

  private count(hits: Array<'url' | 'content' | 'none'>, modelRuns: number): void {
    const cache = { ...this.status.current.cache };
    for (const hit of hits) {
      if (hit === 'none') cache.misses++;
      else cache.hits++;
    }
    this.status.update({ cache, modelRuns: this.status.current.modelRuns + modelRuns });
  }

  private session(project: string, configXml: string, info: EngineInfo): Promise<LearningSession> {
    const key = `${project}\u0000${info.modelId}\u0000${configXml}`;
    let session = this.sessions.get(key);
    if (!session) {
      const config = this.parseConfig(configXml);
      this.kmeans ??= new KMeansClient(startKMeansWorker);
      const kmeans = this.kmeans;
      session = this.storePromise.then((store) => LearningSession.open({
        project, modelId: info.modelId, dim: info.embeddingSize, controls: config.controls,
        k: this.options.k, refitGrowth: this.options.refitGrowth, fits: store.fits, kmeans,
        labels: store.labels, changes: this.labelChanges,
        embed: async (urls) => (await this.embedUrls(urls)).map((o) => (o.ok ? o.vector : undefined)),
      }));
      session.catch(() => this.sessions.delete(key));
      this.sessions.set(key, session);
    }
    return session;
  }

  /** Try to send queued writes now; returns what is still pending. */
  async flushOutbox(): Promise<{ pending: number; failed: number }> {
    return this.relay.flush();
  }

  /** The plugin's stores (the demo keeps its offline annotations there too). */
  store(): Promise<Store> {
    return this.storePromise;
  }
}

function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof EngineError) return error.toData();
  const e = error as { name?: string; message?: string };
  return { code: e?.name ?? 'error', message: e?.message ?? String(error) };
}

/** Wait for `promise`, but no longer than `ms` (it keeps running after). */
function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    promise.then(() => resolve(), () => resolve()).finally(() => clearTimeout(timer));
  });
}

