/**
 * The embedding cache: (model id, image key) → vector, plus the URL → image key index, with
 * LRU eviction. Two implementations behind one interface: IndexedDB (persistent) and memory
 * (when IndexedDB is unavailable; lost on reload).
 *
 * Costs (DESIGN §5, 10,000 × Float32Array(512) through idb): writing in one transaction takes
 * ~1.1 s, one transaction per vector ~9.5 s; reading with `getAll` ~0.25 s, one transaction per
 * vector ~2.8 s. Hence `putMany` and `getAll`, and batched `lastUsed` updates.
 */
import type { IDBPDatabase, IDBPTransaction } from 'idb';
import { commitWrites, isQuotaError, type TrackRequest } from './idb-write.ts';
import type { CytoDB, EmbeddingRecord, UrlRecord } from './schema.ts';

/** What a caller stores: the vector, where it came from, and the decoded image's size. */
export interface EmbeddingInput {
  modelId: string;
  /** Lower-case hex SHA-256 of the image bytes. */
  imageKey: string;
  vector: Float32Array;
  width: number;
  height: number;
  /** The URL the bytes came from; indexed so the next lookup by URL needs no download. */
  url?: string;
  /** ETag of that response, kept for revalidation. */
  etag?: string;
}

/** All vectors of one model, in image-key order (deterministic input for k-means). */
export interface ModelVectors {
  /** Image keys, parallel to `vectors`. */
  keys: string[];
  vectors: Float32Array[];
}

/** Counters since the cache was opened, for the status panel. */
export interface EmbeddingCacheStats {
  hits: number;
  misses: number;
  /** Entries removed by LRU eviction (quota or `maxEntries`). */
  evicted: number;
}

/** Tuning of an embedding cache. */
export interface EmbeddingCacheOptions {
  /** Upper bound on stored embeddings over all models; the least recently used go first. */
  maxEntries: number;
  /** Share of all entries evicted when the browser reports the quota exhausted. */
  quotaEvictFraction: number;
  /** Delay before pending `lastUsed` updates are written (they are batched into one write). */
  touchDelayMs: number;
  /** Clock (epoch ms); injectable for tests. */
  now: () => number;
}

/** Defaults: unbounded count (the browser's quota is the bound), 10% on quota, 2 s touches. */
export const DEFAULT_EMBEDDING_CACHE_OPTIONS: Readonly<EmbeddingCacheOptions> = Object.freeze({
  maxEntries: Number.POSITIVE_INFINITY,
  quotaEvictFraction: 0.1,
  touchDelayMs: 2000,
  now: () => Date.now(),
});

/** Embedding storage as every consumer sees it. */
export interface EmbeddingCache {
  /** The embedding of an image, or undefined (counts a hit or a miss; marks it used). */
  get(modelId: string, imageKey: string): Promise<EmbeddingRecord | undefined>;
  /** The embedding of the image last stored under `url` (no image download needed on a hit). */
  getByUrl(modelId: string, url: string): Promise<EmbeddingRecord | undefined>;
  /** Stores one embedding (and its URL entry). Evicts LRU entries and retries once on quota. */
  put(input: EmbeddingInput): Promise<void>;
  /** Stores many embeddings in ONE transaction (~9x faster than one each). Same quota policy. */
  putMany(inputs: readonly EmbeddingInput[]): Promise<void>;
  /** Marks an entry used now. Batched: written later with other touches, not per call. */
  touch(modelId: string, imageKey: string): void;
  /** Writes pending touches now (before eviction, on close). */
  flushTouches(): Promise<void>;
  /** Every vector of a model with its image key, for k-means. Does not count as use. */
  getAll(modelId: string): Promise<ModelVectors>;
  /** Number of embeddings stored for a model. */
  count(modelId: string): Promise<number>;
  /** Removes the `n` least recently used embeddings (all models) and their URL entries. */
  evictOldest(n: number): Promise<number>;
  stats(): EmbeddingCacheStats;
  /** Flushes pending touches and stops the touch timer. */
  close(): Promise<void>;
}

