import { describe, expect, it } from 'vitest';
import { benchKMeans } from './bench-kmeans.ts';
import { KMeansClient, type WorkerLike } from './kmeans-client.ts';
import type { KMeansRequest, KMeansResponse } from './kmeans-protocol.ts';
import { handleKMeansRequest } from './kmeans-worker-handler.ts';
import { fitKMeans, type KMeansProgress } from './kmeans.ts';
import { packRows } from './matrix.ts';
import { makeBlobs } from './testing/make-blobs.ts';

/** A worker stand-in running the real handler in-process, with structured clone + transfer like postMessage. */
function inProcessWorker(): WorkerLike & { terminated: boolean } {
  const listeners: ((event: MessageEvent<KMeansResponse>) => void)[] = [];
  return {
    terminated: false,
    postMessage(message: KMeansRequest, transfer: Transferable[]) {
      const copy = structuredClone(message, { transfer: transfer as Transferable[] });
      setTimeout(() =>
        void handleKMeansRequest(copy, (reply, replyTransfer) => {
          const out = structuredClone(reply, { transfer: replyTransfer });
          setTimeout(() => listeners.forEach((l) => l({ data: out } as MessageEvent<KMeansResponse>)));
        }),
      );
    },
    addEventListener(type: string, listener: (event: never) => void) {
      if (type === 'message') listeners.push(listener as (event: MessageEvent<KMeansResponse>) => void);
    },
    terminate() {
      this.terminated = true;
    },
  };
}

describe('KMeansClient', () => {
  const data = makeBlobs({ n: 300, d: 6, k: 4, spread: 2, scale: 3, seed: 8 });

  it('fits in the worker with progress, same result as in-thread, caller data intact', async () => {
    const client = new KMeansClient(inProcessWorker);
    const progress: KMeansProgress[] = [];
    const before = data.values.slice();
    const result = await client.fit(data, { k: 4, nInit: 2, seed: 3 }, { backend: 'ts', onProgress: (p) => progress.push(p) });
    const direct = await fitKMeans(data, { k: 4, nInit: 2, seed: 3 });
    expect(Array.from(result.labels)).toEqual(Array.from(direct.labels));
    expect(Array.from(result.centres)).toEqual(Array.from(direct.centres));
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)?.run).toBe(1);
    expect(Array.from(data.values)).toEqual(Array.from(before));
  });

  it('predicts in the worker', async () => {
    const client = new KMeansClient(inProcessWorker);
    const model = { centres: Float32Array.from([0, 0, 10, 10]), k: 2, d: 2 };
    const p = await client.predict(model, packRows([[9, 9], [1, 0]]));
    expect(Array.from(p.labels)).toEqual([1, 0]);
    expect(p.distances[1]).toBeCloseTo(Math.SQRT2, 5);
  });

  it('turns worker failures into rejections with the original message, and keeps serving', async () => {
    const client = new KMeansClient(inProcessWorker);
    await expect(client.fit(packRows([[1, 2]]), { k: 3 })).rejects.toThrow(/k = 3 clusters but only 1 points/);
    const ok = await client.fit(packRows([[0], [1]]), { k: 2 }, { backend: 'ts' });
    expect(ok.inertia).toBe(0);
  });

  it('rejects requests in flight on terminate', async () => {
    let worker: ReturnType<typeof inProcessWorker> | undefined;
    const client = new KMeansClient(() => (worker = inProcessWorker()));
    const pending = client.fit(data, { k: 4 });
    client.terminate();
    await expect(pending).rejects.toThrow(/terminated/);
    expect(worker?.terminated).toBe(true);
  });
});

describe('benchKMeans', () => {
  it('returns the milliseconds of a fixed-start fit', async () => {
    const ms = await benchKMeans(makeBlobs({ n: 200, d: 8, k: 3 }), 3, 5, 'ts');
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(ms)).toBe(true);
  });
});

describe('the worker handler: configure', () => {
  it('takes the tfjs module URL without replying, and a fit afterwards still stays in TypeScript here (no WebGL in Node)', async () => {
    const replies: KMeansResponse[] = [];
    await handleKMeansRequest({ kind: 'configure', id: 0, tfjsModuleUrl: 'https://example.org/tfjs-distance-0123456789.js' }, (m) => replies.push(m));
    expect(replies).toEqual([]);
    const data = makeBlobs({ n: 300, d: 8, k: 3 });
    await handleKMeansRequest({ kind: 'fit', id: 1, values: data.values, n: data.n, d: data.d, options: { k: 3 }, backend: 'auto' }, (m) => replies.push(m));
    const fitted = replies.find((m) => m.kind === 'fitted');
    expect(fitted?.kind === 'fitted' && fitted.result.backend).toBe('ts');
  });
});
