import type { DistanceBackendChoice } from './distance-backend.ts';
import type { KMeansOptions, KMeansProgress, KMeansResult } from './kmeans.ts';

/**
 * Messages between the main thread (kmeans-client.ts) and the k-means worker
 * (kmeans-worker.ts). Every request carries an `id` that its replies repeat. Typed arrays are
 * transferred, not copied: the sender's buffers are detached after posting.
 */

/** Fit options that can cross a thread (no callback: progress comes back as messages). */
export type KMeansWireOptions = Omit<KMeansOptions, 'onProgress'>;

/** Main thread -> worker. */
export type KMeansRequest =
  | {
      /** Sent once by startKMeansWorker, before any fit: where the built tfjs module is (no reply). */
      kind: 'configure';
      id: number;
      tfjsModuleUrl?: string;
    }
  | {
      kind: 'fit';
      id: number;
      /** n x d row-major. */
      values: Float32Array;
      n: number;
      d: number;
      options: KMeansWireOptions;
      backend: DistanceBackendChoice;
    }
  | {
      kind: 'predict';
      id: number;
      values: Float32Array;
      n: number;
      d: number;
      centres: Float32Array;
      k: number;
    };

/** A failure, as plain data (Error objects do not survive every structured clone). */
export interface WireError {
  name: string;
  message: string;
}

/** Worker -> main thread. */
export type KMeansResponse =
  | ({ kind: 'progress'; id: number } & KMeansProgress)
  | { kind: 'fitted'; id: number; result: KMeansResult }
  | { kind: 'predicted'; id: number; labels: Int32Array; distances: Float32Array }
  | { kind: 'error'; id: number; error: WireError };
