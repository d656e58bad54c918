/**
 * The default model: the ONNX Model Zoo's ImageNet MobileNetV2 1.0 (int8, QLinear operators),
 * cut before its classifier so that it outputs the 1280-d global-average-pooled features, then
 * rewritten to compute in float with the same int8 weights (float-compute.ts: faster in ORT web
 * and better vectors). The int8 cut itself stays in the catalogue (`mobilenet-v2-1.0-imagenet-int8`,
 * the default until 2026-12-05), and the rotation-averaged variant is made from the float one.
 *
 * Where the file comes from: `../shared/models/mobilenetv2-12-int8.onnx` beside the checkout
 * (or `$SHARED_MODELS_DIR`), copied and cut at set-up. Provenance and licences (Apache-2.0 for
 * the Model Zoo file, BSD-3-Clause for torchvision's weights) are in that folder's README and
 * repeated in the manifest entry and the file's metadata. Nothing is downloaded: when the file
 * is absent (a fresh machine with only the npm registry), make-models.ts keeps the nsfwjs model
 * as the default and says so (see models/README.md).
 *
 * The cut (graph surgery on the decoded ModelProto, onnx-proto):
 *  - the pooled tensor is `464_quantized` = QLinearGlobalAveragePool(last conv), [N, 1280, 1, 1]
 *    uint8, reshaped to `472_quantized` [N, 1280] by the graph's own Reshape;
 *  - we drop QLinearMatMul / QLinearAdd / the final DequantizeLinear (the 1000-class classifier)
 *    and their weights, and add DequantizeLinear(472_quantized, 464_scale, 464_zero_point) →
 *    `embedding` (float32 [N, 1280]), i.e. "the dequantised tensor before the classifier";
 *  - the Reshape's shape is computed from `Shape(627)`, where 627 was a full float copy of the
 *    7x7x1280 map made only for that; Shape now reads the uint8 tensor (same dims), so the
 *    float copy goes.
 * Deterministic for a given input file (its sha256 is checked), so the manifest's hash holds.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import type { ModelEntry } from '../../src/embedding/manifest-types.ts';
import { toFloatCompute } from './float-compute.ts';

const { onnx } = onnxProto;

export const IMAGENET_MOBILENET_SOURCE_FILE = 'mobilenetv2-12-int8.onnx';
export const IMAGENET_MOBILENET_SOURCE_SHA256 = '83530ad811bc31d2b60a5599a21265a5057608c9b044b4ee758cc22f2309f54f';
export const IMAGENET_MOBILENET_ID = 'mobilenet-v2-1.0-imagenet-int8';

/** Names inside the Model Zoo graph (checked before the cut; a different file fails clearly). */
const POOLED_RESHAPED = '472_quantized';
const POOLED_SCALE = '464_scale';
const POOLED_ZERO_POINT = '464_zero_point';
const LAST_MAP_QUANTIZED = '627_quantized';
const LAST_MAP_FLOAT = '627';
/** The classifier's outputs: the nodes making them go (the backbone's residual QLinearAdds stay). */
const CLASSIFIER_OUTPUTS = new Set(['output_MatMul_quantized', 'output_quantized', 'output']);

/** Where the shared model folder is: `$SHARED_MODELS_DIR`, else `../shared/models` beside the checkout. */
export function sharedModelsDir(): string {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  return process.env.SHARED_MODELS_DIR ?? resolve(root, '..', 'shared', 'models');
}

/** The source file's path when it is there, else null. */
export function findImagenetMobilenetSource(dir = sharedModelsDir()): string | null {
  const path = join(dir, IMAGENET_MOBILENET_SOURCE_FILE);
  return existsSync(path) ? path : null;
}

const SOURCE =
  'ImageNet MobileNetV2 1.0 (224 px), int8 (QLinear operators): the ONNX Model Zoo file mobilenetv2-12-int8.onnx ' +
  '(Apache-2.0; exported from torchvision\'s MobileNetV2, weights BSD-3-Clause), as mirrored in github.com/Lawrence-lugs/MARP ' +
  `at commit ac0452b (onnx_models/mobilenetv2-12-int8.onnx), sha256 ${IMAGENET_MOBILENET_SOURCE_SHA256}; copied at set-up by ` +
  'scripts/make-models.ts from ../shared/models and cut before the classifier (scripts/onnx/imagenet-mobilenet.ts): the output ' +
  'is the dequantised 1280-d global-average-pooled feature vector. Not trained on plankton.';

/**
 * Preprocessing: 224 px, ImageNet mean/std (torchvision's training), pad to a square with the
 * image's own border colour (instrument backgrounds are grey or black, not always white).
 */
