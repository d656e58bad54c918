/**
 * Large static assets (ONNX models, ORT wasm): fetched once, then served from a local cache so
 * the second load downloads nothing (a ResNet18 is 44.7 MB, the ORT wasm 14.2 MB; DESIGN §5).
 *
 * Where the bytes live: the Cache API (`caches.open('cyto-ml-assets')`) when the context has it
 * — built for Responses, stored outside the IndexedDB transaction machinery — otherwise the
 * `assets` object store, otherwise memory (this session only).
 */
import type { IDBPDatabase } from 'idb';
import type { AssetRecord, CytoDB } from './schema.ts';
import { sha256Hex } from './sha256.ts';

/** Name of the Cache API cache holding the assets. */
export const ASSET_CACHE_NAME = 'cyto-ml-assets';

/** Header under which a cached Response records the SHA-256 of its body. */
const SHA_HEADER = 'X-Cyto-Sha256';
const STORED_AT_HEADER = 'X-Cyto-Stored-At';

/** Bytes of one asset and where they came from. */
export interface AssetBytes {
  bytes: ArrayBuffer;
  /** Lower-case hex SHA-256 of `bytes`. */
  sha256: string;
  /** True when no network request was made (the status can say the second load fetched nothing). */
  fromCache: boolean;
  /** Why the fetched bytes could not be stored (e.g. quota); they are still returned. */
  storeError?: string;
}

/** Options of one {@link AssetCache.getOrFetch} call. */
export interface GetAssetOptions {
  /**
   * Expected lower-case hex SHA-256 (from the model manifest). A cached copy with another hash is
   * ignored and refetched; fetched bytes with another hash are rejected and not stored.
   */
  expectedSha256?: string;
  /** Fetch to use on a miss (defaults to the global `fetch`). */
  fetchImpl?: (url: string) => Promise<Response>;
}

/** The asset cache as every consumer sees it. */
export interface AssetCache {
  /** Where bytes are kept: `cache-api`, `indexeddb` or `memory`. */
  readonly backend: AssetBackendName;
  /** The asset's bytes, from the cache when present (and matching), else fetched and stored. */
  getOrFetch(url: string, options?: GetAssetOptions): Promise<AssetBytes>;
  /** Drops a cached asset. */
  delete(url: string): Promise<void>;
}

/** Names of the places asset bytes can live. */
export type AssetBackendName = 'cache-api' | 'indexeddb' | 'memory';

/** Raw keyed storage of asset records; one implementation per backend. */
export interface AssetRecordStore {
  readonly name: AssetBackendName;
  get(url: string): Promise<AssetRecord | undefined>;
  put(record: AssetRecord): Promise<void>;
  delete(url: string): Promise<void>;
}

/**
 * Cache API backend. The stored hash travels in a header, so a hit with an expected hash costs
 * no re-hash of 45 MB (~0.1-0.3 s): the bytes were verified when stored.
 */
export class CacheApiAssetStore implements AssetRecordStore {
  readonly name = 'cache-api';

  constructor(private readonly storage: CacheStorage) {}

  async get(url: string): Promise<AssetRecord | undefined> {
    const response = await (await this.storage.open(ASSET_CACHE_NAME)).match(url);
    const sha256 = response?.headers.get(SHA_HEADER);
    if (!response || !sha256) return undefined;
    return {
      url,
      bytes: await response.arrayBuffer(),
      sha256,
      storedAt: Number(response.headers.get(STORED_AT_HEADER) ?? 0),
    };
  }

  async put(record: AssetRecord): Promise<void> {
    const headers = {
      'Content-Type': 'application/octet-stream',
      [SHA_HEADER]: record.sha256,
      [STORED_AT_HEADER]: String(record.storedAt),
    };
    await (await this.storage.open(ASSET_CACHE_NAME)).put(record.url, new Response(record.bytes, { headers }));
  }

  async delete(url: string): Promise<void> {
    await (await this.storage.open(ASSET_CACHE_NAME)).delete(url);
  }
}

/** IndexedDB backend over the `assets` store. */
export class IdbAssetStore implements AssetRecordStore {
  readonly name = 'indexeddb';

  constructor(private readonly db: IDBPDatabase<CytoDB>) {}

  get(url: string): Promise<AssetRecord | undefined> {
    return this.db.get('assets', url);
  }

  async put(record: AssetRecord): Promise<void> {
    await this.db.put('assets', record);
  }

  delete(url: string): Promise<void> {
    return this.db.delete('assets', url);
  }
}

/** Memory backend: avoids refetches within one session only. */
export class MemoryAssetStore implements AssetRecordStore {
  readonly name = 'memory';
  private readonly records = new Map<string, AssetRecord>();

  async get(url: string): Promise<AssetRecord | undefined> {
    const record = this.records.get(url);
    // A copy: callers hand the bytes to ORT, which may transfer (detach) them.
    return record && { ...record, bytes: record.bytes.slice(0) };
  }

  async put(record: AssetRecord): Promise<void> {
    this.records.set(record.url, { ...record, bytes: record.bytes.slice(0) });
  }

  async delete(url: string): Promise<void> {
    this.records.delete(url);
  }
}

/** The fetch-or-reuse logic over one backend. */
export class StoredAssetCache implements AssetCache {
  constructor(
    private readonly store: AssetRecordStore,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get backend(): AssetBackendName {
    return this.store.name;
  }

  async getOrFetch(url: string, options: GetAssetOptions = {}): Promise<AssetBytes> {
    const expected = options.expectedSha256?.toLowerCase();
    let cached: AssetRecord | undefined;
    try {
      cached = await this.store.get(url);
    } catch {
      // An unreadable cache (storage cleared mid-read, Cache API refused) is a miss.
      cached = undefined;
    }
    if (cached && (expected === undefined || cached.sha256 === expected)) {
      return { bytes: cached.bytes, sha256: cached.sha256, fromCache: true };
    }

    const fetchImpl = options.fetchImpl ?? ((u: string) => fetch(u));
    const response = await fetchImpl(url);
    if (!response.ok) throw new Error(`fetching ${url} failed: HTTP ${response.status}`);
    const bytes = await response.arrayBuffer();
    const sha256 = await sha256Hex(bytes);
    if (expected !== undefined && sha256 !== expected) {
      throw new Error(`integrity check failed for ${url}: expected SHA-256 ${expected}, got ${sha256}`);
    }
    try {
      await this.store.put({ url, bytes, sha256, storedAt: this.now() });
      return { bytes, sha256, fromCache: false };
    } catch (error) {
      return { bytes, sha256, fromCache: false, storeError: error instanceof Error ? error.message : String(error) };
    }
  }

  delete(url: string): Promise<void> {
    return this.store.delete(url);
  }
}
