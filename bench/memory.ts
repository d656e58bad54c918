/**
 * Section 6: memory while the engine embeds N images (the bench page, isolated so that ORT uses
 * its threads, the model's shipped preprocessing, batches of 8), in its own Chromium:
 *  - resident memory (RSS) of this Chromium's processes from /proc, sampled every 100 ms, and
 *    each process's own peak (VmHWM): the renderer process holds the page AND the engine worker
 *    (its JS heap, the ORT WASM memory and its thread pool), so its peak is the honest "what the
 *    tab costs" figure; the total adds the browser, GPU and utility processes;
 *  - the page's main-thread JS heap (CDP Performance.getMetrics JSHeapUsedSize), sampled;
 *  - the JS heaps of the page's workers (the engine worker, and ORT's pthread workers when
 *    threaded), sampled with CDP `Runtime.getHeapUsage` through a browser-level session
 *    (`Target.attachToTarget` + `sendMessageToTarget`: Playwright has no CDP session for
 *    dedicated workers). This excludes WASM linear memory, which only the RSS shows.
 *    (`performance.measureUserAgentSpecificMemory()` was tried: in headless Chromium 156 it waits
 *    for a garbage collection and did not answer within 25 s, even with ForceEagerMeasureMemory.)
 * One run: the figures are peaks of one 500-image session, not medians.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { CDPSession } from '@playwright/test';
import { launchChromium, log, measured, openBenchPage, type BenchConfig, type Row } from './common.ts';
import type { BenchContext, Section } from './section.ts';
import { summarise } from './stats.ts';

const plan = (cfg: BenchConfig) => (cfg.smoke ? { count: 40, size: 96 } : { count: 500, size: 224 });
const IDS = ['memory/renderer-peak', 'memory/chromium-total-peak', 'memory/page-js-heap-peak', 'memory/worker-js-heap-peak'];

interface Proc { pid: number; ppid: number; type: string; rssKiB: number; hwmKiB: number }

function readProcs(): Proc[] {
  const out: Proc[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      // Chromium's child processes rewrite their title: arguments separated by spaces, not NULs.
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split(/[\0 ]/);
      const num = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
      const type = cmd.find((a) => a.startsWith('--type='))?.slice(7) ?? (cmd.some((a) => a.startsWith('--bench-marker=')) ? 'browser' : 'other');
      out.push({ pid: Number(entry), ppid: num('PPid'), type, rssKiB: num('VmRSS'), hwmKiB: num('VmHWM') });
      (out[out.length - 1] as Proc & { cmd: string[] }).cmd = cmd;
    } catch { /* process gone */ }
  }
  return out;
}

/** This browser's processes: the one launched with our marker and all its descendants. */
export function ownProcesses(marker: string): Proc[] {
  const all = readProcs();
  const root = all.find((p) => (p as Proc & { cmd: string[] }).cmd.includes(`--bench-marker=${marker}`));
  if (!root) return [];
  const mine = new Set([root.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) if (!mine.has(p.pid) && mine.has(p.ppid)) { mine.add(p.pid); grew = true; }
  }
  return all.filter((p) => mine.has(p.pid));
}

/** CDP sessions on the page's workers, over a browser session (non-flattened target messages). */
async function workerHeaps(browserSession: CDPSession): Promise<() => Promise<number>> {
  const { targetInfos } = await browserSession.send('Target.getTargets');
  const sessions: string[] = [];
  for (const t of targetInfos.filter((x) => x.type === 'worker')) {
    const { sessionId } = await browserSession.send('Target.attachToTarget', { targetId: t.targetId, flatten: false });
    sessions.push(sessionId);
  }
  let nextId = 1;
  const waiting = new Map<number, (used: number) => void>();
  browserSession.on('Target.receivedMessageFromTarget', (e) => {
    const m = JSON.parse(e.message) as { id?: number; result?: { usedSize: number } };
    if (m.id !== undefined) waiting.get(m.id)?.(m.result?.usedSize ?? 0);
  });
  if (sessions.length === 0) throw new Error('no worker target found: is the engine running in a worker?');
  return async () => {
    const sizes = await Promise.all(sessions.map((sessionId) => new Promise<number>((resolve) => {
      const id = nextId++;
      const timer = setTimeout(() => { waiting.delete(id); resolve(0); }, 2000);
      waiting.set(id, (used) => { clearTimeout(timer); waiting.delete(id); resolve(used); });
      void browserSession.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }) }).catch(() => resolve(0));
    })));
    return sizes.reduce((a, b) => a + b, 0);
  };
}