export const IMAGENET_MOBILENET_ENTRY: Omit<ModelEntry, 'sha256' | 'bytes'> = {
  id: IMAGENET_MOBILENET_ID,
  name: 'MobileNetV2 1.0 (pretrained on ImageNet, int8; Apache-2.0 / BSD-3-Clause)',
  file: `${IMAGENET_MOBILENET_ID}.onnx`,
  inputName: 'input',
  outputName: 'embedding',
  embeddingSize: 1280,
  preprocess: { resize: { size: 224, fit: 'pad', background: 'border' }, normalise: 'imagenet', highBitDepth: 'max' },
  trained: true,
  source: SOURCE,
};

type ModelProto = InstanceType<typeof onnx.ModelProto>;

/** The cut model's bytes from the Model Zoo file's bytes. @throws when the file is not the expected one. */
export function cutImagenetMobilenet(source: Uint8Array): Uint8Array {
  const sha = createHash('sha256').update(source).digest('hex');
  if (sha !== IMAGENET_MOBILENET_SOURCE_SHA256) {
    throw new Error(
      `${IMAGENET_MOBILENET_SOURCE_FILE}: sha256 ${sha}, expected ${IMAGENET_MOBILENET_SOURCE_SHA256} (see ../shared/models/README.md); ` +
        'replace the file with the documented one or remove it to fall back to the nsfwjs model',
    );
  }
  const model: ModelProto = onnx.ModelProto.decode(source);
  const graph = model.graph!;
  const produced = new Set((graph.node ?? []).flatMap((n) => n.output ?? []));
  for (const name of [POOLED_RESHAPED, LAST_MAP_QUANTIZED, LAST_MAP_FLOAT]) {
    if (!produced.has(name)) throw new Error(`${IMAGENET_MOBILENET_SOURCE_FILE}: tensor ${name} not found; not the expected graph`);
  }
  const nodes = (graph.node ?? []).filter((n) => {
    const outputs = n.output ?? [];
    // The classifier (MatMul, Add, DequantizeLinear → "output") and the float copy of the last map.
    return !outputs.some((o) => CLASSIFIER_OUTPUTS.has(o) || o === LAST_MAP_FLOAT);
  });
  for (const n of nodes) {
    if (n.opType === 'Shape' && n.input?.[0] === LAST_MAP_FLOAT) n.input = [LAST_MAP_QUANTIZED];
  }
  nodes.push(
    onnx.NodeProto.create({
      name: 'pooled_features_dequantize',
      opType: 'DequantizeLinear',
      input: [POOLED_RESHAPED, POOLED_SCALE, POOLED_ZERO_POINT],
      output: ['embedding'],
    }),
  );
  const used = new Set(nodes.flatMap((n) => n.input ?? []));
  graph.node = nodes;
  graph.initializer = (graph.initializer ?? []).filter((t) => used.has(t.name ?? ''));
  // Stale shape annotations of removed tensors would only confuse tools.
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => used.has(v.name ?? '') || (v.name ?? '') === 'embedding');
  graph.output = [
    onnx.ValueInfoProto.create({
      name: 'embedding',
      type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'batch_size' }, { dimValue: 1280 }] } } },
    }),
  ];
  model.docString = `${IMAGENET_MOBILENET_ENTRY.name}. ${SOURCE}`;
  model.metadataProps = [
    { key: 'source_file', value: `${IMAGENET_MOBILENET_SOURCE_FILE} sha256 ${IMAGENET_MOBILENET_SOURCE_SHA256}` },
    { key: 'licence', value: 'Apache-2.0 (ONNX Model Zoo file); BSD-3-Clause (torchvision MobileNetV2 weights)' },
  ].map((p) => onnx.StringStringEntryProto.create(p));
  return onnx.ModelProto.encode(model).finish();
}

/** Reads and cuts the shared file. */
export function buildImagenetMobilenetBytes(path: string): Uint8Array {
  return cutImagenetMobilenet(new Uint8Array(readFileSync(path)));
}

/** The default: the same file, int8 weights, float compute (float-compute.ts). */
export const IMAGENET_FLOAT_ID = 'mobilenet-v2-1.0-imagenet';

const FLOAT_SOURCE =
  `${SOURCE} Computed in float32 with the file's int8 weights (scripts/onnx/float-compute.ts: each QLinearConv becomes ` +
  'Cast + Mul of its int8 weights (folded at load) + Conv + the ReLU6 clip, each QLinearAdd an Add), so activations are not rounded to 8 bits: ' +
  'faster in ORT web than the int8 graph and better on plankton (bench --only quality, default-model).';

/** A catalogue entry made from the same file with the same preprocessing: its own id, file `<id>.onnx`, name and source. */
export function imagenetVariant(id: string, name: string, source: string): Omit<ModelEntry, 'sha256' | 'bytes'> {
  return { ...IMAGENET_MOBILENET_ENTRY, id, name, file: `${id}.onnx`, source };
}

export const IMAGENET_FLOAT_ENTRY = imagenetVariant(IMAGENET_FLOAT_ID, 'MobileNetV2 1.0 (pretrained on ImageNet; int8 weights, float compute; Apache-2.0 / BSD-3-Clause)', FLOAT_SOURCE);

