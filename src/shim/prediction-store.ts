/**
 * Durable store of the predictions browsers relay to the shim, in LMDB (npm `lmdb`).
 *
 * Why LMDB (lmdb-js): it ships prebuilt binaries as optional platform packages
 * (`@lmdb/lmdb-linux-x64`, ...), so `npm ci` installs it with no download and no compiler, on
 * Node 20; opening is O(1) whatever the history (a memory map, no replay), reads are
 * synchronous and take microseconds, writes are batched into transactions committed on a
 * writer thread, and a commit is atomic: a failed one (disk full) leaves the previous state
 * intact, nothing half-written. See src/shim/README.md for the comparison with the others.
 *
 * Layout (ordered-binary array keys, msgpack values):
 *  - `['t', project, task]` → up to {@link STORE_LIMITS.versionsPerTask} predictions of that
 *    task, one per model version, oldest first (a newer post of a version replaces it);
 *  - `['n', project]` → how many (task, version) predictions the project holds;
 *  - `['v', project]` → the model version of the latest prediction relayed for the project.
 * A task's list is bounded and a project's count is bounded, so the file is bounded.
 *
 * Durability: `overlappingSync: false` makes every commit fsync before its promise resolves,
 * and the relay answers 201 only after that, so an acknowledged prediction survives a crash or
 * power loss. Concurrent posts are group-committed by lmdb-js (one fsync for many).
 */
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { open } from 'lmdb';
import type { RootDatabase } from 'lmdb';
import { projectKey } from '../labelstudio/prediction-schema.ts';
import type { TaskPrediction } from '../labelstudio/types.ts';
import { acquireDataDirLock } from './data-dir-lock.ts';
import { checkStoreFile } from './store-check.ts';
import type { DataDirLock } from './data-dir-lock.ts';

/** A prediction as stored: what the browser sent plus when the shim received it. */
export interface StoredPrediction extends TaskPrediction {
  /** ISO time the shim stored it. */
  received_at: string;
  /** Length of its JSON `result` (what a `/predict` answer carries); absent in older stores. */
  bytes?: number;
}

/** The subset of a pino logger the store uses. */
export interface StoreLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Counters for `/metrics` and tests. */
export interface StoreStats {
  /** Predictions held ((project, task, model version) triples). */
  predictions: number;
  /** Projects with at least one prediction. */
  projects: number;
  /** Predictions written since the store opened. */
  appended: number;
  /** Bytes of JSON results held (what the global bound counts). */
  bytes: number;
  /** Lines of a legacy `predictions.jsonl` skipped on import because they did not parse. */
  skippedLines: number;
}

/** Bounds that keep the store small whatever is posted. */
export interface StoreLimits {
  /** Model versions kept per task (the oldest is dropped when a new one arrives). */
  versionsPerTask: number;
  /** Predictions ((task, version) pairs) one project may hold; posts beyond it are refused. */
  predictionsPerProject: number;
  /** Bytes of JSON results all projects together may hold; posts beyond it are refused. */
  totalBytes: number;
}

/** Default {@link StoreLimits}: far above a real project (tens of thousands of tasks). */
export const STORE_LIMITS: Readonly<StoreLimits> = Object.freeze({ versionsPerTask: 4, predictionsPerProject: 1_000_000, totalBytes: 1024 * 1024 * 1024 });

/**
 * Longest project key in bytes (UTF-8). LMDB refuses keys over 1,978 bytes with an error that
 * became a 500; a Label Studio project key is a number or `<id>.<timestamp>`.
 */
export const MAX_PROJECT_KEY_BYTES = 256;

/** Thrown for a project key LMDB cannot hold; the relay answers 400. */
export class StoreKeyError extends Error {
  override name = 'StoreKeyError';
}

/** True when the project's key fits in an LMDB key. */
export function projectKeyFits(project: string | number): boolean {
  return Buffer.byteLength(projectKey(project), 'utf8') <= MAX_PROJECT_KEY_BYTES;
}

/** The JSON size of a prediction's result, remembered on the object. */
export function resultBytes(p: StoredPrediction): number {
  p.bytes ??= JSON.stringify(p.result).length;
  return p.bytes;
}

