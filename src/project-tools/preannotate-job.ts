/**
 * Pre-annotate a whole project: list its tasks, embed every image in the worker (batches,
 * with throughput and time left), fit the clusters on the project's embeddings, and write a
 * prediction for every task through the project source (queued in the outbox for Label
 * Studio), and say "Done." once the server holds them all. Resumable: the ids of embedded tasks go to store.progress after every batch, so a
 * reload or a closed lid continues where it stopped; an embedded image costs nothing the
 * second time (the worker's cache answers by URL without running the model).
 * Cancellable between batches (`pause()`); the state machine is job-state.ts.
 */
import type { EmbedOutcome } from '../embedding/worker-protocol.ts';
import type { LabelConfig } from '../labelstudio/label-config.ts';
import type { LabelStudioTask, Prediction } from '../labelstudio/types.ts';
import type { ProgressStore } from '../store/progress-store.ts';
import type { ProgressRecord } from '../store/schema.ts';
import { fewLabelsWarning, INITIAL_JOB_STATE, reduceJob, type JobEvent, type JobState } from './job-state.ts';
import { ratePerSecond, timeLeftMs, trimSamples, type RateSample } from './progress-maths.ts';
import type { ProjectSource, TaskPredictionWrite } from './project-source.ts';
import { taskImageUrls } from './task-images.ts';
import type { TaskIndex } from './task-index.ts';

/** The part of the plugin core the job uses (an interface, so tests can fake it). */
export interface JobCore {
  parseConfig(xml: string): LabelConfig;
  embedUrls(urls: readonly string[]): Promise<EmbedOutcome[]>;
  refit(project: string, config: string, vectors?: Float32Array[]): Promise<boolean>;
  predictVectors(project: string, config: string, taskId: number, vectors: Map<string, Float32Array>): Promise<Prediction | null>;
  taskIndex(project: string): TaskIndex;
  /** Learn the team's annotations made so far (Label Studio sources; a no-op elsewhere). */
  catchUpWithTeam(project: string, config: string): Promise<void>;
  /** Labelled examples per control and label. */
  labelCounts(project: string, config: string): Promise<Record<string, Record<string, number>>>;
  /** The model_version predictions get now. */
  modelVersion(project: string, config: string): Promise<string | undefined>;
}

/** Whether a task already has a person's (not cancelled) annotation, as the source listed it. */
export function hasAnnotation(task: LabelStudioTask): boolean {
  const listed = (task.annotations ?? []).some((a) => (a as { was_cancelled?: unknown }).was_cancelled !== true);
  const counted = Number((task as { total_annotations?: unknown }).total_annotations ?? 0) - Number((task as { cancelled_annotations?: unknown }).cancelled_annotations ?? 0);
  return listed || counted > 0;
}

export interface PreannotateOptions {
  core: JobCore;
  source: ProjectSource;
  progress: ProgressStore;
  /** Embedding model id: a new model is a new job (its embeddings are new). */
  modelId: string;
  /** Images per worker round trip (same-size images share a model run). */
  batchSize?: number;
  now?: () => number;
}

/** What the progress bar shows. */
export interface JobView {
  state: JobState;
  /** Images per second over the last seconds of this run. */
  rate: number;
  /** Estimated time left for the embedding phase, when known. */
  timeLeftMs: number | undefined;
}

/** The progress record's job id for a model. */
export function preannotateJobId(modelId: string): string {
  return `preannotate:${modelId}`;
}

const DEFAULT_BATCH = 8;
/** Predictions queued per outbox round (one IndexedDB transaction each). */
const WRITE_BATCH = 50;

export class PreannotateJob {
  private state_: JobState = { ...INITIAL_JOB_STATE };
  private samples: RateSample[] = [];
  private readonly listeners = new Set<(view: JobView) => void>();
  private abort: AbortController | undefined;
  private running: Promise<JobState> | undefined;
  private readonly now: () => number;

  constructor(private readonly o: PreannotateOptions) {
    this.now = o.now ?? (() => performance.now());
  }

  get jobId(): string {
    return preannotateJobId(this.o.modelId);
  }

  /** The stored progress of this job (to offer "Resume" or resume an interrupted run). */
  stored(): Promise<ProgressRecord | undefined> {
    return this.o.progress.get(this.o.source.project, this.jobId);
  }

