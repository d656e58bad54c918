/**
 * Host 2: Label Studio Community, where the shim's proxy (or a userscript) injects this
 * bundle into Label Studio's pages. There is no plugin API; what the page offers (DESIGN §7):
 *
 * - `window.Htx`: the editor's root store, recreated between tasks, followed by a light poll.
 * - `window.DM`: the Data Manager's AppStore. Its loaded tasks are `DM.taskStore.list` (what
 *   prefetch reads), `DM.mode` is `"labelstream"` in "Label all tasks", `DM.project` holds the
 *   project's settings, and `DM.SDK` (the DataManager) emits `submitAnnotation` /
 *   `updateAnnotation` with the server's reply after every save: that is where learning
 *   listens, since newer editors (React 18) no longer register in `LabelStudio.instances`.
 *   The editor instances' own events are the fallback on pages without a Data Manager.
 * - Prefill the Label Studio way: when the project's "Use predictions to prelabel tasks"
 *   (`show_collab_predictions`) is on, the suggestion is also selected in the annotator's new,
 *   untouched annotation, so one click on Submit accepts it.
 */
import type { CytoMl } from '../cyto-ml.ts';
import { annotationResult, type EditorStoreLike } from '../editor-adapter.ts';
import type { LabelStudioLike } from './standalone.ts';
import { contextFromEditor, projectFromLocation } from './task-context.ts';

const POLL_MS = 400;
/** A save seen twice (DM event and editor event) within this time is learnt once. */
const SAME_SAVE_MS = 5000;

/** A task as the Data Manager's list holds it. */
export interface DmTaskLike {
  id: number;
  data?: Record<string, unknown>;
  total_annotations?: number;
  cancelled_annotations?: number;
}

/** The parts of Label Studio's Data Manager store (`window.DM`) used here. */
export interface DataManagerLike {
  mode?: string;
  taskStore?: { list?: DmTaskLike[]; selectedId?: number | null };
  project?: { show_collab_predictions?: boolean; label_config?: string };
  SDK?: { on?(event: string, handler: (...args: unknown[]) => void): void; off?(event: string, handler: (...args: unknown[]) => void): void };
}

interface CommunityGlobals {
  Htx?: EditorStoreLike | null;
  LabelStudio?: { instances?: Set<LabelStudioLike> };
  DM?: DataManagerLike;
}

/**
 * Image URLs of the tasks that probably come next: the Data Manager's list after the current
 * task; in "Label all tasks" (stream) mode, where Label Studio serves the next task without an
 * annotation in the view's order, the unannotated ones only.
 */
export function upcomingImageUrls(dm: DataManagerLike | undefined, currentId: number | string, imageKey: string | null, count: number): string[] {
  const list = dm?.taskStore?.list;
  if (!Array.isArray(list) || !imageKey || count <= 0) return [];
  const stream = dm?.mode === 'labelstream';
  const index = list.findIndex((t) => String(t.id) === String(currentId));
  const after = [...list.slice(index + 1), ...(stream && index >= 0 ? list.slice(0, index) : [])];
  return after
    .filter((t) => String(t.id) !== String(currentId))
    .filter((t) => !stream || ((t.total_annotations ?? 0) === 0 && (t.cancelled_annotations ?? 0) === 0))
    .map((t) => t.data?.[imageKey])
    .filter((u): u is string => typeof u === 'string')
    .slice(0, count);
}

/** Whether the project asks for predictions to pre-label tasks (Label Studio's own setting). */
export function projectPrelabels(dm: DataManagerLike | undefined): boolean {
  return dm?.project?.show_collab_predictions === true;
}

export interface CommunityWatchOptions {
  /**
   * Called with the project id whenever the page's project changes (Label Studio changes pages
   * without reloading: projects list → project, project → project, back/forward), and once at
   * the start; undefined off project pages.
   */
  onProject?: (project: string | undefined) => void;
}

/**
 * Follow the editor on this page until `stop()` is called. The project is read from the URL on
 * every tick and on every history change (pushState, replaceState, popstate), never once: a
 * person arrives at a project by clicks, and moves between projects the same way.
 */
