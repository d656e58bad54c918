/**
 * The distributed path for real: Debian's Dask (`/usr/bin/python3`, python3-distributed) starts a
 * LocalCluster of 2 worker processes, which embed a folder of 20 images in 4 shards through the
 * project's Node import (dask_embed.py). The vectors in the parts it gathers, read with the
 * plugin's own part decoder, must equal those of a single-process `import --embed` under the same
 * keys (and so those the plugin loads; e2e/import-parity.spec.ts ties those to the browser's).
 *
 * Skips, with a message, only when /usr/bin/python3 lacks `distributed` (.ci/run installs it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_IMAGES_DIR } from '../../embedding/test-images/load.ts';
import { decodeEmbeddingPart } from '../../store/embedding-file.ts';
import { folderDestination } from '../destinations.ts';
import { DEFAULT_MANIFEST } from '../import-options.ts';
import { NodeEmbedder } from '../node-embedder.ts';
import { runImport } from '../run-import.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./dask_embed.py', import.meta.url));
const MODEL = 'resnet-tiny-seeded'; // the manifest's small model: the test is about the engine, not the model

function hasDistributed(): boolean {
  return existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import distributed'], { stdio: 'ignore' }).status === 0;
}
const available = hasDistributed();
if (!available) console.warn(`skipping the Dask test: ${PYTHON} lacks the distributed package (apt install python3-distributed)`);

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** 20 images: 8 TIFF/JPEG/GIF/WebP fixtures and 12 seeded random PNGs. */
async function imageFolder(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'cyto-dask-in-'));
  dirs.push(root);
  for (const f of ['grey16-be.tif', 'rgb-lzw.tif', 'rgba-lzw.tif', 'palette.tif', 'grey-deflate.tif', 'tiny.jpg', 'tiny.gif', 'tiny-lossless.webp']) {
    await copyFile(join(TEST_IMAGES_DIR, f), join(root, f));
  }
  let seed = 12345;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
  for (let i = 0; i < 12; i++) {
    const w = 24 + i * 3;
    const h = 30 + i;
    const data = new Uint8Array(w * h * 3).map(rand);
    await writeFile(join(root, `crop-${String(i).padStart(2, '0')}.png`), encode({ width: w, height: h, data, channels: 3, depth: 8 }));
  }
  return root;
}

function vectorsIn(dir: string): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.cyemb')) continue;
    const part = decodeEmbeddingPart(readFileSync(join(dir, f)));
    expect(part.header.modelId).toBe(MODEL);
    part.header.imageKeys.forEach((key, i) => out.set(key, part.vectors[i]));
  }
  return out;
}

describe.skipIf(!available)('Dask: import --embed on a LocalCluster of 2 worker processes', () => {
  it('writes parts whose vectors equal the single-process import\'s, for every image', async () => {
    const folder = await imageFolder();
    const single = await mkdtemp(join(tmpdir(), 'cyto-dask-single-'));
    const out = await mkdtemp(join(tmpdir(), 'cyto-dask-out-'));
    dirs.push(single, out);

    const embedder = await NodeEmbedder.create(DEFAULT_MANIFEST, MODEL, 1);
    try {
      const summary = await runImport({ folder, destination: await folderDestination(single, 'images/', 'image'), embedder, embeddingTargets: { dir: join(single, 'embeddings') }, quiet: true });
      expect(summary.embedding?.embedded).toBe(20);
      expect(summary.embedding?.notEmbedded).toEqual([]);
    } finally {
      await embedder.release();
    }
    const expected = vectorsIn(join(single, 'embeddings', MODEL));
    expect(expected.size).toBe(20);

    const stdout = execFileSync(PYTHON, [SCRIPT, folder, '--out', out, '--local-workers', '2', '--shards', '4', '--model', MODEL, '--json'], { encoding: 'utf8', timeout: 240_000 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { workers: number; shards: number; parts: string[] };
    expect(result.workers).toBe(2);
    expect(result.shards).toBe(4);
    expect(result.parts).toHaveLength(4); // one part per shard (5 images each)

    const got = vectorsIn(join(out, 'embeddings', MODEL));
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    let worst = 0;
    for (const [key, v] of expected) {
      const w = got.get(key)!;
      for (let i = 0; i < v.length; i++) worst = Math.max(worst, Math.abs(v[i] - w[i]));
    }
    // Same code, model and pixels; batches of a different make-up may round differently in the last bits.
    expect(worst).toBeLessThanOrEqual(1e-5);
  }, 300_000);
});
