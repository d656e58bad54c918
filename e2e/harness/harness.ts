/**
 * A bare page for the engine's browser tests: exposes the real client (worker + ORT +
 * IndexedDB) on `window.harness`, with nothing of the editor around it.
 */
import { EmbeddingClient } from '../../src/embedding/embedding-client.ts';
import { ortAssetUrls } from '../../src/embedding/ort-asset-urls.ts';
import type { EngineConfig } from '../../src/embedding/worker-protocol.ts';

function createClient(overrides: Partial<EngineConfig> = {}): EmbeddingClient {
  const restarts: string[] = [];
  const client = new EmbeddingClient({
    manifestUrl: new URL('../../test/models/manifest.json', location.href).href,
    // The runtime files sit at the root of the demo build, two levels up from this page.
    ortAssets: ortAssetUrls(new URL('../../', location.href).href),
    webgpu: false,
    cache: true,
    ...overrides,
  }, { onRestart: (message) => restarts.push(message) });
  (client as unknown as { restartMessages: string[] }).restartMessages = restarts;
  return client;
}

declare global {
  interface Window {
    harness: { createClient: typeof createClient; ready: true };
  }
}

window.harness = { createClient, ready: true };
