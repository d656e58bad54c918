import { beforeAll, describe, expect, it } from 'vitest';
import { chooseByCosts, createDistanceStep, lastAutoDecision, webglAvailable } from './distance-backend.ts';
import { createTfjsDistanceStep } from './distance-tfjs.ts';
import { tf } from './tfjs-distance-module.ts';
import { createTsDistanceStep, squaredDistances } from './distance-ts.ts';
import { fitKMeans } from './kmeans.ts';
import { makeBlobs } from './testing/make-blobs.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('assignment step: TypeScript and tfjs agree', () => {
  const data = makeBlobs({ n: 500, d: 33, k: 7, spread: 3, scale: 2, seed: 4 });
  const centres = Float64Array.from(data.values.subarray(0, 7 * 33));

  it('gives the same labels and distances for one step', async () => {
    const ts = { labels: new Int32Array(500), dist: new Float64Array(500) };
    const tfj = { labels: new Int32Array(500), dist: new Float64Array(500) };
    createTsDistanceStep(data).assign(centres, 7, ts.labels, ts.dist);
    const step = createTfjsDistanceStep(tf, data);
    await step.assign(centres, 7, tfj.labels, tfj.dist);
    step.dispose();
    expect(Array.from(tfj.labels)).toEqual(Array.from(ts.labels));
    const direct = squaredDistances(data.values, 500, 33, centres, 7);
    ts.dist.forEach((v, i) => {
      expect(Math.abs(v - direct[i * 7 + ts.labels[i]])).toBeLessThan(1e-9 * (1 + v));
      expect(Math.abs(tfj.dist[i] - v)).toBeLessThan(1e-3 * (1 + v));
    });
  });

  it('gives the same k-means fit from the same start', async () => {
    const init = data.values.slice(0, 7 * 33);
    const ts = await fitKMeans(data, { k: 7, init });
    const step = createTfjsDistanceStep(tf, data);
    const viaTf = await fitKMeans(data, { k: 7, init }, step);
    step.dispose();
    expect(viaTf.backend).toBe('tfjs');
    expect(Array.from(viaTf.labels)).toEqual(Array.from(ts.labels));
    viaTf.centres.forEach((v, i) => expect(Math.abs(v - ts.centres[i])).toBeLessThan(1e-5));
  });

  it('does not leak tensors', async () => {
    const before = tf.memory().numTensors;
    const step = createTfjsDistanceStep(tf, data);
    await step.assign(centres, 7, new Int32Array(500), new Float64Array(500));
    step.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("'auto': the path is chosen from measured costs", () => {
  const ts = { tsPerRow: 0.001, prunedFraction: 0.2 };

  it('takes tfjs only when its predicted pass beats the pruned TypeScript iteration', () => {
    // 100,000 rows: TypeScript 0.001 * 1e5 * 0.2 = 20 ms an iteration.
    expect(chooseByCosts({ ...ts, tfjs: { perCall: 5, perRow: 0.0001, gpu: 'webgl' } }, 100_000)).toBe('tfjs'); // 15 ms
    expect(chooseByCosts({ ...ts, tfjs: { perCall: 15, perRow: 0.0001, gpu: 'webgl' } }, 100_000)).toBe('ts'); // 25 ms
    // Pruning matters: the same tfjs costs lose once pruning skips 95 % of the distances.
    expect(chooseByCosts({ tsPerRow: 0.001, prunedFraction: 0.05, tfjs: { perCall: 5, perRow: 0.0001, gpu: 'webgl' } }, 100_000)).toBe('ts');
  });

  it('stays in TypeScript when tfjs was not measured (no GPU, or the fit is too short to pay for measuring)', () => {
    expect(chooseByCosts(ts, 10_000_000)).toBe('ts');
  });

  it('stays in TypeScript without WebGL (Node) and does not load tfjs or measure', async () => {
    expect(webglAvailable()).toBe(false);
    const step = await createDistanceStep('auto', makeBlobs({ n: 2000, d: 64, k: 4 }), 4);
    expect(step.backend).toBe('ts');
    expect(lastAutoDecision).toBeUndefined();
    step.dispose();
  });

  it('refuses an unknown backend, listing the valid ones', async () => {
    const data = makeBlobs({ n: 4, d: 2, k: 2 });
    await expect(createDistanceStep('gpu' as never, data, 2)).rejects.toThrow(/'ts', 'tfjs' or 'auto'/);
  });
});
