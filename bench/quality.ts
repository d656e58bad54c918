/**
 * Section "quality": how good suggestions are on real labelled plankton, the way a user feels it.
 * For each model of the manifest (its file present with the manifest's sha256) and two baselines
 * without a network (raw 32x32 grey pixels; a grey histogram with size features):
 *  - leave-one-out 1-NN accuracy (z-scored, L2-normalised features: the learner's space);
 *  - the plugin's own learner (src/cluster/learner.ts, imported, not re-implemented) after
 *    n = 1, 2, 5, 10, 20 labels per class: mean accuracy over 10 seeded draws, the rest suggested;
 *  - living vs non-living at 10 labels per class, through the seed config's organism_type control;
 *  - calibration of the learner's scores at 5 and 10 labels per class: expected calibration
 *    error (ECE, 10 bins), and for the default model a reliability table (printed).
 * For the default model also: the learner without the probe head (cluster vote / kNN only, as
 * before the probe), and the default model's preprocessing against the alternative
 * (pad-to-square on white vs stretch), so the choices are visible in the same run.
 *
 * Data: ../shared/fixtures/ndsb-dev by default (skipped with a message when absent), or any
 * `<class>/<image>` folder with `npm run bench -- --quality DIR`.
 * Smoke: the tiny test model (standing in for the default) and the baselines, 2 draws, n = 1 and 5.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelEntry } from '../src/embedding/manifest-types.ts';
import { sha256Hex } from '../scripts/onnx/generated-models.ts';
import { readManifest } from '../scripts/onnx/manifest-file.ts';
import { log, measured, ROOT, skippedRow, type BenchConfig, type Row } from './common.ts';
import { NDSB_DEV_DIR, readDataset, type Dataset } from './quality-dataset.ts';
import { histogramFeatures, modelFeatures, rawPixelFeatures, type FeatureSet } from './quality-features.ts';
import { calibration, learnerDraw, looOneNn, type DrawResult, type ReliabilityBin } from './quality-metrics.ts';
import type { BenchContext, Section } from './section.ts';

const SECTION = 'quality';
const MANIFEST = join(ROOT, 'models', 'manifest.json');
const FULL_NS = [1, 2, 5, 10, 20] as const;
const SMOKE_NS = [1, 5] as const;
const LIVING_N = 10;
const ECE_NS = [5, 10] as const;
/** Seeds of the draws: draw i uses DRAW_SEED + i (the same draws for every feature set). */
const DRAW_SEED = 20261128;

interface Plan {
  ns: readonly number[];
  draws: number;
  /** Manifest models measured (smoke: the default only). */
  models: ModelEntry[];
  defaultId: string;
}

/** Smoke runs check that every row works, quickly: the tiny test model stands in for the default. */
const SMOKE_MODEL = 'resnet-tiny-seeded';

function planFor(cfg: BenchConfig): Plan {
  const manifest = readManifest(MANIFEST);
  if (!manifest) throw new Error('models/manifest.json is missing: run `npm run models`');
  const primary = cfg.smoke ? SMOKE_MODEL : manifest.default;
  const models = cfg.smoke ? manifest.models.filter((m) => m.id === primary) : manifest.models;
  return { ns: cfg.smoke ? SMOKE_NS : FULL_NS, draws: cfg.smoke ? 2 : 10, models, defaultId: primary };
}

const BASELINES = ['baseline-raw-pixels', 'baseline-histogram-size'] as const;
/** The other fit mode of the default model's preprocessing, measured beside it. */
function alternativeKey(defaultId: string): string {
  return `${defaultId}+other-fit`;
}
const NO_PROBE = '+no-probe';

function keysOf(plan: Plan): string[] {
  return [...plan.models.map((m) => m.id), ...BASELINES];
}

function metricIds(key: string, plan: Plan): string[] {
  return [
    `${SECTION}/${key}/loo-1nn`,
    ...plan.ns.map((n) => `${SECTION}/${key}/learner-n${n}`),
    ...(plan.ns.includes(LIVING_N) ? [`${SECTION}/${key}/living-n${LIVING_N}`] : []),
    ...ECE_NS.filter((n) => plan.ns.includes(n)).map((n) => `${SECTION}/${key}/ece-n${n}`),
  ];
}