  get view(): JobView {
    const rate = ratePerSecond(this.samples);
    const remaining = this.state_.total - this.state_.embedded - this.state_.failed;
    return { state: this.state_, rate, timeLeftMs: this.state_.phase === 'embedding' ? timeLeftMs(remaining, rate) : undefined };
  }

  subscribe(listener: (view: JobView) => void): () => void {
    this.listeners.add(listener);
    listener(this.view);
    return () => this.listeners.delete(listener);
  }

  /** Run (or resume) the job; resolves with the final state. A second call joins the running one. */
  run(): Promise<JobState> {
    this.running ??= this.execute().finally(() => { this.running = undefined; });
    return this.running;
  }

  /** Stop after the current batch; the progress stays for a later resume. */
  pause(): void {
    this.abort?.abort();
  }

  private dispatch(event: JobEvent): void {
    this.state_ = reduceJob(this.state_, event);
    const view = this.view;
    for (const listener of this.listeners) listener(view);
  }

  private async execute(): Promise<JobState> {
    const { core, source, progress } = this.o;
    const project = source.project;
    this.abort = new AbortController();
    const signal = this.abort.signal;
    this.samples = [];
    this.dispatch({ type: 'start' });
    let started = false;
    try {
      const configXml = await source.labelConfig();
      const config = core.parseConfig(configXml);
      if (config.controls.length === 0) throw new Error('the project has no Choices control on an Image: nothing to pre-annotate');
      const tasks = await source.listTasks();
      const images = new Map<number, Map<string, string>>();
      for (const task of tasks) images.set(task.id, taskImageUrls(task, config, source));
      const record = await progress.start(project, this.jobId, tasks.length);
      started = true;
      const done = new Set(record.done);
      const alreadyEmbedded = tasks.filter((t) => done.has(String(t.id))).length;
      this.dispatch({ type: 'listed', total: tasks.length, alreadyEmbedded });
      const index = core.taskIndex(project);
      const vectors = new Map<number, Map<string, Float32Array>>();

      // 1. Embed what is not done yet, recording progress after every batch.
      const todo = tasks.filter((t) => !done.has(String(t.id)));
      this.samples.push({ at: this.now(), count: 0 });
      let count = 0;
      const batch = this.o.batchSize ?? DEFAULT_BATCH;
      for (let i = 0; i < todo.length; i += batch) {
        if (signal.aborted) return await this.paused();
        const slice = todo.slice(i, i + batch);
        const { ok, failed, error } = await this.embedTasks(slice, images, vectors, index);
        if (ok.length > 0) await progress.markDone(project, this.jobId, ok);
        count += slice.length;
        this.samples = trimSamples([...this.samples, { at: this.now(), count }]);
        this.dispatch({ type: 'embedded', ok: ok.length, failed, ...(error ? { error } : {}) });
      }
      if (signal.aborted) return await this.paused();

      // 2. Vectors of tasks embedded in an earlier run: cache hits (no model runs).
      const earlier = tasks.filter((t) => done.has(String(t.id)) && !vectors.has(t.id));
      for (let i = 0; i < earlier.length; i += 32) {
        if (signal.aborted) return await this.paused();
        await this.embedTasks(earlier.slice(i, i + 32), images, vectors, index);
      }

      // 3. Clusters on this project's embeddings.
      this.dispatch({ type: 'fitting' });
      await core.refit(project, configXml, [...vectors.values()].flatMap((m) => [...m.values()]));
      this.dispatch({ type: 'fitted' });

      // 4. What the learner knows: the team's annotations too, and whether it is enough.
      await core.catchUpWithTeam(project, configXml);
      const counts = await core.labelCounts(project, configXml);
      const labelled = Object.values(counts).reduce((n, byLabel) => Math.max(n, Object.values(byLabel).reduce((a, b) => a + b, 0)), 0);
      const warning = labelled > 0 ? fewLabelsWarning(counts) : undefined;
      this.dispatch({ type: 'learnt', labelled, ...(warning ? { warning } : {}) });

      // 5. One prediction per unannotated task, queued in batches. An annotated task gets none:
      // a person's answer is there, and a prediction could only contradict it.
      const withVectors = tasks.filter((t) => vectors.has(t.id));
      let written = 0;
      for (let i = 0; i < withVectors.length; i += WRITE_BATCH) {
        const writes: TaskPredictionWrite[] = [];
        let annotated = 0;
        let unsure = 0;
        for (const task of withVectors.slice(i, i + WRITE_BATCH)) {
          if (hasAnnotation(task)) {
            annotated++;
            continue;
          }
          const prediction = labelled > 0 ? await core.predictVectors(project, configXml, task.id, vectors.get(task.id)!) : null;
          if (prediction) writes.push({ taskId: task.id, prediction });
          else unsure++;
        }
        await source.savePredictions(writes);
        written += writes.length;
        this.dispatch({ type: 'predicted', count: writes.length, annotated, unsure });
      }
      const modelVersion = written > 0 ? await core.modelVersion(project, configXml) : undefined;
      // The Data Manager scores and sorts by the project's model version: make it this one.
      if (modelVersion && source.setModelVersion) await source.setModelVersion(modelVersion);
      this.dispatch({ type: 'queued', ...(modelVersion ? { modelVersion } : {}) });
      // 6. "Done." only once the server holds them: queued writes survive a reload (the outbox
      // resumes them by itself), but a person who closes the tab at "Done." must lose nothing.
      if (!(await this.waitUntilStored(signal))) return await this.paused();
      await progress.setState(project, this.jobId, 'done');
      this.dispatch({ type: 'stored' });
      return this.state_;
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      if (started) await progress.setState(project, this.jobId, 'failed', message).catch(() => {});
      this.dispatch({ type: 'fail', error: message });
      return this.state_;
    }
  }

