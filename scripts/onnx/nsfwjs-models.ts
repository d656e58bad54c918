/**
 * The pretrained default model: nsfwjs@4.2.1's bundled MobileNetV2 (width 1.4, "mobilenet_v2_mid"),
 * converted at set-up to ONNX (from the package's files, fetched once by nsfwjs-package.ts), cut
 * at its 1792-d feature vector.
 *
 * Where the weights come from: Google's TF-Hub MobileNetV2 1.4 / 224 feature-vector module
 * (ImageNet-pretrained), fine-tuned by the nsfwjs project (github.com/infinitered/nsfwjs, MIT
 * licence) on a 5-class photo task; nsfwjs ships the graph uint8-quantised in its npm tarball.
 * The classifier head (dense + softmax over its 5 classes) is dropped: we keep the features.
 *
 * Three files from the same weights:
 *  - fp32: tfjs's dequantised values stored as float32 (17.3 MB);
 *  - u8: the uint8 codes as nsfwjs ships them, expanded to float32 by constant-folded
 *    Cast/Mul/Add nodes when the session is created (4.6 MB download, same speed, same
 *    embeddings up to float32 rounding: see tfjs-parity.test.ts);
 *  - u8-rot4: the u8 network embedding each image at four right-angle rotations and averaging.
 * Conversion is deterministic for a given nsfwjs tarball (hence the pinned version and integrity
 * in nsfwjs-package.ts), so the manifest's sha256 values stay valid.
 */
import type { ModelEntry } from '../../src/embedding/manifest-types.ts';
import { encodeModel } from './onnx-proto-encoder.ts';
import { NSFWJS_MODEL, NSFWJS_VERSION, nsfwjsModelDir } from './nsfwjs-package.ts';
import { readNsfwjsGraphModel, type TfjsGraphModel } from './tfjs-graph-reader.ts';
import { convertTfjsGraph } from './tfjs-to-onnx.ts';
import { withRotationAveraging } from './rotation-averaging.ts';

export { NSFWJS_MODEL, NSFWJS_VERSION };
/** Its 1792-d global-average-pooled feature vector, before nsfwjs's own classifier. */
export const NSFWJS_FEATURE_NODE =
  'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/feature_vector/SpatialSqueeze';
export const NSFWJS_INPUT_SIZE = 224;

const SOURCE =
  'Converted by scripts/make-models.ts (scripts/onnx/tfjs-to-onnx.ts) from the npm package nsfwjs@4.2.1 ' +
  '(MIT licence, github.com/infinitered/nsfwjs), file dist/models/mobilenet_v2_mid: a TF-Hub MobileNetV2 ' +
  'width 1.4 / 224 feature vector, ImageNet-pretrained by Google, fine-tuned by nsfwjs on a 5-class photo task, ' +
  'shipped uint8-quantised. Cut at the 1792-d feature vector (feature_vector/SpatialSqueeze); the nsfwjs ' +
  'classifier is dropped. Not trained on plankton.';

/**
 * Preprocessing: 224 x 224 as the network was trained, pixels 0..1 (the graph maps them to
 * -1..1 itself). Pad to a square on white, not stretch: chosen by the quality benchmark on
 * ndsb-dev (bench/quality.ts, onnxruntime-node, 2026-11-28): leave-one-out 1-NN 70.0 % padded
 * against 68.1 % stretched, the learner at 5 labels per class 63.1 % against 61.3 % (10 draws).
 * Plankton crops vary a lot in aspect; stretching distorts their shape.
 */
const PREPROCESS = { resize: { size: NSFWJS_INPUT_SIZE, fit: 'pad' }, normalise: 'unit', highBitDepth: 'max' } as const;

/** A converted model: its weight storage and the manifest entry (less hash and size). */
export interface ConvertedModel {
  weights: 'float' | 'uint8';
  /** Embed at 0/90/180/270 degrees and average (rotation-averaging.ts): 4x the compute. */
  rotations?: boolean;
  entry: Omit<ModelEntry, 'sha256' | 'bytes'>;
}

