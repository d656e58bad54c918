/**
 * The in-situ model: the ImageNet MobileNetV2 1.0 up to block 13 (its int8 weights computed in
 * float, as the default model is: float-compute.ts), then its last blocks fine-tuned on plankton
 * (ndsb-train) by scripts/adapt/finetune_tail.py on that front's outputs.
 *
 * The tail (`models/adapters/insitu-tail.onnx`, int8 per channel, ~1.7 MB) is made on this
 * machine by `npm run adapt` and never committed: it is learnt from ../shared/fixtures/ndsb-train.
 * Without it the catalogue simply has no in-situ entry. The front comes from the same shared file
 * as the default model and is cut here; nothing is downloaded. The graft:
 *  - front: every node up to the one making `426_quantized` (block 13's output, uint8
 *    [N, 96, 14, 14]), then DequantizeLinear → `block13` float32, rewritten to compute in float
 *    (2026-12-05: 62 ms an image in ORT web at 1 thread with the int8 front; the tail must have
 *    been trained on the same front, which its record's `front` says);
 *  - tail: the fine-tuned graph (input `block13`, output `embedding` [N, 1280]), its node,
 *    initializer and value names prefixed with `tail/` so they cannot collide with the front's;
 *  - opset 13 for the whole model, which is then computed in float (float-compute.ts: the
 *    front's QLinear operators and the tail's stored int8 weights alike).
 * Deterministic: the same two files give the same bytes (the manifest pins them).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import { toFloatCompute } from './float-compute.ts';
import { IMAGENET_MOBILENET_ENTRY, IMAGENET_MOBILENET_SOURCE_FILE, IMAGENET_MOBILENET_SOURCE_SHA256, imagenetVariant } from './imagenet-mobilenet.ts';

const { onnx } = onnxProto;
type ModelProto = InstanceType<typeof onnx.ModelProto>;

export const INSITU_ID = 'mobilenet-v2-1.0-imagenet-insitu';
/** The fine-tuned tail and its training record (scripts/adapt/finetune_tail.py writes both; gitignored). */
export const INSITU_TAIL_BASE = fileURLToPath(new URL('../../models/adapters/insitu-tail', import.meta.url));
/** Block 13's output in the Model Zoo graph, and the float tensor the tail reads. */
const FRONT_OUTPUT = '426_quantized';
export const BLOCK13 = 'block13';
/** The front a tail is trained on and grafted to (a tail's record names it; older tails were learnt on the int8 front). */
export const FRONT_KIND = 'float';
const TAIL_OPSET = 13;

export interface TailRecord {
  sha256: string;
  bytes: number;
  source_sha256: string;
  training_images: number;
  training_classes: number;
  epochs: number;
  /** The front whose block-13 features it learnt from; absent in tails made before 2026-12-05 (int8). */
  front?: string;
}

/** The tail's bytes and record, or null when the adapter files are not there. @throws when they disagree. */
export function readInsituTail(base = INSITU_TAIL_BASE): { bytes: Uint8Array; record: TailRecord } | null {
  if (!existsSync(`${base}.onnx`) || !existsSync(`${base}.json`)) return null;
  const record = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as TailRecord;
  const bytes = new Uint8Array(readFileSync(`${base}.onnx`));
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== record.sha256) throw new Error(`${base}.onnx: sha256 ${sha} does not match ${base}.json; rerun scripts/adapt/finetune_tail.py or run npm run adapt again`);
  if (record.source_sha256 !== IMAGENET_MOBILENET_SOURCE_SHA256) throw new Error(`${base}.json: trained on another backbone (${record.source_sha256})`);
  if ((record.front ?? 'int8') !== FRONT_KIND) {
    throw new Error(`${base}.json: the tail was learnt on the ${record.front ?? 'int8'} front, the graft uses the ${FRONT_KIND} one; run npm run adapt again`);
  }
  return { bytes, record };
}

/** The Model Zoo file cut after block 13: output `block13`, float32 [N, 96, 14, 14]. */
export function cutFront(source: Uint8Array): ModelProto {
  const sha = createHash('sha256').update(source).digest('hex');
  if (sha !== IMAGENET_MOBILENET_SOURCE_SHA256) throw new Error(`${IMAGENET_MOBILENET_SOURCE_FILE}: sha256 ${sha}, expected ${IMAGENET_MOBILENET_SOURCE_SHA256}`);
  const model: ModelProto = onnx.ModelProto.decode(source);
  const graph = model.graph!;
  const all = graph.node ?? [];
  const last = all.findIndex((n) => (n.output ?? []).includes(FRONT_OUTPUT));
  if (last < 0) throw new Error(`${IMAGENET_MOBILENET_SOURCE_FILE}: tensor ${FRONT_OUTPUT} not found; not the expected graph`);
  const producer = all[last];
  // QLinearAdd's inputs 6 and 7 are its output's scale and zero point.
  const nodes = [
    ...all.slice(0, last + 1),
    onnx.NodeProto.create({ name: 'block13_dequantize', opType: 'DequantizeLinear', input: [FRONT_OUTPUT, producer.input![6], producer.input![7]], output: [BLOCK13] }),
  ];
  const used = new Set(nodes.flatMap((n) => n.input ?? []));
  graph.node = nodes;
  graph.initializer = (graph.initializer ?? []).filter((t) => used.has(t.name ?? ''));
  graph.valueInfo = [];
  graph.output = [
    onnx.ValueInfoProto.create({
      name: BLOCK13,
      type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'batch_size' }, { dimValue: 96 }, { dimValue: 14 }, { dimValue: 14 }] } } },
    }),
  ];
  return model;
}

