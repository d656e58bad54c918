/**
 * The plugin's own UI under a strict Content-Security-Policy (`style-src 'self'`, no
 * 'unsafe-inline'), as some Label Studio deployments send: a real HTTP server serves a page
 * with that header and the built plugin (dist/plugin); the badge and its dock are styled (their
 * stylesheets are adopted, which the policy allows), no style is refused, and the policy is
 * really in force (a `<style>` element the page adds is refused). On the same page, the project
 * tools' TIFF thumbnails: the embedding worker decodes a real FlowCam TIFF to the same small RGBA
 * picture as the decoder run here in Node, and it draws on a canvas.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { decodeImage } from '../src/embedding/decode-image.ts';
import { FLOWCAM } from './real-label-studio/paths.ts';
import { thumbnailRgba } from '../src/embedding/thumbnail-pixels.ts';

const PLUGIN_DIR = path.resolve(process.cwd(), 'dist', 'plugin');
/** Real FlowCam TIFFs (../shared, never committed). */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; worker-src 'self' blob:; connect-src 'self'";

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>strict CSP</title>
<script src="/watch-csp.js"></script>
<script src="/plugin/cyto-ml.js" data-cyto-ml-plugin></script>
<script src="/start.js" defer></script></head><body><h1>A page with a strict CSP</h1></body></html>`;

/** Collects CSP violations before anything else runs. */
const WATCH = `window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + (e.sample || e.blockedURI)));`;
/** Creates the plugin instance (and with it the badge), as a page calling cytoML would. */
const START = `window.cytoML.status();`;

let server: Server;
let base: string;

test.beforeAll(async () => {
  test.skip(!existsSync(path.join(PLUGIN_DIR, 'cyto-ml.js')), 'dist/plugin is absent: run npm run build first');
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (type: string, body: string) => {
      res.writeHead(200, { 'Content-Type': type, 'Content-Security-Policy': CSP });
      res.end(body);
    };
    if (url.pathname === '/') return send('text/html', PAGE);
    if (url.pathname === '/watch-csp.js') return send('text/javascript', WATCH);
    if (url.pathname === '/start.js') return send('text/javascript', START);
    if (url.pathname.startsWith('/fixtures/')) {
      const tiff = path.join(FLOWCAM, path.basename(url.pathname));
      if (existsSync(tiff)) {
        res.writeHead(200, { 'Content-Type': 'image/tiff', 'Content-Security-Policy': CSP });
        createReadStream(tiff).pipe(res);
        return;
      }
    }
    const file = path.join(PLUGIN_DIR, path.normalize(url.pathname.replace(/^\/plugin\//, '')));
    if (url.pathname.startsWith('/plugin/') && file.startsWith(PLUGIN_DIR) && existsSync(file)) {
      const type = file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
      res.writeHead(200, { 'Content-Type': type, 'Content-Security-Policy': CSP });
      createReadStream(file).pipe(res);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

test('the badge is styled under style-src \'self\', and no style is refused', async ({ page }) => {
  await page.goto(`${base}/`);
  const pill = page.getByTestId('cyto-ml-badge-pill');
  await expect(pill).toBeVisible();
  // The model is not served here: the badge says so, styled.
  await expect(page.getByTestId('cyto-ml-badge')).toHaveAttribute('data-state', 'error', { timeout: 30_000 });
  const looks = await page.evaluate(() => {
    const dock = document.querySelector('[data-testid=cyto-ml-dock]')!;
    const pillEl = document.querySelector('[data-testid=cyto-ml-badge-pill]')!;
    const dot = pillEl.querySelector('.cyto-ml-dot')!;
    const panel = document.querySelector('[data-testid=cyto-ml-badge] .cyto-ml-pop')!;
    return {
      dockPosition: getComputedStyle(dock).position,
      pillRadius: getComputedStyle(pillEl).borderRadius,
      pillHeight: getComputedStyle(pillEl).height,
      dotColour: getComputedStyle(dot).backgroundColor,
      panelWidth: getComputedStyle(panel).width,
      styleElements: document.querySelectorAll('style').length,
    };
  });
  expect(looks).toEqual({
    dockPosition: 'fixed', pillRadius: '14px', pillHeight: '28px', dotColour: 'rgb(221, 51, 51)', panelWidth: '340px', styleElements: 0,
  });
  // Panel toggles by the stylesheet's [data-open] rule.
  await expect(page.locator('[data-testid=cyto-ml-badge] .cyto-ml-pop')).toBeVisible();
  await pill.click();
  await expect(page.locator('[data-testid=cyto-ml-badge] .cyto-ml-pop')).toBeHidden();
  expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations.filter((v) => v.startsWith('style-src')))).toEqual([]);

  // The policy is in force: a <style> element's rules are refused.
  const refused = await page.evaluate(async () => {
    const style = document.createElement('style');
    style.textContent = 'h1{color:rgb(1,2,3)}';
    document.head.appendChild(style);
    await new Promise((r) => setTimeout(r, 100));
    return {
      colour: getComputedStyle(document.querySelector('h1')!).color,
      violations: (window as unknown as { cspViolations: string[] }).cspViolations.filter((v) => v.startsWith('style-src')).length,
    };
  });
  expect(refused.colour).not.toBe('rgb(1, 2, 3)');
  expect(refused.violations).toBeGreaterThan(0);
});

test('TIFF thumbnails come from the worker\'s decoder and draw on a canvas', async ({ page }) => {
  const name = 'testymctestface_127.tif';
  test.skip(!existsSync(path.join(FLOWCAM, name)), `${FLOWCAM} is absent: the real FlowCam TIFFs are needed`);
  const bytes = await readFile(path.join(FLOWCAM, name));
  const expected = thumbnailRgba(await decodeImage(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), 96);
  await page.goto(`${base}/`);
  await expect(page.getByTestId('cyto-ml-badge-pill')).toBeVisible();
  const drawn = await page.evaluate(async (url) => {
    const t = await window.cytoML.core().embeddings.thumbnail(url, 96);
    const canvas = document.createElement('canvas');
    canvas.width = t.width;
    canvas.height = t.height;
    const ctx = canvas.getContext('2d')!;
    ctx.putImageData(new ImageData(t.rgba, t.width, t.height), 0, 0);
    const back = ctx.getImageData(0, 0, t.width, t.height).data;
    return { width: t.width, height: t.height, rgba: Array.from(t.rgba), distinct: new Set(Array.from(back)).size };
  }, `/fixtures/${name}`);
  expect({ width: drawn.width, height: drawn.height }).toEqual({ width: expected.width, height: expected.height });
  expect(Math.max(drawn.width, drawn.height)).toBeLessThanOrEqual(96);
  expect(drawn.rgba).toEqual(Array.from(expected.rgba));
  expect(drawn.distinct, 'the thumbnail is one flat colour').toBeGreaterThan(10);
});
