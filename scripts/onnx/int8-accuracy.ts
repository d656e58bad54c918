/**
 * The int8 model's accuracy cost against its fp32 reference, measured in onnxruntime-node:
 *  - cosine similarity between the two models' embeddings of the same image, on the demo's
 *    72 sample particles (preprocessed as the manifest says: 128 x 128 stretch, 0..1) and on
 *    the three fixture images (native size);
 *  - leave-one-out 1-nearest-neighbour class accuracy on the demo samples (classes from the
 *    sample generator, as in tasks.json `meta.class`), after the learner's feature scaling
 *    (per-dimension z-score, then L2), for each model.
 * Used by the unit test (bounds) and by the benchmark (figures in the int8 rows' notes).
 */
import { fitScaling, scaleMatrix } from '../../src/cluster/feature-scaling.ts';
import type { PreprocessSpec } from '../../src/embedding/manifest-types.ts';
import { preprocess } from '../../src/embedding/preprocess.ts';
import { SAMPLE_CLASSES, type SampleClass } from '../samples/classes.ts';
import { DEFAULT_SAMPLE_OPTIONS } from '../samples/generate-samples.ts';
import { createRng, deriveSeed } from '../samples/prng.ts';
import { renderSample } from '../samples/render-sample.ts';
import { FIXTURE_IMAGES } from './fixture-images.ts';
import { makeSyntheticImage, toChwUnit } from './synthetic-images.ts';

/** An image as the model sees it. */
export interface ModelInput {
  label: string;
  data: Float32Array;
  width: number;
  height: number;
}

/** Minimal view of an onnxruntime(-node/-web) session, so either can be passed in. */
export interface EmbedSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown; dims: readonly number[] }>>;
}
export type TensorCtor = new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;

/** The demo's sample particles (same seeds as `generateSamples`), preprocessed per `spec`. */
export function demoSampleInputs(spec: PreprocessSpec): ModelInput[] {
  const { seed, count } = DEFAULT_SAMPLE_OPTIONS;
  const out: ModelInput[] = [];
  for (const cls of SAMPLE_CLASSES) {
    for (let n = 1; n <= count; n++) {
      const img = renderSample(cls, createRng(deriveSeed(seed, cls, n)));
      const t = preprocess({ width: img.width, height: img.height, channels: 3, bitDepth: 8, data: img.rgb }, spec);
      out.push({ label: cls, data: t.data, width: t.width, height: t.height });
    }
  }
  return out;
}

/** The three fixture images at native size (src/embedding/fixtures). */
export function fixtureInputs(): ModelInput[] {
  return FIXTURE_IMAGES.map((spec) => {
    const img = makeSyntheticImage(spec);
    return { label: spec.file, data: toChwUnit(img), width: img.width, height: img.height };
  });
}

/** Embeds each input alone (batch 1). */
export async function embedAll(session: EmbedSession, Tensor: TensorCtor, inputs: readonly ModelInput[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const x of inputs) {
    const res = await session.run({ input: new Tensor('float32', x.data, [1, 3, x.height, x.width]) });
    out.push(Float32Array.from(res.embedding.data as Float32Array));
  }
  return out;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return d / Math.sqrt(na * nb);
}

/** Mean and minimum of the pairwise (same image) cosine similarities. */
export function cosineSummary(a: readonly Float32Array[], b: readonly Float32Array[]): { mean: number; min: number } {
  const cs = a.map((v, i) => cosine(v, b[i]));
  return { mean: cs.reduce((s, c) => s + c, 0) / cs.length, min: Math.min(...cs) };
}

/**
 * Leave-one-out 1-NN accuracy after the learner's scaling (z-score fitted on all vectors, then
 * L2): each vector's nearest other vector (Euclidean on the scaled vectors) votes its class.
 */
export function looNearestNeighbourAccuracy(vectors: readonly Float32Array[], labels: readonly string[]): number {
  const n = vectors.length;
  const d = vectors[0].length;
  const values = new Float32Array(n * d);
  vectors.forEach((v, i) => values.set(v, i * d));
  const matrix = { values, n, d };
  const scaled = scaleMatrix(matrix, fitScaling(matrix)).values;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bestDist = Infinity;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let k = 0; k < d; k++) {
        const diff = scaled[i * d + k] - scaled[j * d + k];
        s += diff * diff;
      }
      if (s < bestDist) {
        bestDist = s;
        best = j;
      }
    }
    if (labels[best] === labels[i]) correct++;
  }
  return correct / n;
}

export interface Int8AccuracyCost {
  samples: number;
  classes: readonly SampleClass[];
  /** int8 vs fp32 embeddings of the same demo sample (128 px). */
  sampleCosine: { mean: number; min: number };
  /** The same after centring both sets on the fp32 mean (raw cosines sit high: all features >= 0). */
  sampleCentredCosine: { mean: number; min: number };
  /** Each sample's centred cosine, in sample order. */
  sampleCentredCosines: number[];
  /** int8 vs fp32 on the fixture images (native size). */
  fixtureCosine: { mean: number; min: number };
  /** Leave-one-out 1-NN class accuracy on the demo samples, scaled as the learner does. */
  looAccuracy: { fp32: number; int8: number };
}

function centred(vs: readonly Float32Array[], mean: Float64Array): Float32Array[] {
  return vs.map((v) => v.map((x, k) => x - mean[k]));
}

/** Everything above, for an fp32/int8 pair of sessions. */
export async function measureInt8AccuracyCost(
  fp32: EmbedSession, int8: EmbedSession, Tensor: TensorCtor, spec: PreprocessSpec,
): Promise<Int8AccuracyCost> {
  const samples = demoSampleInputs(spec);
  const labels = samples.map((s) => s.label);
  const [a, b] = [await embedAll(fp32, Tensor, samples), await embedAll(int8, Tensor, samples)];
  const fixtures = fixtureInputs();
  const [fa, fb] = [await embedAll(fp32, Tensor, fixtures), await embedAll(int8, Tensor, fixtures)];
  const mean = new Float64Array(a[0].length);
  for (const v of a) for (let k = 0; k < v.length; k++) mean[k] += v[k] / a.length;
  const [ca, cb] = [centred(a, mean), centred(b, mean)];
  return {
    samples: samples.length,
    classes: SAMPLE_CLASSES,
    sampleCosine: cosineSummary(a, b),
    sampleCentredCosine: cosineSummary(ca, cb),
    sampleCentredCosines: ca.map((v, i) => cosine(v, cb[i])),
    fixtureCosine: cosineSummary(fa, fb),
    looAccuracy: { fp32: looNearestNeighbourAccuracy(a, labels), int8: looNearestNeighbourAccuracy(b, labels) },
  };
}
