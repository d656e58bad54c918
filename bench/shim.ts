/**
 * Section 5: the Node shim's `/predict` (Label Studio's ML backend call) with 100 tasks per
 * request, loaded with autocannon. The shim runs in a child process (bench/shim-child.ts) on
 * port 0 with a temporary data dir; 100 predictions are relayed first through
 * `POST /api/predictions`, as the plugin does, so every task of the call has one to return.
 * One second of load first, not counted (warm-up).
 * `GET /health` on the same server, same load, is shown as the ceiling of the HTTP stack.
 * Relay writes: `POST /api/predictions` with one prediction each (what the plugin posts), a new
 * task each time, under the same load; every 201 means the prediction is fsync'ed in LMDB.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { log, ROOT, type BenchConfig, type Row } from './common.ts';
import type { BenchContext, Section } from './section.ts';
import { ATTACK_IDS, ATTACK_SHIM_OPTIONS, attackRows, startTrailerUpstream } from './shim-attacks.ts';

const TASKS = 100;
const PROJECT = '7';
const plan = (cfg: BenchConfig) => (cfg.smoke ? { seconds: 2, connections: 4 } : { seconds: 10, connections: 10 });
const IDS = ['shim/predict-100', 'shim/health', 'shim/relay-write', ...ATTACK_IDS];

async function startChild(dataDir: string, options: object = {}): Promise<{ url: string; proxyUrl?: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'shim-child.ts'), dataDir, JSON.stringify(options)], {
    cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const started = await new Promise<{ url: string; proxyUrl?: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the shim did not start within 30 s')), 30_000);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the shim exited with ${code} before listening`)); });
    lines.once('line', (line) => { clearTimeout(timer); resolve(JSON.parse(line) as { url: string; proxyUrl?: string }); });
  });
  return { ...started, child };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, 5000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });
}

function prediction(task: number) {
  return {
    task, project: PROJECT, score: 0.83, model_version: 'cyto-ml/resnet18/k5@3',
    result: [{ id: `r-${task}`, from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: ['Plankton'] } }],
  };
}

interface Load { p50: number; min: number; max: number; seconds: number; latencyP50: number; latencyP99: number; errors: number; non2xx: number }

async function load(opts: {
  url: string; method: 'GET' | 'POST'; body?: string; seconds: number; connections: number;
  /** A new body for every request (autocannon's setupRequest). */
  nextBody?: () => string;
}): Promise<Load> {
  const autocannon = (await import('autocannon')).default;
  const result = await autocannon({
    url: opts.url, method: opts.method, body: opts.body, duration: opts.seconds, connections: opts.connections,
    headers: opts.body || opts.nextBody ? { 'content-type': 'application/json' } : {},
    ...(opts.nextBody ? { requests: [{ setupRequest: (request: Record<string, unknown>) => ({ ...request, body: opts.nextBody!() }) }] } : {}),
  });
  return {
    p50: result.requests.p50, min: result.requests.min, max: result.requests.max, seconds: opts.seconds,
    latencyP50: result.latency.p50, latencyP99: result.latency.p99, errors: result.errors + result.timeouts, non2xx: result.non2xx,
  };
}

function row(id: string, label: string, l: Load, note: string): Row {
  return {
    id, section: 'shim', label, unit: 'requests/s', better: 'higher',
    stats: { median: l.p50, min: l.min, max: l.max, p95: l.max, runs: l.seconds },
    note: `${note}latency p50 ${l.latencyP50} ms, p99 ${l.latencyP99} ms; median/min-max over 1-s samples`,
  };
}

