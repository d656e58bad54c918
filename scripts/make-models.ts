/**
 * Generates the project's ONNX models and their `models/manifest.json` entries, in TypeScript,
 * without Python or a download: the seeded-weight ResNets (built from a PRNG), and the
 * pretrained default model, converted from the nsfwjs npm package in node_modules
 * (scripts/onnx/nsfwjs-models.ts).
 *
 *   npx tsx scripts/make-models.ts              # (re)write the models and their manifest entries
 *   npx tsx scripts/make-models.ts --if-missing # skip models already present with the manifest's hash
 *   npx tsx scripts/make-models.ts --calibrate  # re-measure the int8 model's activation ranges
 *                                               # (onnxruntime-node), rewrite the committed table, then generate
 *
 * Output is byte-for-byte deterministic, so the committed manifest's sha256 values stay valid:
 * the int8 model reads its ranges from the committed table, not from a fresh measurement.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelEntry } from '../src/embedding/manifest-types.ts';
import { DEFAULT_MODEL_ID, GENERATED_MODELS, buildModelBytes, manifestEntry, sha256Hex } from './onnx/generated-models.ts';
import { CALIBRATION_TABLE_PATH, calibrate, serialiseTable } from './onnx/int8-calibration.ts';
import { encodeModel } from './onnx/onnx-graph.ts';
import { buildResNet } from './onnx/resnet-builder.ts';
import { mergeManifest, readManifest, serialiseManifest, writeFileAtomic } from './onnx/manifest-file.ts';
import { NSFWJS_MODELS, buildConvertedModelBytes } from './onnx/nsfwjs-models.ts';

const OPTIONS = ['--if-missing', '--calibrate', '--help'] as const;

/** Re-measures the int8 models' activation ranges and rewrites the committed table. */
async function recalibrate(): Promise<void> {
  for (const model of GENERATED_MODELS) {
    if (!model.int8) continue;
    const fp32 = buildResNet(model.spec);
    const t0 = performance.now();
    const table = await calibrate(fp32, model.int8.fp32Id, sha256Hex(encodeModel(fp32)));
    writeFileAtomic(fileURLToPath(CALIBRATION_TABLE_PATH), serialiseTable(table));
    console.log(`calibration for ${model.entry.id}: ${Object.keys(table.ranges).length} ranges (${Math.round(performance.now() - t0)} ms)`);
  }
}

/**
 * `"test": true` marks a model that exists for tests and the benchmark, not for users: the demo
 * build and the Docker image ship only the others (scripts/build/model-catalogue.ts). The flag
 * lives in models/manifest.json and is kept when an entry is rewritten from the code here.
 */
function testFlag(known: ModelEntry | undefined): { test?: true } {
  return known?.test ? { test: true } : {};
}

async function main(argv: string[]): Promise<void> {
  for (const a of argv) {
    if (!(OPTIONS as readonly string[]).includes(a)) {
      throw new Error(`make-models: unknown option ${a}; valid options: ${OPTIONS.join(', ')}`);
    }
  }
  if (argv.includes('--help')) {
    console.log('usage: tsx scripts/make-models.ts [--if-missing] [--calibrate]');
    return;
  }
  if (argv.includes('--calibrate')) await recalibrate();
  const ifMissing = argv.includes('--if-missing') && !argv.includes('--calibrate');
  const modelsDir = fileURLToPath(new URL('../models/', import.meta.url));
  const manifestPath = join(modelsDir, 'manifest.json');
  mkdirSync(modelsDir, { recursive: true });
  const current = readManifest(manifestPath);

  const entries: ModelEntry[] = [];
  const catalogue = [
    ...GENERATED_MODELS.map((model) => ({ entry: model.entry, build: () => buildModelBytes(model) })),
    ...NSFWJS_MODELS.map((model) => ({ entry: model.entry, build: () => buildConvertedModelBytes(model) })),
  ];
  for (const model of catalogue) {
    const path = join(modelsDir, model.entry.file);
    const known = current?.models.find((m) => m.id === model.entry.id);
    if (ifMissing && known && existsSync(path) && sha256Hex(readFileSync(path)) === known.sha256) {
      console.log(`${model.entry.file}: present, sha256 ok, skipped`);
      // The file is current; the entry's other fields (name, preprocess, ...) follow the code.
      const { id, name, file, ...rest } = model.entry;
      entries.push({ id, name, file, sha256: known.sha256, bytes: known.bytes, ...rest, ...testFlag(known) });
      continue;
    }
    const t0 = performance.now();
    const bytes = model.build();
    writeFileAtomic(path, bytes);
    const entry = { ...manifestEntry(model, bytes), ...testFlag(known) };
    entries.push(entry);
    const ms = Math.round(performance.now() - t0);
    console.log(`${model.entry.file}: ${bytes.byteLength} bytes, sha256 ${entry.sha256} (${ms} ms)`);
  }

  const next = serialiseManifest(mergeManifest(current, entries, DEFAULT_MODEL_ID));
  const before = existsSync(manifestPath) ? readFileSync(manifestPath, 'utf8') : '';
  if (next !== before) {
    writeFileAtomic(manifestPath, next);
    console.log(`models/manifest.json updated`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
