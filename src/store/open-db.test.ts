import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FittedState } from '../cluster/fitted-state.ts';
import { openStore, type Store } from './open-db.ts';

let dbCounter = 0;
const uniqueName = () => `open-db-test-${++dbCounter}`;

afterEach(() => {
  vi.unstubAllGlobals();
});

/** Checked field by field, yet compiling when src/cluster adds fields (the store treats it as opaque). */
const fitted = {
  project: '12',
  modelId: 'resnet18',
  dim: 2,
  k: 2,
  centres: new Float32Array([0, 0, 1, 1]),
  fitVersion: 3,
  fittedOn: 40,
  controls: {},
  labelled: [],
  source: 'local',
  updatedAt: 5,
} satisfies Partial<FittedState> as FittedState;

/** An IDBFactory whose open request is driven by hand (blocked, late success, error events). */
function scriptedFactory() {
  const request = {
    result: { close: vi.fn(), onversionchange: null },
    error: new DOMException('Version change transaction was aborted', 'AbortError'),
  } as unknown as IDBOpenDBRequest & Record<'onblocked' | 'onsuccess' | 'onerror', (event?: unknown) => void>;
  const factory = { open: () => request } as unknown as IDBFactory;
  return { factory, request };
}

describe('openStore', () => {
  it('opens IndexedDB and says it is persistent', async () => {
    const store = await openStore({ name: uniqueName(), caches: null });
    expect(store.persistent).toBe(true);
    expect(store.assets.backend).toBe('indexeddb');
    await store.close();
  });

  it('falls back to memory when indexedDB is undefined, with the reason, and still works', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const store = await openStore({ caches: null });
    expect(store).toMatchObject({ persistent: false, reason: expect.stringContaining('IndexedDB is not available') });
    expect(store.assets.backend).toBe('memory');
    await store.embeddings.put({ modelId: 'm', imageKey: 'k', url: 'u', vector: new Float32Array([1]), width: 1, height: 1 });
    expect((await store.embeddings.getByUrl('m', 'u'))?.imageKey).toBe('k');
    await store.outbox.enqueue({ kind: 'annotation', target: 'shim', url: '/x', body: {}, dedupeKey: 'a' });
    expect(await store.outbox.pending()).toBe(1);
    await store.close();
  });

  it('falls back to memory when persistence is turned off', async () => {
    const store = await openStore({ indexedDB: null, caches: null });
    expect(store).toMatchObject({ persistent: false, reason: expect.stringContaining('turned off') });
  });

  it('falls back when open throws (private mode), naming the error', async () => {
    const factory = {
      open: () => {
        throw new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError');
      },
    } as unknown as IDBFactory;
    const store = await openStore({ indexedDB: factory, caches: null });
    expect(store).toMatchObject({ persistent: false, reason: expect.stringContaining('InvalidStateError') });
  });

  it('falls back when the open request fails', async () => {
    const { factory, request } = scriptedFactory();
    const opening = openStore({ indexedDB: factory, caches: null });
    await Promise.resolve();
    request.onerror({ preventDefault: () => undefined });
    expect(await opening).toMatchObject({ persistent: false, reason: expect.stringContaining('AbortError') });
  });

  it('falls back when the upgrade stays blocked by another tab, and closes a late connection', async () => {
    const { factory, request } = scriptedFactory();
    const opening = openStore({ indexedDB: factory, caches: null, openTimeoutMs: 20 });
    await Promise.resolve();
    request.onblocked();
    expect(await opening).toMatchObject({ persistent: false, reason: expect.stringContaining('another tab') });
    request.onsuccess();
    expect((request.result as unknown as { close: () => void }).close).toHaveBeenCalledTimes(1);
  });

  it('gives up on an open that never answers', async () => {
    const { factory } = scriptedFactory();
    const store = await openStore({ indexedDB: factory, caches: null, openTimeoutMs: 20 });
    expect(store).toMatchObject({ persistent: false, reason: expect.stringContaining('did not open within 20 ms') });
  });

  it('keeps everything across close and re-open (a reload)', async () => {
    const name = uniqueName();
    let t = 1000;
    const options = { name, caches: null, now: () => t, outbox: { locks: null, isOnline: () => true } };
    const first: Store = await openStore(options);
    await first.embeddings.put({
      modelId: 'resnet18',
      imageKey: 'ab12',
      url: 'https://ls/data/upload/1/a.png',
      vector: new Float32Array([0.25, 0.5]),
      width: 90,
      height: 120,
    });
    await first.fits.put(fitted);
    await first.outbox.enqueue({ kind: 'prediction', target: 'label-studio', url: '/api/predictions/', body: { task: 1 }, dedupeKey: 'p1' });
    await first.progress.start('12', 'predict-all', 3);
    await first.progress.markDone('12', 'predict-all', [101, 102]);
    await first.annotator.putTasks('demo', [{ task: { id: 1, data: { image: 'a.png' } }, image: new Blob(['png bytes']) }]);
    t = 2000;
    await first.embeddings.get('resnet18', 'ab12'); // the touch is only buffered…
    await first.close(); // …and written by close

    const second = await openStore(options);
    expect(second.persistent).toBe(true);
    const hit = await second.embeddings.getByUrl('resnet18', 'https://ls/data/upload/1/a.png');
    expect(hit).toMatchObject({ imageKey: 'ab12', width: 90, height: 120, createdAt: 1000, lastUsed: 2000 });
    expect(hit?.vector).toEqual(new Float32Array([0.25, 0.5]));
    expect(await second.fits.get('12', 'resnet18')).toEqual(fitted);
    expect((await second.progress.get('12', 'predict-all'))?.done).toEqual(['101', '102']);
    expect((await second.annotator.getTask('demo', 1))?.task.data).toEqual({ image: 'a.png' });
    expect(await (await second.annotator.getImage('demo', 1))?.text()).toBe('png bytes');
    expect(await second.outbox.pending()).toBe(1);
    const fetchImpl = vi.fn(async () => new Response(null, { status: 201 }));
    expect(await second.outbox.flush(fetchImpl)).toMatchObject({ sent: 1 });
    expect(fetchImpl).toHaveBeenCalledWith('/api/predictions/', expect.objectContaining({ body: '{"task":1}' }));
    await second.close();
  });

  it('applies maxEmbeddings', async () => {
    const store = await openStore({ name: uniqueName(), caches: null, maxEmbeddings: 2 });
    for (const key of ['a', 'b', 'c']) {
      await store.embeddings.put({ modelId: 'm', imageKey: key, vector: new Float32Array([0]), width: 1, height: 1 });
    }
    expect(await store.embeddings.count('m')).toBe(2);
    await store.close();
  });
});
