/**
 * Start the k-means worker, inlined into the bundle: the plugin is one script that may be
 * loaded from another origin than the page, and a worker cannot be started from a
 * cross-origin URL. Kept apart from the client so Node tests never import a Vite worker.
 * The worker is told where the separately built tfjs module is (an absolute URL against the
 * plugin script or the demo page, as ORT's runtime files): a blob worker has no base URL.
 */
import KMeansWorker from './kmeans-worker.ts?worker&inline';
import type { WorkerLike } from './kmeans-client.ts';
import { TFJS_DISTANCE_FILE } from './distance-tfjs-load.ts';
import { scriptBase } from '../plugin/script-base.ts';

export function startKMeansWorker(): WorkerLike {
  const worker = new KMeansWorker({ name: 'cyto-ml-kmeans' }) as unknown as WorkerLike;
  const tfjsModuleUrl = TFJS_DISTANCE_FILE ? new URL(TFJS_DISTANCE_FILE, scriptBase()).href : undefined;
  worker.postMessage({ kind: 'configure', id: 0, tfjsModuleUrl }, []);
  return worker;
}
