/**
 * Section "scale": images/s of `npm run import -- DIR --embed` per format and per engine, and
 * the time 1M images would take, as arithmetic from those figures. Import --embed only: the
 * pre-annotation's prediction writes into Label Studio are measured elsewhere, not here.
 *
 * Images: the ndsb-dev JPEG crops (../shared; all 480 in a full run, 8 in smoke), and the same
 * crops written as PNG and as LZW TIFF by sharp (same pixels: the figures differ by decoding
 * only). Engines, in one run, on the same folder:
 *  - `1 process`: the import in this process (runImport + NodeEmbedder, all cores' threads);
 *  - `Dask 1 worker` / `Dask 2 workers`: src/import/distributed/dask_embed.py with a LocalCluster
 *    of 1 worker process (onnxruntime threads = cores) or 2 (threads = cores / 2), 2 shards per
 *    worker, each shard the project's Node import in its own process. Wall time from the
 *    driver's start to the gathered parts, cluster start-up included (it is part of a run).
 * Model: the manifest's default (what `npm run import -- DIR --embed` runs); smoke runs use the
 * small model and time the Dask engines on JPEG only (each Dask run costs a cluster start).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { folderDestination } from '../src/import/destinations.ts';
import { NodeEmbedder } from '../src/import/node-embedder.ts';
import { runImport } from '../src/import/run-import.ts';
import { log, measured, ROOT, skippedRow, type BenchConfig, type Row } from './common.ts';
import type { BenchContext, Section } from './section.ts';
import { summarise } from './stats.ts';

const run = promisify(execFile);
const FORMATS = ['jpeg', 'png', 'tiff'] as const;
type Format = (typeof FORMATS)[number];
const ENGINES = ['1p', 'dask-1w', 'dask-2w'] as const;
type Engine = (typeof ENGINES)[number];
const NDSB = join(ROOT, '..', 'shared', 'fixtures', 'ndsb-dev');
const PYTHON = '/usr/bin/python3';
const DASK_SCRIPT = join(ROOT, 'src', 'import', 'distributed', 'dask_embed.py');
const PROJECTION_ID = 'scale/projection-1M';

function daskFormats(cfg: BenchConfig): readonly Format[] {
  return cfg.smoke ? ['jpeg'] : FORMATS;
}

function ids(cfg: BenchConfig): string[] {
  const out: string[] = [];
  for (const f of FORMATS) for (const e of ENGINES) if (e === '1p' || daskFormats(cfg).includes(f)) out.push(`scale/${f}/${e}`);
  return [...out, PROJECTION_ID];
}

function label(format: Format, engine: Engine, n: number, threads: number, modelId: string): string {
  const what = engine === '1p' ? `1 process, onnxruntime-node ${threads} threads` : engine === 'dask-1w' ? `Dask LocalCluster, 1 worker process x ${threads} threads` : `Dask LocalCluster, 2 worker processes x ${Math.max(1, threads / 2)} thread(s)`;
  return `import --embed, ${format.toUpperCase()} (${n} ndsb-dev crops, ${modelId}), ${what}`;
}

/** The crops as JPEG (as they are), PNG and LZW TIFF, in one folder per format. */
async function makeInputs(dir: string, limit: number): Promise<number> {
  const sharp = (await import('sharp')).default;
  const files: string[] = [];
  for (const d of readdirSync(NDSB, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (d.isDirectory()) for (const f of readdirSync(join(NDSB, d.name)).sort()) if (f.endsWith('.jpg')) files.push(join(NDSB, d.name, f));
  }
  const chosen = files.slice(0, limit);
  for (const f of FORMATS) mkdirSync(join(dir, f), { recursive: true });
  for (const [i, f] of chosen.entries()) {
    const bytes = readFileSync(f);
    const name = `crop-${String(i).padStart(4, '0')}`;
    writeFileSync(join(dir, 'jpeg', `${name}.jpg`), bytes);
    writeFileSync(join(dir, 'png', `${name}.png`), await sharp(bytes).png().toBuffer());
    writeFileSync(join(dir, 'tiff', `${name}.tif`), await sharp(bytes).tiff({ compression: 'lzw' }).toBuffer());
  }
  return chosen.length;
}

async function hasDask(): Promise<string | undefined> {
  if (!existsSync(PYTHON)) return `${PYTHON} is absent`;
  try {
    await run(PYTHON, ['-c', 'import distributed']);
    return undefined;
  } catch {
    return `${PYTHON} lacks distributed (apt install python3-distributed)`;
  }
}

export const scaleSection: Section = {
  name: 'scale',
  expected: ids,
  async run(ctx: BenchContext): Promise<Row[]> {
    const { cfg } = ctx;
    const base = (id: string): Omit<Row, 'stats' | 'skipped'> => ({ id, section: 'scale', label: id, unit: 'images/s', better: 'higher' });
    if (!existsSync(NDSB)) return ids(cfg).map((id) => skippedRow(base(id), 'prerequisite', `ndsb-dev is absent (${NDSB})`));
    const threads = availableParallelism();
    const source = join(ctx.tmp, 'scale-source');
    const n = await makeInputs(source, cfg.smoke ? 8 : 480);
    const runs = cfg.smoke ? 1 : 2;
    const manifestPath = join(ROOT, 'models', 'manifest.json');
    const modelId = cfg.smoke ? cfg.modelId : (JSON.parse(readFileSync(manifestPath, 'utf8')) as { default: string }).default;
    const rows: Row[] = [];
    const rates = new Map<string, number>();

    // One process: the import as `npm run import -- DIR --to-folder OUT --embed` runs it.
    let embedder: NodeEmbedder;
    try {
      embedder = await NodeEmbedder.create(manifestPath, modelId, threads);
    } catch (error) {
      return ids(cfg).map((id) => skippedRow(base(id), 'prerequisite', (error as Error).message));
    }
    try {
      for (const format of FORMATS) {
        const samples: number[] = [];
        let embedded = 0;
        for (let r = 0; r < 1 + runs; r++) {
          const out = join(ctx.tmp, `scale-1p-${format}-${r}`);
          const t = performance.now();
          const s = await runImport({ folder: join(source, format), destination: await folderDestination(out, 'images/', 'image'), embedder, embeddingTargets: { dir: join(out, 'embeddings') }, quiet: true });
          if (r > 0) samples.push(s.found / ((performance.now() - t) / 1000));
          embedded = s.embedding?.embedded ?? 0;
          if (embedded !== n) throw new Error(`scale: ${format}: ${embedded} of ${n} images embedded (${s.embedding?.notEmbedded[0]?.detail ?? 'see the summary'})`);
        }
        const stats = summarise(samples);
        rates.set(`${format}/1p`, stats.median);
        log(`scale: ${format} 1 process ${samples.map((x) => x.toFixed(1)).join(', ')} images/s`);
        rows.push(measured({ ...base(`scale/${format}/1p`), label: label(format, '1p', n, threads, modelId), note: `${embedded} of ${n} embedded in Node (none left to the browser); whole import, wall time` }, stats));
      }
    } finally {
      await embedder.release();
    }

    // Dask: 1 and 2 worker processes.
    const noDask = await hasDask();
    for (const format of FORMATS) {
      if (!daskFormats(cfg).includes(format)) continue;
      for (const engine of ['dask-1w', 'dask-2w'] as const) {
        const id = `scale/${format}/${engine}`;
        if (noDask) {
          rows.push(skippedRow(base(id), 'prerequisite', noDask));
          continue;
        }
        const workers = engine === 'dask-1w' ? 1 : 2;
        const samples: number[] = [];
        let startShare = 0;
        for (let r = 0; r < runs; r++) {
          const out = join(ctx.tmp, `scale-${engine}-${format}-${r}`);
          const t = performance.now();
          const { stdout } = await run(PYTHON, [DASK_SCRIPT, join(source, format), '--out', out, '--local-workers', String(workers), '--shards', String(2 * workers),
            '--threads', String(Math.max(1, Math.floor(threads / workers))), '--model', modelId, '--json'], { cwd: ROOT, maxBuffer: 16 << 20 });
          const wall = (performance.now() - t) / 1000;
          const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { seconds: number; parts: string[] };
          if (result.parts.length === 0) throw new Error(`scale: ${id}: no parts written`);
          samples.push(n / wall);
          startShare = Math.max(startShare, (wall - result.seconds) / wall);
        }
        const stats = summarise(samples);
        rates.set(`${format}/${engine}`, stats.median);
        log(`scale: ${format} ${engine} ${samples.map((x) => x.toFixed(1)).join(', ')} images/s`);
        rows.push(measured({
          ...base(id), label: label(format, engine, n, threads, modelId), baseline: `scale/${format}/1p`,
          note: `wall time from the driver's start, incl. cluster start-up (${(100 * startShare).toFixed(0)} % of it)`,
        }, stats));
      }
    }

    // 1M images: arithmetic from the figures above, not a measurement.
    const best = [...rates.entries()].filter(([k]) => k.startsWith('jpeg/')).sort((a, b) => b[1] - a[1])[0];
    const one = rates.get('jpeg/dask-1w');
    const two = rates.get('jpeg/dask-2w');
    const hours = 1e6 / best[1] / 3600;
    const scaling = one && two ? two / one : undefined;
    rows.push(measured({
      id: PROJECTION_ID, section: 'scale', unit: 'hours', better: 'lower',
      label: `1,000,000 JPEG crops on one machine like this one, at the best JPEG rate above (${best[0]})`,
      note: `arithmetic: 1e6 / ${best[1].toFixed(1)} images/s / 3600 = ${hours.toFixed(1)} h; M such machines: ${hours.toFixed(1)} / M h if shards scale linearly` +
        (scaling ? ` (measured here, 1 → 2 Dask workers on ${threads} cores: x${scaling.toFixed(2)})` : '') + '; not measured at 1M',
    }, summarise([hours])));
    return rows;
  },
};
