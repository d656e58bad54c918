/**
 * Section "quality": how good suggestions are on real labelled plankton, the way a user feels it.
 * For each model of the manifest (its file present with the manifest's sha256) and two baselines
 * without a network (raw 32x32 grey pixels; a grey histogram with size features):
 *  - leave-one-out 1-NN accuracy (z-scored, L2-normalised features: the learner's space);
 *  - the plugin's own learner (src/cluster/learner.ts, imported, not re-implemented) after
 *    n = 1, 2, 5, 10, 20 labels per class: median (and mean, JSON) accuracy over 10 seeded draws
 *    (30 at n = 1), the rest suggested;
 *  - living vs non-living at 10 labels per class, through the seed config's organism_type control,
 *    beside a constant answer (always the larger group);
 *  - for the default model, a colleague's fresh browser (issue 17): the first 10 opens with only
 *    the team's 5 labels per class embedded, against the same draws after Pre-annotate;
 *  - calibration of the learner's scores at 5 and 10 labels per class: expected calibration
 *    error (ECE, 10 bins), and for the default model a reliability table (printed).
 * For the default model also: the learner without the probe head (cluster vote / kNN only, as
 * before the probe), and the default model's preprocessing against the alternative
 * (border-colour padding vs white, or pad vs stretch), so the choices are visible in the same run.
 *
 * Data: ../shared/fixtures/ndsb-dev by default (skipped with a message when absent), or any
 * `<class>/<image>` folder (JPEG, PNG, TIFF) with `npm run bench -- --quality DIR`.
 * Smoke: the tiny test model (standing in for the default) and the baselines, 2 draws, n = 1 and 5.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelEntry } from '../src/embedding/manifest-types.ts';
import { sha256Hex } from '../scripts/onnx/generated-models.ts';
import { readManifest } from '../scripts/onnx/manifest-file.ts';
import { log, measured, ROOT, skippedRow, type BenchConfig, type Row } from './common.ts';
import { summarise, type Summary } from './stats.ts';
import { NDSB_DEV_DIR, readDataset, type Dataset } from './quality-dataset.ts';
import { histogramFeatures, modelFeatures, rawPixelFeatures, type FeatureSet } from './quality-features.ts';
import { calibration, FIRST_OPENS, learnerDraw, looOneNn, majorityGroupAccuracy, type DrawResult, type ReliabilityBin } from './quality-metrics.ts';
import type { BenchContext, Section } from './section.ts';

const SECTION = 'quality';
const MANIFEST = join(ROOT, 'models', 'manifest.json');
const FULL_NS = [1, 2, 5, 10, 20] as const;
const SMOKE_NS = [1, 5] as const;
const LIVING_N = 10;
const ECE_NS = [5, 10] as const;
/** Seeds of the draws: draw i uses DRAW_SEED + i (the same draws for every feature set). */
const DRAW_SEED = 20261128;
/**
 * n = 1 varies most from draw to draw (which single image stands for a class): at least 30
 * draws there (issue 18); the fresh-browser rows score 10 opens per draw, so 30 draws too.
 */
const MIN_DRAWS_N1 = 30;
const FRESH_N = 5;
const FRESH_DRAWS = 30;

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

/** Draws for n labels per class: more at n = 1 (full runs). */
function drawsFor(plan: Plan, n: number): number {
  return n === 1 && plan.draws >= 10 ? Math.max(MIN_DRAWS_N1, plan.draws) : plan.draws;
}

const BASELINES = ['baseline-raw-pixels', 'baseline-histogram-size'] as const;
/** The other fit mode of the default model's preprocessing, measured beside it. */
function alternativeKey(defaultId: string): string {
  return `${defaultId}+other-fit`;
}

/**
 * The alternative preprocessing measured beside the default's: padding with the border colour
 * against padding with white; otherwise pad against stretch.
 */
function alternativeResize(resize: Exclude<ModelEntry['preprocess']['resize'], 'native'>): { resize: ModelEntry['preprocess']['resize']; words: string } {
  if (resize.fit === 'pad' && resize.background === 'border') return { resize: { size: resize.size, fit: 'pad' }, words: 'padded with white instead of the border colour' };
  const other = resize.fit === 'pad' ? 'stretch' : 'pad';
  return { resize: { size: resize.size, fit: other }, words: `with fit "${other}" instead of "${resize.fit}"` };
}

