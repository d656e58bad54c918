/**
 * Generates the project's ONNX models and their `models/manifest.json` entries, in TypeScript,
 * without Python or a download: the seeded-weight ResNets (built from a PRNG), and the
 * pretrained MobileNetV2 1.4 converted from the nsfwjs npm package in node_modules
 * (scripts/onnx/nsfwjs-models.ts), and the default model: the ImageNet MobileNetV2 1.0 int8 copied
 * from ../shared/models (or $SHARED_MODELS_DIR), cut before its classifier and computed in float
 * with its int8 weights (scripts/onnx/imagenet-mobilenet.ts, float-compute.ts).
 *
 * Without ../shared/models (a fresh machine with only the npm registry) the ImageNet model cannot
 * be made (it is never downloaded): its entry is left out of the manifest, the nsfwjs model is the
 * default, and a message says where to put the file. `npm install && npm start` works either way.
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
import { encodeModel } from './onnx/onnx-proto-encoder.ts';
import { buildResNet } from './onnx/resnet-builder.ts';
import { mergeManifest, readManifest, serialiseManifest, writeFileAtomic } from './onnx/manifest-file.ts';
import { NSFWJS_MODELS, PRETRAINED_DEFAULT_ID, buildConvertedModelBytes } from './onnx/nsfwjs-models.ts';
import {
  IMAGENET_FLOAT_ENTRY,
  IMAGENET_FLOAT_ID,
  IMAGENET_MOBILENET_ENTRY,
  IMAGENET_MOBILENET_ID,
  IMAGENET_MOBILENET_SOURCE_FILE,
  IMAGENET_ROT4_ENTRY,
  buildImagenetFloatBytes,
  buildImagenetMobilenetBytes,
  buildImagenetRot4Bytes,
  findImagenetMobilenetSource,
  sharedModelsDir,
} from './onnx/imagenet-mobilenet.ts';
import { INSITU_ENTRY, INSITU_ID, buildInsituBytes, readInsituTail } from './onnx/insitu-tail.ts';

const OPTIONS = ['--if-missing', '--calibrate', '--help'] as const;

/** Defaults of earlier versions: a manifest still naming one moves to today's default. */
const FORMER_DEFAULT_IDS = [IMAGENET_MOBILENET_ID];
/** Catalogue entries replaced by others (their files may still be on disk; the manifest drops them). */
const RETIRED_IDS = ['mobilenet-v2-1.0-imagenet-int8-rot4'];

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

/** The in-situ tail, or null (with the reason printed) when it is missing or unusable: it is optional, so set-up goes on. */
function readInsituTailOrSay(): ReturnType<typeof readInsituTail> {
  try {
    return readInsituTail();
  } catch (error) {
    console.log(`make-models: the in-situ model is left out: ${(error as Error).message}`);
    return null;
  }
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
  const imagenetSource = findImagenetMobilenetSource();
  /** Made here earlier with the manifest's hash (the shared folder may since have gone): kept with --if-missing. */
  const onDisk = (entry: { id: string; file: string }): boolean => {
    const known = current?.models.find((m) => m.id === entry.id);
    const path = join(modelsDir, entry.file);
    return known !== undefined && existsSync(path) && sha256Hex(readFileSync(path)) === known.sha256;
  };
  const needSource = (): string => {
    if (!imagenetSource) throw new Error(`${IMAGENET_MOBILENET_SOURCE_FILE} not found in ${sharedModelsDir()}`);
    return imagenetSource;
  };
  // Everything made from the shared ImageNet file: the default (float compute), the int8 cut, the rotation-averaged one.
  const fromShared = [
    { entry: IMAGENET_FLOAT_ENTRY, build: () => buildImagenetFloatBytes(needSource()) },
    { entry: IMAGENET_MOBILENET_ENTRY, build: () => buildImagenetMobilenetBytes(needSource()) },
    { entry: IMAGENET_ROT4_ENTRY, build: () => buildImagenetRot4Bytes(needSource()) },
  ];
  const sharedIds = new Set(fromShared.map((m) => m.entry.id));
  const available = new Set(fromShared.filter((m) => imagenetSource !== null || (ifMissing && onDisk(m.entry))).map((m) => m.entry.id));
  catalogue.push(...fromShared.filter((m) => available.has(m.entry.id)));
  const imagenetAvailable = available.has(IMAGENET_FLOAT_ID);
  // The in-situ variant: the same file's front plus the fine-tuned tail `npm run adapt` made here (never committed).
  const tail = readInsituTailOrSay();
  const insituAvailable = tail !== null && (imagenetSource !== null || (ifMissing && onDisk(INSITU_ENTRY)));
  if (insituAvailable) catalogue.push({ entry: INSITU_ENTRY, build: () => buildInsituBytes(needSource(), tail) });
  if (!imagenetAvailable) {
    console.log(
      `make-models: ${IMAGENET_MOBILENET_SOURCE_FILE} not found in ${sharedModelsDir()} (set SHARED_MODELS_DIR to its folder): ` +
        `the default model is ${PRETRAINED_DEFAULT_ID} (nsfwjs, from npm) instead of ${IMAGENET_FLOAT_ID}, ` +
        'which embeds plankton better (models/README.md). Put the file there and run `npm run models` to switch.',
    );
  }
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

  // The built-in defaults (today's, the fallback, and former ones) follow what could be made; a user's own default is kept.
  const preferred = imagenetAvailable ? DEFAULT_MODEL_ID : PRETRAINED_DEFAULT_ID;
  const builtInDefaults = [DEFAULT_MODEL_ID, PRETRAINED_DEFAULT_ID, ...FORMER_DEFAULT_IDS];
  const base = current && {
    ...current,
    models: current.models.filter(
      (m) => !RETIRED_IDS.includes(m.id) && (!sharedIds.has(m.id) || available.has(m.id)) && (m.id !== INSITU_ID || insituAvailable),
    ),
    default: builtInDefaults.includes(current.default) ? preferred : current.default,
  };
  const next = serialiseManifest(mergeManifest(base, entries, preferred));
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
