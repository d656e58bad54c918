/**
 * Host 1: Label Studio Enterprise's project "Plugins" field. Label Studio runs the field's
 * script each time an annotation is displayed, with an `LSI` object (DESIGN §3); the snippet
 * in docs/label-studio.md imports this bundle once and calls `cytoML.enterprise(LSI)` every time.
 * Handlers registered with `LSI.on` are removed by Label Studio on annotation switch.
 */
import type { CytoMl } from '../cyto-ml.ts';
import { annotationResult, type EditorStoreLike } from '../editor-adapter.ts';
import { contextFromEditor, projectFromLocation } from './task-context.ts';

/** The part of Label Studio's `LSI` object used here. */
export interface LsiLike {
  task?: { id: number | string; data: Record<string, unknown> };
  annotation?: unknown;
  project?: { id?: number | string };
  on(event: string, handler: (...args: unknown[]) => void): void;
}

export async function runEnterprise(core: CytoMl, lsi: LsiLike): Promise<void> {
  const store = (globalThis as { Htx?: EditorStoreLike }).Htx;
  if (!store || !lsi.task) {
    core.status.update({ lastError: { code: 'no-editor', message: 'cyto-ml: the Label Studio editor is not ready on this page (no window.Htx or LSI.task).' } });
    return;
  }
  const project = String(lsi.project?.id ?? projectFromLocation() ?? core.options.project);
  const taskId = lsi.task.id;
  const isCurrent = () => (globalThis as { Htx?: EditorStoreLike }).Htx?.task?.id === taskId;
  const ctx = contextFromEditor(store, project, isCurrent);
  if (!ctx) return;
  const learn = (_store: unknown, annotation: unknown) => {
    void core.learnFromAnnotation(ctx, annotationResult(annotation ?? lsi.annotation));
  };
  lsi.on('submitAnnotation', learn);
  lsi.on('updateAnnotation', learn);
  await core.openTask(ctx);
}
