/**
 * The browser side of the benchmark (bench/run.ts drives it with Playwright). It exposes the
 * real engine client on `window.bench`, plus measurement loops that run entirely in the page
 * (so that Playwright round trips are never inside a timed region):
 *  - embedding through `EmbeddingClient.embedMany` (the engine's own path: worker, decode,
 *    ORT run; per-item `timings.inferMs` is the model time per image of its batch);
 *  - k-means fits (plain TypeScript and tfjs cpu/webgl) on seeded data;
 *  - IndexedDB writes and reads through the project's store.
 */
import { EmbeddingClient } from '../../src/embedding/embedding-client.ts';
import { ortAssetUrls } from '../../src/embedding/ort-asset-urls.ts';
import type { EngineConfig, EngineInfo } from '../../src/embedding/worker-protocol.ts';
import { createTsDistanceStep, type TsDistanceStep } from '../../src/cluster/distance-ts.ts';
import type { DistanceStep } from '../../src/cluster/distance-step.ts';
import { fitKMeans } from '../../src/cluster/kmeans.ts';
import type { Matrix } from '../../src/cluster/matrix.ts';
import { openStore } from '../../src/store/open-db.ts';
import { kmeansData, mulberry32, syntheticRgba } from '../synthetic.ts';

function createClient(overrides: Partial<EngineConfig> = {}): EmbeddingClient {
  return new EmbeddingClient({
    manifestUrl: new URL('../../test/models/manifest.json', location.href).href,
    ortAssets: ortAssetUrls(new URL('../../', location.href).href),
    webgpu: false,
    cache: false,
    ...overrides,
  });
}

// ---------------------------------------------------------------------------------------------
// Embedding

let client: EmbeddingClient | undefined;

/** Start (or restart) the engine with a model; returns the engine's info (threads, timings, bytes). */
async function startEngine(modelId: string): Promise<EngineInfo> {
  client?.terminate();
  client = createClient({ modelId });
  return client.start();
}

async function syntheticPng(width: number, height: number, seed: number): Promise<Blob> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  ctx.putImageData(new ImageData(syntheticRgba(width, height, seed), width, height), 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}

export interface EmbedSamples {
  /** Model time per image, one value per timed run (mean over the items of the run). */
  inferMs: number[];
  /** Decode + preprocessing per image, one value per timed run. */
  decodeMs: number[];
  /** Wall time of the whole embedMany call per image (main thread → worker → back). */
  wallMs: number[];
  sizes: Array<{ width: number; height: number }>;
}

const meanOf = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Embed `blobs` `warmup + runs` times. `together`: one embedMany call with all of them (one ORT
 * batch when sizes are equal); otherwise one call per blob (batch 1).
 */
async function embedLoop(blobs: Blob[], together: boolean, warmup: number, runs: number): Promise<EmbedSamples> {
  if (!client) throw new Error('startEngine first');
  const out: EmbedSamples = { inferMs: [], decodeMs: [], wallMs: [], sizes: [] };
  for (let r = 0; r < warmup + runs; r++) {
    const infer: number[] = [];
    const decode: number[] = [];
    const t = performance.now();
    const groups = together ? [blobs] : blobs.map((b) => [b]);
    for (const group of groups) {
      const outcomes = await client.embedMany(group, { noCache: true });
      for (const o of outcomes) {
        if (!o.ok) throw new Error(`embed failed: ${o.error.code}: ${o.error.message}`);
        infer.push(o.timings.inferMs);
        decode.push(o.timings.decodeMs);
        if (r === 0) out.sizes.push({ width: o.width, height: o.height });
      }
    }
    const wall = (performance.now() - t) / blobs.length;
    if (r >= warmup) {
      out.inferMs.push(meanOf(infer));
      out.decodeMs.push(meanOf(decode));
      out.wallMs.push(wall);
    }
  }
  return out;
}

