/**
 * Calibration of the int8 model's activation ranges, and the committed table that holds them.
 *
 * The ranges are measured by running the fp32 model in onnxruntime-node on a few seeded
 * synthetic images (every Conv/Add output exposed as a graph output), taking per-tensor
 * min/max, and rounding them outward to 3 significant digits. They are then *committed*
 * (`resnet18-int8-calibration.json`) and the generator reads the table, so the int8 model's
 * bytes depend only on committed data and exact arithmetic, never on this machine's float
 * kernels: `make-models` needs no onnxruntime and writes the same bytes everywhere.
 * `npx tsx scripts/make-models.ts --calibrate` re-measures and rewrites the table (needed when
 * the fp32 weights change: the table names the fp32 model's sha256, and the generator refuses
 * a table made for other weights). A test re-measures and checks the table is still what this
 * procedure gives (within rounding).
 */
import { readFileSync } from 'node:fs';
import type { OnnxModel } from './onnx-graph.ts';
import { encodeModel } from './onnx-proto-encoder.ts';
import { calibrationTensors, withIntermediateOutputs, type ActivationRange, type ActivationRanges } from './qdq-quantize.ts';
import { makeSyntheticImage, toChwUnit, type SyntheticImageSpec } from './synthetic-images.ts';

/** The table's location (next to this file). */
export const CALIBRATION_TABLE_PATH = new URL('./resnet18-int8-calibration.json', import.meta.url);

/** Side of the square calibration images: the default model's input size (128 x 128 stretch). */
export const CALIBRATION_SIZE = 128;

/**
 * Seeded synthetic "particles" on dark, bright and mid backgrounds, colour and grey, few and
 * many bodies: the range of appearances the demo and FlowCam crops show. Deliberately not the
 * demo sample set, on which the int8 model's accuracy cost is measured.
 */
export const CALIBRATION_IMAGES: readonly SyntheticImageSpec[] = [
  { width: CALIBRATION_SIZE, height: CALIBRATION_SIZE, seed: 9001, background: [12, 20, 40], bodies: 3, noise: 10 },
  { width: CALIBRATION_SIZE, height: CALIBRATION_SIZE, seed: 9002, background: [230, 230, 225], bodies: 2, noise: 6, grey: true },
  { width: CALIBRATION_SIZE, height: CALIBRATION_SIZE, seed: 9003, background: [40, 60, 30], bodies: 5, noise: 14 },
  { width: CALIBRATION_SIZE, height: CALIBRATION_SIZE, seed: 9004, background: [245, 245, 245], bodies: 1, noise: 3 },
  { width: CALIBRATION_SIZE, height: CALIBRATION_SIZE, seed: 9005, background: [0, 0, 0], bodies: 4, noise: 20 },
  { width: CALIBRATION_SIZE, height: CALIBRATION_SIZE, seed: 9006, background: [128, 128, 128], bodies: 6, noise: 30, grey: true },
  { width: CALIBRATION_SIZE, height: CALIBRATION_SIZE, seed: 9007, background: [200, 180, 150], bodies: 3, noise: 8 },
  { width: CALIBRATION_SIZE, height: CALIBRATION_SIZE, seed: 9008, background: [20, 20, 20], bodies: 2, noise: 4, grey: true },
];

export interface CalibrationTable {
  /** What the ranges are for: the fp32 model id and the sha256 of its bytes. */
  model: string;
  fp32Sha256: string;
  method: string;
  /** fp32 tensor name -> [min, max]. */
  ranges: Record<string, [number, number]>;
}

/** Rounds outward to 3 significant digits (min down, max up): a readable, stable table. */
export function roundOutward(v: number, up: boolean): number {
  if (v === 0) return 0;
  const digits = 3;
  const e = Math.floor(Math.log10(Math.abs(v))) - (digits - 1);
  const unit = 10 ** e;
  const n = up ? Math.ceil(v / unit - 1e-9) : Math.floor(v / unit + 1e-9);
  return Number((n * unit).toPrecision(digits));
}

/** The calibration images as model inputs (CHW, 0..1, batch of one). */
export function calibrationInputs(): Array<{ data: Float32Array; width: number; height: number }> {
  return CALIBRATION_IMAGES.map((spec) => {
    const img = makeSyntheticImage(spec);
    return { data: toChwUnit(img), width: img.width, height: img.height };
  });
}

/** Measures the ranges with onnxruntime-node (1 thread). Raw, not rounded. */
export async function measureRanges(
  fp32: OnnxModel,
  inputs: ReadonlyArray<{ data: Float32Array; width: number; height: number }> = calibrationInputs(),
): Promise<Record<string, ActivationRange>> {
  const ort = await import('onnxruntime-node');
  const names = calibrationTensors(fp32);
  const session = await ort.InferenceSession.create(encodeModel(withIntermediateOutputs(fp32, names)), {
    intraOpNumThreads: 1, interOpNumThreads: 1,
  });
  const ranges: Record<string, ActivationRange> = {};
  for (const name of names) ranges[name] = { min: Infinity, max: -Infinity };
  try {
    for (const img of inputs) {
      const input = new ort.Tensor('float32', img.data, [1, 3, img.height, img.width]);
      const out = await session.run({ [fp32.graph.inputs[0].name]: input }, names);
      for (const name of names) {
        const data = out[name].data as Float32Array;
        const r = ranges[name];
        for (let i = 0; i < data.length; i++) {
          if (data[i] < r.min) r.min = data[i];
          if (data[i] > r.max) r.max = data[i];
        }
      }
    }
  } finally {
    await session.release();
  }
  return ranges;
}

/** Measures and rounds: the table `--calibrate` writes. */
export async function calibrate(fp32: OnnxModel, modelId: string, fp32Sha256: string): Promise<CalibrationTable> {
  const raw = await measureRanges(fp32);
  const ranges: Record<string, [number, number]> = {};
  for (const [name, r] of Object.entries(raw)) ranges[name] = [roundOutward(r.min, false), roundOutward(r.max, true)];
  return {
    model: modelId,
    fp32Sha256,
    method:
      `per-tensor min/max of the fp32 model's Conv/Add(+ReLU) outputs in onnxruntime-node over ${CALIBRATION_IMAGES.length} seeded ` +
      `synthetic ${CALIBRATION_SIZE}x${CALIBRATION_SIZE} images (scripts/onnx/int8-calibration.ts), rounded outward to 3 significant digits`,
    ranges,
  };
}

/** 2-space JSON with one `"name": [min, max]` per line. */
export function serialiseTable(t: CalibrationTable): string {
  const { ranges, ...head } = t;
  const lines = Object.entries(ranges).map(([name, r]) => `    ${JSON.stringify(name)}: ${JSON.stringify(r)}`);
  const top = JSON.stringify(head, null, 2).slice(0, -2);
  return `${top},\n  "ranges": {\n${lines.join(',\n')}\n  }\n}\n`;
}

export function readCalibrationTable(path: URL | string = CALIBRATION_TABLE_PATH): CalibrationTable {
  return JSON.parse(readFileSync(path, 'utf8')) as CalibrationTable;
}

/** The table's ranges in the quantizer's form. */
export function rangesOf(t: CalibrationTable): ActivationRanges {
  const out: Record<string, ActivationRange> = {};
  for (const [name, [min, max]] of Object.entries(t.ranges)) out[name] = { min, max };
  return out;
}
