/**
 * The IndexedDB schema of the browser edition, typed once, and its migrations.
 *
 * Every object store keys its records by an inline key path, so a record read back carries its
 * own key (no separate key bookkeeping in callers) — except `images`, whose values are Blobs.
 * Embeddings are keyed by model id first, so a new model never reads another model's vectors
 * (DESIGN §6), and by the SHA-256 of the image bytes, so one image reachable under two URLs is
 * embedded once.
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import type { FittedState } from '../cluster/fitted-state.ts';
import type { LabelStudioTask } from '../labelstudio/types.ts';

/** Name of the database (one per origin). */
export const DB_NAME = 'cyto-ml';

/**
 * Current schema version. Raise it by one for every schema change and add the matching step
 * to {@link upgradeCytoDB}; never edit a released step (browsers out there already ran it).
 */
export const DB_VERSION = 2;

/** One image embedding for one model. */
export interface EmbeddingRecord {
  modelId: string;
  /** Lower-case hex SHA-256 of the image bytes (see `sha256Hex`). */
  imageKey: string;
  vector: Float32Array;
  /** Size of the decoded image the vector came from (status panel, sanity checks). */
  width: number;
  height: number;
  /** Epoch ms the vector was last stored (a re-put, e.g. to add a URL, renews it). */
  createdAt: number;
  /** Epoch ms of the last read or write; drives LRU eviction (`byLastUsed`). */
  lastUsed: number;
}

/**
 * URL → image key, per model, so a task whose image was embedded before needs no fetch of the
 * image bytes at all. Staleness trade-off: the entry is trusted as is — if the bytes behind a
 * URL change, the old embedding is served until the entry is evicted or the caller revalidates
 * (e.g. a conditional request with `etag`, then `put` with the new image key). Label Studio image
 * URLs are in practice immutable uploads, so trusting saves a download per task.
 */
export interface UrlRecord {
  modelId: string;
  url: string;
  imageKey: string;
  /** ETag of the response the bytes came from, when the server sent one (for revalidation). */
  etag?: string;
  lastUsed: number;
}

/** State of a queued HTTP write. `failed`: a non-retriable answer; kept for the user to see. */
export type OutboxState = 'pending' | 'failed';

/** One durable HTTP write (a prediction or an annotation) waiting to be sent. */
export interface OutboxRecord {
  /** Auto-increment key: also the send order. Absent before the first insert. */
  id?: number;
  kind: 'prediction' | 'annotation';
  target: 'label-studio' | 'shim';
  url: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** JSON-serialisable body; sent as `application/json`. Credentials are never stored here. */
  body: unknown;
  /** Same key = same logical write; a second enqueue replaces the body (latest wins). */
  dedupeKey: string;
  state: OutboxState;
  /** Bumped on every enqueue of this key, so a send that raced a newer body does not delete it. */
  revision: number;
  attempts: number;
  /** Epoch ms before which the item is not sent again (exponential backoff). */
  nextAttemptAt: number;
  lastError?: string;
  /** HTTP status of the last answer, if any (absent after network errors). */
  lastStatus?: number;
  createdAt: number;
}

/** Lifecycle of a resumable bulk job (e.g. "embed and predict every task of the project"). */
export type ProgressState = 'running' | 'paused' | 'done' | 'failed';

/** Progress of one bulk job, so a reload resumes instead of starting over. */
export interface ProgressRecord {
  project: string;
  jobId: string;
  /** Ids of finished tasks, as strings (Label Studio ids are numbers; demo ids may not be). */
  done: string[];
  total: number;
  startedAt: number;
  updatedAt: number;
  state: ProgressState;
  /** Why the job stopped, when `state` is `failed`. */
  error?: string;
}

/** A task of the offline demo annotator, with the annotations made in it. */
export interface AnnotatorTaskRecord {
  project: string;
  taskId: number;
  task: LabelStudioTask;
  annotations: unknown[];
  updatedAt: number;
}

/**
 * The labels of one annotation, the unit the learner's labelled set is derived from. Every
 * annotation is its own record, keyed by where it came from, so tabs, browsers and the team's
 * annotators add records side by side instead of writing one shared state back whole (which
 * lost the other writer's labels). Per task the newest record wins (see label-records.ts).
 */
export interface LabelRecord {
  project: string;
  /**
   * Where the labels came from: `ls:<annotation id>` (an annotation read from Label Studio),
   * `local:<task id>` (submitted in this browser, not yet read back from the server), or
   * `demo:<task id>` (the offline annotator).
   */
  source: string;
  taskId: number;
  /** Image object name → control name → chosen values. */
  labels: Record<string, Record<string, string[]>>;
  /** Image object name → URL, so a browser that lacks the embedding can make it. */
  urls: Record<string, string>;
  /** Epoch ms of the annotation's last change (Label Studio's `updated_at` for `ls:` records). */
  updatedAt: number;
  /** Who made it (Label Studio user id), when known. */
  completedBy?: number;
}

/** How far a project's annotations have been read from Label Studio. */
export interface LabelSyncRecord {
  project: string;
  /** Label Studio's `updated_at` (ISO, as the server wrote it) of the newest task read. */
  watermark: string;
  /** Epoch ms of the last full read (every task), which also notices deleted tasks. */
  fullSyncAt: number;
}

