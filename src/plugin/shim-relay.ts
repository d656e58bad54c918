/**
 * Queueing a prediction for the shim's relay (`POST <shim>/api/predictions`), shared by the
 * per-task flow and the project tools so both write the same body under the same dedupe key.
 */
import type { Prediction, TaskPrediction } from '../labelstudio/types.ts';
import type { Outbox } from '../store/outbox.ts';

/**
 * The relay endpoint. `shimUrl` may be a path on this origin (`/cyto-ml`, what the shim's
 * proxy injects), so it is resolved against the page.
 */
export function shimRelayUrl(shimUrl: string): string {
  return new URL('api/predictions', new URL(shimUrl.replace(/\/?$/, '/'), globalThis.location?.href)).href;
}

/** Queue (or replace the queued) prediction of one task for the shim. */
export function enqueueShimPrediction(
  outbox: Outbox, shimUrl: string, project: string, taskId: number, prediction: Prediction,
): Promise<unknown> {
  const body: TaskPrediction = { ...prediction, task: taskId, project };
  return outbox.enqueue({
    kind: 'prediction', target: 'shim', method: 'POST', body,
    url: shimRelayUrl(shimUrl),
    dedupeKey: `shim:${project}:${taskId}`,
  });
}
