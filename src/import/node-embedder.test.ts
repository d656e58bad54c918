import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MANIFEST } from './import-options.ts';
import { NodeEmbedder } from './node-embedder.ts';
import { prepareImage } from './prepare-image.ts';

// The stored reference vectors of the parity fixtures (scripts/make-reference-embeddings.ts:
// onnxruntime-node on the exact pixels, CHW value/255, native size, batch 1). The tiny model's
// manifest preprocessing is exactly that, so the import's path (PNG read, prepare, preprocess,
// batch) must reproduce them.
const FIXTURES = fileURLToPath(new URL('../embedding/fixtures/', import.meta.url));
const reference = JSON.parse(readFileSync(`${FIXTURES}reference-embeddings.json`, 'utf8')) as {
  images: Array<{ file: string; tiny: number[] }>;
};
const tinyModel = fileURLToPath(new URL('../../models/resnet-tiny-seeded.onnx', import.meta.url));

describe.skipIf(!existsSync(tinyModel))('NodeEmbedder (resnet-tiny-seeded; skipped without `npm run models`)', () => {
  it('reproduces the stored reference embeddings through the import path, in one batch call', async () => {
    const embedder = await NodeEmbedder.create(DEFAULT_MANIFEST, 'resnet-tiny-seeded', 1);
    try {
      const prepared = await Promise.all(reference.images.map((r) => prepareImage(new Uint8Array(readFileSync(FIXTURES + r.file)), r.file)));
      const out = await embedder.embed(prepared.map((p) => ({ imageKey: p.displaySha256, pixels: p.pixels! })));
      out.forEach((o, i) => {
        expect(o.imageKey).toBe(prepared[i].displaySha256);
        let maxDiff = 0;
        o.vector.forEach((v, j) => { maxDiff = Math.max(maxDiff, Math.abs(v - reference.images[i].tiny[j])); });
        expect(maxDiff, reference.images[i].file).toBeLessThanOrEqual(1e-5);
      });
    } finally {
      await embedder.release();
    }
  });

  it('refuses a model id the manifest does not have', async () => {
    await expect(NodeEmbedder.create(DEFAULT_MANIFEST, 'no-such-model', 1)).rejects.toThrow(/no-such-model/);
  });
});
