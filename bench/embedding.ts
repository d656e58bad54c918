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

const BATCHES = [1, 8] as const;
/** The engine's thread count on an isolated page: min(cores, 4). */
const mtThreads = (): number => Math.min(cpus().length, 4);

type Runtime = 'browser-1t' | 'browser-mt' | 'ort-node-1t' | 'ort-node-mt' | 'torch-1t' | 'torch-mt';
const RUNTIMES: Runtime[] = ['browser-1t', 'browser-mt', 'ort-node-1t', 'ort-node-mt', 'torch-1t', 'torch-mt'];
const groups = (cfg: BenchConfig): string[] => [...BATCHES.map((b) => `${cfg.size}/b${b}`), 'native'];

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
    return { info, fixed, native };
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

export const embeddingSection: Section = {
  name: 'embedding',
  expected: (cfg) => groups(cfg).flatMap((g) => RUNTIMES.map((r) => `embed/${g}/${r}`)),
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
    log('embedding: onnxruntime-node');
    const node = await ortNodeRuns(cfg, batchInput, nativeSizes);

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
    return rows;
  },
};