/** The front the tail reads: cut after block 13 and computed in float (output `block13`). */
export function cutFrontBytes(sourcePath: string): Uint8Array {
  return floatFront(new Uint8Array(readFileSync(sourcePath)));
}

function floatFront(source: Uint8Array): Uint8Array {
  return toFloatCompute(onnx.ModelProto.encode(cutFront(source)).finish());
}

/** Front + tail as one model with input `input` and output `embedding`. */
export function graftTail(source: Uint8Array, tailBytes: Uint8Array, docString: string): Uint8Array {
  const model = cutFront(source);
  const graph = model.graph!;
  const tail: ModelProto = onnx.ModelProto.decode(tailBytes);
  const tg = tail.graph!;
  if ((tg.input ?? []).map((i) => i.name).join() !== BLOCK13 || (tg.output ?? []).map((o) => o.name).join() !== 'embedding') {
    throw new Error(`the tail must read "${BLOCK13}" and write "embedding"`);
  }
  const keep = new Set([BLOCK13, 'embedding', '']);
  const rename = (name: string | null | undefined): string => (keep.has(name ?? '') ? (name ?? '') : `tail/${name}`);
  for (const n of tg.node ?? []) {
    n.name = `tail/${n.name ?? n.output?.[0]}`;
    n.input = (n.input ?? []).map(rename);
    n.output = (n.output ?? []).map(rename);
  }
  for (const t of tg.initializer ?? []) t.name = rename(t.name);
  graph.node = [...(graph.node ?? []), ...(tg.node ?? [])];
  graph.initializer = [...(graph.initializer ?? []), ...(tg.initializer ?? [])];
  graph.output = [
    onnx.ValueInfoProto.create({
      name: 'embedding',
      type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'batch_size' }, { dimValue: 1280 }] } } },
    }),
  ];
  for (const o of model.opsetImport ?? []) if (!o.domain) o.version = TAIL_OPSET;
  model.docString = docString;
  model.metadataProps = [
    { key: 'source_file', value: `${IMAGENET_MOBILENET_SOURCE_FILE} sha256 ${IMAGENET_MOBILENET_SOURCE_SHA256}` },
    { key: 'tail', value: `models/adapters/insitu-tail.onnx sha256 ${createHash('sha256').update(tailBytes).digest('hex')}` },
    { key: 'licence', value: 'Apache-2.0 (ONNX Model Zoo file); BSD-3-Clause (torchvision MobileNetV2 weights); tail fine-tuned by this project' },
  ].map((p) => onnx.StringStringEntryProto.create(p));
  // The whole graft computed in float: the front's QLinear operators, and the tail's stored int8
  // weights as Cast + Mul that ORT folds at load (float-compute.ts).
  return toFloatCompute(onnx.ModelProto.encode(model).finish());
}

const INSITU_SOURCE =
  `${IMAGENET_MOBILENET_ENTRY.source} Adapted for in-situ greyscale imagers: blocks 14-17 and the last 1x1 convolution fine-tuned ` +
  'from the ImageNet weights by scripts/adapt/finetune_tail.py on ndsb-train (PlanktonSet 1.0 / NDSB 2015, ISIIS shadowgraph ' +
  "images, 99 classes, none of ndsb-dev's), 4 epochs; blocks 0-13 are the ImageNet ones (int8 weights, computed in float). Tail weights (int8 per channel) in " +
  'models/adapters/insitu-tail.onnx. Measured on ndsb-dev (greyscale) only; colour instruments (FlowCam) could not be measured ' +
  'here (no labelled colour images), so it is a choice, not the default.';

export const INSITU_ENTRY = imagenetVariant(INSITU_ID, 'MobileNetV2 1.0, last blocks fine-tuned on plankton (in-situ / greyscale imagers)', INSITU_SOURCE);

/** Bytes of the in-situ model from the shared file and the tail made by `npm run adapt`. */
export function buildInsituBytes(sourcePath: string, tail: { bytes: Uint8Array }): Uint8Array {
  return graftTail(new Uint8Array(readFileSync(sourcePath)), tail.bytes, `${INSITU_ENTRY.name}. ${INSITU_SOURCE}`);
}