/** The float model's bytes from the shared file. */
export function buildImagenetFloatBytes(path: string): Uint8Array {
  return withDocString(toFloatCompute(buildImagenetMobilenetBytes(path)), IMAGENET_FLOAT_ENTRY);
}

function withDocString(bytes: Uint8Array, entry: Pick<ModelEntry, 'name' | 'source'>): Uint8Array {
  const model: ModelProto = onnx.ModelProto.decode(bytes);
  model.docString = `${entry.name}. ${entry.source}`;
  return onnx.ModelProto.encode(model).finish();
}

/** The rotation-averaged variant of the default (four passes an image). */
export const IMAGENET_ROT4_ID = 'mobilenet-v2-1.0-imagenet-rot4';

export const IMAGENET_ROT4_ENTRY = imagenetVariant(
  IMAGENET_ROT4_ID,
  'MobileNetV2 1.0 (ImageNet; int8 weights, float compute), rotation-averaged',
  `${FLOAT_SOURCE} Rotation-averaged: each image is embedded at 0, 90, 180 and 270 degrees in one batch inside the graph and the ` +
    'four vectors averaged (as scripts/onnx/rotation-averaging.ts does for the nsfwjs model), so a turned particle gets the same ' +
    `vector; four times the compute of ${IMAGENET_FLOAT_ID}.`,
);

/**
 * The cut model wrapped to embed each image at four right angles and average (the ModelProto
 * counterpart of rotation-averaging.ts, which works on the project's own graph description):
 * Transpose + reversing Slices make the turned copies, Concat batches them (4N), Split + Mean
 * average per image. Opset 12 ops only.
 */
export function withRotationAveragingProto(cut: Uint8Array): Uint8Array {
  const model: ModelProto = onnx.ModelProto.decode(cut);
  const graph = model.graph!;
  const inner = 'input/rotations';
  const innerOut = 'embedding/rotations';
  for (const n of graph.node ?? []) {
    n.input = (n.input ?? []).map((i) => (i === 'input' ? inner : i));
    n.output = (n.output ?? []).map((o) => (o === 'embedding' ? innerOut : o));
  }
  const INT32_MIN = -2147483648;
  const i32 = (name: string, values: number[]) =>
    onnx.TensorProto.create({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT32, int32Data: values });
  const node = (opType: string, input: string[], output: string[], attribute: Array<Record<string, unknown>> = []) =>
    onnx.NodeProto.create({ name: `rot/${output[0]}`, opType, input, output, attribute: attribute.map((a) => onnx.AttributeProto.create(a)) });
  const INTS = onnx.AttributeProto.AttributeType.INTS;
  const INT = onnx.AttributeProto.AttributeType.INT;
  const flip = (from: string, to: string, axes: string, k: number) => node('Slice', [from, `rot/starts${k}`, `rot/ends${k}`, `rot/axes${axes}`, `rot/steps${k}`], [to]);
  const pre = [
    // 90°: transpose then reverse the columns; 180°: reverse rows and columns; 270°: transpose then reverse rows.
    node('Transpose', ['input'], ['rot/t'], [{ name: 'perm', type: INTS, ints: [0, 1, 3, 2] }]),
    flip('rot/t', 'rot/90', '3', 1),
    flip('input', 'rot/180', '23', 2),
    flip('rot/t', 'rot/270', '2', 1),
    node('Concat', ['input', 'rot/90', 'rot/180', 'rot/270'], [inner], [{ name: 'axis', type: INT, i: 0 }]),
  ];
  const post = [
    node('Split', [innerOut], ['rot/e0', 'rot/e90', 'rot/e180', 'rot/e270'], [{ name: 'axis', type: INT, i: 0 }]),
    node('Mean', ['rot/e0', 'rot/e90', 'rot/e180', 'rot/e270'], ['embedding']),
  ];
  graph.node = [...pre, ...(graph.node ?? []), ...post];
  graph.initializer = [
    i32('rot/starts1', [-1]),
    i32('rot/ends1', [INT32_MIN]),
    i32('rot/steps1', [-1]),
    i32('rot/starts2', [-1, -1]),
    i32('rot/ends2', [INT32_MIN, INT32_MIN]),
    i32('rot/steps2', [-1, -1]),
    i32('rot/axes3', [3]),
    i32('rot/axes2', [2]),
    i32('rot/axes23', [2, 3]),
    ...(graph.initializer ?? []),
  ];
  model.docString = `${IMAGENET_ROT4_ENTRY.name}. ${IMAGENET_ROT4_ENTRY.source}`;
  return onnx.ModelProto.encode(model).finish();
}

export function buildImagenetRot4Bytes(path: string): Uint8Array {
  return withRotationAveragingProto(buildImagenetFloatBytes(path));
}
