/**
 * Section "default-model": embedding time of the manifest's default model (the ImageNet
 * MobileNetV2 1.0 computed in float, or the nsfwjs MobileNetV2 1.4 where ../shared/models is
 * absent) beside what it replaces, in one run (in the browser at 1 thread: the previous default,
 * the same network in int8, and nsfwjs's, the default when issue 18 was filed):
 *  - the browser through the engine's own path (EmbeddingClient → worker → ORT web WASM), 1
 *    thread (page not isolated) and all threads (isolated), at 224² batch 1 (its input size):
 *    the default, and at 1 thread the previous default, nsfwjs's fp32-weights file, the
 *    rotation-averaged variant of the default (four passes an image) and the in-situ model;
 *  - onnxruntime-node, 1 thread and the browser's thread count;
 *  - PyTorch CPU, the same architecture (torchvision mobilenet_v2(width_mult=1.4), random
 *    weights), same threads and the same pixels;
 *  - the work it replaces: the reference backend's ResNet50 in PyTorch at native size on the
 *    FlowCam crops, against the default model in the browser on the same crops (each crop is
 *    preprocessed to 224² as the manifest says, so its time is the same for any crop size).
 * The ResNet18 fp32 / int8 rows stay in the "embedding" section.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { readManifest } from '../scripts/onnx/manifest-file.ts';
import { decodeTiff } from '../src/embedding/decode-tiff.ts';
import { FLOWCAM_DIR, log, measured, openBenchPage, ROOT, runPython, skippedRow, type BenchConfig, type Row } from './common.ts';
import type { EngineInfo } from '../src/embedding/worker-protocol.ts';
import type { EmbedSamples } from './page/bench-page.ts';
import type { BenchContext, Section } from './section.ts';
import { summarise } from './stats.ts';
import { rgbaToChwUnit, syntheticRgba } from './synthetic.ts';

const SECTION = 'default-model';
const SIZE = 224;
const mtThreads = (): number => Math.min(cpus().length, 4);
const FP32_ID = 'mobilenet-v2-1.4-nsfwjs';
/** The previous default (the same network computing in int8, until 2026-12-05), measured beside the default in the same run. */
const PREVIOUS_ID = 'mobilenet-v2-1.0-imagenet-int8';
/** The default when issue 18 set "no slower per image than today's" (until 2026-12-04). */
const NSFWJS_ID = 'mobilenet-v2-1.4-nsfwjs-u8';
/**
 * The rotation-averaged variant (four passes an image) of the default, measured beside it: the
 * ImageNet one where the catalogue has it (../shared/models present), else nsfwjs's.
 */
const ROT4_IDS = ['mobilenet-v2-1.0-imagenet-rot4', 'mobilenet-v2-1.4-nsfwjs-u8-rot4'] as const;
const SMOKE_MODEL = 'resnet-tiny-seeded';
/** The catalogue's in-situ model (ImageNet front + fine-tuned float tail), measured beside the default. */
const INSITU_ID = 'mobilenet-v2-1.0-imagenet-insitu';

const ROWS = {
  browser1t: `${SECTION}/224/b1/browser-1t`,
  browserMt: `${SECTION}/224/b1/browser-mt`,
  browserRot4: `${SECTION}/224/b1/browser-1t-rot4`,
  browserFp32: `${SECTION}/224/b1/browser-1t-fp32-file`,
  browserPrevious: `${SECTION}/224/b1/browser-1t-previous-default`,
  browserNsfwjs: `${SECTION}/224/b1/browser-1t-nsfwjs-u8`,
  browserInsitu: `${SECTION}/224/b1/browser-1t-insitu`,
  node1t: `${SECTION}/224/b1/ort-node-1t`,
  nodeMt: `${SECTION}/224/b1/ort-node-mt`,
  torch1t: `${SECTION}/224/b1/torch-mobilenet-v2-1.4-1t`,
  torchMt: `${SECTION}/224/b1/torch-mobilenet-v2-1.4-mt`,
  flowcamBrowser1t: `${SECTION}/flowcam/browser-1t`,
  flowcamBrowserMt: `${SECTION}/flowcam/browser-mt`,
  resnet50_1t: `${SECTION}/flowcam/torch-resnet50-native-1t`,
  resnet50Mt: `${SECTION}/flowcam/torch-resnet50-native-mt`,
} as const;

function defaultId(): string {
  const m = readManifest(join(ROOT, 'models', 'manifest.json'));
  if (!m) throw new Error('models/manifest.json missing: npm run models');
  return m.default;
}

