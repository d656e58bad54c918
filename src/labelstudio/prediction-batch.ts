/**
 * Sends many queued predictions to Label Studio in a few requests, so Pre-annotate writes at
 * the speed Label Studio can store them, not at one round trip per check per task.
 *
 * A queued prediction is `POST api/projects/{id}/import/predictions` with a one-element array
 * (Label Studio 1.12's bulk import, data_import/api.py `ImportPredictionsAPI`: it checks the
 * task ids belong to the project and `bulk_create`s). Sent alone it is an ordinary request;
 * the outbox hands every due one to this sender at once (outbox.ts `OutboxBatchSender`), which:
 *
 * 1. reads the project's state once: which tasks have a (not cancelled) annotation (the Data
 *    Manager's task list, 1,000 per page, three fields) and every prediction of the project
 *    (`GET api/predictions/?project=`, one request);
 * 2. skips what must not or need not be written: a task a person annotated (a prediction could
 *    only contradict them), a task that already holds this version (a resend, a "Run again"
 *    with the same labels), a task holding a newer version of ours (another browser learnt more);
 * 3. imports the rest in chunks (one request per {@link IMPORT_CHUNK}); a refused chunk is
 *    retried item by item so one bad task (deleted meanwhile) fails alone;
 * 4. reads the state again and removes every prediction of ours beside the newest on each
 *    task written — a version none of whose predictions stays with one request (Label Studio's
 *    model-versions DELETE), the rest one by one with at most {@link DELETE_CONCURRENCY} in flight
 *    (model-version.ts `predictionsToRemove`), the copies a racing browser or a resent import
 *    left, and what this batch wrote onto a task a person annotated meanwhile.
 *
 * A task's item counts as sent only when its task ended in that state; a failed removal makes
 * it retry (the second pass finds its version stored and only removes).
 */
import pLimit from 'p-limit';
import { hasNewerThan, predictionsToRemove } from './model-version.ts';
import type { OutboxBatchItem, OutboxBatchOutcome, OutboxBatchSender, OutboxFetch } from '../store/outbox.ts';

/** Predictions per import request (Label Studio bulk-creates them in one statement). */
export const IMPORT_CHUNK = 500;
/** DELETE requests in flight at once. */
export const DELETE_CONCURRENCY = 4;
/** Tasks per page when reading which are annotated. */
const TASK_PAGE = 1000;
/** One request that has not answered after this long fails (a hung one must not hold the outbox). */
const REQUEST_TIMEOUT_MS = 60_000;

/** One prediction as the import takes it. */
export interface ImportedPrediction {
  task: number;
  result: unknown;
  score?: number;
  model_version: string;
}

/** A prediction as `GET api/predictions/` lists it (the fields read here). */
export interface ListedPrediction {
  id: number;
  task: number;
  model_version?: string | null;
}

/** What Label Studio holds for the tasks of one project. */
export interface ProjectPredictionState {
  annotated: Set<number>;
  predictions: Map<number, ListedPrediction[]>;
}

/** The import URL of a project (what a queued prediction is sent to). */
export function importPredictionsUrl(labelStudioBase: string, projectId: number): string {
  return new URL(`api/projects/${projectId}/import/predictions`, labelStudioBase.replace(/\/?$/, '/')).href;
}

/** The predictions in a queued import body, or undefined when it is not one. */
export function importedPredictions(body: unknown): ImportedPrediction[] | undefined {
  if (!Array.isArray(body) || body.length === 0) return undefined;
  const ok = body.every((p) => p && typeof p === 'object' && Number.isInteger((p as ImportedPrediction).task) && typeof (p as ImportedPrediction).model_version === 'string');
  return ok ? (body as ImportedPrediction[]) : undefined;
}

/** What to do with each queued prediction, given the project's state before writing. */
export function planImports(items: readonly ImportedPrediction[], state: ProjectPredictionState): { create: ImportedPrediction[]; skipped: Map<number, string> } {
  const create: ImportedPrediction[] = [];
  const skipped = new Map<number, string>();
  for (const item of items) {
    const onTask = state.predictions.get(item.task) ?? [];
    if (state.annotated.has(item.task)) skipped.set(item.task, 'task-annotated');
    else if (onTask.some((p) => p.model_version === item.model_version)) skipped.set(item.task, 'same-version');
    else if (hasNewerThan(onTask, item.model_version)) skipped.set(item.task, 'newer-version');
    else create.push(item);
  }
  return { create, skipped };
}

