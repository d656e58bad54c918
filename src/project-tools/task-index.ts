/**
 * The embedded tasks of one project, in memory: task id → image URL and raw embedding of its
 * first Image. The neighbours, gallery and map read it; pre-annotation and every opened task
 * fill it. It is rebuilt after a reload from the embedding cache (URL hits, no model runs),
 * so it needs no storage of its own.
 *
 * Memory: 4 bytes x dim per task (512-d: 2 KB; 50,000 tasks: 100 MB of Float32Array).
 */

export interface IndexedTask {
  taskId: number;
  /** Image URL shown as the thumbnail. */
  url: string;
  /** Raw embedding (the learner scales it). */
  vector: Float32Array;
}

export class TaskIndex {
  private readonly tasks = new Map<number, IndexedTask>();
  private version_ = 0;

  /** Add or replace a task's entry. */
  put(entry: IndexedTask): void {
    this.tasks.set(entry.taskId, entry);
    this.version_++;
  }

  get(taskId: number): IndexedTask | undefined {
    return this.tasks.get(taskId);
  }

  has(taskId: number): boolean {
    return this.tasks.has(taskId);
  }

  /** Entries in insertion order. */
  all(): IndexedTask[] {
    return [...this.tasks.values()];
  }

  get size(): number {
    return this.tasks.size;
  }

  /** Changes with every put: views recompute derived data (features, projections) when it moves. */
  get version(): number {
    return this.version_;
  }
}
