import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningShim } from './server.ts';
import { cacheControlFor } from './static-files.ts';
import { FAKE_PLUGIN_JS, FAKE_WASM, FAKE_WASM_GZ, FAKE_WASM_GZ_NAME, FAKE_WASM_NAME, makeTempDirs, rawGet, relayedPrediction, startTestShim } from './test-fixtures.ts';
import type { TempDirs } from './test-fixtures.ts';

const LABEL_STUDIO = 'http://labelstudio.example:8080';
const EXTRA_ORIGIN = 'https://annotate.example.org';

let dirs: TempDirs;
let shim: RunningShim;

beforeAll(async () => {
  dirs = await makeTempDirs();
  // Label Studio's URL given, so its origin is allowed; the proxy is not exercised here.
  shim = await startTestShim(dirs, { allowOrigins: [EXTRA_ORIGIN], labelStudioUrl: `${LABEL_STUDIO}/` });
});
afterAll(async () => {
  await shim.close();
  await dirs.cleanup();
});

describe('plugin and model files', () => {
  it('serves the bundle uncached-but-revalidated, and hashed wasm as immutable application/wasm', async () => {
    const js = await fetch(`${shim.url}/plugin/cyto-ml.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^(application|text)\/javascript/);
    expect(js.headers.get('cache-control')).toBe('no-cache');
    expect(js.headers.get('etag')).toBeTruthy();
    expect(await js.text()).toBe(FAKE_PLUGIN_JS);

    const wasm = await fetch(`${shim.url}/plugin/${FAKE_WASM_NAME}`);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(wasm.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Buffer.from(await wasm.arrayBuffer())).toEqual(FAKE_WASM);

    // The gzipped binaries the build ships: served as the file they are (the engine inflates them).
    const gz = await fetch(`${shim.url}/plugin/${FAKE_WASM_GZ_NAME}`);
    expect(gz.status).toBe(200);
    expect(gz.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(gz.headers.get('content-encoding')).toBeNull();
    expect(Buffer.from(await gz.arrayBuffer())).toEqual(FAKE_WASM_GZ);
  });

  it('serves the manifest and models, revalidated', async () => {
    const manifest = await fetch(`${shim.url}/models/manifest.json`);
    expect(manifest.headers.get('content-type')).toMatch(/^application\/json/);
    expect(manifest.headers.get('cache-control')).toBe('no-cache');
    expect(await manifest.json()).toEqual({ version: 1, models: [{ id: 'tiny', file: 'tiny.onnx' }] });
    const model = await fetch(`${shim.url}/models/tiny.onnx`);
    expect(model.status).toBe(200);
    expect((await model.arrayBuffer()).byteLength).toBe(64);
    const etag = model.headers.get('etag') ?? '';
    expect((await rawGet(shim.url, '/models/tiny.onnx', { 'if-none-match': etag })).status).toBe(304);
  });

  it('answers range requests (resumable model downloads)', async () => {
    const part = await fetch(`${shim.url}/models/tiny.onnx`, { headers: { range: 'bytes=0-9' } });
    expect(part.status).toBe(206);
    expect((await part.arrayBuffer()).byteLength).toBe(10);
  });

  it('404s missing files and refuses folders, with JSON errors', async () => {
    const missing = await fetch(`${shim.url}/plugin/missing.js`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error).toMatch(/no such path/);
    for (const path of ['/plugin/', '/models/']) {
      const response = await fetch(shim.url + path);
      expect(response.status, path).toBe(404);
      expect((await response.json()).error).toMatch(/no such path/);
    }
  });

  it('caches by name: hashed assets for a year, everything else revalidated', () => {
    expect(cacheControlFor('cyto-ml.js')).toBe('no-cache');
    expect(cacheControlFor('manifest.json')).toBe('no-cache');
    expect(cacheControlFor('resnet18-seeded.onnx')).toBe('no-cache');
    expect(cacheControlFor('ort-wasm-simd-threaded.jsep-BZr6jbkD.wasm')).toMatch(/immutable/);
    expect(cacheControlFor('ort-wasm-simd-threaded.jsep-3ad23231b5.wasm.gz')).toMatch(/immutable/);
    expect(cacheControlFor('embed-worker-3f9a1c2b.js')).toMatch(/immutable/);
  });
});

describe('CORS', () => {
  it('allows Label Studio\'s origin and --allow-origin ones, not others', async () => {
    for (const origin of [LABEL_STUDIO, EXTRA_ORIGIN]) {
      const response = await fetch(`${shim.url}/models/manifest.json`, { headers: { origin } });
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    }
    const other = await fetch(`${shim.url}/models/manifest.json`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers the preflight of a relay post from Label Studio\'s page', async () => {
    const preflight = await fetch(`${shim.url}/api/predictions`, {
      method: 'OPTIONS',
      headers: { origin: LABEL_STUDIO, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(LABEL_STUDIO);
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/content-type/);

    const post = await fetch(`${shim.url}/api/predictions`, {
      method: 'POST',
      headers: { origin: LABEL_STUDIO, 'content-type': 'application/json' },
      body: JSON.stringify(relayedPrediction(1)),
    });
    expect(post.status).toBe(201);
    expect(post.headers.get('access-control-allow-origin')).toBe(LABEL_STUDIO);
  });
});
