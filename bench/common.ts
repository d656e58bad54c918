/**
 * Shared pieces of the benchmark: the result row type, the run configuration, the servers
 * (vite preview of dist/demo with COOP/COEP, and a plain static server of the same files
 * without them), Chromium, the machine description and the Python prerequisites.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config.ts';
import type { Summary } from './stats.ts';

export const ROOT = resolve(import.meta.dirname, '..');
export const DIST_DEMO = join(ROOT, 'dist', 'demo');
export const BENCH_PAGE_PATH = '/bench/page/index.html';
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Debian's python3 has torch and scikit-learn; the `python3` on PATH may not. */
export const PYTHON = process.env.BENCH_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
export const FLOWCAM_DIR = process.env.FLOWCAM_DIR ?? resolve(ROOT, '..', 'shared', 'fixtures', 'flowcam');

/** Why a row has no figure: a missing prerequisite (allowed in smoke), over budget, or an error. */
export type SkipKind = 'prerequisite' | 'budget' | 'error';

/** One line of the results table. */
export interface Row {
  /** Stable identifier, e.g. `embed/224/b8/browser-1t`; the smoke check looks rows up by it. */
  id: string;
  section: string;
  /** What was measured, in words. */
  label: string;
  unit: string;
  /** 'lower' for times and bytes, 'higher' for throughput. */
  better: 'lower' | 'higher';
  stats?: Summary;
  /** p95 is shown only where it means something (task-open latencies). */
  showP95?: boolean;
  /** Id of the row this one is compared with (same run). */
  baseline?: string;
  /** Speed-up against the baseline: >1 means this row is faster (or higher throughput). */
  ratio?: number;
  note?: string;
  skipped?: { kind: SkipKind; reason: string };
}

export interface BenchConfig {
  smoke: boolean;
  /** Model used for the browser and onnxruntime-node embedding rows. */
  modelId: string;
  /** Square input size of the fixed-size embedding rows. */
  size: number;
  warmup: number;
  runs: number;
}

export function configFor(smoke: boolean): BenchConfig {
  return smoke
    ? { smoke, modelId: 'resnet-tiny-seeded', size: 64, warmup: 1, runs: 2 }
    : { smoke, modelId: 'resnet18-seeded', size: 224, warmup: 2, runs: 7 };
}

/** A row with a figure. */
export function measured(base: Omit<Row, 'stats' | 'skipped'>, stats: Summary): Row {
  return { ...base, stats };
}

/** A row without a figure, and why. */
export function skippedRow(base: Omit<Row, 'stats' | 'skipped'>, kind: SkipKind, reason: string): Row {
  return { ...base, skipped: { kind, reason } };
}

/** Fill `ratio` on every row that names a baseline present in `rows`. */
export function applyRatios(rows: Row[]): void {
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const row of rows) {
    const base = row.baseline ? byId.get(row.baseline) : undefined;
    if (!row.stats || !base?.stats) continue;
    row.ratio = row.better === 'lower' ? base.stats.median / row.stats.median : row.stats.median / base.stats.median;
  }
}

// ---------------------------------------------------------------------------------------------
// Servers

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createNetServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => res(port));
    });
  });
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export function checkBuild(): void {
  if (!existsSync(join(DIST_DEMO, 'bench', 'page', 'index.html'))) {
    throw new Error(`dist/demo${BENCH_PAGE_PATH} is missing: run \`npm run build\` first (the benchmark drives the built demo)`);
  }
}

/** `vite preview` of dist/demo on a free port: COOP/COEP headers, so the page is cross-origin isolated. */
export async function startVitePreview(outDir = DIST_DEMO): Promise<RunningServer> {
  const { preview } = await import('vite');
  const port = await freePort();
  const server = await preview({
    root: ROOT,
    logLevel: 'silent',
    build: { outDir },
    preview: { port, strictPort: true, host: '127.0.0.1' },
  });
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.gz': 'application/gzip',
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.tif': 'image/tiff',
  '.css': 'text/css',
};

/**
 * The same dist/demo files without COOP/COEP: the page is not cross-origin isolated, so
 * onnxruntime-web runs one thread. A few lines of node:http, GET/HEAD only.
 */
export async function startPlainServer(root = DIST_DEMO): Promise<RunningServer> {
  const base = resolve(root);
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(base, path));
    if (!file.startsWith(base + sep) && file !== base) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-length': statSync(file).size,
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Chromium

export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** Open the bench page from `baseUrl` in a fresh context; resolves when `window.bench` is ready. */
export async function openBenchPage(
  browser: Browser, baseUrl: string, setup?: (context: BrowserContext) => Promise<void>,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  await setup?.(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`  [page error] ${e.message}`));
  await page.goto(baseUrl + BENCH_PAGE_PATH);
  await page.waitForFunction(() => window.bench?.ready === true, undefined, { timeout: 30_000 });
  return { context, page };
}

// ---------------------------------------------------------------------------------------------
// Machine and prerequisites

export interface Machine {
  date: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  chromium: string;
  node: string;
  torch?: string;
  sklearn?: string;
  onnxruntimeNode: string;
  onnxruntimeWeb: string;
}

export function pythonModuleVersion(module: string): string | undefined {
  const r = spawnSync(PYTHON, ['-c', `import ${module}; print(${module}.__version__)`], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function packageVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version as string;
  } catch {
    return 'not installed';
  }
}

export function describeMachine(browserVersion: string): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch { /* not Linux */ }
  return {
    date: new Date().toISOString(),
    cpuModel,
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    chromium: browserVersion,
    node: process.version,
    torch: pythonModuleVersion('torch'),
    sklearn: pythonModuleVersion('sklearn'),
    onnxruntimeNode: packageVersion('onnxruntime-node'),
    onnxruntimeWeb: packageVersion('onnxruntime-web'),
  };
}

/** Run a Python script with a JSON spec on stdin; parses the last stdout line as JSON. */
export function runPython(script: string, spec: unknown, timeoutMs: number): unknown {
  const r = spawnSync(PYTHON, [join(ROOT, 'bench', script)], {
    input: JSON.stringify(spec),
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw new Error(`${script}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${script} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

export function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}
