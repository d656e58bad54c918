/**
 * The Label Studio REST client, for the browser and for Node (given a fetch).
 *
 * The one client: the plugin and the project tools use it in the browser (the page's session,
 * or a token), `npm run import` in Node (a token; src/import/label-studio-api.ts adds the
 * import's upload and storage calls on top of {@link LabelStudioClient.request}).
 *
 * Auth (session + CSRF, legacy Token, personal access token JWT) lives in credentials.ts and
 * token-auth.ts; this file builds URLs, reads answers and turns failures into messages.
 */

import { LabelStudioCredentials, type LabelStudioAuth } from './credentials.ts';
import type { ChoicesResult, LabelStudioTask, Prediction } from './types.ts';

export type { LabelStudioAuth } from './credentials.ts';

/** Client options; only what differs from the defaults needs giving. */
export interface LabelStudioClientOptions {
  /** Label Studio's origin (and path prefix, if any); '' = same origin as the page. */
  baseUrl?: string;
  auth?: LabelStudioAuth;
  /** Injected for tests and Node; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Cookie string source for the CSRF token; defaults to `document.cookie`. */
  cookies?: () => string;
  /** Tasks per page when listing (Label Studio's default page is small). */
  pageSize?: number;
  /**
   * How redirects are handled; Node's import uses 'manual' so a redirect to the login page
   * reads as "refused" rather than as a page that is not JSON.
   */
  redirect?: RequestRedirect;
}

/** Defaults for {@link LabelStudioClientOptions}. */
export const DEFAULT_CLIENT_OPTIONS = Object.freeze({
  baseUrl: '',
  auth: Object.freeze({ kind: 'session' }) as LabelStudioAuth,
  pageSize: 100,
});

/** A project as `GET /api/projects/{id}/` returns it (the fields this project reads). */
export interface LabelStudioProject {
  id: number;
  title?: string;
  label_config: string;
  [key: string]: unknown;
}

/** A prediction as `GET /api/predictions/?task=` lists it. */
export interface StoredPrediction extends Prediction {
  id: number;
  task: number;
}

/** An annotation as Label Studio lists it (the fields this project reads). */
export interface StoredAnnotation {
  id: number;
  result: unknown[];
  was_cancelled?: boolean;
  completed_by?: number | { id: number };
  created_at?: string;
  updated_at?: string;
  [key: string]: unknown;
}

/** Which tasks to list. */
export interface ListTasksOptions {
  fields?: 'all' | 'task_only';
  /**
   * Only tasks whose `updated_at` is at or after this (Label Studio's ISO time; saving or
   * deleting an annotation moves its task's `updated_at`), oldest first: an incremental read.
   */
  updatedSince?: string;
  /** Called with each page as it arrives (thousands of tasks need not be held twice). */
  onPage?: (tasks: LabelStudioTask[]) => void | Promise<void>;
}

/** Body of `POST /api/predictions/`. */
export interface PredictionCreate extends Prediction {
  task: number;
}

/** Body of `POST /api/tasks/{id}/annotations/`. */
export interface AnnotationCreate {
  result: ChoicesResult[] | unknown[];
  was_cancelled?: boolean;
  ground_truth?: boolean;
  lead_time?: number;
  [key: string]: unknown;
}

/** A failed Label Studio call; `status` 0 means the request never got an answer. */
export class LabelStudioApiError extends Error {
  override readonly name = 'LabelStudioApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly method: string,
    readonly url: string,
    /** The response body (truncated), for logs. */
    readonly body: string = '',
    /** Why no answer came: the fetch failure, or token-auth.ts's `TokenRefreshError`. */
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** Talks to one Label Studio instance. */
export class LabelStudioClient {
  private readonly baseUrl: string;
  private readonly auth: LabelStudioAuth;
  private readonly credentials: LabelStudioCredentials;
  private readonly pageSize: number;
  private readonly redirect: RequestRedirect | undefined;

  constructor(options: LabelStudioClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_CLIENT_OPTIONS.baseUrl).replace(/\/+$/, '');
    this.auth = options.auth ?? DEFAULT_CLIENT_OPTIONS.auth;
    // Bind: the global fetch called as a method of another object throws "Illegal invocation".
    const f = options.fetch ?? (typeof globalThis.fetch === 'function' ? globalThis.fetch.bind(globalThis) : undefined);
    if (!f) throw new Error('No fetch available: pass options.fetch.');
    this.credentials = new LabelStudioCredentials({ baseUrl: this.baseUrl, auth: this.auth, fetch: f, ...(options.cookies ? { cookies: options.cookies } : {}) });
    this.pageSize = options.pageSize ?? DEFAULT_CLIENT_OPTIONS.pageSize;
    this.redirect = options.redirect;
  }

