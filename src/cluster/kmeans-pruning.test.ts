import { describe, expect, it } from 'vitest';
import { ClusterSums, exactSumsPossible } from './cluster-sums.ts';
import { createTsKernel, dotRowCentre, dotRowCentres, dotRowCentresAt, scanValues } from './distance-kernel.ts';
import { approxDotAbsolute, approxDotError, createWasmKernel, wasmKernelAvailable } from './distance-wasm.ts';
import { createTsDistanceStep, type KernelChoice, type Pruning } from './distance-ts.ts';
import type { DistanceStep } from './distance-step.ts';
import { fitKMeans, type KMeansOptions, type KMeansResult } from './kmeans.ts';
import { resolvePruning } from './kmeans-ts-run.ts';
import { packRows, type Matrix } from './matrix.ts';
import { createRng } from './rng.ts';
import { makeBlobs } from './testing/make-blobs.ts';

const MODES: Pruning[] = ['none', 'hamerly', 'elkan', 'auto'];

async function fitWith(data: Matrix, options: KMeansOptions, pruning: Pruning, kernel: KernelChoice = 'auto'): Promise<{ result: KMeansResult; evaluations: number }> {
  const step = createTsDistanceStep(data, { pruning, kernel });
  const result = await fitKMeans(data, options, step);
  return { result, evaluations: step.stats.distanceEvaluations };
}

/** The TypeScript step behind a plain DistanceStep: fitKMeans then runs its generic Lloyd loop (fresh sums every iteration). */
function genericStep(data: Matrix): DistanceStep {
  const ts = createTsDistanceStep(data, { pruning: 'none', kernel: 'ts' });
  return { backend: 'ts', assign: (c, k, l, m) => ts.assign(c, k, l, m), dispose() {} };
}

/**
 * Every pruning and both kernels (WebAssembly, TypeScript) give bit-identical results, and so
 * does the generic loop (fresh sums every iteration; what a tfjs step runs) on the same distances.
 */
async function expectSameFit(data: Matrix, options: KMeansOptions): Promise<Record<string, number>> {
  const evaluations: Record<string, number> = {};
  const { result: ref, evaluations: refEvaluations } = await fitWith(data, options, 'none', 'ts');
  evaluations.none = refEvaluations;
  const variants: Array<[Pruning, KernelChoice]> = [...MODES.map((m): [Pruning, KernelChoice] => [m, 'wasm']), ['elkan', 'ts'], ['hamerly', 'ts']];
  for (const [mode, kernel] of variants) {
    const { result, evaluations: count } = await fitWith(data, options, mode, kernel);
    if (kernel === 'wasm') evaluations[mode] = count;
    expect(Array.from(result.labels), mode).toEqual(Array.from(ref.labels));
    expect(Array.from(result.centres), mode).toEqual(Array.from(ref.centres));
    expect(result.nIter, mode).toBe(ref.nIter);
    expect(result.converged, mode).toBe(ref.converged);
    expect(result.inertia, mode).toBe(ref.inertia);
  }
  const generic = await fitKMeans(data, options, genericStep(data));
  expect(Array.from(generic.labels)).toEqual(Array.from(ref.labels));
  expect(generic.nIter).toBe(ref.nIter);
  expect(Array.from(generic.centres)).toEqual(Array.from(ref.centres));
  expect(Math.abs(generic.inertia - ref.inertia)).toBeLessThanOrEqual(1e-9 * (1 + ref.inertia));
  return evaluations;
}

