/**
 * The project source for Label Studio: tasks and config through the REST API (same origin,
 * session + CSRF, or an API token), writes through the durable outbox so a 5xx, a 401 or an
 * offline spell loses nothing. One queued write per (task, kind): a second pre-annotation run
 * replaces the queued body instead of adding a duplicate.
 *
 * Predictions go to Label Studio's `/api/predictions/` when the page can write there (a token,
 * or a session with its CSRF cookie); otherwise, when a shim is configured, to the shim's relay
 * (`POST <shimUrl>/api/predictions`, body TaskPrediction), which holds its own token.
 */
import { importPredictionsUrl } from '../labelstudio/prediction-batch.ts';
import { enqueueShimPrediction } from '../plugin/shim-relay.ts';
import type { LabelStudioClient } from '../labelstudio/rest-client.ts';
import type { LabelStudioTask } from '../labelstudio/types.ts';
import type { Outbox } from '../store/outbox.ts';
import { dataImageUrl, type ProjectSource, type TaskAnnotationWrite, type TaskPredictionWrite, type WriteState } from './project-source.ts';

/** Where predictions are written. */
export type PredictionTarget = 'label-studio' | 'shim';

/**
 * Direct to Label Studio when the page holds credentials that can write (an API token, or the
 * session's CSRF cookie) or when there is no shim to fall back on; else through the shim.
 */
export function choosePredictionTarget(o: { apiToken: string; csrfCookie: boolean; shimUrl: string }): PredictionTarget {
  if (o.apiToken || o.csrfCookie || !o.shimUrl) return 'label-studio';
  return 'shim';
}

export interface LabelStudioSourceOptions {
  client: LabelStudioClient;
  /** Label Studio's project id. */
  projectId: number;
  /** Absolute base URL of Label Studio (outbox items hold absolute URLs). */
  baseUrl: string;
  outbox: Outbox;
  target: PredictionTarget;
  /** The shim's base URL, for `target: 'shim'`. */
  shimUrl: string;
  /** Send queued writes now (the plugin core's authorised flush). */
  flush: () => Promise<WriteState>;
  /** Show a task; default: the Data Manager URL with `?task=<id>`. */
  navigate?: (taskId: number) => void;
}

/** The Data Manager page of the current location with `task=<id>` (Label Studio opens that task). */
export function taskPageUrl(href: string, projectId: number, taskId: number): string {
  const url = new URL(href);
  if (!/\/projects\/\d+\/data/.test(url.pathname)) url.pathname = `/projects/${projectId}/data`;
  url.searchParams.set('task', String(taskId));
  return url.href;
}

export class LabelStudioSource implements ProjectSource {
  readonly kind = 'label-studio';
  readonly project: string;
  private config: Promise<string> | undefined;

  constructor(private readonly o: LabelStudioSourceOptions) {
    this.project = String(o.projectId);
  }

  labelConfig(): Promise<string> {
    this.config ??= this.o.client.getProject(this.o.projectId).then((p) => p.label_config);
    this.config.catch(() => { this.config = undefined; });
    return this.config;
  }

  listTasks(): Promise<LabelStudioTask[]> {
    return this.o.client.listTasks(this.o.projectId, { fields: 'all' });
  }

  imageUrl(task: LabelStudioTask, dataKey: string | null, literal: string): string {
    return dataImageUrl(task, dataKey, literal);
  }

  async savePredictions(writes: readonly TaskPredictionWrite[]): Promise<void> {
    const base = this.o.baseUrl.replace(/\/?$/, '/');
    for (const { taskId, prediction } of writes) {
      if (this.o.target === 'shim') {
        await enqueueShimPrediction(this.o.outbox, this.o.shimUrl, this.project, taskId, prediction);
      } else {
        // The bulk-import form: sent alone it is one ordinary request; the outbox hands all
        // queued ones to prediction-batch.ts, which writes hundreds per request.
        const { result, score, model_version } = prediction;
        await this.o.outbox.enqueue({
          kind: 'prediction', target: 'label-studio', method: 'POST',
          body: [{ task: taskId, result, score, model_version }],
          url: importPredictionsUrl(base, this.o.projectId),
          dedupeKey: `ls-prediction:${this.project}:${taskId}`,
        });
      }
    }
  }

  /**
   * Writes of this project still waiting in the outbox (pending, failed): Pre-annotate says
   * "Done." only when none is pending.
   */
  async pendingWrites(): Promise<WriteState> {
    const mine = (item: { dedupeKey: string }) => item.dedupeKey.startsWith(`ls-prediction:${this.project}:`) || item.dedupeKey === `ls-project-version:${this.project}` || item.dedupeKey.startsWith(`shim:${this.project}:`);
    return { pending: await this.o.outbox.pending(mine), failed: (await this.o.outbox.failed()).filter(mine).length };
  }

  async saveAnnotations(writes: readonly TaskAnnotationWrite[]): Promise<void> {
    const base = this.o.baseUrl.replace(/\/?$/, '/');
    for (const { taskId, result } of writes) {
      await this.o.outbox.enqueue({
        kind: 'annotation', target: 'label-studio', method: 'POST',
        body: { result, was_cancelled: false, ground_truth: false },
        url: new URL(`api/tasks/${taskId}/annotations/`, base).href,
        dedupeKey: `ls-annotation:${this.project}:${taskId}`,
      });
    }
  }

  /**
   * Make the project's `model_version` (what the Data Manager's "Prediction score" column and
   * score sorting read) the version just written. Queued like every write; the sender skips it
   * when the project already has a newer version of ours (another browser's).
   */
  async setModelVersion(version: string): Promise<void> {
    const base = this.o.baseUrl.replace(/\/?$/, '/');
    await this.o.outbox.enqueue({
      kind: 'prediction', target: 'label-studio', method: 'PATCH',
      body: { model_version: version },
      url: new URL(`api/projects/${this.o.projectId}/`, base).href,
      dedupeKey: `ls-project-version:${this.project}`,
    });
  }

  flush(): Promise<WriteState> {
    return this.o.flush();
  }

  openTask(taskId: number): void {
    if (this.o.navigate) this.o.navigate(taskId);
    else location.assign(taskPageUrl(location.href, this.o.projectId, taskId));
  }
}
