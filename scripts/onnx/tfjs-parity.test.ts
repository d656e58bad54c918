/**
 * The converted nsfwjs MobileNetV2 against TensorFlow.js running the original graph, on the same
 * inputs: the default model must compute what nsfwjs's graph computes. Also: the conversion is
 * deterministic and the committed manifest pins its bytes.
 *
 * Inputs: the three fixture PNGs (src/embedding/fixtures) and a seeded synthetic image,
 * preprocessed by the engine's own code (src/embedding/preprocess.ts) as the manifest says.
 * TensorFlow.js runs on its pure-JS CPU backend (~2 s an image here), so four images.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// The three tfjs packages that run a graph model on the CPU, not the @tensorflow/tfjs umbrella
// (which adds -layers, -data and the WebGL backend).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { preprocess } from '../../src/embedding/preprocess.ts';
import { FIXTURE_IMAGES, decodeFixturePng } from './fixture-images.ts';
import { sha256Hex } from './generated-models.ts';
import { cosine } from './int8-accuracy.ts';
import { readManifest } from './manifest-file.ts';
import { NSFWJS_FEATURE_NODE, NSFWJS_MODEL, NSFWJS_MODELS, buildConvertedModelBytes } from './nsfwjs-models.ts';
import { makeSyntheticImage } from './synthetic-images.ts';
import { nsfwjsModelDir } from './nsfwjs-package.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const manifest = readManifest(`${ROOT}models/manifest.json`)!;

/** CHW tensors of the test images at 224², as the engine feeds the default model. */
function inputs(): { name: string; chw: Float32Array }[] {
  const spec = manifest.models.find((m) => m.id === NSFWJS_MODELS[0].entry.id)!.preprocess;
  const images = FIXTURE_IMAGES.map((f) => ({ name: f.file, ...decodeFixturePng(readFileSync(`${ROOT}src/embedding/fixtures/${f.file}`)) }));
  const synthetic = makeSyntheticImage({ width: 150, height: 90, seed: 404, background: [230, 230, 230], bodies: 3, noise: 8 });
  images.push({ name: 'synthetic-150x90', ...synthetic });
  return images.map((img) => ({
    name: img.name,
    chw: preprocess({ width: img.width, height: img.height, channels: 3, bitDepth: 8, data: img.rgb }, spec).data,
  }));
}

/** The original graph in TensorFlow.js (NHWC), cut at the feature node. */
async function tfjsFeatures(chw: Float32Array): Promise<Float32Array> {
  const require = createRequire(import.meta.url);
  const dir = nsfwjsModelDir(NSFWJS_MODEL);
  const json = require(join(dir, 'model.min.js')) as { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  const bytes = Buffer.concat(json.weightsManifest[0].paths.map((p) => Buffer.from(require(join(dir, `${p}.min.js`)) as string, 'base64')));
  const model = await loadGraphModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    }),
  );
  const n = 224 * 224;
  const hwc = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) hwc[i * 3 + c] = chw[c * n + i];
  const out = model.execute(tf.tensor4d(hwc, [1, 224, 224, 3]), NSFWJS_FEATURE_NODE) as tf.Tensor;
  const v = Float32Array.from(out.dataSync());
  out.dispose();
  model.dispose();
  return v;
}

const built = new Map<string, Uint8Array>();

beforeAll(async () => {
  await tf.setBackend('cpu');
  for (const m of NSFWJS_MODELS) built.set(m.entry.id, buildConvertedModelBytes(m));
}, 60_000);

