/**
 * `npm run bench` (full, ~10 min) and `npm run bench:smoke` (tiny sizes, < 90 s, run by
 * `npm test`): every section in one run, baselines measured in the same run, then a table of
 * medians, min-max and ratios. Options: `--json FILE` (also write the results there), `--only
 * a,b` (run some sections; the row check then covers those only), `--quality DIR` (only the
 * quality section, on your own labelled `<class>/<image>` folder: no browser or build needed).
 *
 * Starts its own servers (vite preview of dist/demo with COOP/COEP on a free port, a plain
 * static server of the same files without them, the shim on port 0) and its own Chromium, and
 * stops them. Exits non-zero when a row is missing or failed; in smoke mode also when a row was
 * skipped for any reason other than a missing prerequisite (python3-torch, python3-sklearn,
 * the FlowCam fixtures).
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  applyRatios, checkBuild, configFor, DIST_DEMO, describeMachine, launchChromium, log, ROOT, skippedRow,
  startPlainServer, startVitePreview, type Machine, type Row, type RunningServer,
} from './common.ts';
import { embeddingSection } from './embedding.ts';
import { kmeansSection } from './kmeans.ts';
import { indexeddbSection } from './indexeddb.ts';
import { shimSection } from './shim.ts';
import { taskOpenSection } from './task-open.ts';
import { memorySection } from './memory.ts';
import { qualitySection, runQuality } from './quality.ts';
import { defaultModelSection } from './default-model-speed.ts';
import { importSection } from './import.ts';
import { preannotateWritesSection } from './preannotate-writes.ts';
import { scaleSection } from './scale.ts';
import type { Section } from './section.ts';
import { formatTable, machineLine, writeReadmeSection, type BenchResult } from './report.ts';

const SECTIONS: Section[] = [qualitySection, defaultModelSection, embeddingSection, taskOpenSection, kmeansSection, indexeddbSection, shimSection, memorySection, importSection, scaleSection, preannotateWritesSection];

/** Problems that make the run fail: missing rows, failed rows, and (smoke) non-prerequisite skips. */
export function checkRows(rows: Row[], expected: string[], smoke: boolean): string[] {
  const problems: string[] = [];
  const ids = new Set(rows.map((r) => r.id));
  for (const id of expected) if (!ids.has(id)) problems.push(`missing row ${id}`);
  for (const r of rows) {
    if (r.skipped?.kind === 'error') problems.push(`row ${r.id} failed: ${r.skipped.reason}`);
    else if (smoke && r.skipped && r.skipped.kind !== 'prerequisite') problems.push(`row ${r.id} skipped in smoke: ${r.skipped.reason}`);
  }
  return problems;
}

