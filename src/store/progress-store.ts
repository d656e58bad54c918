/**
 * Progress of resumable bulk jobs (e.g. "embed and predict all tasks of a project"): which
 * tasks are done, so a reload or a crash resumes where the job stopped.
 *
 * Done ids are a plain string array: 100,000 ids of ~6 digits is under 1 MB, written once per
 * batch (`markDone` takes many ids), not once per task.
 */
import type { IDBPDatabase } from 'idb';
import { commitWrites } from './idb-write.ts';
import type { CytoDB, ProgressRecord, ProgressState } from './schema.ts';

/** Job progress as every consumer sees it. */
export interface ProgressStore {
  get(project: string, jobId: string): Promise<ProgressRecord | undefined>;
  /**
   * Starts a job, or resumes the stored one: its done ids are kept, `total` updated and the
   * state set to `running`.
   */
  start(project: string, jobId: string, total: number): Promise<ProgressRecord>;
  /** Adds finished task ids (read-modify-write in one transaction; duplicates ignored). */
  markDone(project: string, jobId: string, taskIds: readonly (string | number)[]): Promise<ProgressRecord>;
  /** Sets the job's state (and the error when it failed). */
  setState(project: string, jobId: string, state: ProgressState, error?: string): Promise<ProgressRecord>;
  delete(project: string, jobId: string): Promise<void>;
}

/** The changes each operation makes, shared by both implementations. */
const updates = {
  start(existing: ProgressRecord | undefined, project: string, jobId: string, total: number, now: number): ProgressRecord {
    const { error: _dropped, ...rest } = existing ?? { project, jobId, done: [], startedAt: now };
    return { ...rest, total, updatedAt: now, state: 'running' };
  },
  markDone(existing: ProgressRecord, taskIds: readonly (string | number)[], now: number): ProgressRecord {
    const done = new Set(existing.done);
    for (const id of taskIds) done.add(String(id));
    return { ...existing, done: [...done], updatedAt: now };
  },
  setState(existing: ProgressRecord, state: ProgressState, error: string | undefined, now: number): ProgressRecord {
    const { error: _previous, ...rest } = existing;
    return { ...rest, state, updatedAt: now, ...(error !== undefined ? { error } : {}) };
  },
};

function missing(project: string, jobId: string): Error {
  return new Error(`no progress record for job "${jobId}" of project "${project}"; call start() first`);
}

/** IndexedDB implementation over the `progress` store. */
export class IdbProgressStore implements ProgressStore {
  constructor(
    private readonly db: IDBPDatabase<CytoDB>,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get(project: string, jobId: string): Promise<ProgressRecord | undefined> {
    return this.db.get('progress', [project, jobId]);
  }

  start(project: string, jobId: string, total: number): Promise<ProgressRecord> {
    return this.update(project, jobId, (existing) => updates.start(existing, project, jobId, total, this.now()));
  }

  markDone(project: string, jobId: string, taskIds: readonly (string | number)[]): Promise<ProgressRecord> {
    return this.update(project, jobId, (existing) => {
      if (!existing) throw missing(project, jobId);
      return updates.markDone(existing, taskIds, this.now());
    });
  }

  setState(project: string, jobId: string, state: ProgressState, error?: string): Promise<ProgressRecord> {
    return this.update(project, jobId, (existing) => {
      if (!existing) throw missing(project, jobId);
      return updates.setState(existing, state, error, this.now());
    });
  }

  delete(project: string, jobId: string): Promise<void> {
    return this.db.delete('progress', [project, jobId]);
  }

  /** Read-modify-write in one transaction, so two batches finishing together lose no ids. */
  private async update(
    project: string,
    jobId: string,
    change: (existing: ProgressRecord | undefined) => ProgressRecord,
  ): Promise<ProgressRecord> {
    const tx = this.db.transaction('progress', 'readwrite');
    let next!: ProgressRecord;
    await commitWrites(tx, async (track) => {
      next = change(await track(tx.store.get([project, jobId])));
      track(tx.store.put(next));
    });
    return next;
  }
}

/**
 * Memory implementation. Each operation reads and writes without an `await` in between, so
 * concurrent calls cannot interleave and lose ids (the transaction does that for IndexedDB).
 */
export class MemoryProgressStore implements ProgressStore {
  private readonly records = new Map<string, ProgressRecord>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  async get(project: string, jobId: string): Promise<ProgressRecord | undefined> {
    const record = this.read(project, jobId);
    return record && structuredClone(record);
  }

  async start(project: string, jobId: string, total: number): Promise<ProgressRecord> {
    return this.save(updates.start(this.read(project, jobId), project, jobId, total, this.now()));
  }

  async markDone(project: string, jobId: string, taskIds: readonly (string | number)[]): Promise<ProgressRecord> {
    return this.save(updates.markDone(this.existing(project, jobId), taskIds, this.now()));
  }

  async setState(project: string, jobId: string, state: ProgressState, error?: string): Promise<ProgressRecord> {
    return this.save(updates.setState(this.existing(project, jobId), state, error, this.now()));
  }

  async delete(project: string, jobId: string): Promise<void> {
    this.records.delete(`${project}\u0000${jobId}`);
  }

  private read(project: string, jobId: string): ProgressRecord | undefined {
    return this.records.get(`${project}\u0000${jobId}`);
  }

  private existing(project: string, jobId: string): ProgressRecord {
    const record = this.read(project, jobId);
    if (!record) throw missing(project, jobId);
    return record;
  }

  private save(record: ProgressRecord): ProgressRecord {
    this.records.set(`${record.project}\u0000${record.jobId}`, structuredClone(record));
    return record;
  }
}
