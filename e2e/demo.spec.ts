/**
 * The demo annotator in real Chromium: the real Label Studio editor, the plugin attached,
 * IndexedDB, the service worker. Suggestions are checked in the editor's own UI and store.
 */
import { expect, test } from '@playwright/test';
import { currentTaskId, labelAndSubmit, openDemo, SAMPLE_BY_ID, SAMPLE_TASKS, suggestionFor } from './demo-page.ts';
import { readFileSync } from 'node:fs';

const tasks = SAMPLE_TASKS;
const byId = SAMPLE_BY_ID;
/** The demo runs the manifest's default model (the pretrained MobileNetV2 since issue 11). */
const DEFAULT_MODEL = (JSON.parse(readFileSync('models/manifest.json', 'utf8')) as { default: string; models: Array<{ id: string; trained: boolean }> });
const DEFAULT_ENTRY = DEFAULT_MODEL.models.find((m) => m.id === DEFAULT_MODEL.default)!;
const SEED_CONTROLS: Record<string, string[]> = {
  organism_type: ['Not-plankton', 'Plankton', 'Debris'],
  morphology: ['Mucilage', 'Flagella', 'Cilia', 'Aerotopes', 'Akinetes', 'Heterocytes', 'Theca/test/exoskeletal structures', 'Eggs', 'Ephippia'],
  life_form: ['Unicellular', 'Colony', 'Filament'],
  shape: ['Spiky', 'Round', 'Rod-like'],
};

