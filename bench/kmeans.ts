/**
 * Section 3: k-means fits, same data, same starts (the first k rows), same number of Lloyd
 * iterations (tol 0), in the browser (the TypeScript fit: Elkan pruning on a WebAssembly SIMD
 * kernel, the same without WebAssembly, and plain Lloyd in TypeScript as an internal baseline,
 * all with identical results; tfjs cpu; tfjs webgl, which is SwiftShader — a CPU — in headless
 * Chromium without a GPU) vs scikit-learn
 * (KMeans(init=centres, n_init=1, tol=0, algorithm="lloyd")) with 1 thread and its default
 * (all cores). The data are generated once from a seed: in the page by bench/synthetic.ts, and
 * by the same code here, written to a .bin that scikit-learn reads.
 *
 * Budget: before each browser fit the runner estimates its time from the backend's previous
 * sizes (linear in n*k); a fit estimated over CAP_S is reported as "skipped: >N s" instead.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { log, measured, openBenchPage, runPython, skippedRow, type BenchConfig, type Row } from './common.ts';
import type { BenchContext, Section } from './section.ts';
import { summarise } from './stats.ts';
import { kmeansData } from './synthetic.ts';

const D = 512;
const SEED = 0x6b6d;
const BROWSER_BACKENDS = ['ts', 'ts-nowasm', 'ts-lloyd', 'tfjs-cpu', 'tfjs-webgl'] as const;
type BrowserBackend = (typeof BROWSER_BACKENDS)[number];
const ALL = [...BROWSER_BACKENDS, 'sklearn-1t', 'sklearn-mt'] as const;

interface Plan { ns: number[]; ks: number[]; iterations: number; runs: number; capS: number }
function planFor(cfg: BenchConfig): Plan {
  return cfg.smoke
    ? { ns: [1000], ks: [5, 10], iterations: 5, runs: 2, capS: 20 }
    : { ns: [1000, 10_000, 50_000], ks: [5, 10], iterations: 20, runs: 3, capS: 20 };
}

const id = (n: number, k: number, b: string): string => `kmeans/n${n}/k${k}/${b}`;

function label(n: number, k: number, backend: string, iterations: number): string {
  const what = `${n.toLocaleString('en-GB')} x ${D}, k=${k}, max ${iterations} iterations`;
  const who: Record<string, string> = {
    ts: 'Chromium, TypeScript k-means (Elkan pruning, WebAssembly SIMD kernel)',
    'ts-nowasm': 'Chromium, same on the plain TypeScript kernel (no WebAssembly)',
    'ts-lloyd': 'Chromium, plain Lloyd in TypeScript (no pruning, no WebAssembly; internal baseline)',
    'tfjs-cpu': 'Chromium, tfjs cpu backend',
    'tfjs-webgl': 'Chromium, tfjs webgl (SwiftShader: CPU)',
    'sklearn-1t': 'scikit-learn (reference), 1 thread',
    'sklearn-mt': 'scikit-learn (reference), default threads',
  };
  return `${what}: ${who[backend]}`;
}

interface Fit { ms: number; nIter: number; backend: string; inertia: number }

export const kmeansSection: Section = {
  name: 'kmeans',
  expected(cfg) {
    const p = planFor(cfg);
    return p.ns.flatMap((n) => p.ks.flatMap((k) => ALL.map((b) => id(n, k, b))));
  },
  async run(ctx: BenchContext) {
    const { cfg } = ctx;
    const plan = planFor(cfg);
    const rows: Row[] = [];
    const sklearnOk = !!ctx.machine.sklearn;
    const browser: Record<string, { samples: number[]; nIter: number; inertia: number; backend: string } | { skip: { kind: 'prerequisite' | 'budget' | 'error'; reason: string } }> = {};
    const sk: Record<string, { ms: number[]; n_iter: number; inertia: number; threads: number } | { skip: { kind: 'prerequisite' | 'error'; reason: string } }> = {};

    const { context, page } = await openBenchPage(ctx.browser, ctx.isolatedUrl);
    try {
      // Time per (n*k) unit seen so far, per backend, for the budget estimate.
      const rate: Partial<Record<BrowserBackend, number>> = {};
      const unavailable: Partial<Record<BrowserBackend, string>> = {};
      for (const n of plan.ns) {
        for (const backend of BROWSER_BACKENDS) {
          for (const k of plan.ks) {
            const key = id(n, k, backend);
            if (unavailable[backend]) {
              browser[key] = { skip: { kind: 'prerequisite', reason: unavailable[backend]! } };
              continue;
            }
            const estimate = rate[backend] !== undefined ? rate[backend]! * n * k : undefined;
            if (estimate !== undefined && estimate > plan.capS * 1000) {
              browser[key] = { skip: { kind: 'budget', reason: `>${plan.capS} s per fit (estimated ${Math.round(estimate / 1000)} s from smaller sizes)` } };
              continue;
            }
            const runs = estimate === undefined || estimate < 5000 ? plan.runs : estimate < 10_000 ? 2 : 1;
            const first = rate[backend] === undefined;
            log(`kmeans: ${backend} n=${n} k=${k} (${runs} run(s) + warm-up${estimate ? `, ~${(estimate / 1000).toFixed(1)} s each` : ''})`);
            const fit = (): Promise<Fit> =>
              page.evaluate((o) => window.bench.kmeansFit(o), { n, d: D, k, iterations: plan.iterations, backend, seed: SEED });
            const fits: Fit[] = [];
            try {
              // Warm-up, untimed (JIT tier-up, tfjs init, shader compile). The first time a
              // backend runs: until a fit is no longer clearly faster than the one before (at
              // most 5 fits, 3 s). Before each later size whose fits are short (< 2 s): one, as
              // the scikit-learn side warms up per k.
              if (first) {
                const started = performance.now();
                let previous = Infinity;
                for (let w = 0; w < 5 && performance.now() - started < 3000; w++) {
                  const { ms } = await fit();
                  if (ms > 0.8 * previous) break;
                  previous = ms;
                }
              } else if ((estimate ?? 0) < 2000) {
                await fit();
              }
              for (let r = 0; r < runs; r++) fits.push(await fit());
            } catch (error) {
              const message = (error as Error).message.split('\n')[0];
              if (backend === 'tfjs-webgl' && /did not initialise|webgl/i.test(message)) {
                unavailable[backend] = `no WebGL in this Chromium (${message})`;
                browser[key] = { skip: { kind: 'prerequisite', reason: unavailable[backend]! } };
              } else {
                browser[key] = { skip: { kind: 'error', reason: message } };
              }
              continue;
            }
            const ms = fits.map((f) => f.ms);
            rate[backend] = Math.max(rate[backend] ?? 0, summarise(ms).median / (n * k));
            browser[key] = { samples: ms, nIter: fits[0].nIter, inertia: fits[0].inertia, backend: fits[0].backend };
          }
        }
      }
    } finally {
      await context.close();
    }

    for (const n of plan.ns) {
      if (!sklearnOk) {
        for (const k of plan.ks) for (const t of ['1t', 'mt']) sk[id(n, k, `sklearn-${t}`)] = { skip: { kind: 'prerequisite', reason: 'python3-sklearn not installed' } };
        continue;
      }
      log(`kmeans: scikit-learn n=${n}`);
      const bin = join(ctx.tmp, `kmeans-${n}.bin`);
      writeFileSync(bin, Buffer.from(kmeansData(n, D, SEED).buffer));
      try {
        const out = runPython('sklearn_kmeans.py', {
          data_bin: bin, n, d: D, ks: plan.ks, iterations: plan.iterations, threads: [1, null], warmup: 1, runs: plan.runs,
        }, 300_000) as { results: Array<{ k: number; threads: number; ms: number[]; n_iter: number; inertia: number }> };
        for (const r of out.results) {
          const t = r.threads === 1 && sk[id(n, r.k, 'sklearn-1t')] === undefined ? '1t' : 'mt';
          sk[id(n, r.k, `sklearn-${t}`)] = { ms: r.ms, n_iter: r.n_iter, inertia: r.inertia, threads: r.threads };
        }
      } catch (error) {
        for (const k of plan.ks) for (const t of ['1t', 'mt']) sk[id(n, k, `sklearn-${t}`)] = { skip: { kind: 'error', reason: (error as Error).message } };
      }
    }

    for (const n of plan.ns) {
      for (const k of plan.ks) {
        const skMt = sk[id(n, k, 'sklearn-mt')];
        const skOne = sk[id(n, k, 'sklearn-1t')];
        for (const backend of ALL) {
          const key = id(n, k, backend);
          const base = {
            id: key, section: 'k-means', label: label(n, k, backend, plan.iterations), unit: 'ms/fit', better: 'lower' as const,
            baseline: backend.startsWith('sklearn') ? undefined : id(n, k, 'sklearn-1t'),
          };
          const entry = backend.startsWith('sklearn') ? sk[key] : browser[key];
          if (!entry) {
            rows.push(skippedRow(base, 'error', 'not measured'));
          } else if ('skip' in entry) {
            rows.push(skippedRow(base, entry.skip.kind, entry.skip.reason));
          } else if ('samples' in entry) {
            const notes = [`${entry.nIter} iterations`];
            if (backend.startsWith('ts')) notes.push(entry.backend);
            if (skOne && 'ms' in skOne) {
              if (skOne.n_iter !== entry.nIter) notes.push(`scikit-learn ran ${skOne.n_iter}`);
              notes.push(`inertia vs scikit-learn ${((entry.inertia / skOne.inertia - 1) * 100).toExponential(1)} %`);
            }
            if (skMt && 'ms' in skMt) {
              const s = summarise(entry.samples).median;
              notes.push(`${(summarise(skMt.ms).median / s).toFixed(2)}x vs sklearn-mt`);
            }
            rows.push({ ...measured(base, summarise(entry.samples)), note: notes.join('; ') });
          } else {
            rows.push({ ...measured(base, summarise(entry.ms)), note: `${entry.n_iter} iterations, ${entry.threads} thread(s)` });
          }
        }
      }
    }
    return rows;
  },
};
