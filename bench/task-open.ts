/**
 * Section 2: the demo annotator (index.html: Label Studio's real editor + the plugin), as a
 * user meets it, in headless Chromium on the isolated vite preview:
 *  - cold start in a fresh profile: the engine's own start-up timings (manifest, model fetch,
 *    runtime, session create) and bytes downloaded, and navigation → first suggestion shown;
 *  - warm start: the same profile reloaded (model and runtime from the browser's caches);
 *  - task open → suggestion in the editor, over N tasks, embedding not cached (tasks opened
 *    from the end of the list backwards, so the plugin's prefetch of the next tasks never
 *    covers the next one opened) and then cached (the same tasks again). Two figures each: the
 *    plugin's `taskToSuggestionMs` (task handed to the plugin → prediction injected), and
 *    click in the task list → suggestion (adds the demo's editor rebuild).
 * Each open is classified by the plugin's own `cacheHit`, not by the pass it ran in.
 * Service workers are blocked (the demo's offline cache would hide the network figures).
 */
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { log, measured, skippedRow, type BenchConfig, type Row } from './common.ts';
import type { BenchContext, Section } from './section.ts';
import { summarise } from './stats.ts';

const plan = (cfg: BenchConfig) => (cfg.smoke ? { tasks: 6, cold: 1 } : { tasks: 50, cold: 2 });
const IDS = [
  'taskopen/cold/engine-start', 'taskopen/cold/first-suggestion', 'taskopen/cold/bytes', 'taskopen/warm/engine-start',
  'taskopen/uncached/plugin', 'taskopen/cached/plugin', 'taskopen/uncached/click', 'taskopen/cached/click',
];

interface Status {
  state: string;
  engine?: { modelId: string; threads: number; backend: string; bytesDownloaded: number; modelFromCache: boolean; timings: Record<string, number> };
  lastSuggestion?: { taskId: number | string; cacheHit: string; taskToSuggestionMs: number; editorStartMs: number; embedMs: number; predictMs: number };
  lastError?: { code: string; message: string };
}

async function newDemoContext(browser: Browser, smoke: boolean): Promise<BrowserContext> {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  if (smoke) {
    // Smoke: the tiny model as the demo's default, so the run stays quick.
    await context.route('**/models/manifest.json', async (route) => {
      const response = await route.fetch();
      const manifest = (await response.json()) as { default: string };
      manifest.default = 'resnet-tiny-seeded';
      await route.fulfill({ response, json: manifest });
    });
  }
  // Record when the first suggestion appears, from navigation start, without Playwright round trips.
  await context.addInitScript(() => {
    const w = window as unknown as { cytoML?: { status(): Status }; __firstSuggestionAt?: number };
    const timer = setInterval(() => {
      if (w.cytoML?.status().lastSuggestion) {
        w.__firstSuggestionAt = performance.now();
        clearInterval(timer);
      }
    }, 5);
  });
  return context;
}

async function openDemo(page: Page, url: string): Promise<{ status: Status; firstSuggestionMs: number }> {
  page.on('pageerror', (e) => console.error(`  [demo page error] ${e.message}`));
  await page.goto(`${url}/index.html`);
  await page.waitForFunction(() => {
    const w = window as unknown as { __firstSuggestionAt?: number; cytoML?: { status(): Status } };
    const s = w.cytoML?.status();
    if (s?.state === 'error' || s?.lastError) throw new Error(`plugin error: ${JSON.stringify(s.lastError)}`);
    return document.body.dataset.ready === 'true' && w.__firstSuggestionAt !== undefined;
  }, undefined, { timeout: 120_000, polling: 50 });
  return page.evaluate(() => {
    const w = window as unknown as { __firstSuggestionAt: number; cytoML: { status(): Status } };
    return { status: w.cytoML.status(), firstSuggestionMs: w.__firstSuggestionAt };
  });
}

/** Let the plugin's background prefetch finish, so it does not compete with the timed opens. */
async function settle(page: Page): Promise<void> {
  let last = -1;
  for (let i = 0; i < 40; i++) {
    const n = await page.evaluate(() => (window as unknown as { cytoML: { status(): { prefetched: number } } }).cytoML.status().prefetched);
    if (n === last) return;
    last = n;
    await page.waitForTimeout(250);
  }
}

interface Open { taskId: number; cacheHit: string; pluginMs: number; clickMs: number; editorMs: number; embedMs: number; predictMs: number }

async function openTask(page: Page, id: number): Promise<Open> {
  return page.evaluate(async (taskId) => {
    const w = window as unknown as { cytoML: { status(): Status } };
    const item = document.querySelector<HTMLElement>(`#task-list li[data-task-id="${taskId}"]`);
    if (!item) throw new Error(`task ${taskId} is not in the task list`);
    const t0 = performance.now();
    item.click();
    for (;;) {
      const s = w.cytoML.status();
      const last = s.lastSuggestion;
      if (last && String(last.taskId) === String(taskId)) {
        return { taskId, cacheHit: last.cacheHit, pluginMs: last.taskToSuggestionMs, clickMs: performance.now() - t0, editorMs: last.editorStartMs, embedMs: last.embedMs, predictMs: last.predictMs };
      }
      if (performance.now() - t0 > 30_000) throw new Error(`no suggestion for task ${taskId} after 30 s: ${JSON.stringify(s.lastError ?? s.state)}`);
      await new Promise((r) => setTimeout(r, 1));
    }
  }, id);
}