/** The majority group's share (always answering "living"), beside living vs non-living. */
const MAJORITY_KEY = 'baseline-majority-group';
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
  if (plan.ns.includes(LIVING_N)) ids.push(`${SECTION}/${MAJORITY_KEY}/living-n${LIVING_N}`);
  if (plan.ns.includes(FRESH_N)) ids.push(...FRESH_METRICS.map((m) => `${SECTION}/${plan.defaultId}/${m}`));
  return ids;
}

const FRESH_METRICS = ['fresh-first10-n5', 'preannotated-first10-n5', 'fresh-all-n5'] as const;

/**
 * A row over draws: `median` is the median of the draws (what the table prints), `mean` their
 * mean (JSON only), each named for what it holds.
 */
function drawsRow(id: string, label: string, values: number[], unit: string, better: 'higher' | 'lower', note: string, baseline?: string): Row {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const stats: Summary & { mean: number } = { ...summarise(values), mean };
  const extra = values.length > 1 ? `; mean ${mean.toFixed(unit === 'ECE' ? 3 : 1)}` : '';
  return measured({ id, section: SECTION, label, unit, better, baseline, note: `${note}${extra}` }, stats);
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
    rows.push(drawsRow(`${SECTION}/${key}/loo-1nn`, `${set.name}: leave-one-out 1-NN`, [loo * 100], '%', 'higher', `${dataset.images.length} images, ${dataset.classes.length} classes`, base('loo-1nn')));
  }
  const ns = opts.only ? [5] : plan.ns;
  for (const n of ns) {
    const draws: DrawResult[] = [];
    const count = drawsFor(plan, n);
    for (let d = 0; d < count; d++) draws.push(await learnerDraw(set.rows, dataset.classes, labels, groups, n, DRAW_SEED + d, { probe: opts.probe }));
    const heads = [...new Set(draws.map((r) => r.head))].join('/');
    const suffix = opts.probe === false ? ' (no probe: cluster vote / kNN)' : '';
    rows.push(drawsRow(`${SECTION}/${key}/learner-n${n}`, `${set.name}: learner${suffix}, ${n} labels/class`, draws.map((r) => r.accuracy * 100), '%', 'higher', `median of ${count} draws; head ${heads}`, base(`learner-n${n}`)));
    if (opts.only || opts.probe === false) continue;
    if (n === LIVING_N && groups) {
      rows.push(drawsRow(`${SECTION}/${key}/living-n${n}`, `${set.name}: living vs non-living (organism_type), ${n} labels/class`, draws.map((r) => r.livingAccuracy! * 100), '%', 'higher', `median of ${count} draws`, base(`living-n${n}`)));
    } else if (n === LIVING_N) {
      rows.push(skippedRow({ id: `${SECTION}/${key}/living-n${n}`, section: SECTION, label: `${set.name}: living vs non-living`, unit: '%', better: 'higher' }, 'prerequisite', 'no labels.csv with a living / non-living group column'));
    }
    if ((ECE_NS as readonly number[]).includes(n)) {
      const cal = calibration(draws.flatMap((r) => r.scored));
      rows.push(drawsRow(`${SECTION}/${key}/ece-n${n}`, `${set.name}: expected calibration error, ${n} labels/class`, [cal.ece], 'ECE', 'lower', `10 bins, ${draws.reduce((a, r) => a + r.scored.length, 0)} suggestions pooled over ${count} draws`, base(`ece-n${n}`)));
      if (opts.reliability) log(formatReliability(set.name, n, cal.table, cal.ece));
    }
  }
  log(`quality: ${set.name}${opts.probe === false ? ' (no probe)' : ''}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return rows;
}

/**
 * Issue 17's fresh browser, offline with the plugin's learner: the team's 5 labels per class are
 * the only embeddings a colleague's new browser has (scaling and clusters fitted on them), and
 * its first 10 opened tasks are scored; beside it, the same draws after Pre-annotate (every
 * image embedded and the fit made on all of them).
 */
async function freshBrowserRows(key: string, set: FeatureSet, dataset: Dataset): Promise<Row[]> {
  const labels = dataset.images.map((i) => dataset.classes.indexOf(i.className));
  const groups = dataset.hasGroups ? dataset.images.map((i) => i.group) : undefined;
  const fresh: DrawResult[] = [];
  const pre: DrawResult[] = [];
  for (let d = 0; d < FRESH_DRAWS; d++) {
    fresh.push(await learnerDraw(set.rows, dataset.classes, labels, groups, FRESH_N, DRAW_SEED + d, { fitOn: 'labelled' }));
    pre.push(await learnerDraw(set.rows, dataset.classes, labels, groups, FRESH_N, DRAW_SEED + d, { fitOn: 'all' }));
  }
  const preId = `${SECTION}/${key}/preannotated-first10-n5`;
  const note = `${FRESH_DRAWS} draws x ${FIRST_OPENS} opens`;
  return [
    drawsRow(preId, `${set.name}: first ${FIRST_OPENS} opens after Pre-annotate (all images embedded), 5 team labels/class`, pre.map((r) => r.firstOpensAccuracy * 100), '%', 'higher', note),
    drawsRow(`${SECTION}/${key}/fresh-first10-n5`, `${set.name}: first ${FIRST_OPENS} opens in a fresh browser (only the team's 5 labels/class embedded)`, fresh.map((r) => r.firstOpensAccuracy * 100), '%', 'higher', note, preId),
    drawsRow(`${SECTION}/${key}/fresh-all-n5`, `${set.name}: fresh browser, every unlabelled image (fit on the 5 labels/class only)`, fresh.map((r) => r.accuracy * 100), '%', 'higher', `${FRESH_DRAWS} draws`, `${SECTION}/${key}/learner-n5`),
  ];
}

