import { createDistanceStep } from './distance-backend.ts';
import type { DistanceBackend } from './distance-step.ts';
import { createTsDistanceStep, type KernelChoice, type Pruning } from './distance-ts.ts';
import { fitKMeans } from './kmeans.ts';
import type { Matrix } from './matrix.ts';

/**
 * Time one k-means fit for the benchmark runner: exactly `iterations` Lloyd iterations
 * (tol 0, so it never stops early unless labels freeze) from fixed starts, the first k rows.
 * Setting up tfjs (loading it, uploading the data) is not timed; the fit is, including the
 * TypeScript step's preparation (norms, copy into WebAssembly memory), which it does lazily.
 * @param ts pruning and kernel of the 'ts' backend (defaults: 'auto', 'auto').
 * @returns wall-clock milliseconds of the fit.
 */
export async function benchKMeans(
  data: Matrix,
  k: number,
  iterations: number,
  backend: DistanceBackend,
  ts: { pruning?: Pruning; kernel?: KernelChoice } = {},
): Promise<number> {
  const init = data.values.slice(0, k * data.d);
  const step = backend === 'ts' ? createTsDistanceStep(data, ts) : await createDistanceStep(backend, data, k);
  try {
    const start = performance.now();
    await fitKMeans(data, { k, init, maxIter: iterations, tol: 0 }, step);
    return performance.now() - start;
  } finally {
    step.dispose();
  }
}