export const NSFWJS_MODELS: readonly ConvertedModel[] = [
  {
    weights: 'uint8',
    entry: {
      id: 'mobilenet-v2-1.4-nsfwjs-u8',
      name: 'MobileNetV2 1.4 (pretrained: ImageNet + nsfwjs fine-tune, MIT)',
      file: 'mobilenet-v2-1.4-nsfwjs-u8.onnx',
      inputName: 'input',
      outputName: 'embedding',
      embeddingSize: 1792,
      preprocess: { ...PREPROCESS, resize: { ...PREPROCESS.resize } },
      trained: true,
      source: `${SOURCE} Weights stored as nsfwjs ships them (uint8 codes + per-tensor scale and min), expanded to float32 when the session is created.`,
    },
  },
  {
    weights: 'float',
    entry: {
      id: 'mobilenet-v2-1.4-nsfwjs',
      name: 'MobileNetV2 1.4 (pretrained: ImageNet + nsfwjs fine-tune, MIT; fp32 file)',
      file: 'mobilenet-v2-1.4-nsfwjs.onnx',
      inputName: 'input',
      outputName: 'embedding',
      embeddingSize: 1792,
      preprocess: { ...PREPROCESS, resize: { ...PREPROCESS.resize } },
      trained: true,
      source: `${SOURCE} Weights stored as float32 (tfjs's dequantised values).`,
    },
  },
  {
    weights: 'uint8',
    rotations: true,
    entry: {
      id: 'mobilenet-v2-1.4-nsfwjs-u8-rot4',
      name: 'MobileNetV2 1.4, rotation-averaged (pretrained: ImageNet + nsfwjs fine-tune, MIT)',
      file: 'mobilenet-v2-1.4-nsfwjs-u8-rot4.onnx',
      inputName: 'input',
      outputName: 'embedding',
      embeddingSize: 1792,
      preprocess: { ...PREPROCESS, resize: { ...PREPROCESS.resize } },
      trained: true,
      source:
        `${SOURCE} Weights stored as nsfwjs ships them. Rotation-averaged: each image is embedded at 0, 90, 180 and 270 degrees ` +
        'in one batch inside the graph and the four vectors averaged (scripts/onnx/rotation-averaging.ts), so a turned particle ' +
        'gets the same vector; four times the compute of mobilenet-v2-1.4-nsfwjs-u8.',
    },
  },
];

/**
 * The model the manifest's `default` names: the one-pass model with uint8-stored weights.
 * The rotation-averaged variant embeds better on ndsb-dev (bench/quality.ts, 2026-11-28:
 * leave-one-out 1-NN 76.5 vs 70.0 %, the learner at 5 labels per class 70.6 vs 63.1 %, living vs
 * non-living at 10 per class 86.8 vs 84.0 %) but costs four passes an image: the one-pass model
 * is what keeps the default faster in the browser than the reference's ResNet50 in PyTorch on
 * FlowCam crops, and the test suite's time in bounds. Choose `-rot4` by id for better suggestions.
 */
export const PRETRAINED_DEFAULT_ID = 'mobilenet-v2-1.4-nsfwjs-u8';

let cached: TfjsGraphModel | undefined;

/**
 * Reads the pinned nsfwjs model (once per process), fetching the package first if needed. The
 * tarball's integrity is checked when it is fetched (nsfwjs-package.ts), so no version check here.
 */
export function readPinnedNsfwjs(): TfjsGraphModel {
  cached ??= readNsfwjsGraphModel(nsfwjsModelDir(NSFWJS_MODEL));
  return cached;
}

/** ONNX bytes of a converted model (deterministic; ~0.1 s). */
export function buildConvertedModelBytes(model: ConvertedModel, graph: TfjsGraphModel = readPinnedNsfwjs()): Uint8Array {
  const description = convertTfjsGraph(graph, {
    featureNode: NSFWJS_FEATURE_NODE,
    inputSize: NSFWJS_INPUT_SIZE,
    weights: model.weights,
    docString: `${model.entry.name}. ${model.entry.source}`,
    metadata: [
      { key: 'source_package', value: `nsfwjs@${NSFWJS_VERSION}` },
      { key: 'source_model', value: NSFWJS_MODEL },
      { key: 'licence', value: 'MIT (nsfwjs); MobileNetV2 weights from TF-Hub (Google)' },
    ],
  });
  return encodeModel(model.rotations ? withRotationAveraging(description) : description);
}