/** Living vs non-living by always answering the larger group, on the same draws' unlabelled items. */
function majorityRow(dataset: Dataset, plan: Plan): Row {
  const labels = dataset.images.map((i) => dataset.classes.indexOf(i.className));
  const values: number[] = [];
  for (let d = 0; d < plan.draws; d++) values.push(majorityGroupAccuracy(dataset.classes, labels, dataset.images.map((i) => i.group), LIVING_N, DRAW_SEED + d) * 100);
  return drawsRow(`${SECTION}/${MAJORITY_KEY}/living-n${LIVING_N}`, `baseline: always the larger group (living vs non-living), ${LIVING_N} labels/class`, values, '%', 'higher', `median of ${plan.draws} draws; what a constant answer scores`);
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
  if (plan.ns.includes(LIVING_N)) {
    rows.push(
      dataset.hasGroups
        ? majorityRow(dataset, plan)
        : skippedRow({ id: `${SECTION}/${MAJORITY_KEY}/living-n${LIVING_N}`, section: SECTION, label: 'baseline: always the larger group', unit: '%', better: 'higher' }, 'prerequisite', 'no labels.csv with a living / non-living group column'),
    );
  }
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
    if (plan.ns.includes(FRESH_N)) rows.push(...(await freshBrowserRows(entry.id, set, dataset)));
    // The other preprocessing: border colour <-> white padding, or pad <-> stretch, at the same size.
    const resize = entry.preprocess.resize;
    if (resize !== 'native') {
      const other = alternativeResize(resize);
      const alt: ModelEntry = { ...entry, preprocess: { ...entry.preprocess, resize: other.resize } };
      const altSet = await modelFeatures(dataset, alt, path);
      rows.push(...(await measureSet(alternativeKey(entry.id), { ...altSet, name: `${entry.id} ${other.words}` }, dataset, plan, { only: 'loo+n5', baselineKey: rawKey })));
    }
  }
  return rows;
}

export const qualitySection: Section = {
  name: SECTION,
  expected: (cfg) => expectedIds(planFor(cfg)),
  run: (ctx: BenchContext) => runQuality(ctx.qualityDir ?? NDSB_DEV_DIR, ctx.cfg),
};