export const taskOpenSection: Section = {
  name: 'task-open',
  expected: () => IDS,
  async run(ctx: BenchContext) {
    const p = plan(ctx.cfg);
    const colds: Array<{ status: Status; firstSuggestionMs: number }> = [];
    const warms: Status[] = [];
    const opens: Open[] = [];
    for (let c = 0; c < p.cold; c++) {
      log(`task-open: cold start ${c + 1}/${p.cold} (fresh profile)`);
      const context = await newDemoContext(ctx.browser, ctx.cfg.smoke);
      try {
        const page = await context.newPage();
        colds.push(await openDemo(page, ctx.isolatedUrl));
        if (c > 0) continue;
        await settle(page);
        // The demo embeds its sample images before its first suggestion (its first fit): forget
        // them and reload the same profile, so the opens below meet images not embedded yet, as
        // a task new to this browser in Label Studio does.
        await page.evaluate(async () => {
          const core = (window as unknown as { cytoML: { core(): { store(): Promise<{ embeddings: { evictOldest(n: number): Promise<number> } }> } } }).cytoML.core();
          await (await core.store()).embeddings.evictOldest(1_000_000);
        });
        await page.reload();
        await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 120_000, polling: 50 });
        await settle(page);
        const ids = await page.$$eval('#task-list li[data-task-id]', (els) => els.map((e) => Number((e as HTMLElement).dataset.taskId)));
        const chosen = ids.slice(-p.tasks).reverse();
        log(`task-open: ${chosen.length} tasks, not cached (backwards), then cached`);
        for (const pass of [0, 1]) {
          for (const id of chosen) opens.push(await openTask(page, id));
          void pass;
        }
        log('task-open: warm start (reload, same profile)');
        await page.reload();
        // A reload keeps the suggestion poller's init script: wait for the engine only.
        await page.waitForFunction(() => (window as unknown as { cytoML?: { status(): Status } }).cytoML?.status().engine !== undefined, undefined, { timeout: 120_000, polling: 50 });
        warms.push(await page.evaluate(() => (window as unknown as { cytoML: { status(): Status } }).cytoML.status()));
      } finally {
        await context.close();
      }
    }

    const engine = colds[0].status.engine!;
    const model = `${engine.modelId}, ${engine.backend} ${engine.threads} thread(s)`;
    const rows: Row[] = [];
    const sec = 'task open → suggestion (demo annotator, real editor)';
    const t = (s: Status) => s.engine!.timings;
    rows.push({
      ...measured({ id: IDS[0], section: sec, label: `cold start, fresh profile: model fetch + runtime + session create (${model})`, unit: 'ms', better: 'lower' },
        summarise(colds.map((c) => t(c.status).totalMs))),
      note: `manifest ${t(colds[0].status).manifestMs?.toFixed(0)} ms, model ${t(colds[0].status).modelMs?.toFixed(0)} ms, runtime ${t(colds[0].status).runtimeMs?.toFixed(0)} ms, session ${t(colds[0].status).sessionMs?.toFixed(0)} ms (first run)`,
    });
    rows.push(measured({ id: IDS[1], section: sec, label: 'cold start: navigation → first suggestion shown (editor, plugin, engine, first task)', unit: 'ms', better: 'lower' },
      summarise(colds.map((c) => c.firstSuggestionMs))));
    rows.push({
      ...measured({ id: IDS[2], section: sec, label: 'cold start: bytes downloaded by the engine (model + runtime)', unit: 'MB', better: 'lower' },
        summarise(colds.map((c) => c.status.engine!.bytesDownloaded / 1e6))),
      note: `from localhost; at 50 Mbit/s that is ~${((colds[0].status.engine!.bytesDownloaded * 8) / 50e6).toFixed(0)} s`,
    });
    if (warms.length > 0) {
      rows.push({
        ...measured({ id: IDS[3], section: sec, label: 'warm start (reload, same profile): engine ready', unit: 'ms', better: 'lower' }, summarise(warms.map((w) => w.engine!.timings.totalMs))),
        note: `bytes downloaded ${warms[0].engine!.bytesDownloaded}, model from cache: ${warms[0].engine!.modelFromCache}`,
      });
    } else {
      rows.push(skippedRow({ id: IDS[3], section: sec, label: 'warm start', unit: 'ms', better: 'lower' }, 'error', 'not measured'));
    }
    const uncached = opens.filter((o) => o.cacheHit === 'none');
    const cached = opens.filter((o) => o.cacheHit !== 'none');
    const add = (id: string, label: string, list: Open[], key: 'pluginMs' | 'clickMs', baseline?: string) => {
      const base = { id, section: sec, label: `${label} (${list.length} tasks)`, unit: 'ms', better: 'lower' as const, showP95: true, baseline };
      if (list.length < 2) rows.push(skippedRow(base, 'error', `only ${list.length} opens in this class (cacheHit)`));
      else rows.push({ ...measured(base, summarise(list.map((o) => o[key]))), note: key === 'pluginMs' ? `from the editor showing the task; of which embed (or cache lookup) ${summarise(list.map((o) => o.embedMs)).median.toFixed(1)} ms, learner + prediction ${summarise(list.map((o) => o.predictMs)).median.toFixed(1)} ms; before it the editor built itself in ${summarise(list.map((o) => o.editorMs)).median.toFixed(0)} ms (medians); model ${model}` : 'includes the demo destroying and rebuilding the Label Studio editor' });
    };
    add(IDS[4], 'task opened → suggestion shown, embedding NOT cached (plugin taskToSuggestionMs)', uncached, 'pluginMs');
    add(IDS[5], 'task opened → suggestion shown, embedding cached (plugin taskToSuggestionMs)', cached, 'pluginMs', IDS[4]);
    add(IDS[6], 'click in task list → suggestion shown, NOT cached', uncached, 'clickMs');
    add(IDS[7], 'click in task list → suggestion shown, cached', cached, 'clickMs', IDS[6]);
    return rows;
  },
};