function expectedIds(plan: Plan): string[] {
  const ids = keysOf(plan).flatMap((k) => metricIds(k, plan));
  const primary = plan.models.find((m) => m.id === plan.defaultId);
  if (primary && primary.preprocess.resize !== 'native') {
    ids.push(`${SECTION}/${alternativeKey(plan.defaultId)}/loo-1nn`, `${SECTION}/${alternativeKey(plan.defaultId)}/learner-n5`);
  }
  ids.push(...plan.ns.map((n) => `${SECTION}/${plan.defaultId}${NO_PROBE}/learner-n${n}`));
  return ids;
}

/** A row whose "median" column holds a mean over draws (said in the note). */
function meanRow(id: string, label: string, values: number[], unit: string, better: 'higher' | 'lower', note: string, baseline?: string): Row {
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  return measured(
    { id, section: SECTION, label, unit, better, baseline, note },
    { median: m, min: Math.min(...values), max: Math.max(...values), p95: Math.max(...values), runs: values.length },
  );
}

function formatReliability(name: string, n: number, table: ReliabilityBin[], ece: number): string {
  const lines = [`reliability of ${name}'s class suggestions at ${n} labels per class (ECE ${ece.toFixed(3)}):`, '  score bin | suggestions | mean score | right'];
  for (const b of table) {
    if (b.count === 0) continue;
    lines.push(`  ${b.lo.toFixed(1)}-${(b.lo + 0.1).toFixed(1)}   | ${String(b.count).padStart(11)} | ${b.meanScore.toFixed(3).padStart(10)} | ${(b.accuracy * 100).toFixed(1)} %`);
  }
  return lines.join('\n');
}

