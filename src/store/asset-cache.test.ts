import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ASSET_CACHE_NAME,
  CacheApiAssetStore,
  IdbAssetStore,
  MemoryAssetStore,
  StoredAssetCache,
  type AssetRecordStore,
} from './asset-cache.ts';
import { openCytoDB } from './open-db.ts';
import { sha256Hex } from './sha256.ts';

let dbCounter = 0;
const opened: Array<{ close(): void }> = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

/** A CacheStorage with one Map per cache name; enough of the Cache API for the asset store. */
function fakeCacheStorage() {
  const caches = new Map<string, Map<string, Response>>();
  const storage = {
    async open(name: string) {
      const entries = caches.get(name) ?? new Map<string, Response>();
      caches.set(name, entries);
      return {
        async match(url: string) {
          return entries.get(url)?.clone();
        },
        async put(url: string, response: Response) {
          entries.set(url, response);
        },
        async delete(url: string) {
          return entries.delete(url);
        },
      };
    },
  };
  return { storage: storage as unknown as CacheStorage, caches };
}

const MODEL_BYTES = new TextEncoder().encode('pretend this is an onnx model').buffer;

function countingFetch(body: ArrayBuffer = MODEL_BYTES, status = 200) {
  return vi.fn(async (_url: string) => new Response(body.slice(0), { status }));
}

const backends: Array<[string, () => Promise<AssetRecordStore>]> = [
  ['Cache API', async () => new CacheApiAssetStore(fakeCacheStorage().storage)],
  [
    'IndexedDB',
    async () => {
      const db = await openCytoDB(indexedDB, `asset-test-${++dbCounter}`, 2000);
      opened.push(db);
      return new IdbAssetStore(db);
    },
  ],
  ['memory', async () => new MemoryAssetStore()],
];

describe.each(backends)('asset cache on %s', (_name, makeStore) => {
  it('fetches once; the second load comes from the cache and fetches nothing', async () => {
    const cache = new StoredAssetCache(await makeStore());
    const fetchImpl = countingFetch();
    const expectedSha256 = await sha256Hex(MODEL_BYTES);
    const first = await cache.getOrFetch('/models/r18.onnx', { fetchImpl, expectedSha256 });
    const second = await cache.getOrFetch('/models/r18.onnx', { fetchImpl, expectedSha256 });
    expect(first.fromCache).toBe(false);
    expect(second.fromCache).toBe(true);
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    expect(new Uint8Array(second.bytes)).toEqual(new Uint8Array(MODEL_BYTES));
    expect(second.sha256).toBe(expectedSha256);
  });

  it('rejects fetched bytes with the wrong hash and stores nothing', async () => {
    const cache = new StoredAssetCache(await makeStore());
    const fetchImpl = countingFetch();
    await expect(cache.getOrFetch('/m.onnx', { fetchImpl, expectedSha256: 'ab'.repeat(32) })).rejects.toThrow(
      /integrity check failed for \/m\.onnx: expected SHA-256 abab/,
    );
    expect((await cache.getOrFetch('/m.onnx', { fetchImpl })).fromCache).toBe(false);
    expect(fetchImpl).toHaveBeenCalledTimes(2);
  });

  it('refetches when the manifest expects other bytes than the cached ones', async () => {
    const cache = new StoredAssetCache(await makeStore());
    await cache.getOrFetch('/m.onnx', { fetchImpl: countingFetch() });
    const newBytes = new TextEncoder().encode('model v2').buffer;
    const fetchImpl = countingFetch(newBytes);
    const got = await cache.getOrFetch('/m.onnx', { fetchImpl, expectedSha256: await sha256Hex(newBytes) });
    expect(got.fromCache).toBe(false);
    expect(new TextDecoder().decode(got.bytes)).toBe('model v2');
    expect((await cache.getOrFetch('/m.onnx', { fetchImpl })).fromCache).toBe(true);
  });

  it('reports HTTP errors and drops deleted assets', async () => {
    const cache = new StoredAssetCache(await makeStore());
    await expect(cache.getOrFetch('/missing.onnx', { fetchImpl: countingFetch(MODEL_BYTES, 404) })).rejects.toThrow(
      'fetching /missing.onnx failed: HTTP 404',
    );
    const fetchImpl = countingFetch();
    await cache.getOrFetch('/m.onnx', { fetchImpl });
    await cache.delete('/m.onnx');
    expect((await cache.getOrFetch('/m.onnx', { fetchImpl })).fromCache).toBe(false);
  });
});

describe('Cache API backend', () => {
  it('stores into the cyto-ml-assets cache with the hash in a header', async () => {
    const { storage, caches } = fakeCacheStorage();
    const cache = new StoredAssetCache(new CacheApiAssetStore(storage), () => 42);
    await cache.getOrFetch('/ort.wasm', { fetchImpl: countingFetch() });
    const stored = caches.get(ASSET_CACHE_NAME)?.get('/ort.wasm');
    expect(stored?.headers.get('X-Cyto-Sha256')).toBe(await sha256Hex(MODEL_BYTES));
    expect(stored?.headers.get('X-Cyto-Stored-At')).toBe('42');
  });

  it('returns fetched bytes with the reason when storing fails', async () => {
    const full: AssetRecordStore = {
      name: 'indexeddb',
      get: async () => undefined,
      put: async () => {
        throw new DOMException('quota', 'QuotaExceededError');
      },
      delete: async () => undefined,
    };
    const got = await new StoredAssetCache(full).getOrFetch('/m.onnx', { fetchImpl: countingFetch() });
    expect(got).toMatchObject({ fromCache: false, storeError: 'quota' });
    expect(got.bytes.byteLength).toBe(MODEL_BYTES.byteLength);
  });
});