/** Totals over all projects, kept in one record (`['g']`) so `/health` never scans. */
interface Totals {
  predictions: number;
  projects: number;
  bytes: number;
}

/** Folder (LMDB environment) inside the data dir. */
export const STORE_DIR = 'predictions.lmdb';
/** The JSON-lines file of shims before LMDB; imported once (streamed) and renamed. */
export const LEGACY_PREDICTIONS_FILE = 'predictions.jsonl';

/** Thrown when a post would take a project over its limit; the relay answers 507. */
export class StoreLimitError extends Error {
  override name = 'StoreLimitError';
}

/** Thrown when the disk is full (or the map cannot grow): nothing of the write was stored. */
export class StoreFullError extends Error {
  override name = 'StoreFullError';
}

type Key = [string] | [string, string] | [string, string, number];

const TOTALS_KEY: Key = ['g'];

/** Task lists kept decoded in memory (about 0.5 KB each: a few MB at most). */
const READ_CACHE_TASKS = 20_000;

function cacheId(project: string, task: number): string {
  return `${project}\u0000${task}`;
}

/**
 * True for a failed commit: disk full (ENOSPC, 28), or an I/O error (EIO, 5, which a full
 * tmpfs reports from the sync) or lmdb-js's "Commit failed": LMDB aborted the transaction, so
 * nothing of it was stored.
 */
function isDiskFull(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return e?.code === 'ENOSPC' || e?.code === 28 || e?.code === 5 || e?.code === 'EIO' ||
    /ENOSPC|No space left|MDB_MAP_FULL|disk full|Commit failed|Input\/output error/i.test(String(e?.message ?? ''));
}

/** lmdb-js write calls return promises that reject with the commit; the commit's own promise reports it. */
function quiet(result: unknown): void {
  if (result && typeof (result as Promise<unknown>).catch === 'function') (result as Promise<unknown>).catch(() => undefined);
}

/** The store; create with {@link openPredictionStore}. */
export class PredictionStore {
  private appended = 0;
  private closed = false;
  /**
   * Decoded task lists recently read or written (insertion order = recency). An LMDB read with
   * an array key and a msgpack decode costs ~4 µs; a `/predict` of 100 tasks asks for 100.
   * Safe because this process is the only writer (the data dir lock), and filled only after a
   * commit succeeds.
   */
  private readonly recent = new Map<string, StoredPrediction[]>();

  /** Use {@link openPredictionStore}. */
  constructor(
    private readonly db: RootDatabase<unknown, Key>,
    /** Path of the LMDB environment. */
    readonly path: string,
    private readonly lock: DataDirLock,
    private readonly limits: StoreLimits,
    private readonly skippedLines: number,
    /** Totals as committed (the `['g']` record). */
    private totals: Totals,
  ) {}

  /**
   * Stores validated predictions durably in one transaction (all or nothing), keeping the
   * latest per (project, task, model version). Resolves once they are on disk.
   * @throws StoreLimitError when a project would exceed its limit (nothing stored);
   *   StoreFullError when the disk is full (nothing stored).
   */
  async append(predictions: TaskPrediction[]): Promise<StoredPrediction[]> {
    if (this.closed) throw new Error('prediction store is closed');
    const receivedAt = new Date().toISOString();
    const stored: StoredPrediction[] = predictions.map((p) => ({ ...p, project: projectKey(p.project), received_at: receivedAt }));
    for (const p of stored) {
      if (!projectKeyFits(p.project)) throw new StoreKeyError(`the project key is longer than ${MAX_PROJECT_KEY_BYTES} bytes; use Label Studio's project id`);
      resultBytes(p);
    }
    let refused: string | undefined;
    try {
      // One transaction callback (lmdb-js batches concurrent ones into one commit): it reads,
      // decides, and writes nothing when it refuses, so no abort is needed.
      let written: { lists: Map<string, StoredPrediction[]>; totals: Totals } | undefined;
      await this.db.transaction(() => {
        const outcome = this.write(stored);
        if (typeof outcome === 'string') refused = outcome;
        else written = outcome;
      });
      // Committed: now the read cache may show it (never before: a failed commit shows nothing).
      for (const [id, list] of written?.lists ?? []) this.remember(id, list);
      if (written) this.totals = written.totals;
    } catch (error) {
      // lmdb-js's "Commit failed" carries the cause as a promise (`commitError`) that rejects.
      const cause = (error as { commitError?: Promise<unknown> }).commitError;
      const detail = cause ? await cause.then(() => error, (reason: unknown) => reason) : error;
      if (isDiskFull(error) || isDiskFull(detail)) throw new StoreFullError(`the shim could not write its store: ${(detail as Error).message}`);
      throw error;
    }
    if (refused !== undefined) throw new StoreLimitError(refused);
    this.appended += stored.length;
    return stored;
  }

