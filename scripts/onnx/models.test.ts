/**
 * The generated models: deterministic bytes pinned by the committed manifest, loadable by
 * onnxruntime-node with dynamic batch/height/width, and reproducing the committed browser
 * parity fixtures.
 */
import { cosine } from './int8-accuracy.ts';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelEntry } from '../../src/embedding/manifest-types.ts';
import { FIXTURE_IMAGES, REFERENCE_MODEL_KEYS, decodeFixturePng } from './fixture-images.ts';
import { DEFAULT_MODEL_ID, GENERATED_MODELS, buildModelBytes, manifestEntry, sha256Hex } from './generated-models.ts';
import { mergeManifest, readManifest, serialiseManifest } from './manifest-file.ts';
import { SeededUniform } from './seeded-init.ts';
import { makeSyntheticImage, toChwUnit } from './synthetic-images.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MANIFEST_PATH = `${ROOT}models/manifest.json`;
const FIXTURES = `${ROOT}src/embedding/fixtures/`;
// Two shared cores: one thread per session keeps test runs polite and results reproducible.
const ONE_THREAD = { intraOpNumThreads: 1, interOpNumThreads: 1 };

const built = new Map<string, Uint8Array>();
const sessions = new Map<string, ort.InferenceSession>();

function entryOf(id: string): ModelEntry {
  const e = readManifest(MANIFEST_PATH)?.models.find((m) => m.id === id);
  if (!e) throw new Error(`models/manifest.json has no entry ${id}`);
  return e;
}

async function embed(id: string, data: Float32Array, dims: number[]): Promise<ort.Tensor> {
  const e = entryOf(id);
  const out = await sessions.get(id)!.run({ [e.inputName]: new ort.Tensor('float32', data, dims) });
  return out[e.outputName];
}

