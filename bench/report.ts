/**
 * The printed table, the machine line, and the figures of bench/README.md (the full benchmark
 * page: what each figure means for a user, the goals, the full table, every figure taken from a
 * full run's results). The generated part sits between two marker comments, so the page's
 * hand-written text around it stays. `npx tsx bench/report.ts [results.json]` rewrites it from
 * bench/results/latest.json without re-running anything.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, type BenchConfig, type Machine, type Row } from './common.ts';

export interface BenchResult {
  machine: Machine;
  mode: 'smoke' | 'full';
  config: BenchConfig;
  seconds: number;
  loadAverageAfterSection: Record<string, number>;
  rows: Row[];
}

export function fmt(x: number): string {
  if (x >= 10_000) return Math.round(x).toLocaleString('en-GB');
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

export function formatTable(rows: Row[]): string {
  const lines = [
    '| measurement | unit | median | p95 | min-max | runs | vs baseline | note |',
    '|---|---|---:|---:|---|---:|---|---|',
  ];
  const byId = new Map(rows.map((r) => [r.id, r]));
  let section = '';
  for (const r of rows) {
    if (r.section !== section) {
      section = r.section;
      lines.push(`| **${section}** | | | | | | | |`);
    }
    if (r.skipped) {
      lines.push(`| ${r.label} | ${r.unit} | - | - | - | - | - | skipped: ${r.skipped.reason} |`);
      continue;
    }
    const s = r.stats!;
    const base = r.baseline ? byId.get(r.baseline) : undefined;
    const vs = r.ratio !== undefined && base ? `${r.ratio.toFixed(2)}x ${shortName(base)}` : '';
    lines.push(`| ${r.label} | ${r.unit} | ${fmt(s.median)} | ${r.showP95 ? fmt(s.p95) : ''} | ${fmt(s.min)}-${fmt(s.max)} | ${s.runs} | ${vs} | ${r.note ?? ''} |`);
  }
  return lines.join('\n');
}

/** "vs torch-1t" style name of a baseline row: the last part of its id. */
function shortName(r: Row): string {
  return `vs ${r.id.split('/').pop()}`;
}

export function machineLine(m: Machine): string {
  return `${m.date.slice(0, 16).replace('T', ' ')} UTC; ${m.cores} cores, ${m.cpuModel}, ${m.memoryGiB} GiB; Chromium ${m.chromium} (headless); `
    + `Node ${m.node}; onnxruntime-web ${m.onnxruntimeWeb}, onnxruntime-node ${m.onnxruntimeNode}; `
    + `PyTorch ${m.torch ?? 'not installed'}; scikit-learn ${m.sklearn ?? 'not installed'}`;
}