  /**
   * Runs inside the write transaction; returns why it refuses (nothing written), else the task
   * lists it wrote, by cache id.
   */
  private write(stored: StoredPrediction[]): string | { lists: Map<string, StoredPrediction[]>; totals: Totals } {
    // Read and decide everything first, write only when the post is accepted: nothing to undo.
    const lists = new Map<string, { key: Key; list: StoredPrediction[]; before: number; beforeBytes: number; project: string }>();
    for (const p of stored) {
      const id = cacheId(p.project, p.task);
      const entry = lists.get(id) ?? (() => {
        const key: Key = ['t', p.project, p.task];
        const old = (this.db.get(key) as StoredPrediction[] | undefined) ?? [];
        const e = { key, list: [...old], before: old.length, beforeBytes: old.reduce((n, q) => n + resultBytes(q), 0), project: p.project };
        lists.set(id, e);
        return e;
      })();
      entry.list = entry.list.filter((q) => q.model_version !== p.model_version);
      entry.list.push(p);
      while (entry.list.length > this.limits.versionsPerTask) entry.list.shift();
    }
    const counts = new Map<string, number>();
    const totals = { ...((this.db.get(TOTALS_KEY) as Totals | undefined) ?? this.totals) };
    for (const e of lists.values()) {
      let count = counts.get(e.project);
      if (count === undefined) {
        count = (this.db.get(['n', e.project]) as number | undefined) ?? 0;
        if (count === 0) totals.projects += 1;
      }
      count += e.list.length - e.before;
      counts.set(e.project, count);
      totals.predictions += e.list.length - e.before;
      totals.bytes += e.list.reduce((n, q) => n + resultBytes(q), 0) - e.beforeBytes;
    }
    for (const [project, count] of counts) {
      if (count > this.limits.predictionsPerProject) {
        return `project ${project} would hold ${count} predictions, more than the limit of ${this.limits.predictionsPerProject}`;
      }
    }
    if (totals.bytes > this.limits.totalBytes && totals.bytes > this.totals.bytes) {
      const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
      return `the store would hold ${mb(totals.bytes)} of predictions, more than its limit of ${mb(this.limits.totalBytes)} for all projects together (ask the shim's operator to remove old projects' predictions or raise the limit)`;
    }
    for (const e of lists.values()) quiet(this.db.put(e.key, e.list));
    for (const [project, count] of counts) quiet(this.db.put(['n', project], count));
    for (const p of stored) quiet(this.db.put(['v', p.project], p.model_version));
    quiet(this.db.put(TOTALS_KEY, totals));
    return { lists: new Map([...lists].map(([id, e]) => [id, e.list])), totals };
  }

  private remember(id: string, list: StoredPrediction[]): void {
    this.recent.delete(id);
    this.recent.set(id, list);
    if (this.recent.size > READ_CACHE_TASKS) this.recent.delete(this.recent.keys().next().value as string);
  }

  /** Every stored prediction of a task (one per model version, oldest first). */
  versions(project: string | number, task: number): StoredPrediction[] {
    if (!projectKeyFits(project)) return [];
    const key = projectKey(project);
    const id = cacheId(key, task);
    const cached = this.recent.get(id);
    if (cached) return cached;
    const list = (this.db.get(['t', key, task]) as StoredPrediction[] | undefined) ?? [];
    if (list.length > 0) this.remember(id, list);
    return list;
  }

  /** The latest prediction for a task of a project (`"12"` or `"12.1700000000"`), if any. */
  get(project: string | number, task: number): StoredPrediction | undefined {
    return this.versions(project, task).at(-1);
  }

