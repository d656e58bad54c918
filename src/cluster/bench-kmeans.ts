import { createDistanceStep } from './distance-backend.ts';
import type { DistanceBackend } from './distance-step.ts';
import { fitKMeans } from './kmeans.ts';
import type { Matrix } from './matrix.ts';

/**
 * Time one k-means fit for the benchmark runner: exactly `iterations` Lloyd iterations
 * (tol 0, so it never stops early unless labels freeze) from fixed starts, the first k rows.
 * Setting up the backend (loading tfjs, uploading the data) is not timed; the fit is.
 * @returns wall-clock milliseconds of the fit.
 */
export async function benchKMeans(data: Matrix, k: number, iterations: number, backend: DistanceBackend): Promise<number> {
  const init = data.values.slice(0, k * data.d);
  const step = await createDistanceStep(backend, data, k);
  try {
    const start = performance.now();
    await fitKMeans(data, { k, init, maxIter: iterations, tol: 0 }, step);
    return performance.now() - start;
  } finally {
    step.dispose();
  }
}