describe('nsfwjs MobileNetV2 1.4 converted to ONNX', () => {
  it('the committed manifest pins the converted bytes (deterministic conversion)', () => {
    for (const m of NSFWJS_MODELS) {
      const entry = manifest.models.find((e) => e.id === m.entry.id)!;
      expect(sha256Hex(built.get(m.entry.id)!)).toBe(entry.sha256);
      expect(built.get(m.entry.id)!.byteLength).toBe(entry.bytes);
      expect(entry.trained).toBe(true);
      expect(entry.embeddingSize).toBe(1792);
      expect(entry.source).toContain('nsfwjs@4.2.1');
      expect(entry.source).toContain('MIT');
    }
    // The default is the ImageNet MobileNetV2 1.0 when ../shared/models has it (imagenet-mobilenet.test.ts),
    // else this one (make-models.ts falls back).
    expect(['mobilenet-v2-1.0-imagenet', 'mobilenet-v2-1.4-nsfwjs-u8']).toContain(manifest.default);
  });

  it('matches TensorFlow.js on the same inputs: cosine >= 0.9999 per image (fp32 and uint8-weight files)', async () => {
    const sessions = await Promise.all(
      NSFWJS_MODELS.filter((m) => !m.rotations).map(async (m) => ({ id: m.entry.id, s: await ort.InferenceSession.create(built.get(m.entry.id)!, { intraOpNumThreads: 1, interOpNumThreads: 1 }) })),
    );
    const report: string[] = [];
    for (const { name, chw } of inputs()) {
      const reference = await tfjsFeatures(chw);
      expect(reference.length).toBe(1792);
      for (const { id, s } of sessions) {
        const out = (await s.run({ input: new ort.Tensor('float32', chw, [1, 3, 224, 224]) })).embedding;
        expect(out.dims).toEqual([1, 1792]);
        const v = out.data as Float32Array;
        let maxAbs = 0;
        let maxRef = 0;
        for (let i = 0; i < v.length; i++) {
          maxAbs = Math.max(maxAbs, Math.abs(v[i] - reference[i]));
          maxRef = Math.max(maxRef, Math.abs(reference[i]));
        }
        const cos = cosine(Array.from(v), Array.from(reference));
        report.push(`${name} ${id}: cosine ${cos.toFixed(7)}, max abs diff ${maxAbs.toExponential(2)} (max |value| ${maxRef.toFixed(2)})`);
        expect(cos).toBeGreaterThanOrEqual(0.9999);
        expect(maxAbs).toBeLessThan(1e-2 * maxRef);
      }
    }
    console.log(`tfjs parity:\n  ${report.join('\n  ')}`);
  }, 120_000);
});

describe('rotation-averaged variant (rotation-averaging.ts)', () => {
  it('equals the mean of the plain model over the four right-angle rotations, and a turned image gets the same vector', async () => {
    const plainModel = NSFWJS_MODELS.find((m) => m.weights === 'uint8' && !m.rotations)!;
    const rotModel = NSFWJS_MODELS.find((m) => m.rotations)!;
    const opts = { intraOpNumThreads: 1, interOpNumThreads: 1 };
    const plain = await ort.InferenceSession.create(built.get(plainModel.entry.id)!, opts);
    const rot = await ort.InferenceSession.create(built.get(rotModel.entry.id)!, opts);
    const n = 224;
    const x = inputs()[3].chw; // the synthetic image, not symmetric
    /** Turn a CHW image by k right angles. */
    const turn = (src: Float32Array, k: number): Float32Array => {
      const out = new Float32Array(src.length);
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < n; y++) {
          for (let xx = 0; xx < n; xx++) {
            let sy = y;
            let sx = xx;
            for (let q = 0; q < k; q++) [sy, sx] = [sx, n - 1 - sy];
            out[(c * n + y) * n + xx] = src[(c * n + sy) * n + sx];
          }
        }
      }
      return out;
    };
    const run = async (s: ort.InferenceSession, v: Float32Array): Promise<Float32Array> =>
      (await s.run({ input: new ort.Tensor('float32', v, [1, 3, n, n]) })).embedding.data as Float32Array;
    const mean = new Float32Array(1792);
    for (let k = 0; k < 4; k++) {
      const e = await run(plain, turn(x, k));
      for (let i = 0; i < e.length; i++) mean[i] += e[i] / 4;
    }
    const averaged = await run(rot, x);
    const turned = await run(rot, turn(x, 1));
    let vsMean = 0;
    let vsTurned = 0;
    for (let i = 0; i < 1792; i++) {
      vsMean = Math.max(vsMean, Math.abs(averaged[i] - mean[i]));
      vsTurned = Math.max(vsTurned, Math.abs(averaged[i] - turned[i]));
    }
    expect(vsMean).toBeLessThan(1e-5);
    expect(vsTurned).toBeLessThan(1e-5);
    // ... while the plain model does see the turn.
    const p0 = await run(plain, x);
    const p1 = await run(plain, turn(x, 1));
    expect(cosine(Array.from(p0), Array.from(p1))).toBeLessThan(0.999);
  }, 60_000);
});
