/**
 * Label records (one per annotation) and how far each project's annotations were read from
 * Label Studio. Every write is one transaction that adds or replaces individual records, so
 * two tabs or browsers writing at once both keep their labels (records merge; nothing is
 * written back whole). Other tabs hear of a change through label-changes.ts.
 */
import type { IDBPDatabase } from 'idb';
import { commitWrites } from './idb-write.ts';
import { isServerRecord } from './label-records.ts';
import type { CytoDB, LabelRecord, LabelSyncRecord } from './schema.ts';

/** The annotations of one task as the server has them now (a re-read replaces the older copy). */
export interface ServerTaskLabels {
  taskId: number;
  /** Label Studio's `updated_at` of the task, epoch ms (annotation saves and deletes move it). */
  taskUpdatedAt: number;
  /** One record per annotation of the task (`ls:<id>` sources); empty when it has none. */
  records: LabelRecord[];
}

export interface LabelStore {
  /** Every record of a project. */
  list(project: string): Promise<LabelRecord[]>;
  /** Adds or replaces records (by project + source) in one transaction. */
  put(records: readonly LabelRecord[]): Promise<void>;
  /**
   * Replaces the server's records of these tasks with what the server answered, in one
   * transaction: annotations gone from a task are deleted, a `local:` record of a task is
   * dropped once the server has an annotation for it (the server now speaks for the person's
   * submission) or the task changed on the server after it (its annotation was deleted there).
   * Resolves to the number of records added, changed or removed.
   */
  replaceTasks(project: string, tasks: readonly ServerTaskLabels[]): Promise<number>;
  /** Deletes the server records of tasks not in `present` (tasks deleted in Label Studio). */
  keepOnlyTasks(project: string, present: ReadonlySet<number>): Promise<number>;
  getSync(project: string): Promise<LabelSyncRecord | undefined>;
  putSync(record: LabelSyncRecord): Promise<void>;
}

function projectRange(project: string): IDBKeyRange {
  // Sources are strings: ['', '\uffff'] spans them all.
  return IDBKeyRange.bound([project, ''], [project, '\uffff']);
}

/** What a re-read of a task changes: records to put and sources to delete. */
export function planTaskReplacement(existing: readonly LabelRecord[], task: ServerTaskLabels): { put: LabelRecord[]; remove: string[] } {
  const incoming = new Map(task.records.map((r) => [r.source, r]));
  const put: LabelRecord[] = [];
  const remove: string[] = [];
  for (const old of existing) {
    if (isServerRecord(old)) {
      if (!incoming.has(old.source)) remove.push(old.source);
    } else if (old.source.startsWith('local:') && (task.records.length > 0 || task.taskUpdatedAt > old.updatedAt)) {
      remove.push(old.source);
    }
  }
  const bySource = new Map(existing.map((r) => [r.source, r]));
  for (const record of task.records) {
    const old = bySource.get(record.source);
    if (!old || old.updatedAt !== record.updatedAt || JSON.stringify(old.labels) !== JSON.stringify(record.labels) || JSON.stringify(old.urls) !== JSON.stringify(record.urls)) {
      put.push(record);
    }
  }
  return { put, remove };
}

/** IndexedDB implementation over the `labels` and `labelSync` stores. */
export class IdbLabelStore implements LabelStore {
  constructor(private readonly db: IDBPDatabase<CytoDB>) {}

  list(project: string): Promise<LabelRecord[]> {
    return this.db.getAll('labels', projectRange(project));
  }

  async put(records: readonly LabelRecord[]): Promise<void> {
    if (records.length === 0) return;
    const tx = this.db.transaction('labels', 'readwrite');
    await commitWrites(tx, (track) => {
      for (const record of records) track(tx.store.put(record));
    });
  }

  async replaceTasks(project: string, tasks: readonly ServerTaskLabels[]): Promise<number> {
    if (tasks.length === 0) return 0;
    let changed = 0;
    const tx = this.db.transaction('labels', 'readwrite');
    const byTask = tx.store.index('byTask');
    await commitWrites(tx, async (track) => {
      const existing = await Promise.all(tasks.map((t) => track(byTask.getAll([project, t.taskId]))));
      tasks.forEach((task, i) => {
        const plan = planTaskReplacement(existing[i], task);
        for (const source of plan.remove) track(tx.store.delete([project, source]));
        for (const record of plan.put) track(tx.store.put(record));
        changed += plan.put.length + plan.remove.length;
      });
    });
    return changed;
  }

  async keepOnlyTasks(project: string, present: ReadonlySet<number>): Promise<number> {
    let removed = 0;
    const tx = this.db.transaction('labels', 'readwrite');
    await commitWrites(tx, async (track) => {
      const all = await track(tx.store.getAll(projectRange(project)));
      for (const record of all) {
        if (isServerRecord(record) && !present.has(record.taskId)) {
          track(tx.store.delete([project, record.source]));
          removed++;
        }
      }
    });
    return removed;
  }

  getSync(project: string): Promise<LabelSyncRecord | undefined> {
    return this.db.get('labelSync', project);
  }

  async putSync(record: LabelSyncRecord): Promise<void> {
    await this.db.put('labelSync', record);
  }
}

/** Memory implementation (records cloned in and out). */
export class MemoryLabelStore implements LabelStore {
  private readonly records = new Map<string, LabelRecord>();
  private readonly syncs = new Map<string, LabelSyncRecord>();

  async list(project: string): Promise<LabelRecord[]> {
    return [...this.records.values()].filter((r) => r.project === project).map((r) => structuredClone(r));
  }

  async put(records: readonly LabelRecord[]): Promise<void> {
    for (const r of records) this.records.set(`${r.project}\u0000${r.source}`, structuredClone(r));
  }

  async replaceTasks(project: string, tasks: readonly ServerTaskLabels[]): Promise<number> {
    let changed = 0;
    for (const task of tasks) {
      const existing = [...this.records.values()].filter((r) => r.project === project && r.taskId === task.taskId);
      const plan = planTaskReplacement(existing, task);
      for (const source of plan.remove) this.records.delete(`${project}\u0000${source}`);
      await this.put(plan.put);
      changed += plan.put.length + plan.remove.length;
    }
    return changed;
  }

  async keepOnlyTasks(project: string, present: ReadonlySet<number>): Promise<number> {
    let removed = 0;
    for (const [key, r] of this.records) {
      if (r.project === project && isServerRecord(r) && !present.has(r.taskId)) {
        this.records.delete(key);
        removed++;
      }
    }
    return removed;
  }

  async getSync(project: string): Promise<LabelSyncRecord | undefined> {
    const s = this.syncs.get(project);
    return s && { ...s };
  }

  async putSync(record: LabelSyncRecord): Promise<void> {
    this.syncs.set(record.project, { ...record });
  }
}