/** Deterministic, varied pixel values in 0..1. */
function pattern(n: number, salt: number): Float32Array {
  const r = new SeededUniform(salt);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r.unit();
  return a;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

beforeAll(async () => {
  for (const g of GENERATED_MODELS) {
    const bytes = buildModelBytes(g);
    built.set(g.entry.id, bytes);
    sessions.set(g.entry.id, await ort.InferenceSession.create(bytes, ONE_THREAD));
  }
}, 60_000);

describe('generator determinism and the committed manifest', () => {
  it('the committed manifest holds exactly what the generator writes (sha256 and bytes stable)', () => {
    const committed = readFileSync(MANIFEST_PATH, 'utf8');
    const entries = GENERATED_MODELS.map((g) => manifestEntry(g, built.get(g.entry.id)!));
    const regenerated = serialiseManifest(mergeManifest(readManifest(MANIFEST_PATH), entries, DEFAULT_MODEL_ID));
    expect(regenerated).toBe(committed);
    // The manifest may add the "test" mark to a generated entry (mergeManifest keeps it).
    for (const e of entries) expect({ ...entryOf(e.id), test: undefined }).toEqual({ ...e, test: undefined });
  });

  it('building twice gives identical bytes', () => {
    const tiny = GENERATED_MODELS.find((g) => g.entry.id === 'resnet-tiny-seeded')!;
    expect(sha256Hex(buildModelBytes(tiny))).toBe(sha256Hex(built.get('resnet-tiny-seeded')!));
  });

  it('model files on disk, when present, match the manifest', () => {
    for (const g of GENERATED_MODELS) {
      const path = `${ROOT}models/${g.entry.file}`;
      if (existsSync(path)) expect(sha256Hex(readFileSync(path))).toBe(entryOf(g.entry.id).sha256);
    }
  });

  it('entries say what the models are', () => {
    const manifest = readManifest(MANIFEST_PATH)!;
    // The default is the ImageNet MobileNetV2 1.0 computed in float (imagenet-mobilenet.test.ts), or the nsfwjs
    // MobileNetV2 where ../shared/models is absent (make-models.ts); the seeded ResNets stay test models.
    expect(['mobilenet-v2-1.0-imagenet', 'mobilenet-v2-1.4-nsfwjs-u8']).toContain(manifest.default);
    for (const g of GENERATED_MODELS) {
      const e = entryOf(g.entry.id);
      expect(e.name).toContain('untrained, seeded weights');
      expect(e.trained).toBe(false);
      expect([e.inputName, e.outputName]).toEqual(['input', 'embedding']);
    }
    // The default model works at a fixed 128 px (see generated-models.ts); the tiny one at native size.
    expect(entryOf('resnet18-seeded').preprocess).toEqual({ resize: { size: 128, fit: 'stretch' }, normalise: 'unit', highBitDepth: 'max' });
    expect(entryOf('resnet-tiny-seeded').preprocess).toEqual({ resize: 'native', normalise: 'unit', highBitDepth: 'max' });
    expect(entryOf('resnet18-seeded').embeddingSize).toBe(512);
    // The int8 variant: same weights and preprocessing as the default, and it says int8.
    const int8 = entryOf('resnet18-seeded-int8');
    expect(int8.preprocess).toEqual(entryOf('resnet18-seeded').preprocess);
    expect(int8.name).toContain('int8');
    expect(int8.embeddingSize).toBe(512);
    expect(entryOf('resnet-tiny-seeded').embeddingSize).toBe(64);
  });

  it('keeps user-added entries and a valid user default', () => {
    const user: ModelEntry = { ...entryOf('resnet18-seeded'), id: 'mine', file: 'mine.onnx', trained: true };
    const current = { version: 1 as const, default: 'mine', models: [user, entryOf('resnet18-seeded')] };
    const merged = mergeManifest(current, [entryOf('resnet-tiny-seeded')], DEFAULT_MODEL_ID);
    expect(merged.models.map((m) => m.id)).toEqual(['mine', 'resnet18-seeded', 'resnet-tiny-seeded']);
    expect(merged.default).toBe('mine');
    expect(mergeManifest({ ...current, default: 'gone' }, [], DEFAULT_MODEL_ID).default).toBe(DEFAULT_MODEL_ID);
  });
});

describe('onnxruntime-node runs the generated models', () => {
  it('resnet18: [2, 512] for a batch of two 64x80 images; the batch items differ', async () => {
    const out = await embed('resnet18-seeded', pattern(2 * 3 * 64 * 80, 1), [2, 3, 64, 80]);
    expect(out.dims).toEqual([2, 512]);
    const v = out.data as Float32Array;
    expect(v.every(Number.isFinite)).toBe(true);
    expect(maxAbsDiff(v.subarray(0, 512), v.subarray(512))).toBeGreaterThan(1e-3);
  });

  it('resnet18: dynamic height and width (odd sizes, portrait and landscape)', async () => {
    for (const [h, w] of [[37, 29], [90, 30], [224, 224]]) {
      const out = await embed('resnet18-seeded', pattern(3 * h * w, h), [1, 3, h, w]);
      expect(out.dims).toEqual([1, 512]);
    }
  });

  it('tiny: [N, 64] for several batch sizes and image sizes', async () => {
    for (const [n, h, w] of [[1, 33, 47], [3, 100, 20], [5, 16, 16]]) {
      const out = await embed('resnet-tiny-seeded', pattern(n * 3 * h * w, n), [n, 3, h, w]);
      expect(out.dims).toEqual([n, 64]);
    }
  });

  it('an image embeds the same alone and inside a batch', async () => {
    const one = 3 * 40 * 48;
    const batch = pattern(3 * one, 7);
    for (const id of ['resnet-tiny-seeded', 'resnet18-seeded']) {
      const all = (await embed(id, batch, [3, 3, 40, 48])).data as Float32Array;
      const single = (await embed(id, batch.slice(one, 2 * one), [1, 3, 40, 48])).data as Float32Array;
      const d = single.length;
      expect(maxAbsDiff(all.subarray(d, 2 * d), single)).toBeLessThan(1e-5);
    }
  });
});

describe('browser parity fixtures (src/embedding/fixtures)', () => {
  const reference = JSON.parse(readFileSync(`${FIXTURES}reference-embeddings.json`, 'utf8')) as {
    tolerance: number;
    models: Record<keyof typeof REFERENCE_MODEL_KEYS, { id: string; sha256: string }>;
    images: ({ file: string; width: number; height: number } & Record<keyof typeof REFERENCE_MODEL_KEYS, number[]>)[];
  };

  it('were computed with the models the manifest pins', () => {
    for (const [key, id] of Object.entries(REFERENCE_MODEL_KEYS)) {
      expect(reference.models[key as keyof typeof REFERENCE_MODEL_KEYS]).toEqual({ id, sha256: entryOf(id).sha256 });
    }
  });

  it('PNGs hold exactly the seeded pixels, and the models reproduce the stored vectors', async () => {
    expect(reference.images.map((i) => i.file)).toEqual(FIXTURE_IMAGES.map((f) => f.file));
    for (const spec of FIXTURE_IMAGES) {
      const img = makeSyntheticImage(spec);
      const png = decodeFixturePng(readFileSync(`${FIXTURES}${spec.file}`));
      expect([png.width, png.height]).toEqual([spec.width, spec.height]);
      expect(Buffer.from(png.rgb).equals(Buffer.from(img.rgb))).toBe(true);
      const record = reference.images.find((r) => r.file === spec.file)!;
      expect([record.width, record.height]).toEqual([spec.width, spec.height]);
      for (const [key, id] of Object.entries(REFERENCE_MODEL_KEYS)) {
        const out = await embed(id, toChwUnit(img), [1, 3, img.height, img.width]);
        const stored = record[key as keyof typeof REFERENCE_MODEL_KEYS];
        expect(stored).toHaveLength(entryOf(id).embeddingSize);
        expect(maxAbsDiff(out.data as Float32Array, stored)).toBeLessThan(1e-5);
      }
    }
  });

  it('embeddings are diverse: non-zero, and different images have cosine similarity < 0.99', () => {
    for (const key of Object.keys(REFERENCE_MODEL_KEYS) as (keyof typeof REFERENCE_MODEL_KEYS)[]) {
      const vs = reference.images.map((r) => r[key]);
      for (const v of vs) expect(Math.sqrt(v.reduce((s, x) => s + x * x, 0))).toBeGreaterThan(0.1);
      for (let i = 0; i < vs.length; i++) {
        for (let j = i + 1; j < vs.length; j++) expect(cosine(vs[i], vs[j])).toBeLessThan(0.99);
      }
    }
  });
});