/** Validates option overrides and merges them over the defaults. */
function resolveOptions(options: Partial<EmbeddingCacheOptions>): EmbeddingCacheOptions {
  const resolved = { ...DEFAULT_EMBEDDING_CACHE_OPTIONS, ...options };
  if (!(resolved.maxEntries >= 1)) throw new RangeError(`maxEntries must be ≥ 1, got ${resolved.maxEntries}`);
  if (!(resolved.quotaEvictFraction > 0 && resolved.quotaEvictFraction <= 1)) {
    throw new RangeError(`quotaEvictFraction must be in (0, 1], got ${resolved.quotaEvictFraction}`);
  }
  return resolved;
}

function toRecord(input: EmbeddingInput, now: number): EmbeddingRecord {
  return {
    modelId: input.modelId,
    imageKey: input.imageKey,
    vector: input.vector,
    width: input.width,
    height: input.height,
    createdAt: now,
    lastUsed: now,
  };
}

function toUrlRecord(input: EmbeddingInput & { url: string }, now: number): UrlRecord {
  const record: UrlRecord = { modelId: input.modelId, url: input.url, imageKey: input.imageKey, lastUsed: now };
  if (input.etag !== undefined) record.etag = input.etag;
  return record;
}

type EmbeddingTx = IDBPTransaction<CytoDB, ['embeddings', 'urls'], 'readwrite'>;

/**
 * IndexedDB implementation.
 *
 * Why touches are batched: a read that wrote `lastUsed` at once would turn every cache hit into
 * a read-write transaction; those serialise with each other and with `putMany` on the same
 * stores and cost about as much as the write measured above. LRU needs only coarse recency, so
 * hits collect in memory and one transaction writes them after `touchDelayMs` (or rides along
 * with the next put). Touches not yet written when the page closes are lost: harmless.
 */
