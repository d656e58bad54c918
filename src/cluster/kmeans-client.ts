import type { DistanceBackendChoice } from './distance-backend.ts';
import type { KMeansOptions, KMeansPrediction, KMeansProgress, KMeansResult } from './kmeans.ts';
import type { KMeansRequest, KMeansResponse } from './kmeans-protocol.ts';
import type { Matrix } from './matrix.ts';

/** The part of `Worker` the client uses (so tests can pass an in-process stand-in). */
export interface WorkerLike {
  postMessage(message: KMeansRequest, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<KMeansResponse>) => void): void;
  addEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
  terminate(): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onProgress?: (progress: KMeansProgress) => void;
}

/**
 * Main-thread handle on the k-means worker: promises for fits and predictions, progress
 * callbacks, several requests in flight. Data are copied before transfer, so the caller's
 * arrays stay usable. The worker starts on first use.
 */
export class KMeansClient {
  #worker: WorkerLike | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #start: () => WorkerLike;

  /** @param start how to start the worker: `startKMeansWorker` in a browser, a stand-in in tests. */
  constructor(start: () => WorkerLike) {
    this.#start = start;
  }

  /**
   * Fit k-means in the worker.
   * @param backend 'auto' (default) picks tfjs only for large fits with a GPU backend.
   * @param onProgress called after every Lloyd iteration.
   * @throws (rejects) with the worker's error message on bad input.
   */
  fit(
    data: Matrix,
    options: KMeansOptions,
    { backend = 'auto', onProgress }: { backend?: DistanceBackendChoice; onProgress?: (p: KMeansProgress) => void } = {},
  ): Promise<KMeansResult> {
    const { onProgress: _ignored, ...wire } = options;
    const values = data.values.slice();
    const init = wire.init?.slice();
    const transfer: Transferable[] = [values.buffer];
    if (init) transfer.push(init.buffer);
    return this.#send<KMeansResult>(
      (id) => ({ kind: 'fit', id, values, n: data.n, d: data.d, options: { ...wire, init }, backend }),
      transfer,
      onProgress ?? options.onProgress,
    );
  }

  /** Nearest cluster and distances to all centres for every row, computed in the worker. */
  predict(model: { centres: Float32Array; k: number; d: number }, data: Matrix): Promise<KMeansPrediction> {
    const values = data.values.slice();
    const centres = model.centres.slice();
    return this.#send<KMeansPrediction>(
      (id) => ({ kind: 'predict', id, values, n: data.n, d: data.d, centres, k: model.k }),
      [values.buffer, centres.buffer],
    );
  }

  /** Stop the worker; requests in flight reject. The next request starts a new worker. */
  terminate(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#failAll(new Error('k-means worker terminated'));
  }

  #send<T>(build: (id: number) => KMeansRequest, transfer: Transferable[], onProgress?: (p: KMeansProgress) => void): Promise<T> {
    const id = this.#nextId++;
    const worker = this.#ensureWorker();
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject, onProgress });
      worker.postMessage(build(id), transfer);
    });
  }

  #ensureWorker(): WorkerLike {
    if (this.#worker) return this.#worker;
    const worker = this.#start();
    worker.addEventListener('message', (event: MessageEvent<KMeansResponse>) => this.#receive(event.data));
    // A worker-level error (script failed to load, uncaught throw) fails everything in flight.
    worker.addEventListener('error', (event: ErrorEvent) => {
      this.#failAll(new Error(`k-means worker failed: ${event.message || 'could not start (check the bundle)'}`));
    });
    this.#worker = worker;
    return worker;
  }

  #receive(message: KMeansResponse): void {
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    switch (message.kind) {
      case 'progress': {
        const { kind: _k, id: _i, ...progress } = message;
        pending.onProgress?.(progress);
        return;
      }
      case 'fitted':
        this.#pending.delete(message.id);
        pending.resolve(message.result);
        return;
      case 'predicted':
        this.#pending.delete(message.id);
        pending.resolve({ labels: message.labels, distances: message.distances });
        return;
      case 'error': {
        this.#pending.delete(message.id);
        const error = new Error(message.error.message);
        error.name = message.error.name;
        pending.reject(error);
        return;
      }
      default: {
        const never: never = message;
        throw new Error(`unknown k-means worker message ${(never as { kind: string }).kind}`);
      }
    }
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}
