/**
 * The README's pictures, taken from the real demo in Chromium: `npm run docs:screenshots` writes
 * them to docs/ (PNG, 1280x720 and close-ups). Skipped in every other run (npm test), so a test
 * run never rewrites tracked files; npm names the running script in npm_lifecycle_event.
 *
 * The plugin inside the real Label Studio that Playwright's global setup starts (after `npm run
 * build`): the sample images are copied into its local-files root and imported with the demo's
 * export, as a user would.
 */
import { expect, test } from '@playwright/test';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { toImportTasks } from '../src/labelstudio/export-json.ts';
import { SEED_LABEL_CONFIG } from '../src/labelstudio/seed-config.ts';
import { SAMPLE_TASKS } from './demo-page.ts';
import { LabelStudioApi, logIn, realLabelStudio, startShimFor } from './real-label-studio/label-studio.ts';
import { LS_ENV } from './real-label-studio/paths.ts';

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
  test.skip(!WRITE, 'only when run as `npm run docs:screenshots`');

  test('a task in Label Studio Community, opened through the shim proxy, suggested from the team\'s labels', async ({ page }) => {
    test.setTimeout(240_000);
    const server = realLabelStudio();
    const filesRoot = process.env[LS_ENV.filesRoot];
    test.skip(!filesRoot, 'this Label Studio has no local-files root (set by global setup)');
    // Sample images as local files, imported with the demo's export; twelve annotated by the
    // team already (two per class), the plugin then suggests for the next one.
    const samples = SAMPLE_TASKS.slice(0, 14);
    const folder = join(filesRoot!, 'cyto-ml-samples');
    mkdirSync(folder, { recursive: true });
    for (const t of samples) copyFileSync(join('public', t.data.image), join(folder, t.data.image.split('/').pop()!));
    const ls = await LabelStudioApi.connect(server);
    const projectId = await ls.createProject('Plankton (cyto-ml screenshot)', SEED_LABEL_CONFIG);
    const storage = await ls.http.post('/api/storages/localfiles', { data: { project: projectId, path: folder, title: 'samples', use_blob_urls: true } });
    expect(storage.ok(), await storage.text()).toBe(true);
    const tasks = toImportTasks(samples.map((t) => ({ id: t.id, data: { ...t.data, file: `cyto-ml-samples/${t.data.image.split('/').pop()}` } })),
      { images: { kind: 'local-files' }, pathKey: 'file' });
    await ls.importTasks(projectId, tasks.map((t) => t.data as Record<string, unknown>));
    const created = await ls.tasks(projectId);
    for (const [i, task] of created.slice(0, 12).entries()) {
      const result = Object.entries(samples[i].meta.expected).filter(([, v]) => v.length > 0)
        .map(([control, choices]) => ({ from_name: control, to_name: 'image', type: 'choices', value: { choices } }));
      await ls.annotate(task.id, result);
    }
    const shim = await startShimFor(server);
    try {
      await logIn(page, shim.proxyUrl, server);
      await page.goto(`${shim.proxyUrl}/projects/${projectId}/data?task=${created[12].id}`);
      await page.waitForFunction((id) => window.cytoML?.status().lastSuggestion?.taskId === id, created[12].id, { timeout: 120_000 });
      await page.getByTestId('cyto-ml-badge-pill').click();
      await page.waitForTimeout(1_000);
      await page.screenshot({ path: `${DOCS}/label-studio.png` });
    } finally {
      await shim.close();
      await ls.dispose();
    }
  });
});