export const memorySection: Section = {
  name: 'memory',
  expected: () => IDS,
  async run(ctx: BenchContext) {
    const p = plan(ctx.cfg);
    const marker = randomUUID();
    const browser = await launchChromium([`--bench-marker=${marker}`]);
    try {
      const { page } = await openBenchPage(browser, ctx.isolatedUrl);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      const info = await page.evaluate((m) => window.bench.startEngine(m), ctx.cfg.modelId);
      const workerHeap = await workerHeaps(await browser.newBrowserCDPSession());
      let workerPeak = 0;
            const before = ownProcesses(marker);
      if (before.length === 0) throw new Error('could not find this Chromium\'s processes in /proc (marker not found)');
      let rendererPeak = 0;
      let totalPeak = 0;
      let heapPeak = 0;
      let samples = 0;
      const sample = async () => {
        const procs = ownProcesses(marker);
        // The bench page's renderer is the largest one (others: about:blank, internal WebUI).
        rendererPeak = Math.max(rendererPeak, procs.filter((x) => x.type === 'renderer').reduce((a, x) => Math.max(a, x.rssKiB), 0));
        totalPeak = Math.max(totalPeak, procs.reduce((a, x) => a + x.rssKiB, 0));
        const { metrics } = await cdp.send('Performance.getMetrics');
        heapPeak = Math.max(heapPeak, metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0);
        workerPeak = Math.max(workerPeak, await workerHeap());
        samples++;
      };
      await sample();
      const rendererStart = rendererPeak;
      let sampling = true;
      const loop = (async () => {
        while (sampling) {
          await sample().catch(() => undefined);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      log(`memory: embedding ${p.count} images (${p.size}x${p.size} PNGs, model ${info.modelId}, ${info.threads} thread(s))`);
      const done = await page.evaluate((o) => window.bench.embedMany(o), { count: p.count, size: p.size, batch: 8 });
      sampling = false;
      await loop;
      await sample();
      if (done.images !== p.count) throw new Error(`embedded ${done.images} of ${p.count} images`);
      const hwm = ownProcesses(marker).filter((x) => x.type === 'renderer').reduce((a, x) => Math.max(a, x.hwmKiB), 0);
      const mb = (kib: number) => kib / 1024;
      const one = (v: number) => summarise([v]);
      const sec = `memory while embedding ${p.count} images (${info.modelId}, batches of 8)`;
      const rows: Row[] = [
        { ...measured({ id: IDS[0], section: sec, label: 'page\'s renderer process, peak RSS (page + engine worker + ORT WASM heap)', unit: 'MB', better: 'lower' }, one(mb(Math.max(rendererPeak, hwm)))),
          note: `${mb(rendererStart).toFixed(0)} MB after the model loaded, before embedding; VmHWM ${mb(hwm).toFixed(0)} MB; ${samples} samples over ${(done.ms / 1000).toFixed(1)} s (${(done.ms / p.count).toFixed(0)} ms/image incl. PNG drawing)` },
        { ...measured({ id: IDS[1], section: sec, label: 'all of this Chromium\'s processes, peak summed RSS (browser, GPU, utility, renderer)', unit: 'MB', better: 'lower' }, one(mb(totalPeak))),
          note: 'shared pages counted once per process: an over-estimate' },
        { ...measured({ id: IDS[2], section: sec, label: 'page main-thread JS heap peak (CDP JSHeapUsedSize; excludes the worker)', unit: 'MB', better: 'lower' }, one(heapPeak / 1e6)) },
      ];
      rows.push({
        ...measured({ id: IDS[3], section: sec, label: 'workers\' JS heap peak (engine worker + ORT threads; CDP Runtime.getHeapUsage; excludes WASM memory)', unit: 'MB', better: 'lower' }, one(workerPeak / 1e6)),
        note: 'the WASM heap (model weights, activations) is in the renderer RSS above' });
      return rows;
    } finally {
      await browser.close();
    }
  },
};