  /**
   * Send the queued writes and wait until none of this project's is pending; false when paused
   * meanwhile (the writes go on in the background). Refused writes (4xx) end the job with the
   * reason: they are not stored, and the status panel offers to retry or discard them.
   */
  private async waitUntilStored(signal: AbortSignal): Promise<boolean> {
    const { source } = this.o;
    let delay = 200;
    for (;;) {
      const flushed = await source.flush();
      const mine = source.pendingWrites ? await source.pendingWrites() : flushed;
      if (mine.pending === 0) {
        if (mine.failed > 0) throw new Error(`${mine.failed} prediction write${mine.failed === 1 ? ' was' : 's were'} refused by the server; see the plugin's status panel to retry or discard them`);
        return true;
      }
      this.dispatch({ type: 'storing', unstored: Math.min(this.state_.predicted, mine.pending) });
      if (signal.aborted) return false;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5_000);
      if (signal.aborted) return false;
    }
  }

  private async paused(): Promise<JobState> {
    await this.o.progress.setState(this.o.source.project, this.jobId, 'paused');
    this.dispatch({ type: 'pause' });
    return this.state_;
  }

  /** Embed the images of some tasks in one round trip; a task counts when all its images worked. */
  private async embedTasks(
    tasks: readonly LabelStudioTask[],
    images: Map<number, Map<string, string>>,
    vectors: Map<number, Map<string, Float32Array>>,
    index: TaskIndex,
  ): Promise<{ ok: number[]; failed: number; error?: string }> {
    const entries = tasks.flatMap((t) => [...(images.get(t.id) ?? new Map<string, string>())].map(([name, url]) => ({ task: t.id, name, url })));
    const outcomes = entries.length > 0 ? await this.o.core.embedUrls(entries.map((e) => e.url)) : [];
    const byTask = new Map<number, Map<string, Float32Array>>();
    const bad = new Set<number>();
    let error: string | undefined;
    entries.forEach((entry, i) => {
      const outcome = outcomes[i];
      if (!outcome?.ok) {
        bad.add(entry.task);
        error = `task ${entry.task}: ${outcome ? outcome.error.message : 'no answer'}`;
        return;
      }
      let m = byTask.get(entry.task);
      if (!m) byTask.set(entry.task, (m = new Map()));
      m.set(entry.name, outcome.vector);
    });
    const ok: number[] = [];
    let failed = 0;
    for (const task of tasks) {
      const m = byTask.get(task.id);
      if (!m || bad.has(task.id)) {
        failed++;
        error ??= `task ${task.id}: no image in its data`;
        continue;
      }
      ok.push(task.id);
      vectors.set(task.id, m);
      const [firstName, first] = [...m][0];
      index.put({ taskId: task.id, url: images.get(task.id)!.get(firstName)!, vector: first });
    }
    return { ok, failed, ...(error ? { error } : {}) };
  }
}