/** `batch` synthetic PNGs of size x size, embedded together (batch > 1) or one by one. */
async function embedSynthetic(opts: { size: number; batch: number; warmup: number; runs: number }): Promise<EmbedSamples> {
  const blobs = await Promise.all(Array.from({ length: opts.batch }, (_, i) => syntheticPng(opts.size, opts.size, 1 + i)));
  return embedLoop(blobs, opts.batch > 1, opts.warmup, opts.runs);
}

/** Given image files (e.g. FlowCam TIFFs), each embedded alone at its own size. */
async function embedFiles(opts: { files: number[][]; warmup: number; runs: number }): Promise<EmbedSamples> {
  const blobs = opts.files.map((bytes) => new Blob([new Uint8Array(bytes)]));
  return embedLoop(blobs, false, opts.warmup, opts.runs);
}

/**
 * Embed `count` distinct synthetic images in batches (for the memory section); calls `tick`
 * (exposed by the runner) after every batch so it can sample memory.
 */
async function embedMany(opts: { count: number; size: number; batch: number }): Promise<{ ms: number; images: number }> {
  if (!client) throw new Error('startEngine first');
  const t = performance.now();
  let images = 0;
  for (let i = 0; i < opts.count; i += opts.batch) {
    const n = Math.min(opts.batch, opts.count - i);
    const blobs = await Promise.all(Array.from({ length: n }, (_, j) => syntheticPng(opts.size, opts.size, 1000 + i + j)));
    const outcomes = await client.embedMany(blobs, { noCache: true });
    images += outcomes.filter((o) => o.ok).length;
  }
  return { ms: performance.now() - t, images };
}

