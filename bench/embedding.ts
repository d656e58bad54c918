/**
 * Section 1: embedding time per image, same model and same pixels, in one run:
 *  - the browser through the engine's own path (EmbeddingClient.embedMany → worker → ORT web
 *    WASM), once on a page that is not cross-origin isolated (1 thread) and once on the
 *    isolated vite preview (min(cores, 4) threads; the engine reports `info.threads`);
 *  - onnxruntime-node (native CPU), intraOpNumThreads 1 and the browser's thread count;
 *  - PyTorch CPU (torchvision resnet18, fc = Identity: the reference), 1 and the same threads.
 * Figures are model time per image (`timings.inferMs`: one ORT run / images in its batch);
 * decode time is reported beside them. Batch 1 and 8 at size² , and the reference's "native"
 * preprocessing on real FlowCam crops (one image per run, each at its own size).
 *
 * The int8 rows: the same seeded ResNet18 quantized to QDQ int8 (`resnet18-seeded-int8`), in
 * the browser (1 and N threads) and onnxruntime-node (1 and N threads), on the same pixels, at
 * size² batch 1 and 8 and at the demo's 128² (where the fp32 model is measured too); plus its
 * accuracy cost against fp32 (onnxruntime-node, the 72 demo samples: cosine of the two models'
 * embeddings of each image, and leave-one-out 1-NN class accuracy after the learner's scaling).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import { FLOWCAM_DIR, log, measured, openBenchPage, ROOT, runPython, skippedRow, type BenchConfig, type Row } from './common.ts';
import type { BenchContext, Section } from './section.ts';
import { mean, summarise } from './stats.ts';
import { rgbaToChwUnit, syntheticRgba } from './synthetic.ts';
import type { EmbedSamples } from './page/bench-page.ts';
import { measureInt8AccuracyCost, type EmbedSession, type TensorCtor } from '../scripts/onnx/int8-accuracy.ts';

const BATCHES = [1, 8] as const;
/** The engine's thread count on an isolated page: min(cores, 4). */
const mtThreads = (): number => Math.min(cpus().length, 4);

type Runtime = 'browser-1t' | 'browser-mt' | 'ort-node-1t' | 'ort-node-mt' | 'torch-1t' | 'torch-mt';
const RUNTIMES: Runtime[] = ['browser-1t', 'browser-mt', 'ort-node-1t', 'ort-node-mt', 'torch-1t', 'torch-mt'];
const groups = (cfg: BenchConfig): string[] => [...BATCHES.map((b) => `${cfg.size}/b${b}`), 'native'];

/** The int8 model: always the quantized ResNet18 (also in smoke runs, at small sizes). */
const INT8_MODEL = 'resnet18-seeded-int8';
/** The fp32 model it was quantized from (its exact reference). */
const INT8_REFERENCE = 'resnet18-seeded';
type Int8Runtime = 'browser-1t' | 'browser-mt' | 'ort-node-1t' | 'ort-node-mt';
const INT8_RUNTIMES: Int8Runtime[] = ['browser-1t', 'browser-mt', 'ort-node-1t', 'ort-node-mt'];
/** The demo's input size (the shipped manifest's 128 x 128 stretch); smoke: 32. */
const demoSize = (cfg: BenchConfig): number => (cfg.smoke ? 32 : 128);
/** Groups of the int8 rows: size² batch 1 and 8, and the demo size batch 1. */
const int8Groups = (cfg: BenchConfig): string[] => [...BATCHES.map((b) => `${cfg.size}/b${b}`), `${demoSize(cfg)}/b1`];
const ACCURACY_IDS = ['embed/int8-accuracy/cosine', 'embed/int8-accuracy/loo-1nn-fp32', 'embed/int8-accuracy/loo-1nn-int8'];
/** Every int8-related row id: int8 speed rows, fp32 at the demo size, accuracy cost. */
const int8Ids = (cfg: BenchConfig): string[] => [
  ...int8Groups(cfg).flatMap((g) => INT8_RUNTIMES.map((r) => `embed/${g}/int8-${r}`)),
  ...INT8_RUNTIMES.map((r) => `embed/${demoSize(cfg)}/b1/${r}`),
  ...ACCURACY_IDS,
];