/** The README text: what each figure means to a user, then the full table. */
export function readmeSection(result: BenchResult): string {
  const byId = new Map(result.rows.map((r) => [r.id, r]));
  const v = (id: string, digits = 0, stat: 'median' | 'p95' = 'median'): string => {
    const r = byId.get(id);
    if (!r?.stats) return `n/a (${r?.skipped?.reason ?? 'not measured'})`;
    return r.stats[stat].toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  };
  const ratio = (id: string): string => {
    const r = byId.get(id);
    return r?.ratio !== undefined ? `${r.ratio.toFixed(2)}x` : 'n/a';
  };
  const note = (id: string): string => byId.get(id)?.note ?? '';
  const defaultModel = /\[([^\]]+)\]/.exec(byId.get('default-model/224/b1/browser-1t')?.label ?? '')?.[1] ?? 'n/a';
  /** A quality figure of the default model / of the raw-pixel baseline. */
  const q = (metric: string, digits = 1): string => v(`quality/${defaultModel}/${metric}`, digits);
  const qb = (metric: string, digits = 1): string => v(`quality/baseline-raw-pixels/${metric}`, digits);
  const atLeast = (id: string, target: number): string => {
    const m = byId.get(id)?.stats?.median;
    return m === undefined ? 'not measured' : m >= target ? 'met' : 'not met';
  };
  const atMost = (id: string, target: number): string => {
    const m = byId.get(id)?.stats?.median;
    return m === undefined ? 'not measured' : m <= target ? 'met' : 'not met';
  };
  const waitMatch = /waiting for the editor's store (\d+) ms, embed \(or cache lookup\) ([\d.]+) ms/.exec(note('taskopen/cached/plugin'));
  const size = result.config.size;
  const m = result.machine;
  const threads = /(\d+) threads \(isolated\)/.exec(byId.get(`embed/${size}/b1/browser-mt`)?.label ?? '')?.[1] ?? 'N';
  const load = Object.entries(result.loadAverageAfterSection ?? {}).map(([k, x]) => `${k} ${x}`).join(', ');
  return `Measured with \`npm run bench\` (about ${Math.round(result.seconds / 60)} minutes; \`npm run bench -- --json FILE\` also writes
the figures as JSON, the last full run is in \`bench/results/latest.json\`). Every baseline is
measured in the same run, on the same machine, with the same model and the same inputs.

Machine: ${machineLine(m)}.
A shared, noisy 2-core virtual machine without a GPU: the browser's WebGPU and tfjs-webgl
paths run on SwiftShader, a CPU emulation, so GPU figures here say nothing about real GPUs.
1-minute load average after each section (above ${m.cores}, other processes were competing): ${load}.

## What the figures mean for you

- **A suggestion appears ${v('taskopen/cached/plugin')} ms after a task opens** when its image has been seen
  before (embedding cached in IndexedDB; p95 ${v('taskopen/cached/plugin', 0, 'p95')} ms), and **${v('taskopen/uncached/plugin')} ms** the
  first time (p95 ${v('taskopen/uncached/plugin', 0, 'p95')} ms), measured by the plugin in the demo annotator (Label
  Studio's real editor, the shipped model settings) over ${byId.get('taskopen/cached/plugin')?.stats?.runs ?? 'n/a'} + ${byId.get('taskopen/uncached/plugin')?.stats?.runs ?? 'n/a'} task opens.${waitMatch ? ` Of the cached time, about
  ${waitMatch[1]} ms is the editor getting ready after the task is handed to it; the plugin's own work
  (cache lookup ${waitMatch[2]} ms, learner and prediction well under 1 ms) is the rest.` : ''} Counted from the
  click in the task list (which also rebuilds the editor): ${v('taskopen/cached/click')} ms cached, ${v('taskopen/uncached/click')} ms not.
- **First visit:** the engine downloads ${v('taskopen/cold/bytes', 1)} MB once (the default model, MobileNetV2 1.4 with
  uint8-stored weights, ~4.6 MB, and the WASM runtime, ~14 MB); here, from localhost, the engine was ready after
  ${v('taskopen/cold/engine-start')} ms and the first suggestion showed ${v('taskopen/cold/first-suggestion')} ms after navigation. On a
  50 Mbit/s connection add about ${Math.round(((byId.get('taskopen/cold/bytes')?.stats?.median ?? 0) * 8) / 50)} s for the download. **Later visits** download nothing: engine
  ready in ${v('taskopen/warm/engine-start')} ms.
- **Suggestion quality on real plankton** (ndsb-dev: 480 in-situ crops, 12 classes; the default model):
  after 5 labels per class the plugin's learner suggests the right class for ${q('learner-n5')} % of the other
  images (${q('learner-n1')} % after 1, ${q('learner-n10')} % after 10, ${q('learner-n20')} % after 20; raw pixels: ${qb('learner-n5')} % after 5); living vs
  non-living is right for ${q('living-n10')} % after 10 per class; scores are calibrated to expected calibration error
  ${q('ece-n5', 3)} after 5 per class (0 would mean a score of 0.8 is right exactly 8 times in 10); leave-one-out 1-NN ${q('loo-1nn')} %.
- **Embedding one image with the default model** (MobileNetV2 1.4, 224x224): ${v('default-model/224/b1/browser-1t')} ms in the browser
  with 1 WASM thread, ${v('default-model/224/b1/browser-mt')} ms with ${threads} threads; on the FlowCam crops ${v('default-model/flowcam/browser-1t')} ms
  (1 thread) against ${v('default-model/flowcam/torch-resnet50-native-1t')} ms for the reference backend's ResNet50 in PyTorch at the crops' own size
  (${ratio('default-model/flowcam/browser-1t')}); PyTorch runs the same MobileNetV2 architecture in ${v('default-model/224/b1/torch-mobilenet-v2-1.4-1t')} ms (1 thread).
- **Embedding one image, same model everywhere** (the seeded ResNet18, ${size}x${size}): ${v(`embed/${size}/b1/browser-mt`)} ms in the browser with ${threads} WASM threads
  (cross-origin isolated page), ${v(`embed/${size}/b1/browser-1t`)} ms with 1 thread (a page without COOP/COEP);
  the reference's PyTorch CPU takes ${v(`embed/${size}/b1/torch-mt`)} ms (${threads} threads) / ${v(`embed/${size}/b1/torch-1t`)} ms (1 thread), and native
  onnxruntime ${v(`embed/${size}/b1/ort-node-mt`)} / ${v(`embed/${size}/b1/ort-node-1t`)} ms. In batches of 8: browser ${v(`embed/${size}/b8/browser-mt`)} / ${v(`embed/${size}/b8/browser-1t`)} ms per
  image, PyTorch ${v(`embed/${size}/b8/torch-mt`)} / ${v(`embed/${size}/b8/torch-1t`)} ms. On real FlowCam crops at their own size (the
  reference's "native" preprocessing; ~100 px): browser ${v('embed/native/browser-mt', 1)} / ${v('embed/native/browser-1t', 1)} ms, PyTorch
  ${v('embed/native/torch-mt', 1)} / ${v('embed/native/torch-1t', 1)} ms per image.
- **Clustering** 10,000 embeddings into 10 clusters takes ${v('kmeans/n10000/k10/ts')} ms in the browser (plain
  TypeScript, one worker thread), against ${v('kmeans/n10000/k10/sklearn-1t')} ms for scikit-learn with 1 thread and
  ${v('kmeans/n10000/k10/sklearn-mt')} ms with all cores (same data, starts and iterations); 50,000: ${v('kmeans/n50000/k10/ts')} ms vs
  ${v('kmeans/n50000/k10/sklearn-1t')} / ${v('kmeans/n50000/k10/sklearn-mt')} ms. Refits run in a worker: the page stays responsive meanwhile.
- **The embedding cache:** storing 10,000 embeddings in one transaction takes ${v('idb/write/putMany')} ms
  (${ratio('idb/write/putMany')} faster than one transaction each), reading them all back ${v('idb/read/getAll')} ms.
- **The shim** answers ${v('shim/predict-100')} \`/predict\` calls per second with 100 tasks each (Label Studio asks
  for far fewer): it is never the bottleneck.
- **Memory:** while embedding 500 images the tab's renderer process (page, engine worker, WASM
  heap with the model) peaked at ${v('memory/renderer-peak')} MB resident; JS heaps stay small (page
  ${v('memory/page-js-heap-peak', 1)} MB, workers ${v('memory/worker-js-heap-peak', 1)} MB): the memory is the model and the WASM runtime.

## Goals

| goal | result | verdict |
|---|---|---|
| embedding >= 1.0x PyTorch CPU at the same threads | ${size}² batch 1: ${ratio(`embed/${size}/b1/browser-1t`)} (1 thread), ${ratio(`embed/${size}/b1/browser-mt`)} (${threads} threads); batch 8: ${ratio(`embed/${size}/b8/browser-1t`)} / ${ratio(`embed/${size}/b8/browser-mt`)}; FlowCam native: ${ratio('embed/native/browser-1t')} / ${ratio('embed/native/browser-mt')} | ${goal(byId, [`embed/${size}/b1/browser-1t`, `embed/${size}/b1/browser-mt`, `embed/${size}/b8/browser-1t`, `embed/${size}/b8/browser-mt`], 1.0)} |
| cached task open → suggestion <= 30 ms p50 | ${v('taskopen/cached/plugin')} ms p50 | ${(byId.get('taskopen/cached/plugin')?.stats?.median ?? Infinity) <= 30 ? 'met' : 'not met'} |
| default model in the browser faster than the reference's ResNet50 in PyTorch (FlowCam crops, same threads) | ${ratio('default-model/flowcam/browser-1t')} (1 thread), ${ratio('default-model/flowcam/browser-mt')} (${threads} threads) | ${goal(byId, ['default-model/flowcam/browser-1t', 'default-model/flowcam/browser-mt'], 1.0)} |
| ndsb-dev leave-one-out 1-NN >= 88 % | ${q('loo-1nn')} % | ${atLeast(`quality/${defaultModel}/loo-1nn`, 88)} |
| ndsb-dev learner at 5 labels per class >= 80 % | ${q('learner-n5')} % | ${atLeast(`quality/${defaultModel}/learner-n5`, 80)} |
| ndsb-dev living vs non-living at 10 per class >= 95 % | ${q('living-n10')} % | ${atLeast(`quality/${defaultModel}/living-n10`, 95)} |
| ndsb-dev expected calibration error <= 0.05 | ${q('ece-n5', 3)} (5 per class), ${q('ece-n10', 3)} (10) | ${atMost(`quality/${defaultModel}/ece-n5`, 0.05)} |
| k-means >= 1.5x scikit-learn at the same iterations | 10k x 512, k=10: ${ratio('kmeans/n10000/k10/ts')} vs 1 thread; 50k: ${ratio('kmeans/n50000/k10/ts')} | ${goal(byId, ['kmeans/n10000/k10/ts', 'kmeans/n50000/k10/ts'], 1.5)} |

Ratios are speed-ups against the baseline named in the table (>1: faster than the baseline).

## Full table (${m.date.slice(0, 10)})

${formatTable(result.rows)}
`;
}

