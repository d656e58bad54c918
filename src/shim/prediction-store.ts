/**
 * Durable store of the predictions browsers relay to the shim.
 *
 * An append-only JSON-lines file (`predictions.jsonl` in the data dir): one stored prediction
 * per line, written with `fdatasync` before the write is acknowledged, so a 201 from the relay
 * means the prediction survives a crash or power loss. Concurrent appends are group-committed:
 * whatever arrives while a sync runs is written and synced together (one `fdatasync` for many
 * posts instead of one each). On open the file is replayed into an in-memory index
 * (project -> task -> latest); a line that does not parse (the torn tail of a crash) is logged
 * and skipped, never fatal.
 *
 * The file only grows (about 300 bytes per prediction); replaying 100,000 lines takes well
 * under a second. Delete it to start over: browsers re-post what they predict next.
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { projectKey } from '../labelstudio/prediction-schema.ts';
import type { TaskPrediction } from '../labelstudio/types.ts';

/** A prediction as stored: what the browser sent plus when the shim received it. */
export interface StoredPrediction extends TaskPrediction {
  /** ISO time the shim stored it. */
  received_at: string;
}

/** The subset of a pino logger the store uses. */
export interface StoreLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Counters for `/metrics` and tests. */
export interface StoreStats {
  /** Predictions held in the index (latest per project and task). */
  predictions: number;
  /** Projects with at least one prediction. */
  projects: number;
  /** Lines appended since the store opened. */
  appended: number;
  /** Lines of the file skipped on open because they did not parse. */
  skippedLines: number;
}

/** File name inside the data dir. */
export const PREDICTIONS_FILE = 'predictions.jsonl';

interface PendingWrite {
  lines: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** The store; create with {@link openPredictionStore}. */
export class PredictionStore {
  private readonly byProject = new Map<string, Map<number, StoredPrediction>>();
  private readonly latestVersion = new Map<string, string>();
  private pending: PendingWrite[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;
  private appended = 0;

  /** Use {@link openPredictionStore}. */
  constructor(
    private readonly file: FileHandle,
    /** Path of the JSON-lines file. */
    readonly path: string,
    private readonly skippedLines: number,
  ) {}

  /** Index one replayed or appended prediction; later ones replace earlier ones. */
  index(p: StoredPrediction): void {
    const key = projectKey(p.project);
    let tasks = this.byProject.get(key);
    if (!tasks) {
      tasks = new Map();
      this.byProject.set(key, tasks);
    }
    tasks.set(p.task, p);
    this.latestVersion.set(key, p.model_version);
  }

  /**
   * Stores validated predictions durably (one fsync for the batch and whatever else is
   * pending), then indexes them. Resolves once they are on disk.
   */
  async append(predictions: TaskPrediction[]): Promise<StoredPrediction[]> {
    if (this.closed) throw new Error('prediction store is closed');
    const receivedAt = new Date().toISOString();
    const stored = predictions.map((p) => ({ ...p, project: projectKey(p.project), received_at: receivedAt }));
    const lines = stored.map((p) => `${JSON.stringify(p)}\n`).join('');
    await new Promise<void>((resolve, reject) => {
      this.pending.push({ lines, resolve, reject });
      this.flushing ??= this.flush();
    });
    // Index only after the write is durable: /predict never relays what a crash would lose.
    for (const p of stored) this.index(p);
    this.appended += stored.length;
    return stored;
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.file.appendFile(batch.map((w) => w.lines).join(''));
        await this.file.datasync();
        for (const w of batch) w.resolve();
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    this.flushing = undefined;
  }

  /** The latest prediction for a task of a project (`"12"` or `"12.1700000000"`), if any. */
  get(project: string | number, task: number): StoredPrediction | undefined {
    return this.byProject.get(projectKey(project))?.get(task);
  }

  /** The model version of the latest prediction stored for the project, if any. */
  latestModelVersion(project: string | number): string | undefined {
    return this.latestVersion.get(projectKey(project));
  }

  /** Current counters. */
  stats(): StoreStats {
    let predictions = 0;
    for (const tasks of this.byProject.values()) predictions += tasks.size;
    return { predictions, projects: this.byProject.size, appended: this.appended, skippedLines: this.skippedLines };
  }

  /** Waits for pending writes, then closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flushing;
    await this.file.close();
  }
}

/** Parses one line of the file; undefined when it is not a stored prediction. */
function parseLine(line: string): StoredPrediction | undefined {
  try {
    const p = JSON.parse(line) as Partial<StoredPrediction>;
    const ok =
      typeof p === 'object' && p !== null && typeof p.task === 'number' && typeof p.project === 'string' &&
      typeof p.model_version === 'string' && Array.isArray(p.result);
    return ok ? (p as StoredPrediction) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Opens (creating if needed) the store in `dataDir` and replays the file into memory.
 * Lines that do not parse are skipped with a warning; if the file ends in a torn line, a
 * newline is appended first so the next prediction starts on a line of its own (the torn
 * bytes are kept, for inspection, and skipped on every open).
 */
export async function openPredictionStore(dataDir: string, log: StoreLogger): Promise<PredictionStore> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, PREDICTIONS_FILE);
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }

  const replayed: StoredPrediction[] = [];
  let skipped = 0;
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const p = parseLine(line);
    if (p) {
      replayed.push(p);
    } else {
      skipped += 1;
      const torn = i === lines.length - 1;
      log.warn(
        { file: path, line: i + 1, bytes: line.length },
        torn
          ? 'skipping a torn last line in the prediction store (an interrupted write); the rest is intact'
          : 'skipping a line of the prediction store that is not a stored prediction',
      );
    }
  });

  const file = await open(path, 'a');
  if (text.length > 0 && !text.endsWith('\n')) {
    await file.appendFile('\n');
    await file.datasync();
  }
  const store = new PredictionStore(file, path, skipped);
  for (const p of replayed) store.index(p);
  log.info({ file: path, predictions: store.stats().predictions, skippedLines: skipped }, 'prediction store opened');
  return store;
}

