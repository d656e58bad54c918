/**
 * Bad input in the real editor with the plugin attached (editor harness page): a broken image,
 * a config without Choices, a 16-bit TIFF, a task switch while an embedding runs. Each gives a
 * clear badge message or a suggestion, and the editor keeps working.
 */
import { expect, test, type Page } from '@playwright/test';
import { SEED_LABEL_CONFIG } from '../src/labelstudio/seed-config.ts';

async function openHarness(page: Page): Promise<void> {
  await page.goto('/e2e/harness/editor.html');
  await page.waitForFunction(() => window.editorHarness?.ready === true);
}

/** Submit-ability: the editor shows its controls and the annotation accepts a choice. */
async function editorStillWorks(page: Page): Promise<void> {
  const chosen = await page.evaluate(() => {
    const as = (window as unknown as { Htx: { annotationStore: { selected: { names: Map<string, { setResult(v: string[]): void; updateResult(): void; selectedValues(): string[] }> } } } }).Htx.annotationStore;
    const tag = as.selected.names.get('organism_type');
    if (!tag) return null;
    tag.setResult(['Plankton']);
    tag.updateResult();
    return tag.selectedValues();
  });
  expect(chosen).toEqual(['Plankton']);
}

test.describe('bad input in the editor', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  test('an image that 404s: the badge says so and the editor keeps working', async ({ page }) => {
    await page.evaluate((config) => window.editorHarness.open(config, { id: 901, data: { image: '/samples/missing-image.png' } }), SEED_LABEL_CONFIG);
    await expect(page.getByTestId('cyto-ml-badge')).toContainText('does not exist (HTTP 404)');
    await editorStillWorks(page);
  });

  test('a config without Choices: a plain message, no prediction, no error in the editor', async ({ page }) => {
    const config = '<View><Image name="img" value="$image"/><TextArea name="note" toName="img"/></View>';
    const result = await page.evaluate((c) => window.editorHarness.open(c, { id: 902, data: { image: '/samples/bubble-01.png' } }), config);
    expect(result).toBeNull();
    await expect(page.getByTestId('cyto-ml-badge')).toContainText('no Choices control on an Image');
    const predictions = await page.evaluate(() => (window as unknown as { Htx: { annotationStore: { predictions: unknown[] } } }).Htx.annotationStore.predictions.length);
    expect(predictions).toBe(0);
  });

  test('a 16-bit greyscale TIFF task is embedded (the editor cannot show TIFF, the plugin reads it)', async ({ page }) => {
    const outcome = await page.evaluate(async (config) => {
      await window.editorHarness.open(config, { id: 903, data: { image: '/samples/cytometer-16bit.tif' } });
      return window.cytoML.status();
    }, SEED_LABEL_CONFIG);
    expect(outcome.lastError).toBeUndefined();
    expect(outcome.cache.misses + outcome.cache.hits).toBeGreaterThan(0);
    expect(outcome.lastSuggestion?.taskId).toBe(903);
    await editorStillWorks(page);
  });

  test('switching task while an embedding runs: the old suggestion never lands in the new task', async ({ page }) => {
    // Two configs with different control names, each taught a few labels, so both tasks get a
    // prediction and a misplaced one would show by its from_name.
    const other = '<View><Image name="pic" value="$image"/><Choices name="kind" toName="pic"><Choice value="a"/><Choice value="b"/></Choices></View>';
    const state = await page.evaluate(async ({ seed, other }) => {
      const core = window.cytoML.core();
      const images = ['bubble-03', 'detritus-02', 'round-cell-02', 'spiky-cell-02', 'chain-03', 'colony-03'].map((n) => `/samples/${n}.png`);
      for (const [i, image] of images.entries()) {
        // One annotation per task (a task's latest annotation is its label): separate tasks per config.
        const base = { project: 'e2e-editor', data: { image } };
        await core.learnFromAnnotation({ ...base, taskId: 950 + i, config: seed }, [{ from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: ['Plankton'] } }]);
        await core.learnFromAnnotation({ ...base, taskId: 970 + i, config: other }, [{ from_name: 'kind', to_name: 'pic', type: 'choices', value: { choices: ['a'] } }]);
      }
      // First task: an image not embedded yet, replaced at once by a task of the other config.
      const first = window.editorHarness.open(seed, { id: 904, data: { image: '/samples/chain-02.png?switch' } });
      const second = window.editorHarness.open(other, { id: 905, data: { image: '/samples/colony-02.png' } });
      const [a, b] = (await Promise.all([first, second])) as Array<{ prediction: unknown } | null>;
      const htx = (window as unknown as { Htx: { task: { id: number }; annotationStore: { predictions: Array<{ serializeAnnotation(): Array<{ from_name: string }> }> } } }).Htx;
      return {
        firstPredicted: Boolean(a?.prediction),
        secondPredicted: Boolean(b?.prediction),
        task: htx.task.id,
        fromNames: htx.annotationStore.predictions.flatMap((p) => p.serializeAnnotation().map((r) => r.from_name)),
        last: window.cytoML.status().lastSuggestion?.taskId,
      };
    }, { seed: SEED_LABEL_CONFIG, other });
    expect(state.firstPredicted).toBe(true);
    expect(state.secondPredicted).toBe(true);
    expect(state.task).toBe(905);
    expect(state.last).toBe(905);
    expect(state.fromNames).toEqual(['kind']);
  });
});
