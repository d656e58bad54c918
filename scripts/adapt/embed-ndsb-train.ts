/**
 * Step 1 of the in-situ adaptation (scripts/adapt/README.md): run ndsb-train once through the
 * frozen ImageNet MobileNetV2 (the default model's file, onnxruntime-node) with the engine's own
 * preprocessing, and cache what the training step needs:
 *  - `--block13`: block 13's output (96 x 14 x 14 = 18,816 floats an image), what
 *    finetune_tail.py trains the last blocks on (the committed adaptation);
 *  - otherwise the 1280-d pooled features (for experiments on frozen features).
 *
 *   tar xzf ../shared/fixtures/ndsb-train.tar.gz -C /tmp/ndsb-train   # train/<class>/<id>.jpg
 *   npx tsx scripts/adapt/embed-ndsb-train.ts /tmp/ndsb-train/train /tmp/adapt13 --block13
 *
 * Writes <out>/features.f32 (n x dim float32, row-major), <out>/labels.json ({classes, label[],
 * rotation[], dim}), the rotations of one image in consecutive rows (--rotations 2|4 turns each
 * image by 90 degrees more). Training data only: ndsb-train's 99 classes share none with
 * ndsb-dev, so what is learnt is measured on classes it never saw.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeDatasetImage } from '../../bench/quality-dataset.ts';
import { preprocess } from '../../src/embedding/preprocess.ts';
import type { Pixels } from '../../src/embedding/pixels.ts';
import { IMAGENET_MOBILENET_ENTRY, buildImagenetFloatBytes, findImagenetMobilenetSource, sharedModelsDir } from '../onnx/imagenet-mobilenet.ts';
import { BLOCK13, FRONT_KIND, cutFrontBytes } from '../onnx/insitu-tail.ts';

const BATCH = 16;

/** The pixels turned 90 degrees clockwise. */
function rotate90(p: Pixels): Pixels {
  const { width: w, height: h, channels: c } = p;
  const data = new (p.data.constructor as Uint8ArrayConstructor)(p.data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const from = (y * w + x) * c;
      const to = (x * h + (h - 1 - y)) * c;
      for (let k = 0; k < c; k++) data[to + k] = p.data[from + k];
    }
  }
  return { ...p, width: h, height: w, data } as Pixels;
}

async function main(): Promise<void> {
  const [trainDir, outDir, ...rest] = process.argv.slice(2);
  if (!trainDir || !outDir) throw new Error('usage: tsx scripts/adapt/embed-ndsb-train.ts <train dir: <class>/<image>.jpg> <out dir> [--rotations 1|2|4] [--block13]');
  const block13 = rest.includes('--block13');
  const r = rest.indexOf('--rotations');
  const rotations = r >= 0 ? Number(rest[r + 1]) : 1;
  if (![1, 2, 4].includes(rotations)) throw new Error('--rotations must be 1, 2 or 4');
  const source = findImagenetMobilenetSource();
  if (!source) throw new Error(`mobilenetv2-12-int8.onnx not found in ${sharedModelsDir()}: set SHARED_MODELS_DIR`);
  const session = await ort.InferenceSession.create(block13 ? cutFrontBytes(source) : buildImagenetFloatBytes(source), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const output = block13 ? BLOCK13 : 'embedding';
  const dim = block13 ? 96 * 14 * 14 : 1280;
  const classes = readdirSync(trainDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const items = classes.flatMap((c, label) => readdirSync(join(trainDir, c)).filter((f) => /\.jpe?g$/i.test(f)).sort().map((f) => ({ file: `${c}/${f}`, label })));
  const n = items.length * rotations;
  const features = new Float32Array(n * dim);
  const label: number[] = [];
  const rotation: number[] = [];
  const size = 3 * 224 * 224;
  const batch = new Float32Array(BATCH * size);
  let filled = 0;
  let written = 0;
  const flush = async (): Promise<void> => {
    if (!filled) return;
    const out = await session.run({ input: new ort.Tensor('float32', batch.subarray(0, filled * size), [filled, 3, 224, 224]) });
    features.set(out[output].data as Float32Array, written * dim);
    written += filled;
    filled = 0;
  };
  const t0 = performance.now();
  for (const [i, item] of items.entries()) {
    let pixels = await decodeDatasetImage(trainDir, item.file);
    for (let r = 0; r < rotations; r++) {
      if (r) pixels = rotate90(pixels);
      batch.set(preprocess(pixels, IMAGENET_MOBILENET_ENTRY.preprocess).data, filled * size);
      filled++;
      label.push(item.label);
      rotation.push(r * 90);
      if (filled === BATCH) await flush();
    }
    if (i % 1000 === 0) console.log(`${i}/${items.length} images, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  await flush();
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'features.f32'), new Uint8Array(features.buffer));
  writeFileSync(join(outDir, 'labels.json'), JSON.stringify({ classes, label, rotation, files: items.map((it) => it.file), dim, ...(block13 ? { front: FRONT_KIND } : {}) }));
  console.log(`${n} vectors of ${items.length} images, ${classes.length} classes → ${outDir} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