function goal(byId: Map<string, Row>, ids: string[], target: number): string {
  const ratios = ids.map((id) => byId.get(id)?.ratio).filter((r): r is number => r !== undefined);
  if (ratios.length === 0) return 'not measured';
  if (ratios.every((r) => r >= target)) return 'met';
  return ratios.some((r) => r >= target) ? 'partly met' : 'not met';
}

/** Marker comments around the generated part of bench/README.md. */
export const GENERATED_BEGIN = '<!-- figures: generated by bench/report.ts from a full run; edit the text around them -->';
export const GENERATED_END = '<!-- end of generated figures -->';

/** The benchmark page, written by {@link writeReadmeSection}. */
export const BENCH_README = join(ROOT, 'bench', 'README.md');

/** `page` with its generated part replaced by `figures` (appended when the page has no markers yet). */
export function withFigures(page: string, figures: string): string {
  const block = `${GENERATED_BEGIN}\n${figures.trimEnd()}\n${GENERATED_END}`;
  const begin = page.indexOf(GENERATED_BEGIN);
  const end = page.indexOf(GENERATED_END);
  if (begin >= 0 && end > begin) return page.slice(0, begin) + block + page.slice(end + GENERATED_END.length);
  return `${page.trimEnd()}\n\n${block}\n`;
}

/**
 * Put a full run's figures into the benchmark page. The page is bench/README.md; a caller that
 * still names the old bench/README-section.md gets the page beside it (the figures moved there).
 */
export function writeReadmeSection(result: BenchResult, path: string = BENCH_README): string {
  const target = basename(path) === 'README-section.md' ? join(dirname(path), 'README.md') : path;
  const page = existsSync(target) ? readFileSync(target, 'utf8') : '# Benchmark\n';
  writeFileSync(target, withFigures(page, readmeSection(result)));
  return target;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2] ?? join(ROOT, 'bench', 'results', 'latest.json');
  const result = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
  if (result.mode !== 'full') throw new Error(`${file} is a ${result.mode} run: the benchmark page needs a full run`);
  console.log(`wrote ${writeReadmeSection(result)}`);
}
