/**
 * Host 2: Label Studio Community, where the shim's proxy (or a userscript) injects this
 * bundle into Label Studio's pages. There is no plugin API: the editor's root store appears
 * as `window.Htx` and is recreated between tasks, so a light poll follows it, and the editor
 * instances (`window.LabelStudio.instances`) get our submit/update listeners.
 * Prefetch reads the Data Manager's loaded task list when the page exposes it
 * (`window.DM.store.taskStore.list`), else does nothing.
 */
import type { CytoMl } from '../cyto-ml.ts';
import { annotationResult, type EditorStoreLike } from '../editor-adapter.ts';
import type { LabelStudioLike } from './standalone.ts';
import { contextFromEditor, projectFromLocation } from './task-context.ts';

const POLL_MS = 400;

interface CommunityGlobals {
  Htx?: EditorStoreLike;
  LabelStudio?: { instances?: Set<LabelStudioLike> };
  DM?: { store?: { taskStore?: { list?: Array<{ id: number; data?: Record<string, unknown> }> } } };
}

function upcomingImageUrls(currentId: number | string, imageKey: string | null, count: number): string[] {
  const list = (globalThis as CommunityGlobals).DM?.store?.taskStore?.list;
  if (!Array.isArray(list) || !imageKey) return [];
  const index = list.findIndex((t) => String(t.id) === String(currentId));
  return list.slice(index + 1, index + 1 + count)
    .map((t) => t.data?.[imageKey])
    .filter((u): u is string => typeof u === 'string');
}

/** Follow the editor on this page until `stop()` is called. */
export function watchCommunity(core: CytoMl): { stop(): void } {
  const g = globalThis as CommunityGlobals;
  const hooked = new WeakSet<object>();
  let current: { store: EditorStoreLike; taskId: unknown } | undefined;
  const project = projectFromLocation() ?? core.options.project;

  const hookInstances = () => {
    for (const instance of g.LabelStudio?.instances ?? []) {
      if (hooked.has(instance)) continue;
      hooked.add(instance);
      const learn = (store: unknown, annotation: unknown) => {
        const editor = (store as EditorStoreLike | undefined) ?? g.Htx;
        if (!editor) return;
        const ctx = contextFromEditor(editor, project, () => false);
        if (ctx) void core.learnFromAnnotation(ctx, annotationResult(annotation));
      };
      instance.on('submitAnnotation', learn);
      instance.on('updateAnnotation', learn);
    }
  };

  const tick = () => {
    hookInstances();
    const store = g.Htx;
    const taskId = store?.task?.id;
    if (!store || taskId === undefined || (current && current.store === store && current.taskId === taskId)) return;
    current = { store, taskId };
    const isCurrent = () => g.Htx === store && store.task?.id === taskId;
    const ctx = contextFromEditor(store, project, isCurrent);
    if (!ctx) return;
    void core.openTask(ctx).then(() => {
      const config = core.parseConfig(ctx.config);
      const imageKey = config.controls[0]?.image.dataKey ?? null;
      core.prefetch(upcomingImageUrls(taskId, imageKey, core.options.prefetchCount));
    });
  };

  tick();
  const timer = setInterval(tick, POLL_MS);
  return { stop: () => clearInterval(timer) };
}