test.describe('demo annotator', () => {
  test('the first task shows a prediction in the editor, with valid labels and scores', async ({ page }) => {
    await openDemo(page);
    const taskId = await currentTaskId(page);
    const status = await suggestionFor(page, taskId);
    expect(status.engine?.trained).toBe(DEFAULT_ENTRY.trained);
    // The person's annotation shows no choice ticked: the suggestion did not leak into it.
    await expect(page.locator('.ant-checkbox-wrapper-checked')).toHaveCount(0);
    // The prediction is in the editor's own annotation/prediction list, authored by the model version.
    await page.getByLabel('Annotations List Toggle').click();
    const entry = page.getByLabel('prediction 1');
    await expect(entry).toBeVisible();
    await expect(entry).toContainText(`cyto-ml ${DEFAULT_ENTRY.id}+kmeans`);
    const predictions = await page.evaluate(() => {
      const store = (window as unknown as { Htx: { annotationStore: { predictions: Array<{ serializeAnnotation(): Array<{ from_name: string; to_name: string; type: string; value: { choices: string[] }; score: number }> }> } } }).Htx.annotationStore;
      return store.predictions.map((p) => p.serializeAnnotation());
    });
    expect(predictions).toHaveLength(1);
    const results = predictions[0];
    // Every control the examples labelled for this task's cluster, and at least organism_type.
    expect(results.map((r) => r.from_name)).toContain('organism_type');
    for (const r of results) {
      expect(r.type).toBe('choices');
      expect(r.to_name).toBe('image');
      for (const choice of r.value.choices) expect(SEED_CONTROLS[r.from_name]).toContain(choice);
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.score).toBeLessThanOrEqual(1);
    }
    // The person's annotation is still the selected one and untouched (pre-select is off).
    const selected = await page.evaluate(() => {
      const as = (window as unknown as { Htx: { annotationStore: { selected: { type: string; serializeAnnotation(): unknown[] } } } }).Htx.annotationStore;
      return { type: as.selected.type, results: as.selected.serializeAnnotation().length };
    });
    expect(selected).toEqual({ type: 'annotation', results: 0 });
    // The badge speaks the annotator's language: the config's heading, a sureness word, why.
    const badge = page.getByTestId('cyto-ml-badge');
    await expect(badge).toContainText(/Organism type: (Not-plankton|Plankton|Debris), (sure|fairly sure|unsure|a guess) \(\d+%\)/);
    await expect(badge).toContainText(/like \d+ images? you labelled/);
    await expect(badge).not.toContainText(/kmeans|cluster|organism_type/);
    await badge.getByRole('button', { name: 'details' }).click();
    await expect(badge).toContainText(/kmeans\d+@\d{8}T\d{9}Z\.[0-9a-f]{10}/);
  });

  test('learning: after labelling tasks, later tasks of those classes are suggested their class', async ({ page }) => {
    test.setTimeout(300_000);
    await openDemo(page);
    // Label 36 tasks through the editor (its store API and the Submit button), as a person would.
    for (let i = 0; i < 36; i++) await labelAndSubmit(page, byId.get(await currentTaskId(page))!);
    // A task's class shows in its labels: (organism type, life form, shape).
    const signature = (labels: Record<string, string[]>) =>
      ['organism_type', 'life_form', 'shape'].map((c) => (labels[c] ?? []).join('+')).join(' / ');
    const judged = 12;
    let correct = 0;
    const truth = new Map<string, number>();
    const log: string[] = [];
    for (let i = 0; i < judged; i++) {
      const id = await currentTaskId(page);
      const status = await suggestionFor(page, id);
      const task = byId.get(id)!;
      const suggested = Object.fromEntries(status.lastSuggestion!.controls.map((c) => [c.control, c.choices]));
      const expected = signature(task.meta.expected);
      if (signature(suggested) === expected) correct++;
      truth.set(expected, (truth.get(expected) ?? 0) + 1);
      log.push(`${task.meta.class}: ${signature(suggested)} (${JSON.stringify(status.learning?.heads)})`);
      await labelAndSubmit(page, task);
    }
    console.log(`learning: ${correct}/${judged} correct, majority ${Math.max(...truth.values())}`);
    // Better than always answering the most common class of these tasks.
    expect(correct, log.join('\n')).toBeGreaterThan(Math.max(...truth.values()));
  });

  test('cache: after a reload the suggestion comes without running the model', async ({ page }) => {
    await openDemo(page);
    const first = await currentTaskId(page);
    await suggestionFor(page, first);
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    const status = await suggestionFor(page, first);
    expect(status.lastSuggestion?.cacheHit).toBe('url');
    expect(status.modelRuns).toBe(0);
    expect(status.engine?.bytesDownloaded).toBe(0);
  });

  test('offline: after the first load a new session still suggests with the network off', async ({ page, context }) => {
    await openDemo(page);
    await suggestionFor(page, await currentTaskId(page));
    // Once the service worker is active it has stored the build's files (precache.json): the
    // first visit is enough, no second online load.
    await page.waitForFunction(async () => Boolean(await navigator.serviceWorker.getRegistration()?.then((r) => r?.active)));
    await context.setOffline(true);
    const offline = await context.newPage();
    await openDemo(offline);
    const status = await suggestionFor(offline, await currentTaskId(offline));
    expect(status.lastSuggestion?.controls.length).toBeGreaterThan(0);
    expect(status.engine?.bytesDownloaded).toBe(0);
  });

  test('export: Label Studio import JSON with the annotations made', async ({ page }) => {
    await openDemo(page);
    const task = byId.get(await currentTaskId(page))!;
    await labelAndSubmit(page, task);
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export JSON' }).click();
    const file = await (await downloading).path();
    const exported = JSON.parse(readFileSync(file, 'utf8')) as Array<{ data: { image: string }; annotations: Array<{ result: Array<{ from_name: string; type: string; value: { choices: string[] } }> }>; predictions: unknown[] }>;
    expect(exported).toHaveLength(tasks.length);
    // Image references work after import: absolute URLs of the demo's sample images.
    for (const t of exported) expect(t.data.image).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/samples\/[\w-]+\.png$/);
    const mine = exported.find((t) => t.data.image === new URL(task.data.image, page.url()).href)!;
    expect(mine.annotations).toHaveLength(1);
    const organism = mine.annotations[0].result.find((r) => r.from_name === 'organism_type')!;
    expect(organism.type).toBe('choices');
    expect(organism.value.choices).toEqual(task.meta.expected.organism_type);
    expect(mine.predictions.length).toBe(1);
    // 12 example annotations + the one made here.
    expect(exported.filter((t) => t.annotations.length > 0)).toHaveLength(13);
  });
});
