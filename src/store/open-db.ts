/**
 * Opens the storage layer: the IndexedDB database when it can, otherwise memory stores with the
 * same interfaces — the plugin then still works, it only forgets on reload, and the status badge
 * says why (`persistent: false` + `reason`). Works in pages and workers (no DOM APIs).
 *
 * IndexedDB can be missing or refuse: undefined in some contexts, open errors in private modes
 * of some browsers, an upgrade blocked by another tab that holds an older version open, or an
 * open that never answers. Each of those ends in the memory fallback with its reason.
 */
import { type IDBPDatabase, wrap } from 'idb';
import { CacheApiAssetStore, IdbAssetStore, MemoryAssetStore, StoredAssetCache, type AssetCache, type AssetRecordStore } from './asset-cache.ts';
import { IdbAnnotatorStore, MemoryAnnotatorStore, type AnnotatorStore } from './annotator-store.ts';
import { IdbEmbeddingCache, MemoryEmbeddingCache, type EmbeddingCache, type EmbeddingCacheOptions } from './embedding-cache.ts';
import { IdbFitStore, MemoryFitStore, type FitStore } from './fit-store.ts';
import { IdbLabelStore, MemoryLabelStore, type LabelStore } from './label-store.ts';
import { DurableOutbox, type Outbox, type OutboxOptions } from './outbox.ts';
import { IdbOutboxRecords, MemoryOutboxRecords } from './outbox-records.ts';
import { IdbProgressStore, MemoryProgressStore, type ProgressStore } from './progress-store.ts';
import { DB_NAME, DB_VERSION, upgradeCytoDB, type CytoDB } from './schema.ts';

/** Whether data survives a reload, and if not, why (for the status badge). */
export type StorageStatus = { persistent: true } | { persistent: false; reason: string };

/** Every store of the plugin, IndexedDB-backed or in memory. */
export type Store = StorageStatus & {
  embeddings: EmbeddingCache;
  fits: FitStore;
  outbox: Outbox;
  progress: ProgressStore;
  annotator: AnnotatorStore;
  /** One label record per annotation; the learner's labelled set is derived from them. */
  labels: LabelStore;
  assets: AssetCache;
  /** Writes buffered state (embedding touches) and closes the database. */
  close(): Promise<void>;
};

/** How to open the stores; every field is optional. */
export interface OpenStoreOptions {
  /** IndexedDB factory; default the global one; `null` forces memory stores. */
  indexedDB?: IDBFactory | null;
  /** Cache API for assets; default the global `caches`; `null` keeps assets in IndexedDB/memory. */
  caches?: CacheStorage | null;
  /** Database name; default {@link DB_NAME} (tests use their own). */
  name?: string;
  /** Give up on an open that neither succeeds nor fails (blocked, hung) after this long. */
  openTimeoutMs?: number;
  /** Shorthand for `embeddings.maxEntries`. */
  maxEmbeddings?: number;
  embeddings?: Partial<EmbeddingCacheOptions>;
  outbox?: Partial<OutboxOptions>;
  /** Clock (epoch ms) for every store; injectable for tests. */
  now?: () => number;
}

/** Default time to wait for the database to open. */
export const DEFAULT_OPEN_TIMEOUT_MS = 5000;

/** Why IndexedDB could not be used; `message` is shown to the user. */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
}