function label(runtime: Runtime, threads: { browserMt?: number }): string {
  const mt = mtThreads();
  switch (runtime) {
    case 'browser-1t': return 'Chromium, ORT web WASM, 1 thread (not isolated)';
    case 'browser-mt': return `Chromium, ORT web WASM, ${threads.browserMt ?? mt} threads (isolated)`;
    case 'ort-node-1t': return 'onnxruntime-node CPU, 1 thread';
    case 'ort-node-mt': return `onnxruntime-node CPU, ${mt} threads`;
    case 'torch-1t': return 'PyTorch CPU (reference), 1 thread';
    case 'torch-mt': return `PyTorch CPU (reference), ${mt} threads`;
  }
}

function baselineOf(runtime: Runtime, group: string, torchOk: boolean): string | undefined {
  if (runtime.startsWith('torch')) return undefined;
  const suffix = runtime.endsWith('1t') ? '1t' : 'mt';
  return torchOk ? `embed/${group}/torch-${suffix}` : runtime.startsWith('browser') ? `embed/${group}/ort-node-${suffix}` : undefined;
}

/** Each native run embeds every crop once (22 images): fewer runs are enough. */
const nativeRuns = (cfg: BenchConfig): BenchConfig => (cfg.smoke ? cfg : { ...cfg, warmup: 1, runs: 3 });

/** "22 sizes, 21x28 .. 162x271 px, median 6,400 px²" style summary of image sizes. */
function describeSizes(sizes: Array<{ width: number; height: number }>): string {
  if (sizes.length === 0) return 'n/a';
  const areas = sizes.map((s) => s.width * s.height).sort((a, b) => a - b);
  const small = sizes.reduce((a, b) => (a.width * a.height <= b.width * b.height ? a : b));
  const large = sizes.reduce((a, b) => (a.width * a.height >= b.width * b.height ? a : b));
  return `${small.width}x${small.height} to ${large.width}x${large.height}, median ${areas[areas.length >> 1].toLocaleString('en-GB')} px²`;
}

/** The FlowCam crops (all of them; the first 4 in smoke mode). */
function flowcamFiles(smoke: boolean): string[] {
  if (!existsSync(FLOWCAM_DIR)) return [];
  const files = readdirSync(FLOWCAM_DIR).filter((f) => /\.tiff?$/i.test(f)).sort().map((f) => join(FLOWCAM_DIR, f));
  return smoke ? files.slice(0, 4) : files;
}

async function browserRuns(ctx: BenchContext, baseUrl: string, natives: string[]) {
  const { cfg } = ctx;
  const { context, page } = await openBenchPage(ctx.browser, baseUrl, forceNativePreprocessing);
  try {
    const info = await page.evaluate((m) => window.bench.startEngine(m), cfg.modelId);
    const fixed: Record<number, EmbedSamples> = {};
    for (const batch of BATCHES) {
      fixed[batch] = await page.evaluate((o) => window.bench.embedSynthetic(o), { size: cfg.size, batch, warmup: cfg.warmup, runs: cfg.runs });
    }
    const native = natives.length > 0 ? await embedFiles(page, natives, nativeRuns(cfg)) : undefined;
    const demo = await page.evaluate((o) => window.bench.embedSynthetic(o), { size: demoSize(cfg), batch: 1, warmup: cfg.warmup, runs: cfg.runs });
    return { info, fixed, native, demo };
  } finally {
    await context.close();
  }
}

/** The int8 model in the browser: size² batch 1 and 8, demo size batch 1 (keys as int8Groups). */
async function browserInt8Runs(ctx: BenchContext, baseUrl: string) {
  const { cfg } = ctx;
  const { context, page } = await openBenchPage(ctx.browser, baseUrl, forceNativePreprocessing);
  try {
    const info = await page.evaluate((m) => window.bench.startEngine(m), INT8_MODEL);
    const samples: Record<string, EmbedSamples> = {};
    for (const group of int8Groups(cfg)) {
      const [size, batch] = group.split('/b').map(Number);
      samples[group] = await page.evaluate((o) => window.bench.embedSynthetic(o), { size, batch, warmup: cfg.warmup, runs: cfg.runs });
    }
    return { info, samples };
  } finally {
    await context.close();
  }
}

/**
 * The shipped manifest may resize (e.g. 128x128 stretch): here every model gets "native"
 * preprocessing, so the engine runs the model at exactly the size given (224 for the fixed rows,
 * each crop's own size for the FlowCam rows), the same tensors onnxruntime-node and PyTorch get.
 */