async function main(): Promise<number> {
  const started = performance.now();
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { smoke: { type: 'boolean', default: false }, json: { type: 'string' }, only: { type: 'string' }, quality: { type: 'string' } },
  });
  const cfg = configFor(values.smoke ?? false);
  if (values.quality) return qualityOnly(resolve(values.quality), cfg, values.json, started);
  const only = values.only?.split(',').map((s) => s.trim());
  const sections = only ? SECTIONS.filter((s) => only.includes(s.name)) : SECTIONS;
  if (only && sections.length !== only.length) {
    throw new Error(`--only: unknown section in ${values.only}; sections: ${SECTIONS.map((s) => s.name).join(', ')}`);
  }
  checkBuild();

  const tmp = mkdtempSync(join(tmpdir(), 'cyto-bench-'));
  const servers: RunningServer[] = [];
  const rows: Row[] = [];
  const expected: string[] = [];
  let machine: Machine | undefined;
  /** 1-min load average at the end of each section: above the core count, other work competed. */
  const sectionLoad: Record<string, number> = {};
  const browser = await launchChromium();
  try {
    // Serve a copy: another `npm run build` during the run (emptyOutDir) must not pull files away.
    const demo = join(tmp, 'demo');
    cpSync(DIST_DEMO, demo, { recursive: true });
    // The build carries only the users' model catalogue; the benchmark also runs the test models
    // (seeded ResNets, fp32 reference): the whole folder, full manifest included, both where the
    // demo page looks (models/) and where the test pages do (test/models/, as the preview server).
    for (const to of ['models', join('test', 'models')]) cpSync(join(ROOT, 'models'), join(demo, to), { recursive: true });
    const isolated = await startVitePreview(demo);
    servers.push(isolated);
    const plain = await startPlainServer(demo);
    servers.push(plain);
    machine = describeMachine(browser.version());
    log(`${cfg.smoke ? 'SMOKE' : 'full'} run: ${machineLine(machine)}`);
    const ctx = { cfg, browser, isolatedUrl: isolated.url, plainUrl: plain.url, tmp, machine };
    for (const section of sections) {
      const ids = section.expected(cfg);
      expected.push(...ids);
      const t = performance.now();
      try {
        rows.push(...(await section.run(ctx)));
      } catch (error) {
        const message = (error as Error).stack ?? String(error);
        console.error(`section ${section.name} failed: ${message}`);
        const have = new Set(rows.map((r) => r.id));
        for (const id of ids) {
          if (!have.has(id)) rows.push(skippedRow({ id, section: section.name, label: id, unit: '', better: 'lower' }, 'error', (error as Error).message));
        }
      }
      const load = loadavg()[0].toFixed(1);
      sectionLoad[section.name] = Number(load);
      log(`section ${section.name}: ${((performance.now() - t) / 1000).toFixed(1)} s (1-min load average now ${load} on ${cpus().length} cores)`);
    }
  } finally {
    await browser.close().catch(() => undefined);
    for (const s of servers) await s.close().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  }

  applyRatios(rows);
  const seconds = (performance.now() - started) / 1000;
  console.log('');
  console.log(`Machine: ${machineLine(machine!)}`);
  console.log(`Mode: ${cfg.smoke ? 'smoke (tiny sizes: figures are not meaningful)' : 'full'}; ${cfg.runs} timed runs after ${cfg.warmup} warm-up unless a row says otherwise; total ${seconds.toFixed(0)} s`);
  console.log(`1-min load average after each section (${cpus().length} cores; higher = other processes competed): ${Object.entries(sectionLoad).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log('');
  console.log(formatTable(rows));
  console.log('');

  const result: BenchResult = { machine: machine!, mode: cfg.smoke ? 'smoke' : 'full', config: cfg, seconds, loadAverageAfterSection: sectionLoad, rows };
  const outputs = [values.json, !cfg.smoke && !only ? join(ROOT, 'bench', 'results', 'latest.json') : undefined].filter((x): x is string => !!x);
  for (const out of outputs) {
    mkdirSync(dirname(resolve(out)), { recursive: true });
    writeFileSync(resolve(out), `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${out}`);
  }

  if (!cfg.smoke && !only) {
    log(`wrote ${writeReadmeSection(result)}`);
  }

  const problems = checkRows(rows, expected, cfg.smoke);
  if (problems.length > 0) {
    console.error(`bench: ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
    return 1;
  }
  log(`all ${expected.length} rows present (${rows.filter((r) => r.skipped).length} skipped for missing prerequisites/budget) in ${seconds.toFixed(1)} s`);
  return 0;
}

/** `--quality DIR`: the quality section alone on a user's folder; no browser, servers or build. */
async function qualityOnly(dir: string, cfg: ReturnType<typeof configFor>, json: string | undefined, started: number): Promise<number> {
  const rows = await runQuality(dir, cfg);
  applyRatios(rows);
  console.log('');
  console.log(formatTable(rows));
  if (json) {
    mkdirSync(dirname(resolve(json)), { recursive: true });
    writeFileSync(resolve(json), `${JSON.stringify({ mode: cfg.smoke ? 'smoke' : 'full', dir, rows }, null, 2)}\n`);
  }
  const problems = rows.filter((r) => r.skipped).map((r) => `${r.id}: ${r.skipped!.reason}`);
  log(`quality on ${dir}: ${rows.length} rows in ${((performance.now() - started) / 1000).toFixed(1)} s${problems.length ? `; ${problems.length} skipped` : ''}`);
  for (const p of problems) console.error(`  - ${p}`);
  return rows.some((r) => r.skipped?.kind === 'error') ? 1 : 0;
}

main().then((code) => process.exit(code), (error) => {
  console.error(`bench: ${(error as Error).message}`);
  process.exit(1);
});
