/**
 * Host 3: an editor created by the page itself with `new LabelStudio(...)` (our demo, or any
 * app embedding the editor). `attach(ls, options)` follows that one instance: suggest when
 * its store is ready, learn on submit/update, prefetch what the page says comes next.
 */
import type { CytoMl } from '../cyto-ml.ts';
import type { TaskSuggestion } from '../cyto-ml.ts';
import { annotationResult, type EditorStoreLike } from '../editor-adapter.ts';
import { contextFromEditor } from './task-context.ts';

/** The part of a `LabelStudio` instance used here. */
export interface LabelStudioLike {
  store?: EditorStoreLike;
  on(event: string, handler: (...args: unknown[]) => void): void;
  off?(event: string, handler: (...args: unknown[]) => void): void;
}

export interface AttachOptions {
  /** Project key for the learner (default: the plugin's `project` option). */
  project?: string;
  /** Image URLs of the tasks likely to come next, for prefetching. */
  upcoming?: () => string[];
  /** Called with each suggestion (also null results), e.g. for the demo's task list. */
  onSuggestion?: (suggestion: TaskSuggestion | null) => void;
  /** Called after a submit/update was learned from. */
  onLearned?: () => void;
  /**
   * The task and config the editor is being created with, when the page knows them: the
   * embedding starts at once, in parallel with the editor's own start-up.
   */
  preload?: { task: { id: number | string; data: Record<string, unknown> }; config: string };
}

export interface Attachment {
  /** Resolves with the first task's suggestion. */
  ready: Promise<TaskSuggestion | null>;
  detach(): void;
}

const STORE_POLL_MS = 25;

function waitForStore(ls: LabelStudioLike, isDetached: () => boolean): Promise<EditorStoreLike | undefined> {
  return new Promise((resolve) => {
    const check = () => {
      if (isDetached()) return resolve(undefined);
      const store = ls.store;
      if (store?.annotationStore && store.task) return resolve(store);
      setTimeout(check, STORE_POLL_MS);
    };
    check();
  });
}

export function attachStandalone(core: CytoMl, ls: LabelStudioLike, options: AttachOptions = {}): Attachment {
  const attachedAt = performance.now();
  let detached = false;
  const project = options.project ?? core.options.project;
  const handlers: Array<[string, (...args: unknown[]) => void]> = [];
  if (options.preload) core.preload({ project, taskId: options.preload.task.id, data: options.preload.task.data, config: options.preload.config });

  const ready = waitForStore(ls, () => detached).then(async (store) => {
    if (!store) return null;
    // Label Studio's editor makes its store `window.Htx`: when a newer editor took over the page
    // (a quick task switch whose old editor was never detached), this one is no longer on screen.
    const isCurrent = () => {
      const shown = (globalThis as { Htx?: unknown }).Htx;
      return !detached && (shown === undefined || shown === null || shown === store);
    };
    // The task "opens" when the editor shows it; the editor's own start-up before that is
    // reported apart (editorStartMs), since the plugin cannot shorten it.
    const shownAt = performance.now();
    const ctx = contextFromEditor(store, project, isCurrent, shownAt);
    if (!ctx) return null;
    ctx.editorStartMs = shownAt - attachedAt;
    const learn = (_store: unknown, annotation: unknown) => {
      // Not awaited: submitting must never wait for the model.
      void core.learnFromAnnotation(ctx, annotationResult(annotation)).then(() => options.onLearned?.());
    };
    for (const event of ['submitAnnotation', 'updateAnnotation']) {
      ls.on(event, learn);
      handlers.push([event, learn]);
    }
    const suggestion = await core.openTask(ctx);
    options.onSuggestion?.(suggestion);
    if (options.upcoming && !detached) core.prefetch(options.upcoming());
    return suggestion;
  });

  return {
    ready,
    detach() {
      detached = true;
      for (const [event, handler] of handlers) ls.off?.(event, handler);
    },
  };
}
