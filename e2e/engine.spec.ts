/**
 * The embedding engine in real Chromium: worker + onnxruntime-web (WASM) + IndexedDB, driven
 * through the harness page. Parity against vectors computed once by onnxruntime-node.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';

const FIXTURES = 'src/embedding/fixtures';
const reference = JSON.parse(readFileSync(`${FIXTURES}/reference-embeddings.json`, 'utf8')) as {
  models: Record<'tiny' | 'resnet18', { id: string }>;
  images: Array<{ file: string; tiny: number[]; resnet18: number[] }>;
};

async function openHarness(page: Page): Promise<void> {
  await page.goto('/e2e/harness/index.html');
  await page.waitForFunction(() => window.harness?.ready === true);
}

/** Embed bytes in the page with a fresh client; returns plain arrays or the error data. */
async function embedBytes(page: Page, bytes: Buffer, modelId: string, opts: { noCache?: boolean } = {}) {
  return page.evaluate(async ({ data, modelId, noCache }) => {
    const client = window.harness.createClient({ modelId });
    try {
      const result = await client.embed(new Blob([new Uint8Array(data)]), { noCache });
      return { ok: true as const, vector: Array.from(result.vector), info: client.info };
    } catch (error) {
      const e = error as { code?: string; message: string; detail?: string };
      return { ok: false as const, code: e.code, message: e.message, detail: e.detail };
    } finally {
      client.terminate();
    }
  }, { data: [...bytes], modelId, noCache: opts.noCache });
}

function maxAbsDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
}