function flowcamFiles(smoke: boolean): string[] {
  if (!existsSync(FLOWCAM_DIR)) return [];
  const files = readdirSync(FLOWCAM_DIR).filter((f) => /\.tiff?$/i.test(f)).sort().map((f) => join(FLOWCAM_DIR, f));
  return smoke ? files.slice(0, 4) : files;
}

async function browserRuns(ctx: BenchContext, baseUrl: string, modelId: string, files: string[]): Promise<{ info: EngineInfo; fixed: EmbedSamples; flowcam?: EmbedSamples }> {
  const { cfg } = ctx;
  const { context, page } = await openBenchPage(ctx.browser, baseUrl);
  try {
    const info = await page.evaluate((m) => window.bench.startEngine(m), modelId);
    const fixed = await page.evaluate((o) => window.bench.embedSynthetic(o), { size: SIZE, batch: 1, warmup: cfg.warmup, runs: cfg.runs });
    let flowcam: EmbedSamples | undefined;
    if (files.length > 0) {
      const data = files.map((f) => [...readFileSync(f)]);
      flowcam = await page.evaluate((o) => window.bench.embedFiles(o), { files: data, warmup: 1, runs: cfg.smoke ? 1 : 3 });
    }
    return { info, fixed, flowcam };
  } finally {
    await context.close();
  }
}

async function ortNodeRuns(cfg: BenchConfig, file: string, input: Float32Array): Promise<Record<'1t' | 'mt', number[]>> {
  const ort = await import('onnxruntime-node');
  const out = { '1t': [] as number[], mt: [] as number[] };
  for (const [suffix, threads] of [['1t', 1], ['mt', mtThreads()]] as const) {
    const session = await ort.InferenceSession.create(join(ROOT, 'models', file), { intraOpNumThreads: threads, interOpNumThreads: 1 });
    for (let r = 0; r < cfg.warmup + cfg.runs; r++) {
      const t = performance.now();
      await session.run({ input: new ort.Tensor('float32', input, [1, 3, SIZE, SIZE]) });
      if (r >= cfg.warmup) out[suffix].push(performance.now() - t);
    }
    await session.release();
  }
  return out;
}

function browserNote(info: EngineInfo, s: EmbedSamples): string {
  return `decode ${summarise(s.decodeMs).median.toFixed(1)} ms/image; engine: ${info.backend}, ${info.threads} thread(s), isolated=${info.crossOriginIsolated}`;
}

