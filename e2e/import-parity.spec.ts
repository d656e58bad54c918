/**
 * `npm run import -- DIR --embed` computes, in Node, the vectors the plugin computes in Chromium:
 * per format, the import's own path (prepareImage with the browser formats decoded by sharp, then
 * NodeEmbedder: onnxruntime-node and the plugin's preprocessing) against the plugin's engine in
 * real Chromium (createImageBitmap + onnxruntime-web in its worker), on the same bytes.
 *
 * Images: 24 ndsb-dev JPEGs (every 20th of the sorted 480; PARITY_ALL=1 takes all 480: a one-off
 * run, reported in src/import/README.md), and GIF / WebP (lossless and lossy) / PNG / JPEG with
 * EXIF orientation 6 made from 4 of them by sharp here. Each must reach cosine >= 0.999 with the browser's vector; the
 * spec prints the worst cosine and the largest absolute difference per format.
 */
import { expect, test, type Page } from '@playwright/test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { DEFAULT_MANIFEST } from '../src/import/import-options.ts';
import { NodeEmbedder } from '../src/import/node-embedder.ts';
import { prepareImage } from '../src/import/prepare-image.ts';
import { NDSB_DEV as ndsbRoot } from './real-label-studio/paths.ts';

function ndsbFiles(): string[] {
  const files: string[] = [];
  for (const d of readdirSync(ndsbRoot, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!d.isDirectory()) continue;
    for (const f of readdirSync(join(ndsbRoot, d.name)).sort()) if (f.endsWith('.jpg')) files.push(join(ndsbRoot, d.name, f));
  }
  return files;
}

async function browserEmbed(page: Page, bytes: Uint8Array, modelId: string): Promise<number[]> {
  const out = await page.evaluate(async ({ data, modelId }) => {
    const client = window.harness.createClient({ modelId });
    try {
      const result = await client.embed(new Blob([new Uint8Array(data)]), { noCache: true });
      return { ok: true as const, vector: Array.from(result.vector) };
    } catch (error) {
      return { ok: false as const, message: (error as Error).message };
    } finally {
      client.terminate();
    }
  }, { data: [...bytes], modelId });
  if (!out.ok) throw new Error(out.message);
  return out.vector;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return ab / Math.sqrt(aa * bb);
}

test.skip(!existsSync(ndsbRoot), `ndsb-dev is absent (${ndsbRoot}): the import parity check needs it`);

test('import --embed: JPEG, GIF, WebP and PNG vectors computed in Node equal the browser\'s (cosine >= 0.999 per image)', async ({ page }) => {
  test.setTimeout(process.env.PARITY_ALL ? 1_800_000 : 180_000);
  const all = ndsbFiles();
  const jpegs = process.env.PARITY_ALL ? all : all.filter((_, i) => i % 20 === 0);
  const samples: Array<{ format: string; name: string; bytes: Uint8Array }> = jpegs.map((f) => ({ format: 'jpeg', name: f.slice(ndsbRoot.length + 1), bytes: new Uint8Array(readFileSync(f)) }));
  // Other browser formats, made from a few crops (sharp writes them; Chromium and sharp decode them).
  for (const f of all.filter((_, i) => i % 120 === 7)) {
    const src = readFileSync(f);
    const name = f.slice(ndsbRoot.length + 1);
    samples.push({ format: 'gif', name, bytes: new Uint8Array(await sharp(src).gif().toBuffer()) });
    samples.push({ format: 'webp-lossless', name, bytes: new Uint8Array(await sharp(src).webp({ lossless: true }).toBuffer()) });
    samples.push({ format: 'webp-lossy', name, bytes: new Uint8Array(await sharp(src).webp({ quality: 80 }).toBuffer()) });
    samples.push({ format: 'png', name, bytes: new Uint8Array(await sharp(src).png().toBuffer()) });
    // EXIF orientation 6 (rotate 90°): the browser draws it rotated, and so must the import.
    samples.push({ format: 'jpeg-exif-rotated', name, bytes: new Uint8Array(await sharp(src).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toBuffer()) });
  }

  const embedder = await NodeEmbedder.create(DEFAULT_MANIFEST, undefined, 1);
  await page.goto('/e2e/harness/index.html');
  await page.waitForFunction(() => window.harness?.ready === true);
  const worst = new Map<string, { cosine: number; maxAbs: number; n: number; leftToBrowser: string[] }>();
  try {
    for (const s of samples) {
      const stats = worst.get(s.format) ?? { cosine: 1, maxAbs: 0, n: 0, leftToBrowser: [] };
      worst.set(s.format, stats);
      const prepared = await prepareImage(s.bytes, s.name, { browserFormatPixels: true });
      if (!prepared.pixels) {
        stats.leftToBrowser.push(`${s.name}: ${prepared.leftToBrowser}`);
        continue;
      }
      const [node] = await embedder.embed([{ imageKey: prepared.displaySha256, pixels: prepared.pixels }]);
      const browser = await browserEmbed(page, prepared.displayBytes, embedder.entry.id);
      expect(browser).toHaveLength(node.vector.length);
      const c = cosine(node.vector, browser);
      let maxAbs = 0;
      for (let i = 0; i < browser.length; i++) maxAbs = Math.max(maxAbs, Math.abs(browser[i] - node.vector[i]));
      stats.cosine = Math.min(stats.cosine, c);
      stats.maxAbs = Math.max(stats.maxAbs, maxAbs);
      stats.n++;
      expect(c, `${s.format} ${s.name}: cosine ${c}`).toBeGreaterThanOrEqual(0.999);
    }
  } finally {
    await embedder.release();
  }
  for (const [format, s] of worst) {
    console.log(`${format}: ${s.n} images, worst cosine ${s.cosine.toFixed(7)}, max |diff| ${s.maxAbs.toExponential(2)}` +
      (s.leftToBrowser.length ? `; left to the browser: ${s.leftToBrowser.length} (${s.leftToBrowser[0]})` : ''));
  }
  // Every image of every format is embedded in Node: none is left to the browser.
  for (const [format, s] of worst) expect(s.leftToBrowser, format).toEqual([]);
  expect(worst.get('jpeg')?.n).toBe(jpegs.length);
});