async function forceNativePreprocessing(context: BrowserContext): Promise<void> {
  await context.route('**/models/manifest.json', async (route) => {
    const response = await route.fetch();
    const manifest = (await response.json()) as { models: Array<{ preprocess: { resize: unknown } }> };
    for (const m of manifest.models) m.preprocess.resize = 'native';
    await route.fulfill({ response, json: manifest });
  });
}

function embedFiles(page: Page, files: string[], cfg: BenchConfig): Promise<EmbedSamples> {
  const data = files.map((f) => [...readFileSync(f)]);
  return page.evaluate((o) => window.bench.embedFiles(o), { files: data, warmup: cfg.warmup, runs: cfg.runs });
}

async function ortNodeRuns(cfg: BenchConfig, batchInput: Float32Array, nativeSizes: Array<{ width: number; height: number }>) {
  const ort = await import('onnxruntime-node');
  const modelPath = join(ROOT, 'models', `${cfg.modelId === 'resnet18-seeded' ? 'resnet18-seeded' : cfg.modelId}.onnx`);
  const out: Record<string, number[]> = {};
  for (const [suffix, threads] of [['1t', 1], ['mt', mtThreads()]] as const) {
    const session = await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
    });
    const plane = 3 * cfg.size * cfg.size;
    const time = async (data: Float32Array, n: number, h: number, w: number): Promise<number> => {
      const feeds = { input: new ort.Tensor('float32', data, [n, 3, h, w]) };
      const t = performance.now();
      await session.run(feeds);
      return (performance.now() - t) / n;
    };
    for (const batch of BATCHES) {
      const samples: number[] = [];
      for (let r = 0; r < cfg.warmup + cfg.runs; r++) {
        const ms = await time(batchInput.subarray(0, batch * plane), batch, cfg.size, cfg.size);
        if (r >= cfg.warmup) samples.push(ms);
      }
      out[`${cfg.size}/b${batch}/ort-node-${suffix}`] = samples;
    }
    if (nativeSizes.length > 0) {
      const tensors = nativeSizes.map(({ width, height }) => Float32Array.from({ length: 3 * width * height }, (_, i) => (i % 251) / 251));
      const samples: number[] = [];
      const nr = nativeRuns(cfg);
      for (let r = 0; r < nr.warmup + nr.runs; r++) {
        const per: number[] = [];
        for (let i = 0; i < tensors.length; i++) per.push(await time(tensors[i], 1, nativeSizes[i].height, nativeSizes[i].width));
        if (r >= nr.warmup) samples.push(mean(per));
      }
      out[`native/ort-node-${suffix}`] = samples;
    }
    await session.release();
  }
  return out;
}

/** CHW floats of the bench's synthetic images 1..n at size² (the pixels the page draws). */
function syntheticBatch(size: number, n: number): Float32Array {
  const out = new Float32Array(n * 3 * size * size);
  for (let i = 0; i < n; i++) rgbaToChwUnit(syntheticRgba(size, size, 1 + i), size, size, out, i * 3 * size * size);
  return out;
}

/**
 * onnxruntime-node, 1 and N threads: the int8 model in every int8 group, and the fp32 model
 * (cfg.modelId) at the demo size. Keys: `<group>/int8-ort-node-1t`, `<demo>/b1/ort-node-1t`, ...
 */
async function ortNodeInt8Runs(cfg: BenchConfig): Promise<Record<string, number[]>> {
  const ort = await import('onnxruntime-node');
  const out: Record<string, number[]> = {};
  const demoGroup = `${demoSize(cfg)}/b1`;
  const jobs: Array<{ model: string; group: string; prefix: string }> = [
    ...int8Groups(cfg).map((group) => ({ model: INT8_MODEL, group, prefix: 'int8-' })),
    { model: cfg.modelId, group: demoGroup, prefix: '' },
  ];
  for (const [suffix, threads] of [['1t', 1], ['mt', mtThreads()]] as const) {
    for (const model of [INT8_MODEL, cfg.modelId]) {
      const session = await ort.InferenceSession.create(join(ROOT, 'models', `${model}.onnx`), {
        intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
      });
      for (const job of jobs.filter((j) => j.model === model)) {
        const [size, batch] = job.group.split('/b').map(Number);
        const input = syntheticBatch(size, batch);
        const samples: number[] = [];
        for (let r = 0; r < cfg.warmup + cfg.runs; r++) {
          const feeds = { input: new ort.Tensor('float32', input, [batch, 3, size, size]) };
          const t = performance.now();
          await session.run(feeds);
          if (r >= cfg.warmup) samples.push((performance.now() - t) / batch);
        }
        out[`${job.group}/${job.prefix}ort-node-${suffix}`] = samples;
      }
      await session.release();
    }
  }
  return out;
}

