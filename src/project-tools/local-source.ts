/**
 * The project source of the demo annotator: tasks, annotations and predictions in the
 * browser's own store (store.annotator), images opened from disk as object URLs. Writes are
 * local transactions, so nothing is ever queued.
 */
import type { LabelStudioTask } from '../labelstudio/types.ts';
import type { AnnotatorStore } from '../store/annotator-store.ts';
import { dataImageUrl, type ProjectSource, type TaskAnnotationWrite, type TaskPredictionWrite, type WriteState } from './project-source.ts';

export interface LocalSourceOptions {
  project: string;
  store: AnnotatorStore;
  config: string;
  /** Open a task in the page's editor. */
  open: (taskId: number) => void;
  /** Called after writes, so the page can refresh its task list. */
  onChange?: () => void;
  /** Make object URLs (injectable for tests without a DOM). */
  objectUrl?: (blob: Blob) => string;
}

export class LocalSource implements ProjectSource {
  readonly kind = 'local';
  readonly project: string;
  /** One object URL per stored image for the page's lifetime (the editor and the tools share it). */
  private readonly imageUrls = new Map<number, string>();

  constructor(private readonly o: LocalSourceOptions) {
    this.project = o.project;
  }

  async labelConfig(): Promise<string> {
    return this.o.config;
  }

  async listTasks(): Promise<LabelStudioTask[]> {
    const records = await this.o.store.listTasks(this.project);
    const objectUrl = this.o.objectUrl ?? ((blob: Blob) => URL.createObjectURL(blob));
    return Promise.all(records.map(async (r) => {
      const task: LabelStudioTask = { ...r.task, annotations: r.annotations as LabelStudioTask['annotations'] };
      let url = this.imageUrls.get(r.taskId);
      if (url === undefined) {
        const image = await this.o.store.getImage(this.project, r.taskId);
        if (image) {
          url = objectUrl(image);
          this.imageUrls.set(r.taskId, url);
        }
      }
      if (url !== undefined) task.data = { ...task.data, image: url };
      return task;
    }));
  }

  imageUrl(task: LabelStudioTask, dataKey: string | null, literal: string): string {
    return this.imageUrls.get(task.id) ?? dataImageUrl(task, dataKey, literal);
  }

  async savePredictions(writes: readonly TaskPredictionWrite[]): Promise<void> {
    const inputs = [];
    for (const { taskId, prediction } of writes) {
      const record = await this.o.store.getTask(this.project, taskId);
      if (!record) continue;
      inputs.push({ task: { ...record.task, predictions: [{ ...prediction }] } });
    }
    // putTasks keeps each task's annotations: only the prediction changes.
    await this.o.store.putTasks(this.project, inputs);
    this.o.onChange?.();
  }

  async saveAnnotations(writes: readonly TaskAnnotationWrite[]): Promise<void> {
    for (const { taskId, result } of writes) await this.o.store.saveAnnotations(this.project, taskId, [{ result }]);
    this.o.onChange?.();
  }

  async flush(): Promise<WriteState> {
    return { pending: 0, failed: 0 };
  }

  openTask(taskId: number): void {
    this.o.open(taskId);
  }
}