export function watchCommunity(core: CytoMl, options: CommunityWatchOptions = {}): { stop(): void } {
  const g = globalThis as CommunityGlobals;
  const hookedInstances = new WeakSet<object>();
  let hookedSdk: DataManagerLike['SDK'] | undefined;
  let current: { store: EditorStoreLike; taskId: unknown; project: string } | undefined;
  /** The project of the page (a URL without one: the `project` option, for custom pages). */
  const pageProject = () => projectFromLocation() ?? (/\/projects(\/|$)/.test(globalThis.location?.pathname ?? '') ? undefined : core.options.project);
  let project: string | undefined;
  let started = false;
  /**
   * The project each editor store was first seen in: a store of the previous project still on
   * `window.Htx` after a navigation is never opened (or learnt from) as the new project's.
   */
  const storeProjects = new WeakMap<object, string>();
  const recentSaves = new Map<string, number>();

  /** Learn from one save of the editor's current task (once, however many events report it). */
  const learnSave = (result: unknown[], taskId: unknown) => {
    const editor = g.Htx;
    if (!editor || !Array.isArray(result) || !current || current.store !== editor) return;
    // The save is of the task on screen (its reply can come after the next task opened: then skip).
    if (taskId !== undefined && String(editor.task?.id) !== String(taskId)) return;
    // The project the task was opened in (the URL may already show the next page).
    const ctx = contextFromEditor(editor, current.project, () => false);
    if (!ctx) return;
    // The DM's reply and the editor's serialisation differ in ids and extras: compare the choices.
    const choices = result.map((r) => {
      const item = r as { from_name?: unknown; value?: { choices?: unknown } } | null;
      return JSON.stringify([item?.from_name, item?.value?.choices ?? null]);
    }).sort();
    const key = `${ctx.taskId}\u0000${choices.join()}`;
    const now = Date.now();
    for (const [k, t] of recentSaves) if (now - t > SAME_SAVE_MS) recentSaves.delete(k);
    if (recentSaves.has(key)) return;
    recentSaves.set(key, now);
    void core.learnFromAnnotation(ctx, result);
  };

  const hookDataManager = () => {
    const sdk = g.DM?.SDK;
    if (!sdk || sdk === hookedSdk || typeof sdk.on !== 'function') return;
    hookedSdk = sdk;
    // (lsf, annotation, server reply): the reply is what Label Studio stored.
    const onSave = (_lsf: unknown, annotation: unknown, reply: unknown) => {
      const stored = reply as { result?: unknown; task?: unknown } | undefined;
      const result = Array.isArray(stored?.result) ? stored.result : annotationResult(annotation);
      learnSave(result, stored?.task ?? g.Htx?.task?.id);
    };
    sdk.on('submitAnnotation', onSave as (...args: unknown[]) => void);
    sdk.on('updateAnnotation', onSave as (...args: unknown[]) => void);
  };

  const hookInstances = () => {
    for (const instance of g.LabelStudio?.instances ?? []) {
      if (hookedInstances.has(instance)) continue;
      hookedInstances.add(instance);
      const learn = (_store: unknown, annotation: unknown) => learnSave(annotationResult(annotation), undefined);
      instance.on('submitAnnotation', learn);
      instance.on('updateAnnotation', learn);
    }
  };

  // The task whose upcoming tasks still need prefetching: the Data Manager may load its task
  // list after the editor has shown the first task, so this is retried on each tick.
  let prefetchPending: { taskId: unknown; imageKey: string | null } | undefined;
  const tryPrefetch = () => {
    if (!prefetchPending || g.Htx?.task?.id !== prefetchPending.taskId) return;
    const urls = upcomingImageUrls(g.DM, prefetchPending.taskId as number | string, prefetchPending.imageKey, core.options.prefetchCount);
    if (urls.length === 0) return;
    prefetchPending = undefined;
    core.prefetch(urls);
  };

  /** A new page project: forget the old task, tell the core and the host page. */
  const followProject = () => {
    const now = pageProject();
    if (started && now === project) return;
    // An editor left over from the page before belongs to the project before.
    if (started && g.Htx && !storeProjects.has(g.Htx)) storeProjects.set(g.Htx, project ?? '');
    started = true;
    project = now;
    current = undefined;
    prefetchPending = undefined;
    recentSaves.clear();
    core.showProject(project);
    options.onProject?.(project);
  };

  const tick = () => {
    followProject();
    hookDataManager();
    hookInstances();
    tryPrefetch();
    const store = g.Htx;
    const taskId = store?.task?.id;
    if (project === undefined || !store || taskId === undefined) return;
    const seenIn = storeProjects.get(store);
    if (seenIn === undefined) storeProjects.set(store, project);
    else if (seenIn !== project) return;
    if (current && current.store === store && current.taskId === taskId) return;
    const taskProject = project;
    current = { store, taskId, project: taskProject };
    const isCurrent = () => g.Htx === store && store.task?.id === taskId && project === taskProject;
    const ctx = contextFromEditor(store, taskProject, isCurrent);
    if (!ctx) return;
    if (projectPrelabels(g.DM)) ctx.prefill = true;
    prefetchPending = undefined;
    void core.openTask(ctx).then(() => {
      if (!isCurrent()) return;
      const config = core.parseConfig(ctx.config);
      prefetchPending = { taskId, imageKey: config.controls[0]?.image.dataKey ?? null };
      tryPrefetch();
    });
  };

  // History changes answer at once (the poll would find them within POLL_MS anyway):
  // Label Studio's router uses pushState/replaceState, back/forward fire popstate.
  const onHistory = () => queueMicrotask(tick);
  const listeners = globalThis.history ? patchHistory(globalThis.history) : undefined;
  listeners?.add(onHistory);
  globalThis.addEventListener?.('popstate', onHistory);
  tick();
  const timer = setInterval(tick, POLL_MS);
  return {
    stop: () => {
      clearInterval(timer);
      listeners?.delete(onHistory);
      globalThis.removeEventListener?.('popstate', onHistory);
    },
  };
}

const PATCHED = Symbol.for('cyto-ml.history-listeners');

/**
 * Wrap `history.pushState`/`replaceState` once per page so listeners hear every client-side
 * navigation (there is no event for them); the originals run first and unchanged.
 */
function patchHistory(history: History & { [PATCHED]?: Set<() => void> }): Set<() => void> {
  const existing = history[PATCHED];
  if (existing) return existing;
  const listeners = new Set<() => void>();
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method];
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      const out = original.apply(this, args);
      for (const listener of listeners) listener();
      return out;
    };
  }
  Object.defineProperty(history, PATCHED, { value: listeners });
  return listeners;
}