/** The int8 model's accuracy cost against its fp32 reference, as rows (onnxruntime-node, 1 thread). */
async function int8AccuracyRows(): Promise<Row[]> {
  const ort = await import('onnxruntime-node');
  const opts = { intraOpNumThreads: 1, interOpNumThreads: 1 };
  const manifest = JSON.parse(readFileSync(join(ROOT, 'models', 'manifest.json'), 'utf8')) as {
    models: Array<{ id: string; preprocess: Parameters<typeof measureInt8AccuracyCost>[3] }>;
  };
  const spec = manifest.models.find((m) => m.id === INT8_MODEL)!.preprocess;
  const fp32 = await ort.InferenceSession.create(join(ROOT, 'models', `${INT8_REFERENCE}.onnx`), opts);
  const int8 = await ort.InferenceSession.create(join(ROOT, 'models', `${INT8_MODEL}.onnx`), opts);
  try {
    const c = await measureInt8AccuracyCost(fp32 as unknown as EmbedSession, int8 as unknown as EmbedSession, ort.Tensor as unknown as TensorCtor, spec);
    const f4 = (x: number): string => x.toFixed(4);
    const what = `${c.samples} demo samples (${c.classes.length} classes) at ${JSON.stringify(spec.resize)}`;
    const base = { section: 'embedding', better: 'higher' as const };
    return [
      {
        ...measured({
          ...base, id: ACCURACY_IDS[0], unit: 'cosine',
          label: `int8 accuracy cost: cosine of int8 vs fp32 embeddings of the same image, both centred on the fp32 mean, ${what} [${INT8_MODEL} vs ${INT8_REFERENCE}]`,
        }, summarise(c.sampleCentredCosines)),
        note: `centred mean ${f4(c.sampleCentredCosine.mean)}, min ${f4(c.sampleCentredCosine.min)}; raw (uncentred) mean ${c.sampleCosine.mean.toFixed(6)}, ` +
          `min ${c.sampleCosine.min.toFixed(6)}; fixture images (native size) raw min ${c.fixtureCosine.min.toFixed(6)}`,
      },
      {
        ...measured({
          ...base, id: ACCURACY_IDS[1], unit: '% correct',
          label: `leave-one-out 1-NN class accuracy, z-score + L2 scaled embeddings, ${what} [${INT8_REFERENCE}, fp32]`,
        }, summarise([100 * c.looAccuracy.fp32])),
        note: `${Math.round(c.looAccuracy.fp32 * c.samples)} of ${c.samples}`,
      },
      {
        ...measured({
          ...base, id: ACCURACY_IDS[2], unit: '% correct', baseline: ACCURACY_IDS[1],
          label: `leave-one-out 1-NN class accuracy, z-score + L2 scaled embeddings, ${what} [${INT8_MODEL}]`,
        }, summarise([100 * c.looAccuracy.int8])),
        note: `${Math.round(c.looAccuracy.int8 * c.samples)} of ${c.samples}`,
      },
    ];
  } finally {
    await fp32.release();
    await int8.release();
  }
}

