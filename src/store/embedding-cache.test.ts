import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IdbEmbeddingCache, MemoryEmbeddingCache, type EmbeddingCache, type EmbeddingCacheOptions, type EmbeddingInput } from './embedding-cache.ts';
import { openCytoDB } from './open-db.ts';

let dbCounter = 0;
const opened: Array<{ close(): void }> = [];

async function idbCache(options: Partial<EmbeddingCacheOptions> = {}) {
  const db = await openCytoDB(indexedDB, `embedding-test-${++dbCounter}`, 2000);
  opened.push(db);
  return { cache: new IdbEmbeddingCache(db, options), db };
}

afterEach(() => {
  vi.restoreAllMocks();
  for (const db of opened.splice(0)) db.close();
});

function input(imageKey: string, fill: number, extra: Partial<EmbeddingInput> = {}): EmbeddingInput {
  return { modelId: 'resnet18', imageKey, vector: new Float32Array([fill, fill + 1, fill + 2]), width: 10, height: 20, ...extra };
}

/** A clock the test moves by hand. */
function manualClock(start = 1000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const implementations: Array<[string, (o?: Partial<EmbeddingCacheOptions>) => Promise<EmbeddingCache>]> = [
  ['IndexedDB', async (o) => (await idbCache(o)).cache],
  ['memory', async (o) => new MemoryEmbeddingCache(o)],
];

describe.each(implementations)('%s embedding cache', (_name, make) => {
  it('stores and returns a vector, counting hits and misses', async () => {
    const cache = await make();
    expect(await cache.get('resnet18', 'aa')).toBeUndefined();
    await cache.put(input('aa', 1));
    const hit = await cache.get('resnet18', 'aa');
    expect(hit?.vector).toEqual(new Float32Array([1, 2, 3]));
    expect([hit?.width, hit?.height]).toEqual([10, 20]);
    // Keyed by model: another model never sees this vector.
    expect(await cache.get('resnet50', 'aa')).toBeUndefined();
    expect(cache.stats()).toEqual({ hits: 1, misses: 2, evicted: 0 });
    await cache.close();
  });

  it('finds an embedding by URL, and one image under two URLs is stored once', async () => {
    const cache = await make();
    await cache.put(input('cafe', 5, { url: 'https://ls/img/a.png', etag: '"v1"' }));
    await cache.put(input('cafe', 5, { url: 'https://ls/img/copy-of-a.png' }));
    expect((await cache.getByUrl('resnet18', 'https://ls/img/a.png'))?.imageKey).toBe('cafe');
    expect((await cache.getByUrl('resnet18', 'https://ls/img/copy-of-a.png'))?.vector).toEqual(new Float32Array([5, 6, 7]));
    expect(await cache.getByUrl('resnet18', 'https://ls/img/unknown.png')).toBeUndefined();
    expect(await cache.getByUrl('other-model', 'https://ls/img/a.png')).toBeUndefined();
    expect(await cache.count('resnet18')).toBe(1);
    await cache.close();
  });

  it('returns all vectors of one model in key order, and counts per model', async () => {
    const cache = await make();
    await cache.putMany([input('c', 3), input('a', 1), input('b', 2), input('z', 9, { modelId: 'other' })]);
    const all = await cache.getAll('resnet18');
    expect(all.keys).toEqual(['a', 'b', 'c']);
    expect(all.vectors.map((v) => v[0])).toEqual([1, 2, 3]);
    expect(await cache.count('resnet18')).toBe(3);
    expect(await cache.count('other')).toBe(1);
    await cache.close();
  });

  it('keeps at most maxEntries, evicting the least recently used (reads count as use)', async () => {
    const clock = manualClock();
    const cache = await make({ maxEntries: 3, now: clock.now, touchDelayMs: 60_000 });
    for (const key of ['a', 'b', 'c']) {
      await cache.put(input(key, 0, { url: `https://ls/${key}.png` }));
      clock.advance(10);
    }
    await cache.get('resnet18', 'a'); // 'a' is now the most recently used; 'b' the least
    clock.advance(10);
    await cache.put(input('d', 0));
    expect((await cache.getAll('resnet18')).keys).toEqual(['a', 'c', 'd']);
    // The evicted image's URL entry went with it.
    expect(await cache.getByUrl('resnet18', 'https://ls/b.png')).toBeUndefined();
    expect(cache.stats().evicted).toBe(1);
    await cache.close();
  });

  it('does not keep a reference to the caller’s vector', async () => {
    const cache = await make();
    const vector = new Float32Array([1, 2, 3]);
    await cache.put({ ...input('k', 0), vector });
    vector[0] = 99;
    const first = await cache.get('resnet18', 'k');
    first!.vector[1] = 99;
    expect((await cache.get('resnet18', 'k'))?.vector).toEqual(new Float32Array([1, 2, 3]));
    await cache.close();
  });
});

describe('IndexedDB embedding cache specifics', () => {
  it('writes a batch in ONE transaction', async () => {
    const { cache, db } = await idbCache();
    const spy = vi.spyOn(IDBDatabase.prototype, 'transaction');
    await cache.putMany(Array.from({ length: 50 }, (_, i) => input(`k${i}`, i, { url: `https://ls/${i}.png` })));
    expect(spy).toHaveBeenCalledTimes(1);
    expect(await db.count('embeddings')).toBe(50);
    expect(await db.count('urls')).toBe(50);
  });

  it('batches lastUsed updates: reads write nothing until the touch flush', async () => {
    const clock = manualClock();
    const { cache, db } = await idbCache({ now: clock.now, touchDelayMs: 60_000 });
    await cache.putMany([input('a', 0), input('b', 0)]);
    const spy = vi.spyOn(IDBDatabase.prototype, 'transaction');
    clock.advance(500);
    for (let i = 0; i < 5; i++) {
      await cache.get('resnet18', 'a');
      await cache.get('resnet18', 'b');
    }
    expect(spy.mock.calls.filter((call) => call[1] === 'readwrite')).toHaveLength(0);
    expect((await db.get('embeddings', ['resnet18', 'a']))?.lastUsed).toBe(1000);
    await cache.flushTouches();
    expect(spy.mock.calls.filter((call) => call[1] === 'readwrite')).toHaveLength(1);
    expect((await db.get('embeddings', ['resnet18', 'a']))?.lastUsed).toBe(1500);
    expect((await db.get('embeddings', ['resnet18', 'b']))?.lastUsed).toBe(1500);
  });

  it('flushes touches by itself after touchDelayMs', async () => {
    const clock = manualClock();
    const { cache, db } = await idbCache({ now: clock.now, touchDelayMs: 5 });
    await cache.put(input('a', 0));
    clock.advance(100);
    cache.touch('resnet18', 'a');
    await vi.waitFor(async () => expect((await db.get('embeddings', ['resnet18', 'a']))?.lastUsed).toBe(1100));
  });

  it('a pending touch never overwrites a newer put of the same key', async () => {
    const clock = manualClock();
    const { cache } = await idbCache({ now: clock.now, touchDelayMs: 60_000 });
    await cache.put(input('a', 1));
    cache.touch('resnet18', 'a');
    await cache.put(input('a', 7));
    expect((await cache.get('resnet18', 'a'))?.vector[0]).toBe(7);
  });

  it('on QuotaExceededError evicts the 10% least recently used entries and retries once', async () => {
    const clock = manualClock();
    const { cache, db } = await idbCache({ now: clock.now });
    for (let i = 0; i < 20; i++) {
      await cache.put(input(`old${String(i).padStart(2, '0')}`, i, { url: `https://ls/${i}.png` }));
      clock.advance(1);
    }
    const put = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementationOnce(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    await cache.putMany([input('new1', 100), input('new2', 200)]);
    expect(put).toHaveBeenCalled();
    const keys = (await cache.getAll('resnet18')).keys;
    expect(keys).toHaveLength(20); // 20 - 2 evicted + 2 new
    expect(keys).not.toContain('old00');
    expect(keys).not.toContain('old01');
    expect(keys).toContain('old02');
    expect(keys).toContain('new1');
    expect(keys).toContain('new2');
    expect(await db.get('urls', ['resnet18', 'https://ls/0.png'])).toBeUndefined();
    expect(await db.get('urls', ['resnet18', 'https://ls/2.png'])).toBeDefined();
    expect(cache.stats().evicted).toBe(2);
  });

  it('also evicts when the browser aborts the transaction for quota (requests see only AbortError)', async () => {
    const clock = manualClock();
    const { cache } = await idbCache({ now: clock.now });
    for (const key of ['a', 'b', 'c']) {
      await cache.put(input(key, 0));
      clock.advance(1);
    }
    const originalPut = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementationOnce(function (this: IDBObjectStore, ...args) {
      const request = originalPut.apply(this, args);
      // What a browser does when the commit exceeds the quota: abort with tx.error set.
      (this.transaction as unknown as { _abort(name: string): void })._abort('QuotaExceededError');
      return request;
    });
    await cache.put(input('d', 0));
    expect((await cache.getAll('resnet18')).keys).toEqual(['b', 'c', 'd']);
    expect(cache.stats().evicted).toBe(1);
  });

  it('rethrows when the retry after eviction hits the quota again, leaving nothing half-written', async () => {
    const { cache } = await idbCache();
    await cache.putMany([input('a', 1), input('b', 2)]);
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    await expect(cache.putMany([input('c', 3), input('d', 4)])).rejects.toMatchObject({ name: 'QuotaExceededError' });
    vi.restoreAllMocks();
    expect((await cache.getAll('resnet18')).keys).toEqual(['b']); // one evicted (10%, at least 1), nothing new
  });

  it('does not evict on other errors', async () => {
    const { cache } = await idbCache();
    await cache.put(input('a', 1));
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementationOnce(() => {
      throw new DOMException('nope', 'DataError');
    });
    await expect(cache.put(input('b', 2))).rejects.toMatchObject({ name: 'DataError' });
    expect(cache.stats().evicted).toBe(0);
    expect(await cache.count('resnet18')).toBe(1);
  });
});
