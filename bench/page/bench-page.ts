/**
 * The browser side of the benchmark (bench/run.ts drives it with Playwright). It exposes the
 * real engine client on `window.bench`; the runner adds measurements here.
 */
import { EmbeddingClient } from '../../src/embedding/embedding-client.ts';
import { ortAssetUrls } from '../../src/embedding/ort-asset-urls.ts';
import type { EngineConfig } from '../../src/embedding/worker-protocol.ts';

function createClient(overrides: Partial<EngineConfig> = {}): EmbeddingClient {
  return new EmbeddingClient({
    manifestUrl: new URL('../../models/manifest.json', location.href).href,
    ortAssets: ortAssetUrls(new URL('../../', location.href).href),
    webgpu: false,
    cache: false,
    ...overrides,
  });
}

declare global {
  interface Window {
    bench: { createClient: typeof createClient; ready: true };
  }
}

window.bench = { createClient, ready: true };
