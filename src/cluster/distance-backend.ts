import { loadTfjsDistance } from './distance-tfjs-load.ts';
import { createTsDistanceStep } from './distance-ts.ts';
import type { DistanceBackend, DistanceStep } from './distance-step.ts';
import { fitKMeans } from './kmeans.ts';
import type { Matrix } from './matrix.ts';

/**
 * Which assignment step a fit uses. 'auto' decides by MEASURING on the annotator's machine, not
 * by a constant: the old rule (tfjs from 1e8 multiply-adds on any GPU) was never measured on a
 * GPU, and in the benchmark tfjs lost at every size on a software GPU (0.06-0.12x of the
 * TypeScript step; tfjs cpu 0.07-0.18x), because the TypeScript loop prunes most distances
 * (Elkan/Hamerly bounds) and runs its full passes in WebAssembly SIMD, while tfjs recomputes
 * every distance and pays upload and read-back on each call.
 *
 * The measurement (figures cached for the worker's lifetime):
 *  1. no WebGL context in this thread: TypeScript (no download at all);
 *  2. the TypeScript full-pass rate per multiply-add, timed once per worker on 512 rows (a few
 *     ms); if a full pass over all rows is predicted under CALIBRATION_FLOOR_MS: TypeScript;
 *  3. a short pruned TypeScript fit on a sample of this fit's rows gives the fraction of
 *     distances pruning still computes: the predicted TypeScript iteration; under the floor: TypeScript;
 *  4. otherwise load tfjs (its own file, only now), pick its GPU backend and time its pass at two
 *     sample sizes (fixed per-call cost + per-row cost, after an untimed warm-up that compiles the
 *     shaders); tfjs wins only if its predicted pass over all rows beats the predicted TypeScript
 *     iteration.
 */

/** What to ask for: a fixed implementation, or let the measurement decide. */
export type DistanceBackendChoice = DistanceBackend | 'auto';

/**
 * Below this predicted TypeScript iteration time the tfjs path is not even tried. Not a
 * crossover (that is measured); a floor on what the measurement itself costs: loading tfjs
 * (~0.6 MB), starting WebGL and compiling its shaders takes hundreds of ms, which iterations of
 * a few ms could never win back. Typical fits here (2,000 x 1,792, k=6) take ~22 ms in all.
 */
export const CALIBRATION_FLOOR_MS = 25;

/** Rows of this fit used for the pruning and tfjs measurements. */
const SAMPLE_ROWS = 4096;
/** Rows for the TypeScript rate (a few ms of work, once per worker). */
const RATE_ROWS = 512;

/** Measured costs, all in ms. */
export interface DistanceCosts {
  /** TypeScript full pass, per row. */
  tsPerRow: number;
  /** Fraction of a full pass's distances that the pruned TypeScript iteration still computes (0..1). */
  prunedFraction: number;
  /** tfjs pass: fixed cost per call and per row; undefined when tfjs was not measured. */
  tfjs?: { perCall: number; perRow: number; gpu: string };
}

/** The decision from measured costs, for a fit of `n` rows (pure: unit-tested with given costs). */
export function chooseByCosts(costs: DistanceCosts, n: number): DistanceBackend {
  if (!costs.tfjs) return 'ts';
  const tsIteration = costs.tsPerRow * n * costs.prunedFraction;
  const tfjsPass = costs.tfjs.perCall + costs.tfjs.perRow * n;
  return tfjsPass < tsIteration ? 'tfjs' : 'ts';
}

/** Whether this thread can create a WebGL context (tfjs's GPU backends need one); false in Node. */
export function webglAvailable(): boolean {
  try {
    if (typeof OffscreenCanvas === 'undefined') return false;
    const canvas = new OffscreenCanvas(1, 1);
    return !!(canvas.getContext('webgl2') ?? canvas.getContext('webgl'));
  } catch {
    return false;
  }
}

let tfjsUrl: string | undefined;

/** Where the built tfjs module lives (absolute URL), told by the page that started the worker. */
export function setTfjsModuleUrl(url: string | undefined): void {
  tfjsUrl = url;
}

/** Measured tfjs costs per (k, d), for this worker's lifetime; TypeScript costs are re-measured per fit (cheap). */
const calibrations = new Map<string, Promise<DistanceCosts['tfjs'] | undefined>>();

/** The last decision of 'auto', with its figures, for diagnostics. */
export let lastAutoDecision: { n: number; k: number; d: number; costs: DistanceCosts; backend: DistanceBackend } | undefined;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeAssign(step: DistanceStep, centres: Float64Array, k: number, rows: number, repeats: number): Promise<number> {
  const labels = new Int32Array(rows);
  const dist = new Float64Array(rows);
  await step.assign(centres, k, labels, dist); // warm-up: JIT, WebAssembly copy, shader compile
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    await step.assign(centres, k, labels, dist);
    times.push(performance.now() - start);
  }
  return median(times);
}

