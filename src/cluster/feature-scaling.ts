/**
 * Per-dimension standardisation (z-score) followed by L2 normalisation, fitted on all of a
 * project's embeddings at each refit.
 *
 * Why: a ResNet's pooled features are all >= 0 (after the last ReLU) and a few large
 * dimensions dominate Euclidean distance, so image size and brightness decide the clusters.
 * Measured on the demo's 72 sample particles (6 classes), leave-one-out 1-NN accuracy with
 * the seeded ResNet18 at 128 px rose from 0.68 (raw) to 0.85 (z-score + L2); with native
 * sizes from 0.29 to 0.43. Imported scikit-learn centres live in the raw space and are used
 * without scaling.
 */
import type { Matrix } from './matrix.ts';

export interface FeatureScaling {
  mean: Float32Array;
  /** 1 / (standard deviation + epsilon) per dimension. */
  invStd: Float32Array;
}

/** Keeps constant dimensions (std 0) from blowing up. */
const STD_EPSILON = 1e-6;

export function fitScaling(data: Matrix): FeatureScaling {
  const { values, n, d } = data;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += values[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= Math.max(1, n);
  const variance = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const delta = values[i * d + j] - mean[j];
      variance[j] += delta * delta;
    }
  }
  const invStd = new Float32Array(d);
  for (let j = 0; j < d; j++) invStd[j] = 1 / (Math.sqrt(variance[j] / Math.max(1, n)) + STD_EPSILON);
  return { mean: Float32Array.from(mean), invStd };
}

/** z-score then unit length; a zero vector stays zero. */
export function applyScaling(vector: Float32Array, scaling: FeatureScaling): Float32Array {
  const d = vector.length;
  const out = new Float32Array(d);
  let norm = 0;
  for (let j = 0; j < d; j++) {
    const z = (vector[j] - scaling.mean[j]) * scaling.invStd[j];
    out[j] = z;
    norm += z * z;
  }
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let j = 0; j < d; j++) out[j] *= inv;
  }
  return out;
}

/** Apply to every row of a matrix. */
export function scaleMatrix(data: Matrix, scaling: FeatureScaling): Matrix {
  const values = new Float32Array(data.values.length);
  for (let i = 0; i < data.n; i++) {
    values.set(applyScaling(data.values.subarray(i * data.d, (i + 1) * data.d), scaling), i * data.d);
  }
  return { values, n: data.n, d: data.d };
}