export class IdbEmbeddingCache implements EmbeddingCache {
  private readonly options: EmbeddingCacheOptions;
  private readonly counters: EmbeddingCacheStats = { hits: 0, misses: 0, evicted: 0 };
  /** Pending touches, keyed by `modelId \0 imageKey`; URL touches keyed by `modelId \0 url`. */
  private readonly touchedImages = new Map<string, [string, string]>();
  private readonly touchedUrls = new Map<string, [string, string]>();
  private touchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly db: IDBPDatabase<CytoDB>,
    options: Partial<EmbeddingCacheOptions> = {},
  ) {
    this.options = resolveOptions(options);
  }

  async get(modelId: string, imageKey: string): Promise<EmbeddingRecord | undefined> {
    const record = await this.db.get('embeddings', [modelId, imageKey]);
    return this.countLookup(record, modelId, imageKey);
  }

  async getByUrl(modelId: string, url: string): Promise<EmbeddingRecord | undefined> {
    // One read transaction over both stores: the two reads see one consistent state.
    const tx = this.db.transaction(['urls', 'embeddings'], 'readonly');
    const entry = await tx.objectStore('urls').get([modelId, url]);
    // An entry whose embedding was evicted is a miss; eviction removes such entries as well.
    const record = entry ? await tx.objectStore('embeddings').get([modelId, entry.imageKey]) : undefined;
    await tx.done;
    if (record) this.schedule(this.touchedUrls, modelId, url);
    return this.countLookup(record, modelId, entry?.imageKey ?? '');
  }

  put(input: EmbeddingInput): Promise<void> {
    return this.putMany([input]);
  }

  async putMany(inputs: readonly EmbeddingInput[]): Promise<void> {
    if (inputs.length === 0) return;
    try {
      await this.write(inputs);
    } catch (error) {
      if (!isQuotaError(error)) throw error;
      const total = await this.db.count('embeddings');
      await this.evictOldest(Math.max(1, Math.ceil(total * this.options.quotaEvictFraction)));
      await this.write(inputs);
    }
  }

  touch(modelId: string, imageKey: string): void {
    this.schedule(this.touchedImages, modelId, imageKey);
  }

  async flushTouches(): Promise<void> {
    this.clearTimer();
    if (this.touchedImages.size === 0 && this.touchedUrls.size === 0) return;
    const tx = this.db.transaction(['embeddings', 'urls'], 'readwrite');
    await commitWrites(tx, (track) => this.applyTouches(tx, track));
  }

  async getAll(modelId: string): Promise<ModelVectors> {
    const records = await this.db.getAllFromIndex('embeddings', 'byModel', modelId);
    return { keys: records.map((r) => r.imageKey), vectors: records.map((r) => r.vector) };
  }

  count(modelId: string): Promise<number> {
    return this.db.countFromIndex('embeddings', 'byModel', modelId);
  }

  async evictOldest(n: number): Promise<number> {
    if (n <= 0) return 0;
    // Recent reads must count before choosing victims.
    await this.flushTouches();
    const tx = this.db.transaction(['embeddings', 'urls'], 'readwrite');
    let evicted = 0;
    await commitWrites(tx, async (track) => {
      evicted = await this.evictInTx(tx, n, track);
    });
    this.counters.evicted += evicted;
    return evicted;
  }

  stats(): EmbeddingCacheStats {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    await this.flushTouches();
  }

  /** One transaction: the records, their URL entries, pending touches, and `maxEntries`. */
  private async write(inputs: readonly EmbeddingInput[]): Promise<void> {
    const now = this.options.now();
    const tx = this.db.transaction(['embeddings', 'urls'], 'readwrite');
    let evicted = 0;
    await commitWrites(tx, async (track) => {
      const embeddings = tx.objectStore('embeddings');
      const urls = tx.objectStore('urls');
      // A pending touch of a key written here would read the old record and put it back over
      // the new one (its get resolves before its put): drop those, the new records are newest.
      for (const input of inputs) {
        this.touchedImages.delete(`${input.modelId}\u0000${input.imageKey}`);
        if (input.url !== undefined) this.touchedUrls.delete(`${input.modelId}\u0000${input.url}`);
      }
      this.applyTouches(tx, track);
      for (const input of inputs) {
        track(embeddings.put(toRecord(input, now)));
        if (input.url !== undefined) track(urls.put(toUrlRecord({ ...input, url: input.url }, now)));
      }
      if (Number.isFinite(this.options.maxEntries)) {
        const total = await track(embeddings.count());
        if (total > this.options.maxEntries) evicted = await this.evictInTx(tx, total - this.options.maxEntries, track);
      }
    });
    this.counters.evicted += evicted;
  }

  /** Deletes the `n` oldest embeddings by `byLastUsed`, and the URL entries pointing at them. */
  private async evictInTx(tx: EmbeddingTx, n: number, track: TrackRequest): Promise<number> {
    const urls = tx.objectStore('urls');
    let evicted = 0;
    let cursor = await track(tx.objectStore('embeddings').index('byLastUsed').openCursor());
    while (cursor && evicted < n) {
      const { modelId, imageKey } = cursor.value;
      for (const key of await track(urls.index('byImage').getAllKeys([modelId, imageKey]))) {
        track(urls.delete(key));
      }
      track(cursor.delete());
      evicted++;
      cursor = await track(cursor.continue());
    }
    return evicted;
  }

  /** Moves pending touches into `tx` (read-modify-write of `lastUsed`). */
  private applyTouches(tx: EmbeddingTx, track: TrackRequest): void {
    const now = this.options.now();
    const embeddings = tx.objectStore('embeddings');
    const urls = tx.objectStore('urls');
    for (const key of this.touchedImages.values()) {
      track(
        embeddings.get(key).then((record) => (record ? track(embeddings.put({ ...record, lastUsed: now })) : undefined)),
      );
    }
    for (const key of this.touchedUrls.values()) {
      track(urls.get(key).then((record) => (record ? track(urls.put({ ...record, lastUsed: now })) : undefined)));
    }
    this.touchedImages.clear();
    this.touchedUrls.clear();
  }

  private countLookup(
    record: EmbeddingRecord | undefined,
    modelId: string,
    imageKey: string,
  ): EmbeddingRecord | undefined {
    if (record) {
      this.counters.hits++;
      this.schedule(this.touchedImages, modelId, imageKey);
    } else {
      this.counters.misses++;
    }
    return record;
  }

  private schedule(pending: Map<string, [string, string]>, modelId: string, key: string): void {
    pending.set(`${modelId}\u0000${key}`, [modelId, key]);
    if (this.touchTimer !== undefined) return;
    this.touchTimer = setTimeout(() => {
      this.touchTimer = undefined;
      // A failed touch only costs LRU precision; never surface it as an unhandled rejection.
      this.flushTouches().catch(() => undefined);
    }, this.options.touchDelayMs);
  }

  private clearTimer(): void {
    if (this.touchTimer === undefined) return;
    clearTimeout(this.touchTimer);
    this.touchTimer = undefined;
  }
}