/** TypeScript full-pass cost per multiply-add (n*k*d), measured once per worker on a small sample. */
let tsPerMac: number | undefined;

async function measureTsRate(data: Matrix, k: number): Promise<number> {
  if (tsPerMac !== undefined) return tsPerMac;
  const rows = Math.min(data.n, Math.max(RATE_ROWS, k));
  const sample: Matrix = { values: data.values.subarray(0, rows * data.d), n: rows, d: data.d };
  const step = createTsDistanceStep(sample, { pruning: 'none' });
  try {
    const ms = await timeAssign(step, Float64Array.from(sample.values.subarray(0, k * data.d)), k, rows, 3);
    tsPerMac = ms / (rows * k * data.d);
    return tsPerMac;
  } finally {
    step.dispose();
  }
}

/** Fraction of a full pass's distances that the pruned TypeScript loop still computes, from a short fit on the sample. */
async function measurePrunedFraction(sample: Matrix, k: number): Promise<number> {
  const pruned = createTsDistanceStep(sample);
  try {
    const init = sample.values.slice(0, k * sample.d);
    const fit = await fitKMeans(sample, { k, init, maxIter: 10, tol: 0 }, pruned);
    const fraction = pruned.stats.distanceEvaluations / (sample.n * k * (fit.nIter + 1));
    return Math.min(1, Math.max(fraction, 1 / (sample.n * k)));
  } finally {
    pruned.dispose();
  }
}

async function measureTfjs(sample: Matrix, k: number): Promise<DistanceCosts['tfjs'] | undefined> {
  const mod = await loadTfjsDistance(tfjsUrl);
  const gpu = await mod.useGpuBackend(mod.tf);
  if (!gpu) return undefined;
  await mod.tf.ready();
  const centres = Float64Array.from(sample.values.subarray(0, k * sample.d));
  const quarterRows = Math.max(k, Math.floor(sample.n / 4));
  const quarter: Matrix = { values: sample.values.subarray(0, quarterRows * sample.d), n: quarterRows, d: sample.d };
  const times: number[] = [];
  for (const m of [quarter, sample]) {
    const step = mod.createTfjsDistanceStep(mod.tf, m);
    try {
      times.push(await timeAssign(step, centres, k, m.n, 3));
    } finally {
      step.dispose();
    }
  }
  const perRow = Math.max(0, (times[1] - times[0]) / (sample.n - quarterRows || 1));
  return { perCall: Math.max(0, times[1] - perRow * sample.n), perRow, gpu };
}

/** Measure and decide (see the top of this file). */
async function measuredBackend(data: Matrix, k: number): Promise<{ backend: DistanceBackend; tf?: Awaited<ReturnType<typeof loadTfjsDistance>> }> {
  if (!webglAvailable()) return { backend: 'ts' };
  const perMac = await measureTsRate(data, k);
  const costs: DistanceCosts = { tsPerRow: perMac * k * data.d, prunedFraction: 1 };
  // Even an unpruned pass is too short to win anything back: no further measurement.
  if (costs.tsPerRow * data.n >= CALIBRATION_FLOOR_MS) {
    const rows = Math.min(data.n, Math.max(SAMPLE_ROWS, k));
    const sample: Matrix = { values: data.values.subarray(0, rows * data.d), n: rows, d: data.d };
    costs.prunedFraction = await measurePrunedFraction(sample, k);
    if (costs.tsPerRow * data.n * costs.prunedFraction >= CALIBRATION_FLOOR_MS) {
      const key = `${k}x${data.d}`;
      if (!calibrations.has(key)) calibrations.set(key, measureTfjs(sample, k).catch(() => undefined));
      costs.tfjs = await calibrations.get(key);
    }
  }
  const backend = chooseByCosts(costs, data.n);
  lastAutoDecision = { n: data.n, k, d: data.d, costs, backend };
  return backend === 'tfjs' ? { backend, tf: await loadTfjsDistance(tfjsUrl) } : { backend };
}

/**
 * Create the assignment step for `data`. tfjs is imported only when asked for ('tfjs') or when
 * the measurement picks it ('auto'); 'tfjs' uses whatever tfjs backend is active after trying
 * the GPU ones (cpu in Node).
 */
export async function createDistanceStep(choice: DistanceBackendChoice, data: Matrix, k: number): Promise<DistanceStep> {
  switch (choice) {
    case 'ts':
      return createTsDistanceStep(data);
    case 'tfjs': {
      const mod = await loadTfjsDistance(tfjsUrl);
      await mod.useGpuBackend(mod.tf);
      await mod.tf.ready();
      return mod.createTfjsDistanceStep(mod.tf, data);
    }
    case 'auto': {
      const { backend, tf } = await measuredBackend(data, k);
      return backend === 'tfjs' && tf ? tf.createTfjsDistanceStep(tf.tf, data) : createTsDistanceStep(data);
    }
    default: {
      const never: never = choice;
      throw new Error(`unknown distance backend ${String(never)}: use 'ts', 'tfjs' or 'auto'`);
    }
  }
}
