import { createDistanceStep, setTfjsModuleUrl } from './distance-backend.ts';
import { fitKMeans, predictKMeans } from './kmeans.ts';
import type { KMeansRequest, KMeansResponse } from './kmeans-protocol.ts';

/** How a reply leaves: `postMessage` in the worker, a direct call in tests. */
export type PostReply = (message: KMeansResponse, transfer: Transferable[]) => void;

/**
 * Serve one request: every outcome, failures included, is posted as a message with the
 * request's id (a thrown error would otherwise surface as an anonymous worker `error` event).
 * Separate from kmeans-worker.ts so it runs in Node tests without a Worker.
 */
export async function handleKMeansRequest(request: KMeansRequest, post: PostReply): Promise<void> {
  const { id } = request;
  try {
    switch (request.kind) {
      case 'configure':
        setTfjsModuleUrl(request.tfjsModuleUrl);
        return;
      case 'fit': {
        const data = { values: request.values, n: request.n, d: request.d };
        const step = await createDistanceStep(request.backend, data, request.options.k);
        try {
          const result = await fitKMeans(
            data,
            { ...request.options, onProgress: (p) => post({ kind: 'progress', id, ...p }, []) },
            step,
          );
          post({ kind: 'fitted', id, result }, [result.centres.buffer, result.labels.buffer]);
        } finally {
          step.dispose();
        }
        return;
      }
      case 'predict': {
        const { labels, distances } = predictKMeans(
          { centres: request.centres, k: request.k, d: request.d },
          { values: request.values, n: request.n, d: request.d },
        );
        post({ kind: 'predicted', id, labels, distances }, [labels.buffer, distances.buffer]);
        return;
      }
      default: {
        const never: never = request;
        throw new Error(`unknown request kind ${(never as { kind: string }).kind}: expected 'configure', 'fit' or 'predict'`);
      }
    }
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    post({ kind: 'error', id, error: { name: e.name, message: e.message } }, []);
  }
}
