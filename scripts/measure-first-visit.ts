/**
 * How long a new user waits: runs a start command (default `npm start`), opens the demo in a
 * fresh Chromium profile (a first visit: empty caches, no service worker) and reports, in
 * seconds from the command's start, when the server answered, when the page loaded and when
 * the first suggestion was on screen; how many times the page navigated (a dependency
 * optimiser's forced reload shows as 2) and how many times a model file was fetched. Then it
 * cuts the network, reloads and checks that the demo still suggests (offline after one visit).
 * Also counts the first visit's requests and bytes as transferred (compressed, headers included),
 * page, workers and the service worker's install together, until that install has finished.
 *
 *   npx tsx scripts/measure-first-visit.ts [--command "npm start"] [--port 4500] [--json FILE]
 *
 * The port is appended to the command as `-- --port N` (both `vite` and `vite preview` take it).
 */
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { CHROMIUM_ARGS } from '../playwright.config.ts';

interface Args { command: string; port: number; json?: string }

function parseArgs(argv: string[]): Args {
  const args: Args = { command: 'npm start', port: 4500 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--command') args.command = value;
    else if (flag === '--port') args.port = Number(value);
    else if (flag === '--json') args.json = value;
    else throw new Error(`unknown option ${flag}: use --command "npm start", --port N, --json FILE`);
    i++;
  }
  return args;
}

async function waitForHttp(url: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch { /* not up yet */ }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer in time`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const url = `http://127.0.0.1:${args.port}/`;
  const t0 = Date.now();
  const seconds = (t: number) => Math.round((t - t0) / 100) / 10;
  // Its own process group, so the whole tree (npm → sh → vite) can be ended together.
  const server = spawn(`${args.command} -- --port ${args.port} --strictPort --host 127.0.0.1`, {
    shell: true, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  server.stdout.on('data', (chunk) => { log += chunk; });
  server.stderr.on('data', (chunk) => { log += chunk; });
  const stop = () => { try { process.kill(-server.pid!, 'SIGTERM'); } catch { /* already gone */ } };
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    await waitForHttp(url, Date.now() + 300_000);
    const serverUp = Date.now();
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    let navigations = 0;
    let modelFetches = 0;
    page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) navigations++; });
    // Service-worker and worker requests show on the context, not only on the page.
    context.on('request', (request) => { if (/\.onnx(\?|$)/.test(request.url())) modelFetches++; });
    // Transferred = what crossed the wire (Playwright's sizes(): encoded body + headers).
    let requests = 0;
    let transferred = 0;
    const sizing: Array<Promise<void>> = [];
    const countRequest = (request: import('@playwright/test').Request) => {
      requests++;
      sizing.push(request.sizes().then((s) => { transferred += s.responseBodySize + s.responseHeadersSize; }, () => undefined));
    };
    context.on('requestfinished', countRequest);
    await page.goto(url);
    const loaded = Date.now();
    await page.waitForFunction(() => Boolean(window.cytoML?.status().lastSuggestion), null, { timeout: 300_000, polling: 100 });
    const suggested = Date.now();
    const navigationsBeforeSuggestion = navigations;
    const modelFetchesFirstVisit = modelFetches;
    const status = await page.evaluate(() => window.cytoML.status());
    // Offline after the first visit: the service worker answers the page, the plugin's cache the model.
    // (wait until its install, which stores the app's files, has finished)
    await page.waitForFunction(async () => Boolean((await navigator.serviceWorker?.getRegistration())?.active), null, { timeout: 60_000 })
      .catch(() => undefined);
    // Let the install's downloads finish being counted.
    await page.waitForTimeout(2000);
    context.off('requestfinished', countRequest);
    await Promise.all(sizing);
    const firstVisit = { requests, transferredMB: Math.round(transferred / 1e5) / 10 };
    await context.setOffline(true);
    const failed: string[] = [];
    const consoleLines: string[] = [];
    page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text().slice(0, 160)}`));
    page.on('pageerror', (error) => consoleLines.push(`error: ${error.message.slice(0, 160)}`));
    context.on('requestfailed', (request) => failed.push(new URL(request.url()).pathname));
    let offline = 'no suggestion';
    try {
      await page.reload();
      await page.waitForFunction(() => Boolean(window.cytoML?.status().lastSuggestion), null, { timeout: 60_000 });
      offline = 'suggests offline';
    } catch (error) {
      const seen = await page.evaluate(() => ({
        notice: document.getElementById('notice-text')?.textContent ?? '',
        lastError: window.cytoML?.status().lastError?.message ?? '',
      })).catch(() => ({ notice: '', lastError: 'page not scriptable' }));
      offline = `failed: ${(error as Error).message.split('\n')[0]}; ${JSON.stringify(seen)}; failed requests: ${failed.slice(0, 8).join(', ')}; console: ${consoleLines.slice(-6).join(' | ')}`;
    }
    const result = {
      command: args.command,
      serverUpS: seconds(serverUp),
      pageLoadedS: seconds(loaded),
      firstSuggestionS: seconds(suggested),
      pageToSuggestionS: Math.round((suggested - loaded) / 100) / 10,
      navigations: navigationsBeforeSuggestion,
      modelFetches: modelFetchesFirstVisit,
      modelFetchesOffline: modelFetches - modelFetchesFirstVisit,
      firstVisit,
      model: status.engine?.modelId,
      backend: status.backendLabel,
      offline,
    };
    console.log(JSON.stringify(result, null, 2));
    if (args.json) writeFileSync(args.json, JSON.stringify(result, null, 2) + '\n');
  } catch (error) {
    console.error(log.slice(-4000));
    throw error;
  } finally {
    await browser.close();
    stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