  /** `GET /api/projects/{id}/`: the project, with its `label_config`. */
  async getProject(projectId: number): Promise<LabelStudioProject> {
    return this.request<LabelStudioProject>('GET', `/api/projects/${projectId}/`, undefined, { projectId });
  }

  /** `GET /api/tasks/{id}/`. */
  async getTask(taskId: number): Promise<LabelStudioTask> {
    return this.request<LabelStudioTask>('GET', `/api/tasks/${taskId}/`);
  }

  /**
   * Every task of a project, page by page (`GET /api/tasks?project=ID&page=N&page_size=…`).
   * Label Studio answers `{tasks, total}` (data manager API, 1.x), a DRF page `{results, count}`
   * or a bare array (older `/api/projects/{id}/tasks`), and 404 for a page past the end: all
   * are handled. `fields=all` asks for annotations and predictions with each task.
   */
  async listTasks(projectId: number, options: ListTasksOptions = {}): Promise<LabelStudioTask[]> {
    const all: LabelStudioTask[] = [];
    for (let page = 1; ; page++) {
      const query = new URLSearchParams({ project: String(projectId), page: String(page), page_size: String(this.pageSize) });
      if (options.fields) query.set('fields', options.fields);
      if (options.updatedSince !== undefined) query.set('query', updatedSinceQuery(options.updatedSince));
      let body: unknown;
      try {
        body = await this.request<unknown>('GET', `/api/tasks?${query}`, undefined, { projectId });
      } catch (err) {
        // Past the last page Label Studio answers 404 rather than an empty page.
        if (page > 1 && err instanceof LabelStudioApiError && err.status === 404) break;
        throw err;
      }
      const { tasks, total } = readTaskPage(body);
      all.push(...tasks);
      if (tasks.length > 0) await options.onPage?.(tasks);
      if (tasks.length === 0) break;
      if (total !== null ? all.length >= total : tasks.length < this.pageSize) break;
    }
    return all;
  }

  /** `POST /api/predictions/`: store a prediction for a task; returns what Label Studio saved. */
  async createPrediction(prediction: PredictionCreate): Promise<Prediction & { id: number; task: number }> {
    const { task, result, score, model_version } = prediction;
    return this.request('POST', '/api/predictions/', { task, result, score, model_version });
  }

  /** `GET /api/predictions/?task=ID`: every prediction of a task (all model versions). */
  async listPredictions(taskId: number): Promise<StoredPrediction[]> {
    return this.request('GET', `/api/predictions/?task=${taskId}`);
  }

  /** `PATCH /api/predictions/{id}/`: replace a stored prediction's result and score. */
  async updatePrediction(id: number, fields: Partial<Prediction>): Promise<StoredPrediction> {
    return this.request('PATCH', `/api/predictions/${id}/`, fields);
  }

  /** `DELETE /api/predictions/{id}/`. */
  async deletePrediction(id: number): Promise<void> {
    await this.request('DELETE', `/api/predictions/${id}/`);
  }

  /** `GET /api/tasks/{id}/annotations/`: the task's annotations as the server has them now. */
  async listAnnotations(taskId: number): Promise<StoredAnnotation[]> {
    return this.request('GET', `/api/tasks/${taskId}/annotations/`);
  }

  /** `PATCH /api/projects/{id}/`: e.g. `{model_version}`, the version the Data Manager scores by. */
  async updateProject(projectId: number, fields: Record<string, unknown>): Promise<LabelStudioProject> {
    return this.request('PATCH', `/api/projects/${projectId}/`, fields, { projectId });
  }

  /** `POST /api/tasks/{id}/annotations/`: submit an annotation for a task. */
  async createAnnotation(taskId: number, annotation: AnnotationCreate): Promise<AnnotationCreate & { id: number }> {
    return this.request('POST', `/api/tasks/${taskId}/annotations/`, annotation);
  }

