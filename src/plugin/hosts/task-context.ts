/** Building a `TaskContext` from an editor store, shared by the hosts. */
import { taskData, type EditorStoreLike } from '../editor-adapter.ts';
import type { TaskContext } from '../cyto-ml.ts';

/** Label Studio's project id from the page URL (`/projects/12/data?...`), if there is one. */
export function projectFromLocation(): string | undefined {
  return globalThis.location?.pathname.match(/\/projects\/(\d+)/)?.[1];
}

export function contextFromEditor(
  store: EditorStoreLike, project: string, isCurrent: () => boolean, openedAt = performance.now(),
): TaskContext | undefined {
  const taskId = store.task?.id;
  if (taskId === undefined || taskId === null || typeof store.config !== 'string') return undefined;
  return { project, taskId, data: taskData(store), config: store.config, editor: store, isCurrent, openedAt };
}
