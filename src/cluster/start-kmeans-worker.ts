/**
 * Start the k-means worker, inlined into the bundle: the plugin is one script that may be
 * loaded from another origin than the page, and a worker cannot be started from a
 * cross-origin URL. Kept apart from the client so Node tests never import a Vite worker.
 */
import KMeansWorker from './kmeans-worker.ts?worker&inline';
import type { WorkerLike } from './kmeans-client.ts';

export function startKMeansWorker(): WorkerLike {
  return new KMeansWorker({ name: 'cyto-ml-kmeans' }) as unknown as WorkerLike;
}