describe('pruned k-means (Hamerly, Elkan) = Lloyd', () => {
  for (const seed of [1, 2, 3]) {
    for (const k of [2, 3, 5, 8, 13, 20]) {
      it(`blobs seed ${seed}, k=${k}: same labels, centres, iterations, inertia`, async () => {
        // Overlapping blobs in 24 dimensions, more true blobs than k: many moves, several iterations.
        const data = makeBlobs({ n: 400, d: 24, k: k + 3, spread: 2.5, scale: 2, seed: seed * 100 + k });
        await expectSameFit(data, { k, nInit: 1, seed, maxIter: 50, tol: 0 });
      });
    }
  }

  it('with k-means++ starts, several runs, a tolerance and maxIter stops', async () => {
    const data = makeBlobs({ n: 500, d: 16, k: 9, spread: 3, scale: 2, seed: 11 });
    await expectSameFit(data, { k: 6, nInit: 3, seed: 5 });
    await expectSameFit(data, { k: 6, nInit: 2, seed: 6, tol: 1e-2 });
    await expectSameFit(data, { k: 7, nInit: 1, seed: 7, maxIter: 3, tol: 0 });
  });

  it('an odd width and k not a multiple of 4 (kernel remainders)', async () => {
    const data = makeBlobs({ n: 300, d: 37, k: 7, spread: 2, scale: 2, seed: 3 });
    for (const k of [1, 2, 3, 5, 6, 7, 9]) await expectSameFit(data, { k, nInit: 1, seed: k, tol: 0 });
  });

  it('duplicates, zero vectors and more clusters than distinct points (ties, empty clusters)', async () => {
    const rng = createRng(9);
    const distinct = [[0, 0, 0, 0], [1, 2, 3, 4], [1, 2, 3, 4.5], [-2, 0, 0, 1], [0, 0, 0, 1e-3]];
    const rows = Array.from({ length: 60 }, () => distinct[rng.int(distinct.length)]);
    const data = packRows(rows);
    for (const k of [2, 3, 5, 7, 9]) {
      await expectSameFit(data, { k, nInit: 2, seed: k });
      // Starts on duplicate points: exact ties between centres from the first iteration.
      const init = Float64Array.from(rows.slice(0, k).flat());
      await expectSameFit(data, { k, init, tol: 0 });
    }
    const zeros = packRows(Array.from({ length: 20 }, (_, i) => (i % 4 === 0 ? [1, 1] : [0, 0])));
    await expectSameFit(zeros, { k: 4, nInit: 2, seed: 1 });
  });

  it('data whose sums cannot stay exact (huge and tiny magnitudes): rebuilt sums, same result in every mode', async () => {
    const data = makeBlobs({ n: 200, d: 8, k: 4, spread: 1, scale: 5, seed: 4 });
    data.values[3] = 1e30;
    data.values[11] = 1e-30;
    expect(exactSumsPossible(data.values, data.n)).toBe(false);
    await expectSameFit(data, { k: 4, nInit: 2, seed: 2 });
  });

  it('skips most distance computations once centres settle; none with pruning off', async () => {
    // Touching blobs: 13 iterations.
    const data = makeBlobs({ n: 2000, d: 32, k: 10, spread: 1.5, scale: 1, seed: 8 });
    const options = { k: 10, nInit: 1, seed: 3, tol: 0, maxIter: 100 };
    const evaluations = await expectSameFit(data, options);
    const { result } = await fitWith(data, options, 'none');
    expect(result.nIter).toBeGreaterThan(2);
    // Lloyd: every row to every centre, every iteration (the labels froze, so no final pass).
    expect(evaluations.none).toBe(data.n * 10 * result.nIter);
    expect(evaluations.elkan).toBeLessThan(0.4 * evaluations.none);
    expect(evaluations.hamerly).toBeLessThan(0.6 * evaluations.none);
  });
});

describe('resolvePruning', () => {
  it("'auto' is Elkan, Hamerly when Elkan's bounds would be too large, none for k=1", () => {
    expect(resolvePruning('auto', 10_000, 5)).toBe('elkan');
    expect(resolvePruning('auto', 10_000_000, 50)).toBe('hamerly');
    expect(resolvePruning('auto', 100, 1)).toBe('none');
    expect(resolvePruning('hamerly', 100, 30)).toBe('hamerly');
  });

  it('refuses an unknown pruning, listing the valid ones', () => {
    const data = makeBlobs({ n: 4, d: 2, k: 2 });
    expect(() => createTsDistanceStep(data, { pruning: 'fast' as Pruning })).toThrow(/'auto', 'hamerly', 'elkan', 'none'/);
  });
});

