/// <reference lib="webworker" />
/**
 * The engine worker: message plumbing around `Engine`. One engine per worker; requests are
 * answered in arrival order for `init`, and concurrently for `embed` (the session serialises
 * the model runs itself, while fetches and decodes of the next images overlap).
 */
import { toEngineErrorData, EngineError } from './engine-errors.ts';
import { Engine } from './engine.ts';
import { decodeImage } from './decode-image.ts';
import { thumbnailRgba } from './thumbnail-pixels.ts';
import { transferablesOf, type WorkerRequest, type WorkerResponse } from './worker-protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

let engine: Promise<Engine> | undefined;

function reply(response: WorkerResponse): void {
  self.postMessage(response, transferablesOf(response));
}

async function handle(request: WorkerRequest): Promise<WorkerResponse> {
  switch (request.kind) {
    case 'init': {
      engine = Engine.start(request.config);
      // A failed start must be retryable with a new `init`.
      engine.catch(() => { engine = undefined; });
      return { kind: 'ready', id: request.id, info: (await engine).info };
    }
    case 'embed': {
      if (!engine) throw new EngineError('not-ready', 'the embedding engine was not started (send init first)');
      const outcomes = await (await engine).embed(request.items);
      return { kind: 'embedded', id: request.id, outcomes };
    }
    case 'vectors': {
      if (!engine) throw new EngineError('not-ready', 'the embedding engine was not started (send init first)');
      const { keys, vectors } = await (await engine).allVectors();
      return { kind: 'vectors', id: request.id, keys, vectors };
    }
    case 'thumbnail': {
      // No engine needed: fetch and decode only, with the same decoder the embeddings use.
      const response = await fetch(request.url, { credentials: 'same-origin' });
      if (!response.ok) throw new EngineError(response.status === 404 ? 'image-not-found' : 'image-http-error', `the image ${request.url} could not be loaded (HTTP ${response.status})`);
      const pixels = await decodeImage(await response.arrayBuffer(), { maxSide: request.maxSide });
      return { kind: 'thumbnail', id: request.id, ...thumbnailRgba(pixels, request.maxSide) };
    }
    case 'crash': {
      // Test hook: an uncaught error outside any promise, as a real worker crash would be.
      setTimeout(() => { throw new Error('worker crash requested by the client (test hook)'); });
      return new Promise<WorkerResponse>(() => {});
    }
  }
}

// ORT may start pthread workers from a blob of its own glue, never from this script; still,
// only answer messages shaped like ours.
self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  if (!request || typeof request.id !== 'number' || typeof request.kind !== 'string') return;
  handle(request).then(reply, (error) => reply({ kind: 'error', id: request.id, error: toEngineErrorData(error) }));
};