  /**
   * One authorised call: `body` is sent as JSON, or as is when it is `FormData` (a multipart
   * upload). Answers the parsed JSON (undefined for an empty body); any failure is a
   * {@link LabelStudioApiError} whose message names the problem and what to do.
   */
  async request<T>(method: string, path: string, body?: unknown, context: { projectId?: number } = {}): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { Accept: 'application/json' };
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body; // fetch sets the multipart boundary itself
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
    let response: Response;
    try {
      response = await this.credentials.send(url, { method, headers, body: payload, ...(this.redirect ? { redirect: this.redirect } : {}) });
    } catch (err) {
      if ((err as Error)?.name === 'TokenRefreshError') throw new LabelStudioApiError((err as Error).message, (err as { status: number }).status, method, url, '', err);
      throw new LabelStudioApiError(
        `${method} ${url} got no answer (${(err as Error)?.message ?? err}): Label Studio is unreachable; ` +
          'check that you are online and that the Label Studio URL is right.',
        0,
        method,
        url,
        '',
        err,
      );
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      throw new LabelStudioApiError(explain(response.status, method, url, text, this.auth, context), response.status, method, url, text.slice(0, 500));
    }
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new LabelStudioApiError(
        `${method} ${url} answered ${response.status} with non-JSON (is the URL Label Studio's, not a login page or proxy?).`,
        response.status,
        method,
        url,
        text.slice(0, 500),
      );
    }
  }
}

/**
 * The Data Manager query for an incremental read: tasks updated at or after `since`, oldest
 * first. Label Studio parses the time with `%Y-%m-%dT%H:%M:%S.%fZ`, so it is normalised to that.
 */
export function updatedSinceQuery(since: string): string {
  return JSON.stringify({
    filters: { conjunction: 'and', items: [{ filter: 'filter:tasks:updated_at', operator: 'greater_or_equal', type: 'Datetime', value: labelStudioTime(since) }] },
    ordering: ['tasks:updated_at'],
  });
}

/** An ISO time as Label Studio's Datetime filter reads it (`2026-11-28T09:41:12.123456Z`). */
export function labelStudioTime(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new Error(`not a time: ${JSON.stringify(iso)}`);
  // Keep the server's microseconds when it wrote them (Date would round to milliseconds).
  const micro = /\.(\d{1,6})/.exec(iso)?.[1]?.padEnd(6, '0') ?? '000000';
  return `${new Date(ms).toISOString().slice(0, 19)}.${micro}Z`;
}

/** Tasks and total of one page, whatever the response shape. */
function readTaskPage(body: unknown): { tasks: LabelStudioTask[]; total: number | null } {
  if (Array.isArray(body)) return { tasks: body as LabelStudioTask[], total: null };
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    if (Array.isArray(b.tasks)) return { tasks: b.tasks as LabelStudioTask[], total: typeof b.total === 'number' ? b.total : null };
    if (Array.isArray(b.results)) return { tasks: b.results as LabelStudioTask[], total: typeof b.count === 'number' ? b.count : null };
  }
  throw new LabelStudioApiError('Unexpected tasks list response: expected an array, {tasks, total} or {results, count}.', 200, 'GET', '/api/tasks');
}

function explain(
  status: number,
  method: string,
  url: string,
  body: string,
  auth: LabelStudioAuth,
  context: { projectId?: number },
): string {
  const head = `${method} ${url} failed with ${status}`;
  const detail = extractDetail(body);
  const suffix = detail ? ` Label Studio says: ${detail}` : '';
  switch (status) {
    case 401:
    case 403:
      if (auth.kind === 'token') {
        return `${head}: the API token was refused. Copy a valid token from Label Studio's Account & Settings ` +
          `(the legacy access token, or a personal access token of Label Studio 1.14+).${suffix}`;
      }
      if (/csrf/i.test(body)) {
        return `${head}: CSRF check failed. Reload the Label Studio page so the csrftoken cookie is set, or use an API token.${suffix}`;
      }
      return `${head}: not logged in. Log in to Label Studio in this browser, or set an API token.${suffix}`;
    case 404:
      return context.projectId !== undefined
        ? `${head}: not found. Check the project id (${context.projectId}) — it is the number in the project's URL.${suffix}`
        : `${head}: not found. Check the id and the Label Studio URL.${suffix}`;
    default:
      return status >= 500
        ? `${head}: Label Studio had a server error; try again, and check its logs if it persists.${suffix}`
        : `${head}.${suffix}`;
  }
}

function extractDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const d = parsed.detail ?? parsed.message ?? parsed.validation_errors;
    if (d !== undefined) return (typeof d === 'string' ? d : JSON.stringify(d)).slice(0, 300);
  } catch {
    /* not JSON: an HTML error page says nothing useful in a message */
  }
  return '';
}