/**
 * Memory implementation (no IndexedDB): same behaviour, lost on reload. Vectors are copied in
 * and out, as IndexedDB's structured clone would, so a caller that transfers a returned vector
 * to a worker (detaching its buffer) cannot damage the cache.
 */
export class MemoryEmbeddingCache implements EmbeddingCache {
  private readonly options: EmbeddingCacheOptions;
  private readonly counters: EmbeddingCacheStats = { hits: 0, misses: 0, evicted: 0 };
  private readonly records = new Map<string, EmbeddingRecord>();
  private readonly urls = new Map<string, UrlRecord>();

  constructor(options: Partial<EmbeddingCacheOptions> = {}) {
    this.options = resolveOptions(options);
  }

  async get(modelId: string, imageKey: string): Promise<EmbeddingRecord | undefined> {
    return this.lookup(modelId, imageKey);
  }

  async getByUrl(modelId: string, url: string): Promise<EmbeddingRecord | undefined> {
    const entry = this.urls.get(`${modelId}\u0000${url}`);
    if (entry) entry.lastUsed = this.options.now();
    return this.lookup(modelId, entry?.imageKey ?? '');
  }

  async put(input: EmbeddingInput): Promise<void> {
    return this.putMany([input]);
  }

  async putMany(inputs: readonly EmbeddingInput[]): Promise<void> {
    const now = this.options.now();
    for (const input of inputs) {
      const record = toRecord({ ...input, vector: input.vector.slice() }, now);
      this.records.set(`${input.modelId}\u0000${input.imageKey}`, record);
      if (input.url !== undefined) {
        this.urls.set(`${input.modelId}\u0000${input.url}`, toUrlRecord({ ...input, url: input.url }, now));
      }
    }
    const excess = this.records.size - this.options.maxEntries;
    if (excess > 0) await this.evictOldest(excess);
  }

  touch(modelId: string, imageKey: string): void {
    const record = this.records.get(`${modelId}\u0000${imageKey}`);
    if (record) record.lastUsed = this.options.now();
  }

  async flushTouches(): Promise<void> {
    // Touches are applied at once in memory: nothing is pending.
  }

  async getAll(modelId: string): Promise<ModelVectors> {
    const records = [...this.records.values()]
      .filter((r) => r.modelId === modelId)
      .sort((a, b) => (a.imageKey < b.imageKey ? -1 : a.imageKey > b.imageKey ? 1 : 0));
    return { keys: records.map((r) => r.imageKey), vectors: records.map((r) => r.vector.slice()) };
  }

  async count(modelId: string): Promise<number> {
    let n = 0;
    for (const record of this.records.values()) if (record.modelId === modelId) n++;
    return n;
  }

  async evictOldest(n: number): Promise<number> {
    if (n <= 0) return 0;
    // Map order is insertion order, a tie-breaker like IndexedDB's primary-key order.
    const victims = [...this.records.entries()].sort((a, b) => a[1].lastUsed - b[1].lastUsed).slice(0, n);
    for (const [key, record] of victims) {
      this.records.delete(key);
      for (const [urlKey, entry] of this.urls) {
        if (entry.modelId === record.modelId && entry.imageKey === record.imageKey) this.urls.delete(urlKey);
      }
    }
    this.counters.evicted += victims.length;
    return victims.length;
  }

  stats(): EmbeddingCacheStats {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    // Nothing buffered.
  }

  private lookup(modelId: string, imageKey: string): EmbeddingRecord | undefined {
    const record = this.records.get(`${modelId}\u0000${imageKey}`);
    if (!record) {
      this.counters.misses++;
      return undefined;
    }
    this.counters.hits++;
    record.lastUsed = this.options.now();
    return { ...record, vector: record.vector.slice() };
  }
}