export const embeddingSection: Section = {
  name: 'embedding',
  expected: (cfg) => [...groups(cfg).flatMap((g) => RUNTIMES.map((r) => `embed/${g}/${r}`)), ...int8Ids(cfg)],
  async run(ctx) {
    const { cfg } = ctx;
    const natives = flowcamFiles(cfg.smoke);
    const nativeMissing = natives.length === 0 ? `FlowCam crops not found in ${FLOWCAM_DIR}` : undefined;

    // The same pixels everywhere: the page draws them into PNGs; Node and PyTorch get CHW floats.
    const batchInput = new Float32Array(8 * 3 * cfg.size * cfg.size);
    for (let i = 0; i < 8; i++) rgbaToChwUnit(syntheticRgba(cfg.size, cfg.size, 1 + i), cfg.size, cfg.size, batchInput, i * 3 * cfg.size * cfg.size);

    log(`embedding: browser, 1 thread (plain server, not isolated), model ${cfg.modelId}`);
    const one = await browserRuns(ctx, ctx.plainUrl, natives);
    log(`embedding: browser, isolated (vite preview)`);
    const multi = await browserRuns(ctx, ctx.isolatedUrl, natives);
    const nativeSizes = one.native?.sizes ?? [];
    log(`embedding: browser, int8 model ${INT8_MODEL}, 1 thread and isolated`);
    const int8One = await browserInt8Runs(ctx, ctx.plainUrl);
    const int8Multi = await browserInt8Runs(ctx, ctx.isolatedUrl);
    log('embedding: onnxruntime-node');
    const node = await ortNodeRuns(cfg, batchInput, nativeSizes);
    log('embedding: onnxruntime-node, int8 and the demo size');
    const nodeInt8 = await ortNodeInt8Runs(cfg);

    let torch: Record<string, number[]> = {};
    let torchSkip: { kind: 'prerequisite' | 'error'; reason: string } | undefined;
    if (!ctx.machine.torch) {
      torchSkip = { kind: 'prerequisite', reason: 'python3-torch not installed' };
    } else {
      log('embedding: PyTorch');
      const bin = join(ctx.tmp, 'embed-input.bin');
      writeFileSync(bin, Buffer.from(batchInput.buffer));
      try {
        const res = runPython('torch_embed.py', {
          threads: [1, mtThreads()], size: cfg.size, batches: BATCHES, input_bin: bin,
          native_sizes: nativeSizes.map((s) => [s.height, s.width]), warmup: cfg.warmup, runs: cfg.runs,
          native_warmup: nativeRuns(cfg).warmup, native_runs: nativeRuns(cfg).runs,
        }, 300_000) as { results: Array<{ threads: number; kind: string; batch: number; ms_per_image: number[] }> };
        for (const r of res.results) {
          const suffix = r.threads === 1 ? '1t' : 'mt';
          torch[r.kind === 'native' ? `native/torch-${suffix}` : `${cfg.size}/b${r.batch}/torch-${suffix}`] = r.ms_per_image;
        }
      } catch (error) {
        torchSkip = { kind: 'error', reason: (error as Error).message };
        torch = {};
      }
    }

    const rows: Row[] = [];
    // Smoke runs a tiny model in ORT but resnet18 in PyTorch: compare the browser with ORT node there.
    const torchOk = !torchSkip && !cfg.smoke;
    for (const group of groups(cfg)) {
      for (const runtime of RUNTIMES) {
        const id = `embed/${group}/${runtime}`;
        const isNative = group === 'native';
        const what = isNative ? `${nativeSizes.length} FlowCam crops at native size (${describeSizes(nativeSizes)}), batch 1`
          : `${cfg.size}x${cfg.size}, batch ${group.split('/b')[1]}`;
        const modelName = runtime.startsWith('torch') ? 'torchvision resnet18' : cfg.modelId;
        const base = {
          id, section: 'embedding', label: `${what}: ${label(runtime, { browserMt: multi.info.threads })} [${modelName}]`,
          unit: 'ms/image', better: 'lower' as const, baseline: baselineOf(runtime, group, torchOk),
        };
        if (isNative && nativeMissing) {
          rows.push(skippedRow(base, 'prerequisite', nativeMissing));
          continue;
        }
        if (runtime.startsWith('torch') && torchSkip) {
          rows.push(skippedRow(base, torchSkip.kind, torchSkip.reason));
          continue;
        }
        let samples: number[] | undefined;
        let note: string | undefined;
        if (runtime.startsWith('browser')) {
          const b = runtime === 'browser-1t' ? one : multi;
          const s = isNative ? b.native : b.fixed[Number(group.split('/b')[1])];
          samples = s?.inferMs;
          if (s) note = `decode ${summarise(s.decodeMs).median.toFixed(1)} ms/image; engine: ${b.info.backend}, ${b.info.threads} thread(s), isolated=${b.info.crossOriginIsolated}`;
          if (runtime === 'browser-mt' && b.info.threads <= 1) note = `${note}; WARNING: isolated page ran 1 thread`;
        } else if (runtime.startsWith('ort-node')) {
          samples = node[`${group}/${runtime}`];
        } else {
          samples = torch[`${group}/${runtime}`];
          if (cfg.modelId !== 'resnet18-seeded') note = `smoke: torch runs resnet18, the others ${cfg.modelId}: ratio not meaningful`;
        }
        if (!samples || samples.length === 0) {
          rows.push(skippedRow(base, 'error', 'no samples'));
        } else {
          rows.push({ ...measured(base, summarise(samples)), note });
        }
      }
    }

    // fp32 at the demo size, then the int8 model in every int8 group.
    const browserNote = (b: { info: { backend: string; threads: number; crossOriginIsolated: boolean } }, s: EmbedSamples, runtime: Int8Runtime): string => {
      const n = `decode ${summarise(s.decodeMs).median.toFixed(1)} ms/image; engine: ${b.info.backend}, ${b.info.threads} thread(s), isolated=${b.info.crossOriginIsolated}`;
      return runtime === 'browser-mt' && b.info.threads <= 1 ? `${n}; WARNING: isolated page ran 1 thread` : n;
    };
    const demoGroup = `${demoSize(cfg)}/b1`;
    const fp32Samples = (group: string, runtime: Int8Runtime): { samples?: number[]; note?: string } => {
      if (runtime.startsWith('ort-node')) return { samples: group === demoGroup ? nodeInt8[`${group}/${runtime}`] : node[`${group}/${runtime}`] };
      const b = runtime === 'browser-1t' ? one : multi;
      const s = group === demoGroup ? b.demo : b.fixed[Number(group.split('/b')[1])];
      return { samples: s?.inferMs, note: s ? browserNote(b, s, runtime) : undefined };
    };
    const smokeNote = cfg.modelId !== INT8_REFERENCE ? `; smoke: fp32 rows run ${cfg.modelId}, not ${INT8_REFERENCE}: ratio not meaningful` : '';
    for (const runtime of INT8_RUNTIMES) {
      const id = `embed/${demoGroup}/${runtime}`;
      const base = {
        id, section: 'embedding', unit: 'ms/image', better: 'lower' as const,
        label: `${demoSize(cfg)}x${demoSize(cfg)} (the demo's size), batch 1: ${label(runtime, { browserMt: multi.info.threads })} [${cfg.modelId}]`,
        baseline: runtime.startsWith('browser') ? `embed/${demoGroup}/ort-node-${runtime.endsWith('1t') ? '1t' : 'mt'}` : undefined,
      };
      const { samples, note } = fp32Samples(demoGroup, runtime);
      rows.push(samples && samples.length > 0 ? { ...measured(base, summarise(samples)), note } : skippedRow(base, 'error', 'no samples'));
    }
    for (const group of int8Groups(cfg)) {
      const [size, batch] = group.split('/b').map(Number);
      for (const runtime of INT8_RUNTIMES) {
        const id = `embed/${group}/int8-${runtime}`;
        const suffix = runtime.endsWith('1t') ? '1t' : 'mt';
        // Baseline: the reference (PyTorch, same threads) where it ran at this size, else fp32 on the same runtime.
        const baseline = torchOk && group !== demoGroup ? `embed/${group}/torch-${suffix}` : `embed/${group}/${runtime}`;
        const base = {
          id, section: 'embedding', unit: 'ms/image', better: 'lower' as const, baseline,
          label: `${size}x${size}${group === demoGroup ? " (the demo's size)" : ''}, batch ${batch}: ${label(runtime, { browserMt: int8Multi.info.threads })} [${INT8_MODEL}]`,
        };
        let samples: number[] | undefined;
        let note: string | undefined;
        if (runtime.startsWith('browser')) {
          const b = runtime === 'browser-1t' ? int8One : int8Multi;
          const s = b.samples[group];
          samples = s?.inferMs;
          if (s) note = browserNote(b, s, runtime);
        } else {
          samples = nodeInt8[`${group}/int8-${runtime}`];
        }
        if (!samples || samples.length === 0) {
          rows.push(skippedRow(base, 'error', 'no samples'));
          continue;
        }
        const fp32 = fp32Samples(group, runtime).samples;
        const vsFp32 = fp32 && fp32.length > 0 ? `${(summarise(fp32).median / summarise(samples).median).toFixed(2)}x vs fp32 on the same runtime${smokeNote}` : 'no fp32 figure';
        rows.push({ ...measured(base, summarise(samples)), note: note ? `${vsFp32}; ${note}` : vsFp32 });
      }
    }
    log('embedding: int8 accuracy cost (onnxruntime-node, demo samples)');
    try {
      rows.push(...(await int8AccuracyRows()));
    } catch (error) {
      for (const id of ACCURACY_IDS) {
        rows.push(skippedRow({ id, section: 'embedding', label: id, unit: '', better: 'higher' }, 'error', (error as Error).message));
      }
    }
    return rows;
  },
};
