/**
 * The README's pictures, taken from the real demo in Chromium: `npm run docs:screenshots` writes
 * them to docs/ (PNG, 1280x720 and close-ups). Skipped in every other run (npm test), so a test
 * run never rewrites tracked files; npm names the running script in npm_lifecycle_event.
 *
 * The plugin inside Label Studio too, when a real Label Studio is given (after `npm run build`):
 * LS_URL, LS_API_KEY, LS_EMAIL, LS_PASSWORD as for e2e/label-studio.spec.ts, and
 * LS_LOCAL_FILES_ROOT, the local-files document root of that server (the sample images are copied
 * there and imported with the demo's export, as a user would).
 */
import { expect, request as playwrightRequest, test } from '@playwright/test';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toImportTasks } from '../src/labelstudio/export-json.ts';
import { SEED_LABEL_CONFIG } from '../src/labelstudio/seed-config.ts';
import { startShim } from '../src/shim/server.ts';

const WRITE = process.env.npm_lifecycle_event === 'docs:screenshots';
const DOCS = 'docs';

test.use({ viewport: { width: 1280, height: 720 } });

test.describe('README screenshots', () => {
  test.skip(!WRITE, 'only when run as `npm run docs:screenshots` (writes docs/*.png)');

  test('the demo annotator with a suggestion, and the badge', async ({ page }) => {
    mkdirSync(DOCS, { recursive: true });
    await page.goto('/');
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 90_000 });
    await page.waitForFunction(() => Boolean(window.cytoML.status().lastSuggestion), null, { timeout: 60_000 });
    const badge = page.getByTestId('cyto-ml-badge');
    await expect(badge).toContainText('like ');
    await page.screenshot({ path: `${DOCS}/demo-annotator.png` });
    await badge.screenshot({ path: `${DOCS}/badge.png` });
    await badge.getByRole('button', { name: 'details' }).click();
    await badge.screenshot({ path: `${DOCS}/badge-details.png` });
  });
});

test.describe('README screenshot of the plugin in Label Studio', () => {
  const env = process.env;
  test.skip(!WRITE, 'only when run as `npm run docs:screenshots`');
  test.skip(!env.LS_URL || !env.LS_API_KEY || !env.LS_EMAIL || !env.LS_PASSWORD || !env.LS_LOCAL_FILES_ROOT,
    'set LS_URL, LS_API_KEY, LS_EMAIL, LS_PASSWORD and LS_LOCAL_FILES_ROOT for a real Label Studio');

  test('a task in Label Studio Community, opened through the shim proxy', async ({ page }) => {
    test.setTimeout(240_000);
    const lsUrl = env.LS_URL!.replace(/\/+$/, '');
    // Twelve sample images as local files, imported with the demo's export (two labelled per class).
    interface SampleTask { id: number; data: { image: string }; meta: { class: string } }
    const samples = (JSON.parse(readFileSync('public/samples/tasks.json', 'utf8')) as SampleTask[]).slice(0, 12);
    const folder = join(env.LS_LOCAL_FILES_ROOT!, 'cyto-ml-samples');
    mkdirSync(folder, { recursive: true });
    for (const t of samples) copyFileSync(join('public', t.data.image), join(folder, t.data.image.split('/').pop()!));
    const ls = await playwrightRequest.newContext({ baseURL: lsUrl, extraHTTPHeaders: { Authorization: `Token ${env.LS_API_KEY}` } });
    const project = await (await ls.post('/api/projects', { data: { title: 'Plankton (cyto-ml screenshot)', label_config: SEED_LABEL_CONFIG } })).json();
    const storage = await ls.post('/api/storages/localfiles', { data: { project: project.id, path: folder, title: 'samples', use_blob_urls: true } });
    expect(storage.ok(), await storage.text()).toBe(true);
    const tasks = toImportTasks(samples.map((t) => ({ id: t.id, data: { ...t.data, file: `cyto-ml-samples/${t.data.image.split('/').pop()}` } })),
      { images: { kind: 'local-files' }, pathKey: 'file' });
    const imported = await ls.post(`/api/projects/${project.id}/import`, { data: tasks });
    expect(imported.status(), await imported.text()).toBe(201);
    const list = await (await ls.get(`/api/tasks?project=${project.id}`)).json();
    const taskId = (Array.isArray(list) ? list : list.tasks)[0].id as number;

    const shim = await startShim({ port: 0, proxyPort: 0, host: '127.0.0.1', labelStudioUrl: lsUrl, dataDir: mkdtempSync(join(tmpdir(), 'cyto-docs-shim-')), logLevel: 'warn' });
    try {
      await page.goto(`${shim.proxyUrl}/user/login/`);
      await page.locator('input[name="email"]').fill(env.LS_EMAIL!);
      await page.locator('input[name="password"]').fill(env.LS_PASSWORD!);
      await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/user/login')), page.locator('button[type="submit"], input[type="submit"]').first().click()]);
      await page.goto(`${shim.proxyUrl}/projects/${project.id}/data?task=${taskId}`);
      const badge = page.getByTestId('cyto-ml-badge');
      await expect(badge).toBeVisible({ timeout: 90_000 });
      await page.waitForFunction(() => window.cytoML?.status().state === 'ready' && window.cytoML.status().lastSuggestion !== undefined, null, { timeout: 120_000 });
      await page.waitForTimeout(1_000);
      await page.screenshot({ path: `${DOCS}/label-studio.png` });
    } finally {
      await shim.close();
    }
  });
});