describe('distance kernels', () => {
  it('all-centres, listed-centres and one-centre kernels agree bit for bit', () => {
    const rng = createRng(3);
    for (const d of [1, 2, 7, 33]) {
      for (const k of [1, 2, 3, 4, 5, 6, 9]) {
        const x = Float32Array.from({ length: 3 * d }, () => rng.normal());
        const c = Float64Array.from({ length: k * d }, () => rng.normal() * 3);
        const all = new Float64Array(k);
        dotRowCentres(x, d, c, k, d, all);
        const which = Int32Array.from({ length: k }, (_, j) => k - 1 - j);
        const listed = new Float64Array(k);
        dotRowCentresAt(x, d, c, d, which, k, listed);
        for (let j = 0; j < k; j++) {
          const one = dotRowCentre(x, d, c, j * d, d);
          expect(all[j]).toBe(one);
          expect(listed[j]).toBe(one);
          let exact = 0;
          for (let t = 0; t < d; t++) exact += x[d + t] * c[j * d + t];
          expect(Math.abs(one - exact)).toBeLessThan(1e-12 * (1 + Math.abs(exact)));
        }
      }
    }
  });
});

describe('WebAssembly SIMD kernel', () => {
  it('is available in this Node and gives the TypeScript kernel\'s values bit for bit', () => {
    expect(wasmKernelAvailable()).toBe(true);
    const rng = createRng(7);
    for (const d of [1, 2, 3, 8, 33, 130]) {
      const n = 5;
      const values = Float32Array.from({ length: n * d }, () => rng.normal() * 4);
      const wasm = createWasmKernel(values, n, d)!;
      const ts = createTsKernel(values, n, d);
      for (const k of [1, 2, 3, 4, 5, 7, 9]) {
        const centres = Float64Array.from({ length: k * d }, () => rng.normal());
        wasm.setCentres(centres, k);
        ts.setCentres(centres, k);
        const allA = new Float64Array(n * k);
        const allB = new Float64Array(n * k);
        wasm.rowsCentres(0, n, allA);
        ts.rowsCentres(0, n, allB);
        expect(Array.from(allA)).toEqual(Array.from(allB));
        const a = new Float64Array(k);
        const b = new Float64Array(k);
        for (let i = 0; i < n; i++) {
          wasm.rowsCentres(i, 1, a);
          ts.rowsCentres(i, 1, b);
          expect(Array.from(a)).toEqual(Array.from(b));
          const which = Int32Array.from({ length: k }, (_, q) => (q * 3 + i) % k);
          const m = Math.max(1, k - i);
          a.fill(0);
          b.fill(0);
          wasm.rowCentresAt(i, which, m, a);
          ts.rowCentresAt(i, which, m, b);
          expect(Array.from(a)).toEqual(Array.from(b));
          for (let j = 0; j < k; j++) expect(wasm.rowCentre(i, j)).toBe(ts.rowCentre(i, j));
        }
      }
    }
  });

  it('updates exact cluster sums as the TypeScript ClusterSums does', () => {
    const rng = createRng(8);
    for (const d of [1, 6, 7]) {
      const n = 40;
      const values = Float32Array.from({ length: n * d }, () => rng.normal() * 10 ** rng.int(5));
      const wasm = createWasmKernel(values, n, d)!;
      wasm.reserve(3);
      const a = wasm.clusterSums(3);
      const b = new ClusterSums(3, d);
      for (let i = 0; i < n; i++) {
        a.addRow(values, i, i % 3, 1);
        b.addRow(values, i, i % 3, 1);
      }
      for (let i = 0; i < n; i += 3) {
        a.addRow(values, i, i % 3, -1);
        b.addRow(values, i, i % 3, -1);
      }
      expect(Array.from(a.hi)).toEqual(Array.from(b.hi));
      expect(Array.from(a.lo)).toEqual(Array.from(b.lo));
      expect(Array.from(a.counts)).toEqual(Array.from(b.counts));
    }
  });

  it('scans norms and value range as the TypeScript scan does (any width, zeros, non-finite values)', () => {
    const rng = createRng(12);
    for (const d of [1, 2, 3, 4, 5, 6, 7, 8, 9, 31]) {
      const n = 7;
      const values = Float32Array.from({ length: n * d }, (_, i) => (i % 5 === 0 ? 0 : rng.normal() * 10 ** (rng.int(9) - 4)));
      const wasm = createWasmKernel(values, n, d)!.scan();
      const ts = scanValues(values, n, d);
      expect(Array.from(wasm.norms)).toEqual(Array.from(ts.norms));
      expect([wasm.maxBits, wasm.minBits]).toEqual([ts.maxBits, ts.minBits]);
      ts.norms.forEach((v, i) => {
        let exact = 0;
        for (let t = 0; t < d; t++) exact += values[i * d + t] ** 2;
        expect(Math.abs(v - exact)).toBeLessThanOrEqual(1e-14 * exact);
      });
      const bad = values.slice();
      bad[n * d - 1] = d % 2 ? Infinity : Number.NaN;
      expect(createWasmKernel(bad, n, d)!.scan().maxBits).toBeGreaterThanOrEqual(0x7f800000);
      expect(scanValues(bad, n, d).maxBits).toBeGreaterThanOrEqual(0x7f800000);
    }
    const zeros = createWasmKernel(new Float32Array(12), 3, 4)!.scan();
    expect([zeros.maxBits, zeros.minBits]).toEqual([0, 0]);
  });

  it('reuses a disposed kernel\'s memory for the next data (same results) and refuses use after dispose', async () => {
    const small = makeBlobs({ n: 50, d: 9, k: 3, seed: 1 });
    const big = makeBlobs({ n: 3000, d: 40, k: 6, spread: 2, scale: 1, seed: 2 });
    const first = createWasmKernel(small.values, small.n, small.d)!;
    first.dispose();
    expect(() => first.setCentres(new Float64Array(9), 1)).toThrow(/disposed/);
    const options = { k: 6, nInit: 2, seed: 4 };
    const viaWasm = createTsDistanceStep(big, { kernel: 'wasm' });
    const a = await fitKMeans(big, options, viaWasm);
    viaWasm.dispose();
    const b = await fitKMeans(big, options, createTsDistanceStep(big, { kernel: 'ts' }));
    const c = await fitKMeans(big, options, createTsDistanceStep(big, { kernel: 'wasm' }));
    for (const other of [b, c]) {
      expect(Array.from(other.labels)).toEqual(Array.from(a.labels));
      expect(Array.from(other.centres)).toEqual(Array.from(a.centres));
    }
  });

  it('float32 approximations stay within their stated error bound (magnitudes 1e-30 to 1e30)', () => {
    const rng = createRng(21);
    for (const d of [1, 3, 4, 7, 64, 129]) {
      const n = 9;
      const values = Float32Array.from({ length: n * d }, () => rng.normal() * 10 ** (rng.int(9) - 4));
      values[0] = 1e-30;
      const wasm = createWasmKernel(values, n, d)!;
      for (const k of [1, 3, 4, 6]) {
        const centres = Float64Array.from({ length: k * d }, () => rng.normal() * 10 ** (rng.int(7) - 3));
        wasm.setCentres(centres, k);
        const approx = new Float64Array(n * k);
        const exact = new Float64Array(n * k);
        wasm.approxRowsCentres!(0, n, approx);
        wasm.rowsCentres(0, n, exact);
        for (let i = 0; i < n; i++) {
          let xn = 0;
          for (let t = 0; t < d; t++) xn += values[i * d + t] ** 2;
          for (let j = 0; j < k; j++) {
            let cn = 0;
            for (let t = 0; t < d; t++) cn += centres[j * d + t] ** 2;
            const bound = approxDotError(d) * Math.sqrt(xn * cn) + approxDotAbsolute(d);
            expect(Math.abs(approx[i * k + j] - exact[i * k + j])).toBeLessThanOrEqual(bound);
          }
        }
      }
      // Overflow in float32 gives a non-finite approximation (which the fit recomputes), never a wrong finite one.
      const big = createWasmKernel(Float32Array.from({ length: d }, () => 1e30), 1, d)!;
      big.setCentres(Float64Array.from({ length: d }, () => 1e30), 1);
      const out = new Float64Array(1);
      big.approxRowsCentres!(0, 1, out);
      if (d >= 4) expect(Number.isFinite(out[0])).toBe(false);
    }
  });

  it('a full pass recomputes exactly the rows whose float32 distances tie (duplicates)', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => [i % 2, 1, 2, 3, 4]);
    const data = packRows(rows);
    // Start with two identical centres: every row ties between them.
    const step = createTsDistanceStep(data, { kernel: 'wasm', pruning: 'none' });
    const result = await fitKMeans(data, { k: 3, init: Float64Array.from([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 1, 1, 2, 3, 4]), tol: 0 }, step);
    expect(step.stats.approximateRecomputed).toBeGreaterThanOrEqual(20);
    const reference = await fitKMeans(data, { k: 3, init: Float64Array.from([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 1, 1, 2, 3, 4]), tol: 0 }, createTsDistanceStep(data, { kernel: 'ts', pruning: 'none' }));
    expect(Array.from(result.labels)).toEqual(Array.from(reference.labels));
    expect(Array.from(result.centres)).toEqual(Array.from(reference.centres));
  });

  it('grows its memory for more centres than it first had room for', () => {
    const values = Float32Array.from({ length: 4 * 3 }, (_, i) => i);
    const wasm = createWasmKernel(values, 4, 3)!;
    const ts = createTsKernel(values, 4, 3);
    const k = 30_000; // 30,000 x 3 x 8 bytes: past the first 64 KiB page
    const centres = Float64Array.from({ length: k * 3 }, (_, i) => (i % 7) - 3);
    wasm.setCentres(centres, k);
    ts.setCentres(centres, k);
    expect(wasm.rowCentre(3, k - 1)).toBe(ts.rowCentre(3, k - 1));
  });
});

