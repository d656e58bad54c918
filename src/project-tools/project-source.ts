/**
 * Where a project's tasks come from and where the plugin's writes go: Label Studio's REST API
 * (label-studio-source.ts) or the demo annotator's own IndexedDB store (local-source.ts). The
 * project tools (pre-annotation, gallery, neighbours, map) only ever talk to this interface,
 * so the same code runs inside Label Studio and offline.
 */
import type { ChoicesResult, LabelStudioTask, Prediction } from '../labelstudio/types.ts';

/** One prediction to store for a task. */
export interface TaskPredictionWrite {
  taskId: number;
  prediction: Prediction;
}

/** One annotation to create for a task (bulk labelling). */
export interface TaskAnnotationWrite {
  taskId: number;
  result: ChoicesResult[];
}

/** What is still waiting to be written (queued writes of a remote source). */
export interface WriteState {
  pending: number;
  failed: number;
}

export interface ProjectSource {
  /** `label-studio` (REST) or `local` (the demo's store). */
  readonly kind: 'label-studio' | 'local';
  /** The project key the learner and the progress records use. */
  readonly project: string;
  /** The project's label config (XML). */
  labelConfig(): Promise<string>;
  /** Every task of the project, with annotations when the source has them. */
  listTasks(): Promise<LabelStudioTask[]>;
  /**
   * The URL to embed and show for a task's Image `imageName` (`dataKey` is the Image's `$key`).
   * The local source answers object URLs of files opened from disk.
   */
  imageUrl(task: LabelStudioTask, dataKey: string | null, literal: string): string;
  /** Store predictions (queued and retried for a remote source; resolves once queued). */
  savePredictions(writes: readonly TaskPredictionWrite[]): Promise<void>;
  /** Create annotations (queued and retried for a remote source; resolves once queued). */
  saveAnnotations(writes: readonly TaskAnnotationWrite[]): Promise<void>;
  /**
   * Record the model version of the predictions just written as the project's (Label Studio:
   * the version the Data Manager scores and sorts by). Optional: the local source has no such
   * setting.
   */
  setModelVersion?(version: string): Promise<void>;
  /** Try to send queued writes now; what is left. A local source has nothing queued. */
  flush(): Promise<WriteState>;
  /** This project's writes still queued (flush() counts every project's); optional. */
  pendingWrites?(): Promise<WriteState>;
  /** Show a task to the person (the demo opens it in its editor; Label Studio navigates). */
  openTask(taskId: number): void;
}

/** Image URL of a task by the Image's data key or literal value; '' when the task has none. */
export function dataImageUrl(task: LabelStudioTask, dataKey: string | null, literal: string): string {
  if (dataKey === null) return literal;
  const value = task.data?.[dataKey];
  return typeof value === 'string' ? value : '';
}