export const defaultModelSection: Section = {
  name: SECTION,
  expected: () => Object.values(ROWS),
  async run(ctx) {
    const { cfg } = ctx;
    // Smoke checks that every row works: the tiny test model stands in for both files.
    const id = cfg.smoke ? SMOKE_MODEL : defaultId();
    const fp32Id = cfg.smoke ? SMOKE_MODEL : FP32_ID;
    const manifest = readManifest(join(ROOT, 'models', 'manifest.json'))!;
    const entry = manifest.models.find((m) => m.id === id)!;
    const files = flowcamFiles(cfg.smoke);
    const rows: Row[] = [];
    const row = (rid: string, label: string, samples: number[] | undefined, extra: Partial<Row> = {}): void => {
      const base = { id: rid, section: SECTION, label, unit: 'ms/image', better: 'lower' as const, ...extra };
      rows.push(samples && samples.length ? measured(base, summarise(samples)) : skippedRow(base, 'error', 'no samples'));
    };

    log(`default-model: browser, ${id}, 1 thread and isolated`);
    const one = await browserRuns(ctx, ctx.plainUrl, id, files);
    const multi = await browserRuns(ctx, ctx.isolatedUrl, id, files);
    const fp32 = manifest.models.some((m) => m.id === fp32Id) ? await browserRuns(ctx, ctx.plainUrl, fp32Id, []) : undefined;
    const previousId = cfg.smoke ? SMOKE_MODEL : PREVIOUS_ID;
    const previous = previousId !== id && manifest.models.some((m) => m.id === previousId) ? await browserRuns(ctx, ctx.plainUrl, previousId, []) : undefined;
    const nsfwjsId = cfg.smoke ? SMOKE_MODEL : NSFWJS_ID;
    const nsfwjs = nsfwjsId !== id && manifest.models.some((m) => m.id === nsfwjsId) ? await browserRuns(ctx, ctx.plainUrl, nsfwjsId, []) : undefined;
    const rot4Id = cfg.smoke ? SMOKE_MODEL : (ROT4_IDS.find((r) => manifest.models.some((m) => m.id === r)) ?? ROT4_IDS[0]);
    const rot4 = manifest.models.some((m) => m.id === rot4Id) ? await browserRuns(ctx, ctx.plainUrl, rot4Id, []) : undefined;
    const insituId = cfg.smoke ? SMOKE_MODEL : INSITU_ID;
    const insitu = manifest.models.some((m) => m.id === insituId) ? await browserRuns(ctx, ctx.plainUrl, insituId, []) : undefined;

    const input = new Float32Array(3 * SIZE * SIZE);
    rgbaToChwUnit(syntheticRgba(SIZE, SIZE, 1), SIZE, SIZE, input, 0);
    log('default-model: onnxruntime-node');
    const node = await ortNodeRuns(cfg, entry.file, input);

    let torch: Record<string, number[]> = {};
    let torchSkip: string | undefined;
    if (!ctx.machine.torch) torchSkip = 'python3-torch not installed (apt-get install python3-torch python3-torchvision)';
    else {
      log('default-model: PyTorch mobilenet_v2(width_mult=1.4) and the reference ResNet50 at native size');
      const bin = join(ctx.tmp, 'default-model-input.bin');
      writeFileSync(bin, Buffer.from(input.buffer));
      // The crops' own sizes (the browser reports its 224² tensors): read them in Node.
      const sizes = await Promise.all(files.map(async (f) => {
        const b = readFileSync(f);
        const p = await decodeTiff(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
        return { width: p.width, height: p.height };
      }));
      try {
        const mob = runPython('torch_embed.py', { arch: 'mobilenet_v2_1.4', threads: [1, mtThreads()], size: SIZE, batches: [1], input_bin: bin, warmup: cfg.warmup, runs: cfg.runs }, 300_000) as {
          results: Array<{ threads: number; kind: string; ms_per_image: number[] }>;
        };
        for (const r of mob.results) torch[`mob-${r.threads === 1 ? '1t' : 'mt'}`] = r.ms_per_image;
        if (sizes.length) {
          const res = runPython('torch_embed.py', {
            arch: 'resnet50', threads: [1, mtThreads()], size: SIZE, batches: [], native_sizes: sizes.map((s) => [s.height, s.width]),
            warmup: 1, runs: 1, native_warmup: 1, native_runs: cfg.smoke ? 1 : 3,
          }, 600_000) as { results: Array<{ threads: number; kind: string; ms_per_image: number[] }> };
          for (const r of res.results) torch[`r50-${r.threads === 1 ? '1t' : 'mt'}`] = r.ms_per_image;
        }
      } catch (error) {
        torchSkip = (error as Error).message;
        torch = {};
      }
    }

    const mt = multi.info.threads;
    const what = `224x224 batch 1 [${id}]`;
    row(ROWS.browser1t, `${what}: Chromium, ORT web WASM, 1 thread (not isolated)`, one.fixed.inferMs, { baseline: torchSkip ? ROWS.node1t : ROWS.torch1t, note: browserNote(one.info, one.fixed) });
    row(ROWS.browserMt, `${what}: Chromium, ORT web WASM, ${mt} threads (isolated)`, multi.fixed.inferMs, { baseline: torchSkip ? ROWS.nodeMt : ROWS.torchMt, note: browserNote(multi.info, multi.fixed) });
    const rot4Label = `224x224 batch 1 [${rot4Id}: rotation-averaged, 4 passes an image]: Chromium, ORT web WASM, 1 thread`;
    if (rot4) row(ROWS.browserRot4, rot4Label, rot4.fixed.inferMs, { baseline: ROWS.browser1t, note: `${browserNote(rot4.info, rot4.fixed)}; ratio vs the one-pass default` });
    else rows.push(skippedRow({ id: ROWS.browserRot4, section: SECTION, label: rot4Label, unit: 'ms/image', better: 'lower' }, 'prerequisite', `${rot4Id} not in the manifest`));
    const previousLabel = `224x224 batch 1 [${previousId}: the previous default]: Chromium, ORT web WASM, 1 thread`;
    if (previous) row(ROWS.browserPrevious, previousLabel, previous.fixed.inferMs, { baseline: ROWS.browser1t, note: `${browserNote(previous.info, previous.fixed)}; ratio < 1: the default is faster per image` });
    else rows.push(skippedRow({ id: ROWS.browserPrevious, section: SECTION, label: previousLabel, unit: 'ms/image', better: 'lower' }, 'prerequisite', previousId !== id ? `${previousId} not in the manifest` : cfg.smoke ? 'smoke run: one small model stands for every model' : `${previousId} is the default (../shared/models absent)`));
    const nsfwjsLabel = `224x224 batch 1 [${nsfwjsId}: the default when issue 18 was filed]: Chromium, ORT web WASM, 1 thread`;
    if (nsfwjs) row(ROWS.browserNsfwjs, nsfwjsLabel, nsfwjs.fixed.inferMs, { baseline: ROWS.browser1t, note: `${browserNote(nsfwjs.info, nsfwjs.fixed)}; ratio < 1: the default is faster per image` });
    else rows.push(skippedRow({ id: ROWS.browserNsfwjs, section: SECTION, label: nsfwjsLabel, unit: 'ms/image', better: 'lower' }, 'prerequisite', nsfwjsId !== id ? `${nsfwjsId} not in the manifest` : cfg.smoke ? 'smoke run: one small model stands for every model' : `${nsfwjsId} is the default (../shared/models absent)`));
    const insituLabel = `224x224 batch 1 [${insituId}: ImageNet int8 front + fine-tuned tail]: Chromium, ORT web WASM, 1 thread`;
    if (insitu) row(ROWS.browserInsitu, insituLabel, insitu.fixed.inferMs, { baseline: ROWS.browser1t, note: `${browserNote(insitu.info, insitu.fixed)}; ratio vs the default` });
    else rows.push(skippedRow({ id: ROWS.browserInsitu, section: SECTION, label: insituLabel, unit: 'ms/image', better: 'lower' }, 'prerequisite', `${insituId} not in the manifest (models/adapters/insitu-tail.onnx and ../shared/models needed)`));
    const fp32Label = `224x224 batch 1 [${fp32Id}, fp32 weights file]: Chromium, ORT web WASM, 1 thread`;
    if (fp32) row(ROWS.browserFp32, fp32Label, fp32.fixed.inferMs, { baseline: ROWS.browser1t, note: `${browserNote(fp32.info, fp32.fixed)}; vs the uint8-weight default file: same network, ratio ~1 expected` });
    else rows.push(skippedRow({ id: ROWS.browserFp32, section: SECTION, label: fp32Label, unit: 'ms/image', better: 'lower' }, 'prerequisite', `${fp32Id} not in the manifest`));
    row(ROWS.node1t, `${what}: onnxruntime-node CPU, 1 thread`, node['1t']);
    row(ROWS.nodeMt, `${what}: onnxruntime-node CPU, ${mtThreads()} threads`, node.mt);
    const torchLabel = '224x224 batch 1 [torchvision mobilenet_v2(width_mult=1.4), random weights]: PyTorch CPU';
    for (const [rid, key, threads] of [[ROWS.torch1t, 'mob-1t', 1], [ROWS.torchMt, 'mob-mt', mtThreads()]] as const) {
      if (torchSkip) rows.push(skippedRow({ id: rid, section: SECTION, label: `${torchLabel}, ${threads} thread(s)`, unit: 'ms/image', better: 'lower' }, ctx.machine.torch ? 'error' : 'prerequisite', torchSkip));
      else row(rid, `${torchLabel}, ${threads} thread(s)`, torch[key]);
    }
    const crops = `${files.length} FlowCam crops`;
    for (const [rid, b, base, threads] of [[ROWS.flowcamBrowser1t, one, ROWS.resnet50_1t, 1], [ROWS.flowcamBrowserMt, multi, ROWS.resnet50Mt, mt]] as const) {
      const label = `${crops}, each preprocessed to 224² [${id}]: Chromium, ORT web WASM, ${threads} thread(s)`;
      if (!files.length) rows.push(skippedRow({ id: rid, section: SECTION, label, unit: 'ms/image', better: 'lower' }, 'prerequisite', `FlowCam crops not found in ${FLOWCAM_DIR}`));
      else row(rid, label, b.flowcam?.inferMs, { baseline: torchSkip ? undefined : base, note: b.flowcam ? browserNote(b.info, b.flowcam) : undefined });
    }
    for (const [rid, key, threads] of [[ROWS.resnet50_1t, 'r50-1t', 1], [ROWS.resnet50Mt, 'r50-mt', mtThreads()]] as const) {
      const label = `${crops} at native size [torchvision resnet50, fc = Identity: the reference backend's model]: PyTorch CPU, ${threads} thread(s)`;
      if (!files.length) rows.push(skippedRow({ id: rid, section: SECTION, label, unit: 'ms/image', better: 'lower' }, 'prerequisite', `FlowCam crops not found in ${FLOWCAM_DIR}`));
      else if (torchSkip) rows.push(skippedRow({ id: rid, section: SECTION, label, unit: 'ms/image', better: 'lower' }, ctx.machine.torch ? 'error' : 'prerequisite', torchSkip));
      else row(rid, label, torch[key]);
    }
    return rows;
  },
};
