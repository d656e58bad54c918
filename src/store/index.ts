/**
 * The storage layer's public entry: open the stores with {@link openStore}, then use the
 * interfaces below. Implementations (IndexedDB, memory) are chosen by `openStore`.
 */
export { openStore, openCytoDB, StorageUnavailableError, DEFAULT_OPEN_TIMEOUT_MS } from './open-db.ts';
export type { Store, StorageStatus, OpenStoreOptions } from './open-db.ts';
export { DEFAULT_EMBEDDING_CACHE_OPTIONS } from './embedding-cache.ts';
export type { EmbeddingCache, EmbeddingCacheOptions, EmbeddingCacheStats, EmbeddingInput, ModelVectors } from './embedding-cache.ts';
export type { FitStore } from './fit-store.ts';
export { defaultOutboxOptions } from './outbox.ts';
export type { Outbox, OutboxOptions, OutboxFetch, OutboxLocks, FlushReport, OutboxInput, StoredOutboxRecord } from './outbox.ts';
export { DEFAULT_RETRY_POLICY } from './retry-policy.ts';
export type { RetryPolicy } from './retry-policy.ts';
export type { ProgressStore } from './progress-store.ts';
export type { AnnotatorStore, AnnotatorTaskInput } from './annotator-store.ts';
export type { LabelStore, ServerTaskLabels } from './label-store.ts';
export { LabelChanges, LABEL_CHANNEL } from './label-changes.ts';
export { derivedItems, latestPerTask, labelsWatermark, labelStudioSource, localSource } from './label-records.ts';
export { ASSET_CACHE_NAME } from './asset-cache.ts';
export type { AssetCache, AssetBytes, GetAssetOptions, AssetBackendName } from './asset-cache.ts';
export { sha256Hex } from './sha256.ts';
export { DB_NAME, DB_VERSION } from './schema.ts';
export type {
  AnnotatorTaskRecord,
  AssetRecord,
  CytoDB,
  EmbeddingRecord,
  LabelRecord,
  LabelSyncRecord,
  OutboxRecord,
  ProgressRecord,
  ProgressState,
  UrlRecord,
} from './schema.ts';
