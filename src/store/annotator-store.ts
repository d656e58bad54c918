/**
 * Tasks, annotations and image files of the offline demo annotator (no Label Studio server):
 * tasks made from images opened from disk live here, with the annotations made on them.
 */
import type { IDBPDatabase } from 'idb';
import type { LabelStudioTask } from '../labelstudio/types.ts';
import { commitWrites } from './idb-write.ts';
import type { AnnotatorTaskRecord, CytoDB } from './schema.ts';

/** A task to store, with the image file it shows when it came from disk. */
export interface AnnotatorTaskInput {
  task: LabelStudioTask;
  image?: Blob;
}

/** The demo annotator's storage as every consumer sees it. */
export interface AnnotatorStore {
  /** Stores tasks (and images) in one transaction; an existing task keeps its annotations. */
  putTasks(project: string, inputs: readonly AnnotatorTaskInput[]): Promise<void>;
  getTask(project: string, taskId: number): Promise<AnnotatorTaskRecord | undefined>;
  /** All tasks of a project in task id order. */
  listTasks(project: string): Promise<AnnotatorTaskRecord[]>;
  /** Replaces the annotations of a task. */
  saveAnnotations(project: string, taskId: number, annotations: unknown[]): Promise<void>;
  /** The image file of a task, if one was stored. */
  getImage(project: string, taskId: number): Promise<Blob | undefined>;
  /** Removes a project's tasks and images. */
  clearProject(project: string): Promise<void>;
}

/** Keys of one project: [project, -∞] … [project, +∞] (task ids are numbers). */
function projectRange(project: string): IDBKeyRange {
  return IDBKeyRange.bound([project, -Infinity], [project, Infinity]);
}

/** IndexedDB implementation over the `annotator` and `images` stores. */
export class IdbAnnotatorStore implements AnnotatorStore {
  constructor(
    private readonly db: IDBPDatabase<CytoDB>,
    private readonly now: () => number = () => Date.now(),
  ) {}

  async putTasks(project: string, inputs: readonly AnnotatorTaskInput[]): Promise<void> {
    const now = this.now();
    const tx = this.db.transaction(['annotator', 'images'], 'readwrite');
    const tasks = tx.objectStore('annotator');
    const images = tx.objectStore('images');
    await commitWrites(tx, (track) => {
      for (const { task, image } of inputs) {
        track(
          tasks.get([project, task.id]).then((existing) =>
            track(tasks.put({ project, taskId: task.id, task, annotations: existing?.annotations ?? [], updatedAt: now })),
          ),
        );
        if (image) track(images.put(image, [project, task.id]));
      }
    });
  }

  getTask(project: string, taskId: number): Promise<AnnotatorTaskRecord | undefined> {
    return this.db.get('annotator', [project, taskId]);
  }

  listTasks(project: string): Promise<AnnotatorTaskRecord[]> {
    return this.db.getAll('annotator', projectRange(project));
  }

  async saveAnnotations(project: string, taskId: number, annotations: unknown[]): Promise<void> {
    const tx = this.db.transaction('annotator', 'readwrite');
    await commitWrites(tx, async (track) => {
      const existing = await track(tx.store.get([project, taskId]));
      if (!existing) throw new Error(`no task ${taskId} in demo project "${project}"`);
      track(tx.store.put({ ...existing, annotations, updatedAt: this.now() }));
    });
  }

  getImage(project: string, taskId: number): Promise<Blob | undefined> {
    return this.db.get('images', [project, taskId]);
  }

  async clearProject(project: string): Promise<void> {
    const tx = this.db.transaction(['annotator', 'images'], 'readwrite');
    await commitWrites(tx, (track) => {
      track(tx.objectStore('annotator').delete(projectRange(project)));
      track(tx.objectStore('images').delete(projectRange(project)));
    });
  }
}

/** Memory implementation (Blobs are immutable, so they are kept by reference). */
export class MemoryAnnotatorStore implements AnnotatorStore {
  private readonly tasks = new Map<string, AnnotatorTaskRecord>();
  private readonly images = new Map<string, Blob>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  async putTasks(project: string, inputs: readonly AnnotatorTaskInput[]): Promise<void> {
    const now = this.now();
    for (const { task, image } of inputs) {
      const key = `${project}\u0000${task.id}`;
      const annotations = this.tasks.get(key)?.annotations ?? [];
      this.tasks.set(key, structuredClone({ project, taskId: task.id, task, annotations, updatedAt: now }));
      if (image) this.images.set(key, image);
    }
  }

  async getTask(project: string, taskId: number): Promise<AnnotatorTaskRecord | undefined> {
    const record = this.tasks.get(`${project}\u0000${taskId}`);
    return record && structuredClone(record);
  }

  async listTasks(project: string): Promise<AnnotatorTaskRecord[]> {
    return [...this.tasks.values()]
      .filter((r) => r.project === project)
      .sort((a, b) => a.taskId - b.taskId)
      .map((r) => structuredClone(r));
  }

  async saveAnnotations(project: string, taskId: number, annotations: unknown[]): Promise<void> {
    const key = `${project}\u0000${taskId}`;
    const existing = this.tasks.get(key);
    if (!existing) throw new Error(`no task ${taskId} in demo project "${project}"`);
    this.tasks.set(key, { ...existing, annotations: structuredClone(annotations), updatedAt: this.now() });
  }

  async getImage(project: string, taskId: number): Promise<Blob | undefined> {
    return this.images.get(`${project}\u0000${taskId}`);
  }

  async clearProject(project: string): Promise<void> {
    for (const [key, record] of this.tasks) if (record.project === project) this.tasks.delete(key);
    for (const key of [...this.images.keys()]) if (key.startsWith(`${project}\u0000`)) this.images.delete(key);
  }
}
