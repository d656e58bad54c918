/**
 * The int8 (QDQ) variant of the seeded ResNet18: deterministic bytes from the committed
 * calibration table, fused by onnxruntime into integer kernels, and embeddings close to its
 * fp32 reference (bounds set from measured figures with a margin; see models/README.md).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATED_MODELS, buildModelBytes, sha256Hex } from './generated-models.ts';
import { measureInt8AccuracyCost, type EmbedSession, type Int8AccuracyCost, type TensorCtor } from './int8-accuracy.ts';
import { measureRanges, readCalibrationTable, roundOutward } from './int8-calibration.ts';
import { encodeModel } from './onnx-proto-encoder.ts';
import { calibrationTensors, quantizeWeightPerChannel, uint8Params } from './qdq-quantize.ts';
import { buildResNet } from './resnet-builder.ts';
import { SeededUniform } from './seeded-init.ts';

const ONE_THREAD = { intraOpNumThreads: 1, interOpNumThreads: 1 };
const int8Model = GENERATED_MODELS.find((g) => g.entry.id === 'resnet18-seeded-int8')!;
const fp32Model = GENERATED_MODELS.find((g) => g.entry.id === 'resnet18-seeded')!;

let int8Bytes: Uint8Array;
let int8: ort.InferenceSession;
let fp32: ort.InferenceSession;
let tmp: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'int8-test-'));
  int8Bytes = buildModelBytes(int8Model);
  int8 = await ort.InferenceSession.create(int8Bytes, ONE_THREAD);
  fp32 = await ort.InferenceSession.create(buildModelBytes(fp32Model), ONE_THREAD);
}, 60_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function pattern(n: number, salt: number): Float32Array {
  const r = new SeededUniform(salt);
  // Pixel-like values k/255, as images give.
  return Float32Array.from({ length: n }, () => Math.floor(r.unit() * 256) / 255);
}

describe('resnet18-seeded-int8: the model', () => {
  it('is the same spec (same seed) as resnet18-seeded, a quarter of its size', () => {
    expect(int8Model.spec).toBe(fp32Model.spec);
    expect(int8Bytes.byteLength).toBeLessThan(12_000_000);
  });

  it('building twice gives identical bytes', () => {
    expect(sha256Hex(buildModelBytes(int8Model))).toBe(sha256Hex(int8Bytes));
  });

  it('refuses a calibration table measured on other weights', () => {
    const table = { ...readCalibrationTable(), fp32Sha256: '0'.repeat(64) };
    expect(() => buildModelBytes(int8Model, table)).toThrow(/--calibrate/);
  });

  it('onnxruntime fuses it into integer kernels (QLinearConv, QLinearAdd), not float convs', async () => {
    const path = join(tmp, 'optimized.onnx');
    const s = await ort.InferenceSession.create(int8Bytes, { ...ONE_THREAD, graphOptimizationLevel: 'all', optimizedModelFilePath: path });
    await s.release();
    const text = Buffer.from(readFileSync(path)).toString('latin1');
    expect(text.match(/QLinearConv/g)?.length ?? 0).toBeGreaterThanOrEqual(20);
    expect(text).toContain('QLinearAdd');
  });

  it('gives [N, 512] for several batch sizes and image sizes, one image alone = inside a batch', async () => {
    for (const [n, h, w] of [[1, 128, 128], [3, 40, 48], [2, 90, 30]]) {
      const out = await int8.run({ input: new ort.Tensor('float32', pattern(n * 3 * h * w, n + h), [n, 3, h, w]) });
      expect(out.embedding.dims).toEqual([n, 512]);
      expect((out.embedding.data as Float32Array).every(Number.isFinite)).toBe(true);
    }
    const one = 3 * 40 * 48;
    const batch = pattern(3 * one, 7);
    const all = (await int8.run({ input: new ort.Tensor('float32', batch, [3, 3, 40, 48]) })).embedding.data as Float32Array;
    const single = (await int8.run({ input: new ort.Tensor('float32', batch.slice(one, 2 * one), [1, 3, 40, 48]) })).embedding.data as Float32Array;
    for (let k = 0; k < 512; k++) expect(Math.abs(all[512 + k] - single[k])).toBeLessThan(1e-5);
  });
});

describe('resnet18-seeded-int8: accuracy cost against resnet18-seeded (fp32)', () => {
  let cost: Int8AccuracyCost;
  beforeAll(async () => {
    cost = await measureInt8AccuracyCost(
      fp32 as unknown as EmbedSession, int8 as unknown as EmbedSession, ort.Tensor as unknown as TensorCtor, int8Model.entry.preprocess,
    );
  }, 120_000);

  // Measured (onnxruntime-node 1.30, x86-64 with AVX-512 VNNI): raw cosine >= 0.99996 on the
  // samples, >= 0.9989 on the fixtures; centred mean 0.974, min 0.87; 1-NN 0.847 fp32, 0.819 int8.
  it('embeddings of the 72 demo samples stay close (cosine, raw and centred)', () => {
    expect(cost.samples).toBe(72);
    expect(cost.sampleCosine.min).toBeGreaterThan(0.9995);
    expect(cost.sampleCentredCosine.mean).toBeGreaterThan(0.95);
    expect(cost.sampleCentredCosine.min).toBeGreaterThan(0.75);
  });

  it('embeddings of the fixture images (native size) stay close', () => {
    expect(cost.fixtureCosine.min).toBeGreaterThan(0.995);
  });

  it('leave-one-out 1-NN class accuracy on the demo samples drops by at most 4 of 72', () => {
    expect(cost.looAccuracy.fp32).toBeGreaterThan(0.8);
    expect(cost.looAccuracy.int8).toBeGreaterThanOrEqual(cost.looAccuracy.fp32 - 4 / 72);
  });
});

describe('calibration and quantization helpers', () => {
  it('the committed table is what calibration measures now (within rounding), for the current fp32 weights', async () => {
    const table = readCalibrationTable();
    const model = buildResNet(fp32Model.spec);
    expect(table.fp32Sha256).toBe(sha256Hex(encodeModel(model)));
    const raw = await measureRanges(model);
    expect(Object.keys(table.ranges)).toEqual(calibrationTensors(model));
    for (const [name, [min, max]] of Object.entries(table.ranges)) {
      // Rounded outward to 3 significant digits: within 1% of the raw range, and covering it
      // (up to float noise of another CPU's kernels).
      expect(max).toBeGreaterThanOrEqual(raw[name].max * (1 - 1e-4));
      expect(max).toBeLessThanOrEqual(raw[name].max * 1.01 + 1e-6);
      expect(min).toBeLessThanOrEqual(raw[name].min * (1 - 1e-4) + 1e-6);
      expect(min).toBeGreaterThanOrEqual(raw[name].min * 1.01 - 1e-6);
    }
  }, 60_000);

  it('roundOutward keeps 3 significant digits, rounding away from the range', () => {
    expect(roundOutward(3.4012, true)).toBe(3.41);
    expect(roundOutward(3.4012, false)).toBe(3.4);
    expect(roundOutward(-0.75412, false)).toBe(-0.755);
    expect(roundOutward(-0.75412, true)).toBe(-0.754);
    expect(roundOutward(0, true)).toBe(0);
  });

  it('uint8 parameters: ReLU ranges get zero point 0; signed ranges keep 0 exact', () => {
    expect(uint8Params({ min: 0, max: 2.55 })).toEqual({ scale: Math.fround(0.01), zeroPoint: 0 });
    const p = uint8Params({ min: -1, max: 3 });
    expect(p.zeroPoint).toBe(64);
    expect(p.scale).toBe(Math.fround(4 / 255));
  });

  it('per-channel int8 weights: symmetric, within half a step of the float weight', () => {
    const w = Float32Array.from([0.6, -1, 0.25, 0.01, 2, -2, 1.1, 0]);
    const { q, scales } = quantizeWeightPerChannel(w, 2);
    expect(Array.from(scales)).toEqual([Math.fround(1 / 127), Math.fround(2 / 127)]);
    expect(Array.from(q)).toEqual([76, -127, 32, 1, 127, -127, 70, 0]);
    for (let i = 0; i < w.length; i++) expect(Math.abs(q[i] * scales[i >> 2] - w[i])).toBeLessThanOrEqual(scales[i >> 2] / 2 + 1e-7);
  });
});
