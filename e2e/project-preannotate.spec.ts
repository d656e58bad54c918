/**
 * Project-wide pre-annotation from the tools panel, in the demo annotator with the real
 * editor: the local sample project, and a (fake) Label Studio project through its REST API.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { fakeLabelStudio, SAMPLE_TASKS } from './project-fake-ls.ts';

/** Models whose pre-annotation progress may be stored: the manifest's default (what the demo runs) and the test models. */
const PROGRESS_MODELS = [(JSON.parse(readFileSync('models/manifest.json', 'utf8')) as { default: string }).default, 'resnet18-seeded', 'resnet-tiny-seeded'];

// The demo's service worker would answer fetches itself, out of reach of page.route.
test.use({ serviceWorkers: 'block' });

async function openDemo(page: Page, path = '/'): Promise<void> {
  await page.goto(path);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 90_000 });
}

async function startPreannotation(page: Page): Promise<void> {
  await page.getByTestId('cyto-ml-tools').locator('header').click();
  await page.getByRole('tab', { name: 'Pre-annotate' }).click();
  await page.getByTestId('cyto-ml-preannotate').getByRole('button', { name: /Pre-annotate project|Resume/ }).click();
}

async function waitForPhase(page: Page, phase: string, timeout = 180_000): Promise<void> {
  await expect(page.getByTestId('cyto-ml-preannotate')).toHaveAttribute('data-phase', phase, { timeout });
}

test.describe('project pre-annotation', () => {
  test('the whole sample project is pre-annotated with a visible progress bar, a prediction for every unannotated task', async ({ page }) => {
    test.setTimeout(240_000);
    await openDemo(page);
    // The demo embeds the sample images on its first visit (to fit its first clusters on them):
    // forget those embeddings and reload, so that Pre-annotate has every image to embed.
    await page.evaluate(async () => {
      const store = await window.cytoML.core().store();
      await store.embeddings.evictOldest(1_000_000);
    });
    await openDemo(page);
    await startPreannotation(page);
    const bar = page.getByTestId('cyto-ml-preannotate').getByRole('progressbar');
    await expect(bar).toBeVisible();
    await expect(bar).toHaveAttribute('aria-valuemax', String(SAMPLE_TASKS.length));
    await expect(page.getByTestId('cyto-ml-preannotate-numbers')).toContainText(/images\/s/);
    const started = Date.now();
    await waitForPhase(page, 'done');
    await expect(bar).toHaveAttribute('aria-valuenow', String(SAMPLE_TASKS.length));
    const stored = await page.evaluate(async () => {
      const store = await window.cytoML.core().store();
      const tasks = await store.annotator.listTasks('demo-samples');
      return tasks.map((t) => ({ id: t.taskId, annotated: t.annotations.length > 0, predictions: (t.task.predictions ?? []).length, version: t.task.predictions?.[0]?.model_version }));
    });
    expect(stored).toHaveLength(SAMPLE_TASKS.length);
    const annotated = stored.filter((t) => t.annotated).length;
    expect(annotated).toBeGreaterThan(0);
    // The examples a person labelled get no prediction that could contradict them.
    await expect(page.getByTestId('cyto-ml-preannotate-report')).toHaveText(new RegExp(`^${SAMPLE_TASKS.length - annotated} predictions written .*\\. ${annotated} already annotated`));
    for (const t of stored) {
      expect(t.predictions, `task ${t.id}`).toBe(t.annotated ? 0 : 1);
      if (t.annotated) continue;
      expect(t.version).toMatch(/\+kmeans\d+@\d{8}T\d{9}Z\.[0-9a-f]{10}$/);
    }
    const status = await page.evaluate(() => window.cytoML.status());
    console.log(`pre-annotation: ${SAMPLE_TASKS.length} tasks in ${((Date.now() - started) / 1000).toFixed(1)} s after start, model runs ${status.modelRuns}`);
  });

  test('a reload mid-way resumes without re-embedding the images already done', async ({ page }) => {
    test.setTimeout(300_000);
    // Slow images down so the job is still running when the page reloads.
    await page.route('**/samples/*.png', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 120));
      await route.continue();
    });
    await openDemo(page);
    // The demo embeds the sample images on its first visit (to fit its first clusters on them):
    // forget those embeddings and reload, so that Pre-annotate has every image to embed.
    await page.evaluate(async () => {
      const store = await window.cytoML.core().store();
      await store.embeddings.evictOldest(1_000_000);
    });
    await openDemo(page);
    await startPreannotation(page);
    const bar = page.getByTestId('cyto-ml-preannotate').getByRole('progressbar');
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 120_000 }).toBeGreaterThanOrEqual(30);
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 90_000 });
    const before = await page.evaluate(async (models) => {
      const store = await window.cytoML.core().store();
      const records = await Promise.all(models.map((m) => store.progress.get('demo-samples', `preannotate:${m}`)));
      const record = records.find(Boolean)!;
      return { done: record.done.length, state: record.state };
    }, PROGRESS_MODELS);
    expect(before.done).toBeGreaterThanOrEqual(30);
    expect(before.done).toBeLessThan(SAMPLE_TASKS.length);
    // The interrupted run carries on by itself.
    await waitForPhase(page, 'done');
    await expect(page.getByTestId('cyto-ml-preannotate-numbers')).toContainText(/from an earlier run/);
    const after = await page.evaluate(() => window.cytoML.status());
    // This page embedded at most what was not done before the reload (done images are cache hits).
    expect(after.modelRuns).toBeLessThanOrEqual(SAMPLE_TASKS.length - before.done);
    expect(after.cache.hits).toBeGreaterThanOrEqual(before.done);
    console.log(`resume: ${before.done} done before reload; after reload model runs ${after.modelRuns}, cache hits ${after.cache.hits}`);
  });

  test('Label Studio project: a 500 then success stores a prediction exactly once for every unannotated task', async ({ page }) => {
    test.setTimeout(240_000);
    const fake = await fakeLabelStudio(page, 7, { failFirst: 3 });
    await openDemo(page, '/?source=label-studio&project=7');
    await startPreannotation(page);
    await waitForPhase(page, 'done');
    const unannotated = SAMPLE_TASKS.map((t) => t.id).filter((id) => !fake.annotatedTasks.includes(id)).sort((a, b) => a - b);
    await expect.poll(() => fake.predictions.length, { timeout: 60_000 }).toBe(unannotated.length);
    expect(fake.refused).toBe(3);
    const tasks = fake.predictions.map((p) => p.task).sort((a, b) => a - b);
    expect(tasks).toEqual(unannotated);
    for (const p of fake.predictions) {
      expect(p.model_version).toMatch(/\+kmeans\d+@\d{8}T\d{9}Z\.[0-9a-f]{10}$/);
      expect(p.score).toBeGreaterThanOrEqual(0);
      expect(p.score).toBeLessThanOrEqual(1);
    }
    expect(fake.lastWriteHeaders['x-csrftoken']).toBe('fake-csrf');
    // Nothing left in the outbox, and no late duplicate.
    await expect.poll(() => page.evaluate(() => window.cytoML.status().relay?.pending)).toBe(0);
    await page.waitForTimeout(1500);
    expect(fake.predictions.length).toBe(unannotated.length);
    expect(fake.projectVersion).toBe(fake.predictions[0].model_version);
  });
});