describe('ClusterSums', () => {
  it('incremental updates give the same means as summing afresh', () => {
    const rng = createRng(5);
    const n = 300;
    const d = 5;
    const values = Float32Array.from({ length: n * d }, () => rng.normal() * 10 ** rng.int(6));
    expect(exactSumsPossible(values, n)).toBe(true);
    const labels = Int32Array.from({ length: n }, () => rng.int(3));
    const moving = new ClusterSums(3, d);
    for (let i = 0; i < n; i++) moving.addRow(values, i, labels[i], 1);
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < n; i++) {
        if (rng.next() < 0.3) {
          const to = rng.int(3);
          moving.addRow(values, i, labels[i], -1);
          moving.addRow(values, i, to, 1);
          labels[i] = to;
        }
      }
      moving.renormalise();
    }
    const fresh = new ClusterSums(3, d);
    for (let i = 0; i < n; i++) fresh.addRow(values, i, labels[i], 1);
    const a = new Float64Array(3 * d);
    const b = new Float64Array(3 * d);
    moving.means(a, new Float64Array(3 * d));
    fresh.means(b, new Float64Array(3 * d));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(moving.counts)).toEqual(Array.from(fresh.counts));
  });

  it('exactSumsPossible: ordinary data yes, all zeros yes, magnitudes 1e60 apart no', () => {
    expect(exactSumsPossible(Float32Array.from([0.5, -3, 1e-7, 0]), 4)).toBe(true);
    expect(exactSumsPossible(new Float32Array(8), 8)).toBe(true);
    expect(exactSumsPossible(Float32Array.from([1e30, 1e-30]), 2)).toBe(false);
  });
});
