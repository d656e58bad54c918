/**
 * Section "import": how fast a project gets its embeddings, in images per second, on the same
 * images and the same model, in one run:
 *  - `npm run import -- <folder> --to-folder DIR --embed` (the whole import as the CLI runs it:
 *    read, sniff, decode/convert TIFF to PNG, hash, FlowCam matching, onnxruntime-node on all
 *    cores, PNG and part files written), wall time over every image;
 *  - the browser's own pre-annotation path on the displayed PNGs the import made: the engine
 *    client's `embedMany` in batches of 8 (the pre-annotate job's batch), cache bypassed, on an
 *    isolated page (ORT threads) and on a plain page (1 thread: the Community proxy's default,
 *    without --isolate). Fetching from Label Studio and writing predictions are not counted, so
 *    the browser figure is an upper bound of its pre-annotation speed.
 * Images: the demo's sample PNGs plus the real FlowCam TIFFs of ../shared when present.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { folderDestination } from '../src/import/destinations.ts';
import { NodeEmbedder } from '../src/import/node-embedder.ts';
import { runImport } from '../src/import/run-import.ts';
import { DIST_DEMO, FLOWCAM_DIR, log, measured, openBenchPage, ROOT, skippedRow, type Row } from './common.ts';
import type { BenchContext, Section } from './section.ts';
import { summarise } from './stats.ts';

const IDS = ['import/embed/node', 'import/embed/browser-mt', 'import/embed/browser-1t'];
/** The pre-annotate job's batch size (src/project-tools/preannotate-job.ts). */
const BROWSER_BATCH = 8;

/**
 * Copies the input images into one folder: sample PNGs and (when present) FlowCam TIFFs; at
 * most `limit` of each (smoke runs keep `npm test` short).
 */
function gatherInputs(dir: string, limit: number): { samples: number; flowcam: number } {
  mkdirSync(dir, { recursive: true });
  const samplesDir = join(DIST_DEMO, 'samples');
  const samples = readdirSync(samplesDir).filter((f) => f.endsWith('.png')).sort().slice(0, limit);
  for (const f of samples) copyFileSync(join(samplesDir, f), join(dir, f));
  let flowcam = 0;
  if (existsSync(FLOWCAM_DIR)) {
    mkdirSync(join(dir, 'flowcam'), { recursive: true });
    for (const f of readdirSync(FLOWCAM_DIR).filter((n) => n.endsWith('.tif')).sort().slice(0, limit)) {
      copyFileSync(join(FLOWCAM_DIR, f), join(dir, 'flowcam', f));
      flowcam++;
    }
  }
  return { samples: samples.length, flowcam };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

export const importSection: Section = {
  name: 'import',
  expected: () => IDS,
  async run(ctx: BenchContext): Promise<Row[]> {
    const { cfg } = ctx;
    const runs = cfg.smoke ? 1 : Math.min(cfg.runs, 5);
    const source = join(ctx.tmp, 'import-source');
    const inputs = gatherInputs(source, cfg.smoke ? 8 : Number.POSITIVE_INFINITY);
    const threads = availableParallelism();
    const what = `${inputs.samples} sample PNGs${inputs.flowcam ? ` + ${inputs.flowcam} FlowCam TIFFs` : ''}, ${cfg.modelId}`;
    const rows: Row[] = [];

    let embedder: NodeEmbedder;
    try {
      embedder = await NodeEmbedder.create(join(ROOT, 'models', 'manifest.json'), cfg.modelId, threads);
    } catch (error) {
      return IDS.map((id) => skippedRow({ id, section: 'import', label: id, unit: 'images/s', better: 'higher' }, 'prerequisite', (error as Error).message));
    }
    // Node: the whole import, into a fresh folder each run (nothing skipped as already imported).
    const nodeRates: number[] = [];
    let displayDir = '';
    let embedded = 0;
    try {
      for (let r = 0; r < 1 + runs; r++) {
        const out = join(ctx.tmp, `import-out-${r}`);
        const t = performance.now();
        const summary = await runImport({ folder: source, destination: await folderDestination(out, 'images/', 'image'), embedder, embeddingTargets: { dir: join(out, 'embeddings') }, quiet: true });
        const seconds = (performance.now() - t) / 1000;
        embedded = summary.embedding?.embedded ?? 0;
        if (r > 0) nodeRates.push(summary.found / seconds);
        if (r === 0) displayDir = join(out, 'images');
        else rmSync(out, { recursive: true, force: true });
      }
    } finally {
      await embedder.release();
    }
    log(`import: node ${nodeRates.map((x) => x.toFixed(1)).join(', ')} images/s (${embedded} embedded)`);
    rows.push(measured({
      id: 'import/embed/node', section: 'import', unit: 'images/s', better: 'higher', baseline: 'import/embed/browser-1t',
      label: `npm run import --embed (read, convert, hash, embed, write), onnxruntime-node, ${threads} threads [${what}]`,
      note: `${embedded} images embedded per run; whole pipeline, wall time`,
    }, summarise(nodeRates)));

    // Browser: the displayed PNGs the import wrote, embedded as pre-annotation does.
    const files = listFiles(displayDir).map((f) => [...readFileSync(f)]);
    for (const [suffix, baseUrl, isolated] of [['mt', ctx.isolatedUrl, true], ['1t', ctx.plainUrl, false]] as const) {
      const { context, page } = await openBenchPage(ctx.browser, baseUrl);
      try {
        const result = await page.evaluate(async (o) => {
          const client = window.bench.createClient({ modelId: o.modelId });
          const info = await client.start();
          const blobs = o.files.map((bytes) => new Blob([new Uint8Array(bytes)]));
          const rates: number[] = [];
          for (let r = 0; r < 1 + o.runs; r++) {
            const t = performance.now();
            for (let i = 0; i < blobs.length; i += o.batch) {
              const outcomes = await client.embedMany(blobs.slice(i, i + o.batch), { noCache: true });
              const failed = outcomes.find((x) => !x.ok);
              if (failed && !failed.ok) throw new Error(`${failed.error.code}: ${failed.error.message}`);
            }
            if (r > 0) rates.push(blobs.length / ((performance.now() - t) / 1000));
          }
          client.terminate();
          return { rates, threads: info.threads };
        }, { files, runs, batch: BROWSER_BATCH, modelId: cfg.modelId });
        log(`import: browser ${suffix} ${result.rates.map((x) => x.toFixed(1)).join(', ')} images/s`);
        rows.push(measured({
          id: `import/embed/browser-${suffix}`, section: 'import', unit: 'images/s', better: 'higher',
          label: `browser pre-annotation embedding (engine worker, batches of ${BROWSER_BATCH}), ORT web WASM, ${result.threads} thread(s)${isolated ? ' (isolated page)' : ' (not isolated: the proxy default)'} [${what}]`,
          note: 'embedding only: no fetch from Label Studio, no prediction writes',
        }, summarise(result.rates)));
      } finally {
        await context.close();
      }
    }
    return rows;
  },
};