/** Every row for one feature set. */
async function measureSet(
  key: string,
  set: FeatureSet,
  dataset: Dataset,
  plan: Plan,
  opts: { probe?: boolean; only?: 'loo+n5'; reliability?: boolean; baselineKey?: string } = {},
): Promise<Row[]> {
  const labels = dataset.images.map((i) => dataset.classes.indexOf(i.className));
  const groups = dataset.hasGroups ? dataset.images.map((i) => i.group) : undefined;
  const rows: Row[] = [];
  const base = (metric: string): string | undefined => (opts.baselineKey ? `${SECTION}/${opts.baselineKey}/${metric}` : undefined);
  const t0 = performance.now();
  if (opts.probe !== false) {
    const loo = looOneNn(set.rows, labels);
    rows.push(meanRow(`${SECTION}/${key}/loo-1nn`, `${set.name}: leave-one-out 1-NN`, [loo * 100], '%', 'higher', `${dataset.images.length} images, ${dataset.classes.length} classes`, base('loo-1nn')));
  }
  const ns = opts.only ? [5] : plan.ns;
  for (const n of ns) {
    const draws: DrawResult[] = [];
    for (let d = 0; d < plan.draws; d++) draws.push(await learnerDraw(set.rows, dataset.classes, labels, groups, n, DRAW_SEED + d, { probe: opts.probe }));
    const heads = [...new Set(draws.map((r) => r.head))].join('/');
    const suffix = opts.probe === false ? ' (no probe: cluster vote / kNN)' : '';
    rows.push(meanRow(`${SECTION}/${key}/learner-n${n}`, `${set.name}: learner${suffix}, ${n} labels/class`, draws.map((r) => r.accuracy * 100), '%', 'higher', `mean of ${plan.draws} draws; head ${heads}`, base(`learner-n${n}`)));
    if (opts.only || opts.probe === false) continue;
    if (n === LIVING_N && groups) {
      rows.push(meanRow(`${SECTION}/${key}/living-n${n}`, `${set.name}: living vs non-living (organism_type), ${n} labels/class`, draws.map((r) => r.livingAccuracy! * 100), '%', 'higher', `mean of ${plan.draws} draws`, base(`living-n${n}`)));
    } else if (n === LIVING_N) {
      rows.push(skippedRow({ id: `${SECTION}/${key}/living-n${n}`, section: SECTION, label: `${set.name}: living vs non-living`, unit: '%', better: 'higher' }, 'prerequisite', 'no labels.csv with a living / non-living group column'));
    }
    if ((ECE_NS as readonly number[]).includes(n)) {
      const cal = calibration(draws.flatMap((r) => r.scored));
      rows.push(meanRow(`${SECTION}/${key}/ece-n${n}`, `${set.name}: expected calibration error, ${n} labels/class`, [cal.ece], 'ECE', 'lower', `10 bins, ${draws.reduce((a, r) => a + r.scored.length, 0)} suggestions`, base(`ece-n${n}`)));
      if (opts.reliability) log(formatReliability(set.name, n, cal.table, cal.ece));
    }
  }
  log(`quality: ${set.name}${opts.probe === false ? ' (no probe)' : ''}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return rows;
}

/** The whole section on one dataset folder. */
export async function runQuality(dir: string, cfg: BenchConfig): Promise<Row[]> {
  const plan = planFor(cfg);
  if (!existsSync(dir)) {
    const reason = `labelled images not found at ${dir} (the ndsb-dev fixtures live in ../shared/fixtures; or pass --quality DIR)`;
    return expectedIds(plan).map((id) => skippedRow({ id, section: SECTION, label: id, unit: '', better: 'higher' }, 'prerequisite', reason));
  }
  const dataset = readDataset(dir);
  log(`quality: ${dataset.images.length} images, ${dataset.classes.length} classes in ${dir}${dataset.hasGroups ? ' (with living / non-living groups)' : ''}`);
  const rows: Row[] = [];
  const rawKey = BASELINES[0];
  rows.push(...(await measureSet(rawKey, await rawPixelFeatures(dataset), dataset, plan)));
  rows.push(...(await measureSet(BASELINES[1], await histogramFeatures(dataset), dataset, plan, { baselineKey: rawKey })));
  for (const entry of plan.models) {
    const path = join(ROOT, 'models', entry.file);
    const skip = !existsSync(path) ? `${entry.file} not generated (npm run models)` : sha256Hex(readFileSync(path)) !== entry.sha256 ? `${entry.file} does not match the manifest's sha256` : undefined;
    if (skip) {
      for (const id of metricIds(entry.id, plan)) rows.push(skippedRow({ id, section: SECTION, label: `${entry.id}: ${id.split('/').pop()}`, unit: '%', better: 'higher' }, 'prerequisite', skip));
      continue;
    }
    const t = performance.now();
    const set = await modelFeatures(dataset, entry, path);
    log(`quality: embeddings of ${entry.id}: ${((performance.now() - t) / 1000).toFixed(1)} s (cached in .bench/quality-cache after the first run)`);
    const isDefault = entry.id === plan.defaultId;
    rows.push(...(await measureSet(entry.id, set, dataset, plan, { reliability: isDefault, baselineKey: rawKey })));
    if (!isDefault) continue;
    rows.push(...(await measureSet(`${entry.id}${NO_PROBE}`, { ...set, name: entry.id }, dataset, plan, { probe: false, baselineKey: rawKey })));
    // The other preprocessing: pad <-> stretch at the same size.
    const resize = entry.preprocess.resize;
    if (resize !== 'native') {
      const other = resize.fit === 'pad' ? 'stretch' : 'pad';
      const alt: ModelEntry = { ...entry, preprocess: { ...entry.preprocess, resize: { size: resize.size, fit: other } } };
      const altSet = await modelFeatures(dataset, alt, path);
      rows.push(...(await measureSet(alternativeKey(entry.id), { ...altSet, name: `${entry.id} with fit "${other}" instead of "${resize.fit}"` }, dataset, plan, { only: 'loo+n5', baselineKey: rawKey })));
    }
  }
  return rows;
}

export const qualitySection: Section = {
  name: SECTION,
  expected: (cfg) => expectedIds(planFor(cfg)),
  run: (ctx: BenchContext) => runQuality(ctx.qualityDir ?? NDSB_DEV_DIR, ctx.cfg),
};