export const shimSection: Section = {
  name: 'shim',
  expected: () => IDS,
  async run(ctx: BenchContext) {
    const p = plan(ctx.cfg);
    const dataDir = join(ctx.tmp, 'shim-data');
    mkdirSync(dataDir, { recursive: true });
    const { url, child } = await startChild(dataDir);
    try {
      const relay = await fetch(`${url}/api/predictions`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify(Array.from({ length: TASKS }, (_, i) => prediction(i + 1))),
      });
      if (relay.status !== 201) throw new Error(`relaying predictions failed: ${relay.status} ${await relay.text()}`);
      const body = JSON.stringify({ tasks: Array.from({ length: TASKS }, (_, i) => ({ id: i + 1 })), project: `${PROJECT}.1700000000` });
      const check = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const answer = (await check.json()) as { results?: Array<{ result: unknown[] }> };
      const filled = answer.results?.filter((r) => r.result.length > 0).length ?? 0;
      if (check.status !== 200 || filled !== TASKS) {
        throw new Error(`/predict check: status ${check.status}, ${filled} of ${TASKS} tasks with a prediction`);
      }
      // Warm-up (JIT, connection setup), not counted.
      await load({ url: `${url}/predict`, method: 'POST', body, seconds: 1, connections: p.connections });
      log(`shim: /predict x ${TASKS} tasks, ${p.seconds} s, ${p.connections} connections`);
      const predict = await load({ url: `${url}/predict`, method: 'POST', body, seconds: p.seconds, connections: p.connections });
      log(`shim: /health, ${p.seconds} s`);
      const health = await load({ url: `${url}/health`, method: 'GET', seconds: p.seconds, connections: p.connections });
      log(`shim: relay writes (one prediction per post, durable), ${p.seconds} s`);
      let nextTask = 1_000_000;
      const relayBody = () => JSON.stringify(prediction(nextTask++));
      const writes = await load({ url: `${url}/api/predictions`, method: 'POST', nextBody: relayBody, seconds: p.seconds, connections: p.connections });
      for (const [what, l] of [['/predict', predict], ['/health', health], ['/api/predictions', writes]] as const) {
        if (l.errors > 0 || l.non2xx > 0) throw new Error(`${what}: ${l.errors} errors, ${l.non2xx} non-2xx responses under load`);
      }
      const stored = ((await (await fetch(`${url}/metrics`)).json()) as { store: { predictions: number } }).store.predictions;
      if (stored < TASKS + writes.p50) throw new Error(`relay writes: only ${stored} predictions in the store after the run`);
      const tasksPerS = Math.round(predict.p50 * TASKS);
      const share = predict.p50 / health.p50;
      const loadRows: Row[] = [
        { ...row(IDS[0], `POST /predict, ${TASKS} tasks per call (all with a stored prediction), ${p.connections} connections`, predict,
          `= ${tasksPerS.toLocaleString('en-GB')} tasks/s; ${Math.round(share * 100)} % of the /health rate (goal: at least 10 %); `),
        baseline: IDS[1], ratio: share },
        row(IDS[1], `GET /health, same server and load (HTTP stack ceiling)`, health, ''),
        { ...row(IDS[2], `POST /api/predictions, 1 prediction per post, a new task each (fsync'ed in LMDB before the 201), ${p.connections} connections`, writes,
          `= predictions stored per second (durable); ${stored.toLocaleString('en-GB')} in the store after the run; `),
        unit: 'predictions/s' },
      ];
      await stopChild(child);
      return [...loadRows, ...(await runAttacks(ctx))];
    } finally {
      await stopChild(child);
    }
  },
};

/** The attack rows (bench/shim-attacks.ts), on their own shim: auth on, proxy to a fake upstream. */
async function runAttacks(ctx: BenchContext): Promise<Row[]> {
  const dataDir = join(ctx.tmp, 'shim-attack-data');
  mkdirSync(dataDir, { recursive: true });
  const upstream = await startTrailerUpstream();
  const { url, proxyUrl, child } = await startChild(dataDir, { ...ATTACK_SHIM_OPTIONS, labelStudioUrl: upstream.url, proxyPort: 0 });
  try {
    log('shim: attack rows (Trailer through the proxy, /predict amplification, unauthorised 62 MB PUTs)');
    return await attackRows({ url, proxyUrl: proxyUrl!, tmp: ctx.tmp, runs: ctx.cfg.smoke ? 2 : 5 });
  } finally {
    await stopChild(child);
    upstream.server.closeAllConnections();
    await new Promise((r) => upstream.server.close(r));
  }
}