/** Memory as the page itself can see it (Chromium extensions; undefined where absent). */
async function pageMemory(opts: { measureUA: boolean }): Promise<{ jsHeapUsed?: number; uaBytes?: number; uaBreakdown?: Array<{ bytes: number; scope: string[] }>; uaError?: string }> {
  const mem = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
  const out: Awaited<ReturnType<typeof pageMemory>> = { jsHeapUsed: mem?.usedJSHeapSize };
  const measure = (performance as unknown as {
    measureUserAgentSpecificMemory?: () => Promise<{ bytes: number; breakdown: Array<{ bytes: number; attribution: Array<{ scope: string }> }> }>;
  }).measureUserAgentSpecificMemory;
  if (opts.measureUA) {
    if (!measure || !self.crossOriginIsolated) {
      out.uaError = 'performance.measureUserAgentSpecificMemory unavailable (needs a cross-origin isolated page)';
    } else {
      try {
        const m = await measure.call(performance);
        out.uaBytes = m.bytes;
        out.uaBreakdown = m.breakdown.filter((b) => b.bytes > 0).map((b) => ({ bytes: b.bytes, scope: b.attribution.map((a) => a.scope) }));
      } catch (error) {
        out.uaError = (error as Error).message;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// k-means

const dataCache = new Map<string, Matrix>();
function dataFor(n: number, d: number, seed: number): Matrix {
  const key = `${n}x${d}@${seed}`;
  let m = dataCache.get(key);
  if (!m) {
    dataCache.clear(); // one data set at a time: 50k x 512 is 100 MB
    m = { values: kmeansData(n, d, seed), n, d };
    dataCache.set(key, m);
  }
  return m;
}

/** 'ts': the default TypeScript fit (Elkan pruning, WebAssembly SIMD kernel); 'ts-nowasm': same on the plain TypeScript kernel; 'ts-lloyd': no pruning, plain TypeScript kernel. */
type KBackend = 'ts' | 'ts-nowasm' | 'ts-lloyd' | 'tfjs-cpu' | 'tfjs-webgl';
let tfModule: typeof import('../../src/cluster/tfjs-distance-module.ts') | undefined;

/**
 * One k-means fit as `benchKMeans` (src/cluster/bench-kmeans.ts) times it: fixed starts (the first
 * k rows), tol 0, exactly `iterations` Lloyd iterations unless labels freeze; the backend's setup
 * (tfjs load, data upload, first kernel compile: one untimed assignment) is not timed. Calls
 * fitKMeans directly rather than benchKMeans so that the iteration count comes back too.
 */
async function kmeansFit(opts: { n: number; d: number; k: number; iterations: number; backend: KBackend; seed: number }): Promise<{ ms: number; nIter: number; backend: string; inertia: number }> {
  const data = dataFor(opts.n, opts.d, opts.seed);
  const init = data.values.slice(0, opts.k * data.d);
  let step: DistanceStep;
  let tsStep: TsDistanceStep | undefined;
  let backendName = opts.backend as string;
  if (opts.backend === 'ts' || opts.backend === 'ts-nowasm' || opts.backend === 'ts-lloyd') {
    // Preparing the step (norms, copy into WebAssembly memory) happens inside the timed fit.
    tsStep = createTsDistanceStep(data, {
      pruning: opts.backend === 'ts-lloyd' ? 'none' : 'auto',
      kernel: opts.backend === 'ts' ? 'auto' : 'ts',
    });
    step = tsStep;
  } else {
    // The module the plugin loads on its tfjs path (tfjs-core with the cpu and webgl backends).
    tfModule ??= await import('../../src/cluster/tfjs-distance-module.ts');
    const { tf, createTfjsDistanceStep } = tfModule;
    const name = opts.backend === 'tfjs-cpu' ? 'cpu' : 'webgl';
    if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} did not initialise`);
    await tf.ready();
    backendName = `tfjs-${tf.getBackend()}`;
    step = createTfjsDistanceStep(tf, data);
    // Untimed: upload the data and compile the kernels once.
    await step.assign(Float64Array.from(init), opts.k, new Int32Array(opts.n), new Float64Array(opts.n));
  }
  try {
    const start = performance.now();
    const result = await fitKMeans(data, { k: opts.k, init, maxIter: opts.iterations, tol: 0 }, step);
    const ms = performance.now() - start;
    if (tsStep) backendName = `${opts.backend}, ${tsStep.prepare().kernel.kind} kernel`;
    return { ms, nIter: result.nIter, backend: backendName, inertia: result.inertia };
  } finally {
    step.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// IndexedDB

/**
 * Write `count` embeddings of `dim` floats through the project's store (one transaction with
 * putMany, or one put — one transaction — per item), then read them back with getAll.
 */
async function idbRun(opts: { count: number; dim: number; mode: 'putMany' | 'put' }): Promise<{ writeMs: number; readMs: number; readCount: number; persistent: boolean }> {
  const name = `cyto-bench-${Date.now()}-${Math.floor(Math.random() * 1e9)}`;
  const store = await openStore({ name, maxEmbeddings: opts.count * 2, caches: null });
  const rand = mulberry32(opts.count);
  const inputs = Array.from({ length: opts.count }, (_, i) => {
    const vector = new Float32Array(opts.dim);
    for (let j = 0; j < opts.dim; j++) vector[j] = rand();
    return { modelId: 'bench', imageKey: i.toString(16).padStart(64, '0'), vector, width: 100, height: 100, url: `https://example.org/img/${i}.png` };
  });
  try {
    const t0 = performance.now();
    if (opts.mode === 'putMany') await store.embeddings.putMany(inputs);
    else for (const input of inputs) await store.embeddings.put(input);
    const t1 = performance.now();
    const all = await store.embeddings.getAll('bench');
    const t2 = performance.now();
    return { writeMs: t1 - t0, readMs: t2 - t1, readCount: all.vectors.length, persistent: store.persistent };
  } finally {
    await store.close();
    await new Promise<void>((resolve) => {
      const req = indexedDB.deleteDatabase(name);
      req.onsuccess = req.onerror = req.onblocked = () => resolve();
    });
  }
}

declare global {
  interface Window {
    bench: {
      createClient: typeof createClient;
      startEngine: typeof startEngine;
      embedSynthetic: typeof embedSynthetic;
      embedFiles: typeof embedFiles;
      embedMany: typeof embedMany;
      pageMemory: typeof pageMemory;
      kmeansFit: typeof kmeansFit;
      idbRun: typeof idbRun;
      ready: true;
    };
  }
}

window.bench = { createClient, startEngine, embedSynthetic, embedFiles, embedMany, pageMemory, kmeansFit, idbRun, ready: true };
