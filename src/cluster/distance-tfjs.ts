import type * as TF from '@tensorflow/tfjs-core';
import type { DistanceStep } from './distance-step.ts';
import type { Matrix } from './matrix.ts';

/** The tfjs namespace, passed in so that only callers that pick tfjs load the library. */
export type Tfjs = typeof TF;

/**
 * tfjs assignment step: ||x||^2 - 2 X C^T + ||c||^2 as one matMul on the active tfjs backend
 * (webgl/webgpu on a GPU; cpu/wasm work too but are slower than createTsDistanceStep).
 * The data are uploaded once, here; each call uploads only the k x d centres.
 * float32 throughout, so squared distances carry ~1e-7 * ||x||^2 rounding: labels can differ
 * from the float64 TypeScript step only between points that are almost exactly tied.
 */
export function createTfjsDistanceStep(tf: Tfjs, data: Matrix): DistanceStep {
  const x = tf.tensor2d(data.values, [data.n, data.d]);
  const xNorms = tf.tidy(() => tf.sum(tf.square(x), 1, true));
  return {
    backend: 'tfjs',
    async assign(centres, k, labels, minDist) {
      const [best, dist] = tf.tidy(() => {
        const c = tf.tensor2d(Float32Array.from(centres), [k, data.d]);
        const cNorms = tf.reshape(tf.sum(tf.square(c), 1), [1, k]);
        const d2 = tf.add(tf.sub(xNorms, tf.mul(2, tf.matMul(x, c, false, true))), cNorms);
        return [tf.argMin(d2, 1), tf.relu(tf.min(d2, 1))];
      });
      try {
        const [l, m] = await Promise.all([best.data(), dist.data()]);
        labels.set(l);
        minDist.set(m);
      } finally {
        best.dispose();
        dist.dispose();
      }
    },
    dispose() {
      x.dispose();
      xNorms.dispose();
    },
  };
}

/**
 * Switch tfjs to the first GPU backend that initialises (webgpu, then webgl); returns its
 * name, or null (tfjs left on its current backend) when none does, e.g. in Node or in a
 * worker without OffscreenCanvas. webgpu is only tried when its backend package is loaded.
 */
export async function useGpuBackend(tf: Tfjs): Promise<string | null> {
  for (const name of GPU_BACKENDS) {
    if (!tf.findBackendFactory(name)) continue;
    try {
      if (await tf.setBackend(name)) return name;
    } catch {
      // A backend that fails to initialise (no adapter, no WebGL context) is simply skipped.
    }
  }
  return null;
}

/** tfjs backends that run on a GPU. */
export const GPU_BACKENDS = Object.freeze(['webgpu', 'webgl'] as const);
