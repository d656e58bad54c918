/**
 * Image decoding in real Chromium, in the page and in a module Web Worker: browser formats via
 * createImageBitmap + OffscreenCanvas, TIFF via geotiff as bundled by Vite (its decoders are
 * dynamic imports: this proves the LZW/Deflate/PackBits ones resolve in a bundle), typed errors.
 * Self-contained: builds e2e/pages/decode.ts with Vite into a temp folder and serves it itself,
 * so it does not depend on the demo build.
 */
import { test, expect, type Page } from '@playwright/test';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const IMAGES = join(ROOT, 'src/embedding/test-images');
// Real FlowCam crops, present only in the development checkout (see fixtures/README.md).
const FLOWCAM = join(ROOT, '../shared/fixtures/flowcam');
const expected = JSON.parse(readFileSync(join(IMAGES, 'expected.json'), 'utf8'));

let outDir = '';
let server: Server;
let baseUrl = '';

test.beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'decode-e2e-'));
  await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    publicDir: false,
    build: {
      outDir,
      emptyOutDir: false,
      minify: false,
      lib: { entry: join(ROOT, 'e2e/pages/decode.ts'), formats: ['es'], fileName: () => 'decode.js' },
      // One file, as the plugin and worker builds inline their dynamic imports.
      rolldownOptions: { output: { codeSplitting: false } },
    },
  });
  copyFileSync(join(ROOT, 'e2e/pages/decode.html'), join(outDir, 'decode.html'));
  server = createServer((req, res) => {
    const name = (req.url ?? '/').split('?')[0].replace(/^\/+/, '') || 'decode.html';
    try {
      const body = readFileSync(join(outDir, name.replace(/\.\./g, '')));
      const type = name.endsWith('.js') ? 'text/javascript' : 'text/html';
      res.writeHead(200, { 'content-type': type });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
});

test.afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

test('the bundle contains geotiff\'s LZW, Deflate and PackBits decoders and no worker pool', () => {
  const js = readFileSync(join(outDir, 'decode.js'), 'utf8');
  expect(js).toMatch(/ran off the end of the buffer before finding EOI_CODE/); // lzw.js
  expect(js).toMatch(/inflate/); // deflate.js (pako)
  expect(js).toMatch(/PackbitsDecoder/);
  // The only Worker is our own (decode.ts): geotiff's pool, with its blob-URL worker, is tree-shaken.
  expect(js.match(/new Worker\(/g)).toHaveLength(1);
  expect(js).not.toMatch(/web-worker/);
});

async function open(page: Page): Promise<void> {
  await page.goto(baseUrl + 'decode.html');
  await page.waitForFunction(() => (window as unknown as { decodeReady?: boolean }).decodeReady === true);
}

const bytesOf = (name: string): number[] => Array.from(readFileSync(join(IMAGES, name)));

type Where = 'decodeInPage' | 'decodeInWorker';
async function decode(page: Page, where: Where, name: string | number[], spec?: unknown) {
  const bytes = typeof name === 'string' ? bytesOf(name) : name;
  return page.evaluate(
    ([fn, b, s]) => (window as unknown as Record<string, (b: number[], s?: unknown) => Promise<any>>)[fn](b, s),
    [where, bytes, spec] as const,
  );
}

for (const where of ['decodeInPage', 'decodeInWorker'] as const) {
  test.describe(where, () => {
    test('TIFFs: every compression decodes to PIL\'s pixel sums', async ({ page }) => {
      await open(page);
      for (const name of [
        'rgb-lzw-predictor.tif',
        'rgb-lzw.tif',
        'rgb-deflate.tif',
        'rgb-packbits.tif',
        'rgb-raw.tif',
        'rgba-lzw.tif',
        'grey-deflate.tif',
        'grey16-raw.tif',
        'multipage.tif',
      ]) {
        const r = await decode(page, where, name);
        expect(r.ok, `${name}: ${JSON.stringify(r.error)}`).toBe(true);
        const e = expected[name];
        expect([r.pixels.width, r.pixels.height, r.pixels.format]).toEqual([e.width, e.height, 'tiff']);
        expect(r.pixels.data.reduce((s: number, v: number) => s + v, 0), name).toBe(e.sum);
      }
    });

    test('PNG RGBA via createImageBitmap: exact where opaque, alpha kept', async ({ page }) => {
      await open(page);
      const e = expected.browser['tiny-rgba.png'];
      const r = await decode(page, where, 'tiny-rgba.png');
      expect(r.ok, JSON.stringify(r.error)).toBe(true);
      expect([r.pixels.width, r.pixels.height, r.pixels.channels, r.pixels.format]).toEqual([7, 5, 4, 'png']);
      for (let i = 0; i < e.rgba.length; i += 4) {
        expect(r.pixels.data[i + 3]).toBe(e.rgba[i + 3]);
        // Canvas stores premultiplied colour: exact when opaque, close when mostly opaque.
        const tol = e.rgba[i + 3] === 255 ? 0 : e.rgba[i + 3] >= 128 ? 2 : 256;
        for (let c = 0; c < 3; c++) expect(Math.abs(r.pixels.data[i + c] - e.rgba[i + c])).toBeLessThanOrEqual(tol);
      }
    });

    test('JPEG, GIF, BMP, WebP decode at their header sizes', async ({ page }) => {
      await open(page);
      for (const name of ['tiny.jpg', 'tiny.gif', 'tiny.bmp', 'tiny-lossy.webp', 'tiny-lossless.webp']) {
        const r = await decode(page, where, name);
        expect(r.ok, `${name}: ${JSON.stringify(r.error)}`).toBe(true);
        const e = expected.browser[name];
        expect([r.pixels.width, r.pixels.height], name).toEqual([e.width, e.height]);
      }
    });

    test('imageToTensor: native and crop 224 + imagenet', async ({ page }) => {
      await open(page);
      const native = await decode(page, where, 'rgb-lzw-predictor.tif', {
        resize: 'native',
        normalise: 'unit',
        highBitDepth: 'max',
      });
      expect(native.tensor).toMatchObject({ width: 40, height: 30, format: 'tiff' });
      const crop = await decode(page, where, 'tiny.jpg', {
        resize: { size: 224, fit: 'crop' },
        normalise: 'imagenet',
        highBitDepth: 'max',
      });
      expect(crop.tensor).toMatchObject({ width: 224, height: 224, sourceWidth: 9, sourceHeight: 6, format: 'jpeg' });
    });

    test('native: a 2048 x 512 PNG is downscaled during decode to 1024 x 256', async ({ page }) => {
      await open(page);
      // Made in the page by the browser's own PNG encoder.
      const png: number[] = await page.evaluate(async () => {
        const c = new OffscreenCanvas(2048, 512);
        const ctx = c.getContext('2d')!;
        ctx.fillStyle = 'rgb(0, 128, 255)';
        ctx.fillRect(0, 0, 2048, 512);
        return Array.from(new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer()));
      });
      const r = await decode(page, where, png, { resize: 'native', normalise: 'unit', highBitDepth: 'max' });
      expect(r.tensor).toMatchObject({ width: 1024, height: 256, sourceWidth: 2048, sourceHeight: 512, format: 'png' });
      const mean = (0 + 128 / 255 + 1) / 3;
      expect(r.tensor.sum / (3 * 1024 * 256)).toBeCloseTo(mean, 3);
    });

    test('real FlowCam TIFFs (LZW + predictor, uncompressed, EXIF) decode', async ({ page }) => {
      test.skip(!existsSync(FLOWCAM), 'shared FlowCam fixtures absent (a user clone)');
      await open(page);
      for (const [name, w, h, total] of [
        ['exiftest.tif', 36, 89, 1990845],
        ['test_0.tif', 24, 28, 492513],
        ['testymctestface_3612.tif', 162, 271, 32069607],
      ] as const) {
        const r = await decode(page, where, Array.from(readFileSync(join(FLOWCAM, name))));
        expect(r.ok, `${name}: ${JSON.stringify(r.error)}`).toBe(true);
        expect([r.pixels.width, r.pixels.height]).toEqual([w, h]);
        expect(r.pixels.data.reduce((s: number, v: number) => s + v, 0)).toBe(total);
      }
    });

    test('bad input gives typed errors', async ({ page }) => {
      await open(page);
      const codeOf = async (b: string | number[]) => (await decode(page, where, b)).error?.code;
      expect(await codeOf(Array.from(new TextEncoder().encode('<!DOCTYPE html><p>login</p>')))).toBe('not-an-image');
      expect(await codeOf('truncated-lzw.tif')).toBe('truncated');
      expect(await codeOf('zero-size.tif')).toBe('zero-size');
      expect(await codeOf([])).toBe('zero-size');
      expect(await codeOf('huge-10000.tif')).toBe('too-large');
      const png = bytesOf('tiny-rgba.png');
      expect(await codeOf(png.slice(0, png.length - 40))).toBe('decode-failed'); // IDAT cut: the browser refuses
    });
  });
}