/**
 * Predictions to delete after writing `written` (task → version): ours beside the newest, and
 * what this batch created (ids not in `before`) on a task annotated meanwhile.
 */
export function planRemovals(written: ReadonlyMap<number, string>, before: ProjectPredictionState, after: ProjectPredictionState): ListedPrediction[] {
  const known = new Set([...before.predictions.values()].flat().map((p) => p.id));
  const remove: ListedPrediction[] = [];
  for (const [task, version] of written) {
    const onTask = after.predictions.get(task) ?? [];
    if (after.annotated.has(task)) {
      remove.push(...onTask.filter((p) => !known.has(p.id) && p.model_version === version));
      continue;
    }
    remove.push(...(predictionsToRemove(onTask, version) as ListedPrediction[]));
  }
  return remove;
}

/**
 * Versions whose every prediction in the project is to be removed (deleted with one request,
 * Label Studio's `DELETE api/projects/{id}/model-versions/`), and the removals left to delete
 * one by one. The version just written is never deleted wholesale (a racing browser's copy of
 * it is removed by id).
 */
export function groupRemovals(removals: readonly ListedPrediction[], after: ProjectPredictionState): { wholesale: string[]; single: ListedPrediction[] } {
  const all = new Map<string, number>();
  for (const list of after.predictions.values()) for (const p of list) if (p.model_version) all.set(p.model_version, (all.get(p.model_version) ?? 0) + 1);
  const removing = new Map<string, number>();
  for (const p of removals) if (p.model_version) removing.set(p.model_version, (removing.get(p.model_version) ?? 0) + 1);
  const wholesale = [...removing].filter(([version, n]) => n > 1 && all.get(version) === n).map(([version]) => version);
  const whole = new Set(wholesale);
  return { wholesale, single: removals.filter((p) => !p.model_version || !whole.has(p.model_version)) };
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The batch sender for Label Studio at `labelStudioBase`, sending with `fetchImpl` (credentials added). */
export function labelStudioPredictionBatch(fetchImpl: OutboxFetch, labelStudioBase: string): OutboxBatchSender {
  const base = new URL(labelStudioBase.replace(/\/?$/, '/'));
  const at = (path: string) => new URL(path, base).href;
  const send: OutboxFetch = (url, init) => fetchImpl(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const projectOf = (url: string): number | undefined => {
    try {
      const u = new URL(url);
      if (u.origin !== base.origin || !u.pathname.startsWith(base.pathname)) return undefined;
      const m = /^api\/projects\/(\d+)\/import\/predictions\/?$/.exec(u.pathname.slice(base.pathname.length));
      return m ? Number(m[1]) : undefined;
    } catch {
      return undefined;
    }
  };
  const getJson = async <T>(path: string): Promise<T> => {
    const response = await send(at(path), { method: 'GET' });
    if (!response.ok) throw new HttpError(response.status, `GET ${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };

  const readState = async (project: number): Promise<ProjectPredictionState> => {
    const annotated = new Set<number>();
    for (let page = 1; ; page++) {
      const query = `project=${project}&page=${page}&page_size=${TASK_PAGE}&fields=task_only&include=id,total_annotations,cancelled_annotations`;
      let listed: { tasks?: Array<{ id: number; total_annotations?: number; cancelled_annotations?: number }>; total?: number };
      try {
        listed = await getJson(`api/tasks?${query}`);
      } catch (error) {
        // Past the last page Label Studio answers 404 rather than an empty page.
        if (page > 1 && error instanceof HttpError && error.status === 404) break;
        throw error;
      }
      const tasks = listed.tasks ?? [];
      for (const t of tasks) if ((t.total_annotations ?? 0) - (t.cancelled_annotations ?? 0) > 0) annotated.add(t.id);
      if (tasks.length < TASK_PAGE || (listed.total !== undefined && page * TASK_PAGE >= listed.total)) break;
    }
    const listed = await getJson<ListedPrediction[] | { results?: ListedPrediction[] }>(`api/predictions/?project=${project}`);
    const predictions = new Map<number, ListedPrediction[]>();
    for (const p of Array.isArray(listed) ? listed : (listed.results ?? [])) {
      let list = predictions.get(p.task);
      if (!list) predictions.set(p.task, (list = []));
      list.push(p);
    }
    return { annotated, predictions };
  };

  const importChunk = async (project: number, predictions: readonly ImportedPrediction[]): Promise<Response> =>
    send(at(`api/projects/${project}/import/predictions`), {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(predictions),
    });

  const sendProject = async (project: number, items: readonly OutboxBatchItem[], outcomes: Map<number, OutboxBatchOutcome>) => {
    const bodies = new Map(items.map((item) => [item.id, importedPredictions(item.body)!]));
    const before = await readState(project);
    const all = [...bodies.values()].flat();
    const { create } = planImports(all, before);
    const creating = new Set(create);
    // Items whose predictions are all stored or rightly skipped so far; a failed chunk marks its items.
    for (let i = 0; i < create.length; i += IMPORT_CHUNK) {
      const chunk = create.slice(i, i + IMPORT_CHUNK);
      const response = await importChunk(project, chunk);
      if (response.ok) continue;
      if (response.status >= 500 || response.status === 408 || response.status === 429 || response.status === 401 || response.status === 403) {
        const text = await response.text().catch(() => '');
        for (const item of items) if (bodies.get(item.id)!.some((p) => chunk.includes(p))) outcomes.set(item.id, { status: response.status, error: `HTTP ${response.status}: ${text.slice(0, 300)}` });
        continue;
      }
      // A refused chunk (a task deleted meanwhile): one item at a time, so only the bad one fails.
      for (const item of items) {
        const mine = bodies.get(item.id)!.filter((p) => chunk.includes(p));
        if (mine.length === 0) continue;
        const single = await importChunk(project, mine);
        if (!single.ok) outcomes.set(item.id, { status: single.status, error: `HTTP ${single.status}: ${(await single.text().catch(() => '')).slice(0, 300)}` });
      }
    }
    const written = new Map<number, string>();
    for (const item of items) {
      if (outcomes.has(item.id)) continue;
      for (const p of bodies.get(item.id)!) written.set(p.task, p.model_version);
    }
    const after = await readState(project);
    const removals = planRemovals(written, before, after);
    const { wholesale, single } = groupRemovals(removals, after);
    const failedTasks = new Set<number>();
    for (const version of wholesale) {
      // Every prediction of this version goes: one request (ProjectModelVersions.delete) instead of one per task.
      const response = await send(at(`api/projects/${project}/model-versions/`), {
        method: 'DELETE', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model_version: version }),
      }).catch(() => undefined);
      if (!response?.ok) single.push(...removals.filter((p) => p.model_version === version));
    }
    const limit = pLimit(DELETE_CONCURRENCY);
    await Promise.all(single.map((p) => limit(async () => {
      const response = await send(at(`api/predictions/${p.id}/`), { method: 'DELETE' }).catch(() => undefined);
      // 404: already gone (another browser removed it): the outcome wanted.
      if (!response || (!response.ok && response.status !== 404)) failedTasks.add(p.task);
    })));
    for (const item of items) {
      if (outcomes.has(item.id)) continue;
      const tasks = bodies.get(item.id)!.map((p) => p.task);
      const stored = bodies.get(item.id)!.every((p) => !creating.has(p) || after.annotated.has(p.task) || (after.predictions.get(p.task) ?? []).some((q) => q.model_version === p.model_version));
      if (tasks.some((t) => failedTasks.has(t))) outcomes.set(item.id, { status: 503, error: 'an older prediction of ours could not be removed yet' });
      else if (!stored) outcomes.set(item.id, { status: 503, error: 'imported, but not listed by Label Studio afterwards' });
      else outcomes.set(item.id, { status: 200 });
    }
  };

  return {
    accepts: (item) => item.method === 'POST' && projectOf(item.url) !== undefined && importedPredictions(item.body) !== undefined,
    async send(items) {
      const outcomes = new Map<number, OutboxBatchOutcome>();
      const byProject = new Map<number, OutboxBatchItem[]>();
      for (const item of items) {
        const project = projectOf(item.url)!;
        let list = byProject.get(project);
        if (!list) byProject.set(project, (list = []));
        list.push(item);
      }
      for (const [project, list] of byProject) {
        try {
          await sendProject(project, list, outcomes);
        } catch (error) {
          // Reading the state failed (network, 5xx, logged out): every item of the project waits.
          const status = error instanceof HttpError ? error.status : 0;
          const message = error instanceof Error ? error.message : String(error);
          for (const item of list) if (!outcomes.has(item.id)) outcomes.set(item.id, status ? { status, error: message } : { network: message });
        }
      }
      return outcomes;
    },
  };
}