/** Bytes of a model or wasm file, used when the Cache API is unavailable. */
export interface AssetRecord {
  url: string;
  bytes: ArrayBuffer;
  /** Lower-case hex SHA-256 of `bytes`, computed when stored. */
  sha256: string;
  storedAt: number;
}

/** The whole schema, for idb's typed API. */
export interface CytoDB extends DBSchema {
  embeddings: {
    key: [string, string];
    value: EmbeddingRecord;
    indexes: { byLastUsed: number; byModel: string };
  };
  urls: {
    key: [string, string];
    value: UrlRecord;
    /** [modelId, imageKey]: finds the URL entries to drop with an evicted embedding. */
    indexes: { byImage: [string, string] };
  };
  fits: {
    key: [string, string];
    value: FittedState;
  };
  outbox: {
    key: number;
    value: OutboxRecord;
    indexes: { byDedupe: string };
  };
  progress: {
    key: [string, string];
    value: ProgressRecord;
  };
  annotator: {
    key: [string, number];
    value: AnnotatorTaskRecord;
  };
  images: {
    key: [string, number];
    value: Blob;
  };
  assets: {
    key: string;
    value: AssetRecord;
  };
  labels: {
    key: [string, string];
    value: LabelRecord;
    /** [project, taskId]: the records of one task (a re-read replaces them). */
    indexes: { byTask: [string, number] };
  };
  labelSync: {
    key: string;
    value: LabelSyncRecord;
  };
}

/** Names of all object stores. */
export type CytoStoreName = StoreNames<CytoDB>;

/**
 * Brings a database from `oldVersion` (0 = new) to `newVersion`, one step per version.
 * Written as a loop over a switch rather than a fall-through switch because the project
 * compiles with `noFallthroughCasesInSwitch`; the effect is the same: a browser at version N
 * runs the steps N→N+1, …, so a future version only adds `case 1:` (creating stores or
 * indexes; a step that rewrites records also takes the upgrade transaction idb passes).
 */
export function upgradeCytoDB(
  db: IDBPDatabase<CytoDB>,
  oldVersion: number,
  newVersion: number | null,
  tx?: IDBPTransaction<CytoDB, CytoStoreName[], 'versionchange'>,
): void {
  const target = newVersion ?? DB_VERSION;
  for (let version = oldVersion; version < target; version++) {
    switch (version) {
      case 0: {
        const embeddings = db.createObjectStore('embeddings', { keyPath: ['modelId', 'imageKey'] });
        embeddings.createIndex('byLastUsed', 'lastUsed');
        embeddings.createIndex('byModel', 'modelId');
        const urls = db.createObjectStore('urls', { keyPath: ['modelId', 'url'] });
        urls.createIndex('byImage', ['modelId', 'imageKey']);
        db.createObjectStore('fits', { keyPath: ['project', 'modelId'] });
        const outbox = db.createObjectStore('outbox', { keyPath: 'id', autoIncrement: true });
        outbox.createIndex('byDedupe', 'dedupeKey', { unique: true });
        db.createObjectStore('progress', { keyPath: ['project', 'jobId'] });
        db.createObjectStore('annotator', { keyPath: ['project', 'taskId'] });
        db.createObjectStore('images');
        db.createObjectStore('assets', { keyPath: 'url' });
        break;
      }
      case 1: {
        // Labels move out of the fitted state into one record per annotation (issue 10: two
        // tabs writing the whole state back kept only the last writer's labels).
        const labels = db.createObjectStore('labels', { keyPath: ['project', 'source'] });
        labels.createIndex('byTask', ['project', 'taskId']);
        db.createObjectStore('labelSync', { keyPath: 'project' });
        if (tx) migrateFittedLabels(tx);
        break;
      }
      default:
        throw new Error(`No migration from schema version ${version}; known: 0..${DB_VERSION - 1}`);
    }
  }
}

/**
 * Version 1 → 2: every labelled item of the stored fitted states (keys `<task id>:<image name>`)
 * becomes a `local:<task id>` label record. The fits keep their items (the learner's copy of the
 * embeddings), so nothing needs re-embedding; several models' fits of one project merge into
 * one record per task. Items whose key is not `<number>:<name>` are left in their fit only.
 */
function migrateFittedLabels(tx: IDBPTransaction<CytoDB, CytoStoreName[], 'versionchange'>): void {
  void tx.objectStore('fits').getAll().then((fits) => {
    const records = new Map<string, LabelRecord>();
    for (const fit of fits) {
      for (const item of fit.labelled ?? []) {
        const match = /^(-?\d+):(.+)$/.exec(item.key);
        if (!match) continue;
        const taskId = Number(match[1]);
        const key = `${fit.project}\u0000${taskId}`;
        let record = records.get(key);
        if (!record) {
          record = { project: fit.project, source: `local:${taskId}`, taskId, labels: {}, urls: {}, updatedAt: fit.updatedAt ?? 0 };
          records.set(key, record);
        }
        record.labels[match[2]] = { ...item.labels };
      }
    }
    const store = tx.objectStore('labels');
    for (const record of records.values()) void store.put(record);
  });
}