/**
 * Opens the stores. Never rejects for lack of storage: it falls back to memory and says so.
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const now = options.now ?? (() => Date.now());
  const embeddingOptions = {
    now,
    ...options.embeddings,
    ...(options.maxEmbeddings !== undefined ? { maxEntries: options.maxEmbeddings } : {}),
  };
  const outboxOptions = { now, ...options.outbox };
  const cacheStorage = options.caches === undefined ? (globalThis as { caches?: CacheStorage }).caches : options.caches;
  const assetStore = (fallback: () => AssetRecordStore): AssetRecordStore =>
    cacheStorage ? new CacheApiAssetStore(cacheStorage) : fallback();

  let db: IDBPDatabase<CytoDB> | undefined;
  let reason = '';
  const factory = options.indexedDB === undefined ? globalIndexedDB() : options.indexedDB;
  if (options.indexedDB === null) {
    reason = 'persistent storage is turned off in the settings';
  } else if (!factory) {
    reason = 'IndexedDB is not available here (private browsing or a restricted context)';
  } else {
    try {
      db = await openCytoDB(factory, options.name ?? DB_NAME, options.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS);
    } catch (error) {
      reason = error instanceof StorageUnavailableError ? error.message : `IndexedDB failed to open: ${describe(error)}`;
    }
  }

  if (db) {
    const open = db;
    const embeddings = new IdbEmbeddingCache(open, embeddingOptions);
    return {
      persistent: true,
      embeddings,
      fits: new IdbFitStore(open),
      outbox: new DurableOutbox(new IdbOutboxRecords(open), outboxOptions),
      progress: new IdbProgressStore(open, now),
      annotator: new IdbAnnotatorStore(open, now),
      labels: new IdbLabelStore(open),
      assets: new StoredAssetCache(assetStore(() => new IdbAssetStore(open)), now),
      async close() {
        await embeddings.close();
        open.close();
      },
    };
  }
  const embeddings = new MemoryEmbeddingCache(embeddingOptions);
  return {
    persistent: false,
    reason,
    embeddings,
    fits: new MemoryFitStore(),
    outbox: new DurableOutbox(new MemoryOutboxRecords(), outboxOptions),
    progress: new MemoryProgressStore(now),
    annotator: new MemoryAnnotatorStore(now),
    labels: new MemoryLabelStore(),
    assets: new StoredAssetCache(assetStore(() => new MemoryAssetStore()), now),
    close: () => embeddings.close(),
  };
}

/**
 * Opens (creating or upgrading) the database with `factory`. Rejects with a
 * {@link StorageUnavailableError} whose message says why, after at most `timeoutMs`.
 *
 * The connection closes itself when another tab upgrades the schema (`versionchange`), so a
 * newer plugin version is never blocked by this one; this tab's later calls then fail, and a
 * reload picks up the new version.
 */
export function openCytoDB(factory: IDBFactory, name: string, timeoutMs: number): Promise<IDBPDatabase<CytoDB>> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let blocked = false;
    let request: IDBOpenDBRequest;
    try {
      request = factory.open(name, DB_VERSION);
    } catch (error) {
      // Firefox's private mode (before v115) threw here; so do sandboxed iframes.
      reject(new StorageUnavailableError(`IndexedDB refused to open: ${describe(error)}`));
      return;
    }
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const timer = setTimeout(() => {
      finish(() =>
        reject(
          new StorageUnavailableError(
            blocked
              ? 'the database is held open at an older version by another tab; close other tabs of this site and reload'
              : `IndexedDB did not open within ${timeoutMs} ms`,
          ),
        ),
      );
    }, timeoutMs);
    request.onupgradeneeded = (event) => {
      upgradeCytoDB(
        wrap(request.result) as unknown as IDBPDatabase<CytoDB>, event.oldVersion, event.newVersion,
        request.transaction ? (wrap(request.transaction) as unknown as Parameters<typeof upgradeCytoDB>[3]) : undefined,
      );
    };
    request.onblocked = () => {
      blocked = true;
    };
    request.onsuccess = () => {
      const raw = request.result;
      if (settled) {
        // Opened after we gave up and fell back to memory: release it so nothing is blocked.
        raw.close();
        return;
      }
      raw.onversionchange = () => raw.close();
      finish(() => resolve(wrap(raw) as unknown as IDBPDatabase<CytoDB>));
    };
    request.onerror = (event) => {
      // Handled here: keep the browser from also reporting it as an uncaught error.
      event.preventDefault();
      finish(() => reject(new StorageUnavailableError(`IndexedDB failed to open: ${describe(request.error)}`)));
    };
  });
}

/** The global factory; reading it throws a SecurityError in some sandboxed frames. */
function globalIndexedDB(): IDBFactory | undefined {
  try {
    return (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error || (typeof DOMException !== 'undefined' && error instanceof DOMException)) {
    return `${error.name}: ${error.message}`;
  }
  return String(error);
}