test.describe('embedding engine (WASM, real Chromium)', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  test('the default model (pretrained MobileNetV2, pad to 224): the browser equals onnxruntime-node on the same pixels', async ({ page }) => {
    // Node side: the same PNG bytes, the same preprocessing code, onnxruntime-node.
    const ort = await import('onnxruntime-node');
    const { preprocess } = await import('../src/embedding/preprocess.ts');
    const { decodeFixturePng } = await import('../scripts/onnx/fixture-images.ts');
    const manifest = JSON.parse(readFileSync('models/manifest.json', 'utf8')) as {
      default: string;
      models: Array<{ id: string; file: string; inputName: string; outputName: string; preprocess: Parameters<typeof preprocess>[1] }>;
    };
    const entry = manifest.models.find((m) => m.id === manifest.default)!;
    const session = await ort.InferenceSession.create(readFileSync(`models/${entry.file}`), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    let worst = 0;
    for (const image of reference.images) {
      const bytes = readFileSync(`${FIXTURES}/${image.file}`);
      const png = decodeFixturePng(bytes);
      const t = preprocess({ width: png.width, height: png.height, channels: 3, bitDepth: 8, data: png.rgb }, entry.preprocess);
      const expected = Array.from((await session.run({ [entry.inputName]: new ort.Tensor('float32', t.data, [1, 3, t.height, t.width]) }))[entry.outputName].data as Float32Array);
      const out = await embedBytes(page, bytes, entry.id, { noCache: true });
      if (!out.ok) throw new Error(`${image.file}: ${out.message}`);
      expect(out.vector).toHaveLength(expected.length);
      worst = Math.max(worst, maxAbsDiff(out.vector, expected));
    }
    console.log(`default model ${entry.id}: browser vs onnxruntime-node max abs diff ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(1e-4);
    await session.release();
  });

  for (const model of ['tiny', 'resnet18'] as const) {
    test(`${model}: embeddings equal onnxruntime-node's reference vectors`, async ({ page }) => {
      // The reference vectors were computed at native size (the reference's preprocessing).
      const manifest = JSON.parse(readFileSync('models/manifest.json', 'utf8')) as { models: Array<{ preprocess: { resize: unknown } }> };
      for (const entry of manifest.models) entry.preprocess.resize = 'native';
      await page.route('**/models/manifest.json', (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify(manifest) }));
      for (const image of reference.images) {
        const out = await embedBytes(page, readFileSync(`${FIXTURES}/${image.file}`), reference.models[model].id, { noCache: true });
        if (!out.ok) throw new Error(`${image.file}: ${out.message}`);
        expect(out.info?.backend).toBe('wasm');
        expect(maxAbsDiff(out.vector, image[model])).toBeLessThanOrEqual(1e-4);
      }
    });
  }

  test('cache: a second embed of a URL is served from IndexedDB, also after a reload', async ({ page }) => {
    const url = new URL('/samples/bubble-01.png', page.url()).href;
    const run = () => page.evaluate(async (u) => {
      const client = window.harness.createClient({ modelId: 'resnet-tiny-seeded' });
      const first = await client.embed(u);
      const second = await client.embed(u);
      const info = client.info!;
      client.terminate();
      return { first: first.cacheHit, second: second.cacheHit, same: first.vector.every((v, i) => v === second.vector[i]), info };
    }, url);
    const before = await run();
    expect(before.second).toBe('url');
    expect(before.same).toBe(true);
    await page.reload();
    await page.waitForFunction(() => window.harness?.ready === true);
    const after = await run();
    expect(after.first).toBe('url');
    // Model and runtime came from the browser's cache: nothing downloaded on the second load.
    expect(after.info.modelFromCache).toBe(true);
    expect(after.info.bytesDownloaded).toBe(0);
  });

  test('the same image under two URLs is embedded once (content key)', async ({ page }) => {
    const result = await page.evaluate(async () => {
      const client = window.harness.createClient({ modelId: 'resnet-tiny-seeded' });
      const a = await client.embed('/samples/chain-01.png?copy=a', { });
      const b = await client.embed('/samples/chain-01.png?copy=b');
      client.terminate();
      return { a: a.cacheHit, b: b.cacheHit, sameKey: a.imageKey === b.imageKey };
    });
    expect(result.b).toBe('content');
    expect(result.sameKey).toBe(true);
  });

  test('bad images: 404, cross-origin without CORS, not an image, huge: clear errors, engine keeps working', async ({ page }) => {
    // Another origin that answers without CORS headers (the demo's preview allows local origins).
    const png = readFileSync('public/samples/bubble-01.png');
    const foreign: Server = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'image/png' }).end(png));
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    const foreignUrl = `http://127.0.0.1:${(foreign.address() as { port: number }).port}/bubble-01.png`;
    const errors = await page.evaluate(async (crossOriginUrl) => {
      const client = window.harness.createClient({ modelId: 'resnet-tiny-seeded' });
      const attempt = async (input: string | Blob) => {
        try {
          await client.embed(input);
          return { code: 'none', message: '' };
        } catch (error) {
          const e = error as { code: string; message: string; detail?: string };
          return { code: e.code, message: e.message, detail: e.detail };
        }
      };
      // A PNG header claiming 10000 x 10000 pixels: must be refused before any decode.
      const ihdr = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
        0, 0, 0x27, 0x10, 0, 0, 0x27, 0x10, 8, 2, 0, 0, 0, 0, 0, 0, 0]);
      const out = {
        missing: await attempt('/samples/no-such-image.png'),
        crossOrigin: await attempt(crossOriginUrl),
        notImage: await attempt(new Blob(['this is not an image'])),
        empty: await attempt(new Blob([])),
        huge: await attempt(new Blob([ihdr])),
        stillWorks: (await client.embed('/samples/bubble-02.png')).vector.length,
      };
      client.terminate();
      return out;
    }, foreignUrl);
    foreign.close();
    expect(errors.missing.code).toBe('image-not-found');
    expect(errors.missing.message).toContain('404');
    expect(errors.crossOrigin.code).toBe('image-blocked');
    expect(errors.crossOrigin.message).toMatch(/another origin.*CORS/);
    expect(errors.notImage.code).toBe('image-invalid');
    expect(errors.notImage.detail).toBe('not-an-image');
    expect(errors.empty.code).toBe('image-invalid');
    expect(errors.huge.code).toBe('image-invalid');
    expect(errors.huge.detail).toBe('too-large');
    expect(errors.stillWorks).toBe(64);
  });

  test('missing model file and corrupt model: errors name the file (and both hashes)', async ({ page }) => {
    await page.route('**/models/resnet-tiny-seeded.onnx', (route) => route.fulfill({ status: 404, body: 'not found' }));
    const missing = await embedBytes(page, readFileSync(`${FIXTURES}/${reference.images[0].file}`), 'resnet-tiny-seeded');
    expect(missing.ok).toBe(false);
    if (!missing.ok) {
      expect(missing.code).toBe('model-missing');
      expect(missing.message).toContain('resnet-tiny-seeded.onnx');
    }
    await page.unroute('**/models/resnet-tiny-seeded.onnx');
    await page.route('**/models/resnet-tiny-seeded.onnx', (route) => route.fulfill({ status: 200, body: Buffer.alloc(1000, 7) }));
    // The asset cache may already hold the good file from another test: clear it first.
    await page.evaluate(async () => { await caches.delete('cyto-ml-assets'); });
    const corrupt = await embedBytes(page, readFileSync(`${FIXTURES}/${reference.images[0].file}`), 'resnet-tiny-seeded');
    expect(corrupt.ok).toBe(false);
    if (!corrupt.ok) {
      expect(corrupt.code).toBe('model-integrity');
      expect(corrupt.message).toContain('resnet-tiny-seeded.onnx');
      expect(corrupt.message).toMatch(/sha256 is [0-9a-f]{64}, the manifest says [0-9a-f]{64}/);
    }
  });

  test('a crashed worker is restarted once and the client keeps working', async ({ page }) => {
    const result = await page.evaluate(async () => {
      const client = window.harness.createClient({ modelId: 'resnet-tiny-seeded' });
      await client.start();
      client.crashWorkerForTests();
      await new Promise((r) => setTimeout(r, 300));
      const vector = await client.embed('/samples/colony-01.png');
      const restarts = (client as unknown as { restartMessages: string[] }).restartMessages;
      client.terminate();
      return { length: vector.vector.length, restarts, count: client.restartCount };
    });
    expect(result.count).toBe(1);
    expect(result.restarts[0]).toMatch(/crashed .* restarted/);
    expect(result.length).toBe(64);
  });

  test('without a WebGPU adapter the engine says so and runs on WASM', async ({ page }) => {
    const info = await page.evaluate(async () => {
      const client = window.harness.createClient({ modelId: 'resnet-tiny-seeded', webgpu: true });
      const started = await client.start();
      client.terminate();
      return started;
    });
    expect(info.backend).toBe('wasm');
    expect(info.webgpuNote).toMatch(/WebGPU|adapter/);
  });
});
