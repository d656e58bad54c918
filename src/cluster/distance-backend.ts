import { createTsDistanceStep } from './distance-ts.ts';
import type { DistanceBackend, DistanceStep } from './distance-step.ts';
import type { Matrix } from './matrix.ts';

/**
 * Below this many multiply-adds per assignment (n * k * d) the TypeScript step wins even
 * against a GPU: a 10,000 x 512 x 5 full pass (2.6e7) takes ~2-4 ms on its WebAssembly kernel
 * (float32 first, exact fallback) and most later iterations are pruned, while tfjs pays upload,
 * shader compilation and read-back latency on every call and never prunes (measured: tfjs webgl
 * on a software GPU was 4x slower than the old plain-TypeScript loops at that size). 1e8 is
 * where a real GPU's throughput was expected to pay off before the TypeScript step got ~10x
 * faster; it has not been re-measured on a real GPU since, and is probably too low now.
 */
export const TFJS_MIN_WORK = 1e8;

/** What to ask for: a fixed implementation, or let `selectDistanceBackend` decide. */
export type DistanceBackendChoice = DistanceBackend | 'auto';

/**
 * Pick the assignment implementation for a fit of n points, k centres, d dimensions.
 * 'tfjs' only when a GPU tfjs backend (webgl or webgpu) is available AND n*k*d >= TFJS_MIN_WORK;
 * tfjs on cpu/wasm never beats the TypeScript loops, so it is never chosen automatically.
 * @param gpuBackend the tfjs GPU backend that initialised, or null when there is none.
 */
export function selectDistanceBackend(size: { n: number; k: number; d: number }, gpuBackend: string | null): DistanceBackend {
  return gpuBackend !== null && size.n * size.k * size.d >= TFJS_MIN_WORK ? 'tfjs' : 'ts';
}

/** Whether a fit of this size could use tfjs at all (so callers load tfjs only when it might pay). */
export function largeEnoughForTfjs(size: { n: number; k: number; d: number }): boolean {
  return size.n * size.k * size.d >= TFJS_MIN_WORK;
}

/**
 * Create the assignment step for `data`. For 'tfjs' and 'auto' tfjs is imported lazily (it is
 * ~1 MB of code), and 'auto' imports it only for fits large enough to use it.
 * 'tfjs' uses whatever tfjs backend is active after trying the GPU ones (cpu in Node).
 */
export async function createDistanceStep(choice: DistanceBackendChoice, data: Matrix, k: number): Promise<DistanceStep> {
  switch (choice) {
    case 'ts':
      return createTsDistanceStep(data);
    case 'tfjs':
    case 'auto': {
      if (choice === 'auto' && !largeEnoughForTfjs({ n: data.n, k, d: data.d })) return createTsDistanceStep(data);
      const tf = await import('@tensorflow/tfjs');
      const { createTfjsDistanceStep, useGpuBackend } = await import('./distance-tfjs.ts');
      const gpu = await useGpuBackend(tf);
      if (choice === 'auto' && selectDistanceBackend({ n: data.n, k, d: data.d }, gpu) === 'ts') {
        return createTsDistanceStep(data);
      }
      await tf.ready();
      return createTfjsDistanceStep(tf, data);
    }
    default: {
      const never: never = choice;
      throw new Error(`unknown distance backend ${String(never)}: use 'ts', 'tfjs' or 'auto'`);
    }
  }
}
