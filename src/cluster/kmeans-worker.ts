/// <reference lib="webworker" />
/**
 * Module worker that runs k-means off the main thread (a 10,000 x 512 fit takes seconds).
 * Started by kmeans-client.ts; the protocol is in kmeans-protocol.ts.
 */
import type { KMeansRequest } from './kmeans-protocol.ts';
import { handleKMeansRequest } from './kmeans-worker-handler.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = (event: MessageEvent<KMeansRequest>) => {
  void handleKMeansRequest(event.data, (message, transfer) => scope.postMessage(message, transfer));
};