  /** The model version of the latest prediction relayed for the project, if any. */
  latestModelVersion(project: string | number): string | undefined {
    if (!projectKeyFits(project)) return undefined;
    return this.db.get(['v', projectKey(project)]) as string | undefined;
  }

  /** Current counters, O(1) (kept in memory, as committed). */
  stats(): StoreStats {
    const { predictions, projects, bytes } = this.totals;
    return { predictions, projects, bytes, appended: this.appended, skippedLines: this.skippedLines };
  }

  /** Waits for pending writes, closes the database and releases the data dir. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.resolve(this.db.flushed).catch(() => undefined); // a failed commit was already reported to its writer
    await this.db.close();
    await this.lock.release();
  }
}

/**
 * Streams a legacy `predictions.jsonl` into the store (line by line: a file of any size,
 * never read as one string), then renames it `predictions.jsonl.imported`.
 */
async function importLegacy(store: PredictionStore, file: string, log: StoreLogger): Promise<number> {
  let skipped = 0;
  let batch: TaskPrediction[] = [];
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    try {
      const p = JSON.parse(line) as TaskPrediction;
      if (typeof p?.task === 'number' && typeof p.project === 'string' && typeof p.model_version === 'string' && Array.isArray(p.result)) {
        batch.push({ task: p.task, project: p.project, model_version: p.model_version, score: p.score, result: p.result });
      } else skipped += 1;
    } catch {
      skipped += 1;
    }
    if (batch.length >= 1000) {
      await store.append(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await store.append(batch);
  await rename(file, `${file}.imported`);
  log.info({ file, skipped }, 'imported the legacy prediction file into the LMDB store');
  return skipped;
}

/**
 * The totals record; a store written before it existed is counted once (a full scan, then the
 * record is written, so later starts and every `/health` read one record).
 */
async function loadTotals(db: RootDatabase<unknown, Key>): Promise<Totals> {
  const kept = db.get(TOTALS_KEY) as Totals | undefined;
  if (kept) return kept;
  const totals: Totals = { predictions: 0, projects: 0, bytes: 0 };
  for (const { value } of db.getRange({ start: ['n'], end: ['n', '\uffff'] })) {
    totals.predictions += value as number;
    totals.projects += 1;
  }
  for (const { value } of db.getRange({ start: ['t'], end: ['t', '\uffff'] })) {
    for (const p of value as StoredPrediction[]) totals.bytes += resultBytes(p);
  }
  if (totals.projects > 0) await db.put(TOTALS_KEY, totals);
  return totals;
}

/**
 * Opens (creating if needed) the store in `dataDir`, after taking the data dir's lock.
 * @throws DataDirLockedError when another shim uses the folder; DataDirError when the folder
 *   cannot be created or written.
 */
export async function openPredictionStore(
  dataDir: string,
  log: StoreLogger,
  limits: Partial<StoreLimits> = {},
): Promise<PredictionStore> {
  await mkdir(dataDir, { recursive: true }).catch(() => undefined); // the lock names the real problem
  const lock = await acquireDataDirLock(dataDir);
  const path = join(dataDir, STORE_DIR);
  let db: RootDatabase<unknown, Key>;
  try {
    checkStoreFile(path); // a damaged file would crash LMDB (SIGBUS/SIGSEGV) or serve garbage
    // eventTurnBatching off: with it, lmdb-js opens a batch promise per event turn that no
    // caller holds, and a failed commit (disk full) rejects it unhandled, which ends the process.
    db = open<unknown, Key>({ path, overlappingSync: false, compression: false, eventTurnBatching: false });
  } catch (error) {
    await lock.release();
    throw error;
  }
  const totals = await loadTotals(db);
  const store = new PredictionStore(db, path, lock, { ...STORE_LIMITS, ...limits }, 0, totals);
  const legacy = join(dataDir, LEGACY_PREDICTIONS_FILE);
  if (existsSync(legacy)) {
    const skipped = await importLegacy(store, legacy, log);
    const imported = new PredictionStore(db, path, lock, { ...STORE_LIMITS, ...limits }, skipped, store.stats());
    log.info({ path, ...imported.stats() }, 'prediction store opened');
    return imported;
  }
  log.info({ path, ...store.stats() }, 'prediction store opened');
  return store;
}
