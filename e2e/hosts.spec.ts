/**
 * The two Label Studio hosts against the real editor (editor harness, plugin not attached):
 * Enterprise's Plugins field (an `LSI` object) and Community (the plugin finds `window.Htx`
 * and `LabelStudio.instances` by itself). Both must suggest, and learn on submit.
 */
import { expect, test, type Page } from '@playwright/test';
import { SEED_LABEL_CONFIG } from '../src/labelstudio/seed-config.ts';

const TEACH = [
  ['bubble-05', 'Not-plankton'], ['detritus-04', 'Debris'], ['round-cell-04', 'Plankton'], ['colony-05', 'Plankton'],
] as const;

/** Open the harness and teach labels under `project` (the Community host reads it from the URL, else 'default'). */
async function openHarness(page: Page, project = 'hosts'): Promise<void> {
  await page.goto('/e2e/harness/editor.html');
  await page.waitForFunction(() => window.editorHarness?.ready === true);
  // Teach a few labels so there is something to suggest.
  await page.evaluate(async ({ config, teach, project }) => {
    const core = window.cytoML.core();
    for (const [i, [name, label]] of teach.entries()) {
      await core.learnFromAnnotation(
        { project, taskId: 970 + i, data: { image: `/samples/${name}.png` }, config },
        [{ from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: [label] } }],
      );
    }
  }, { config: SEED_LABEL_CONFIG, teach: TEACH, project });
}

interface HtxLike { task: { id: number }; annotationStore: { predictions: Array<{ createdBy: string }> } }

test('Enterprise: cytoML.enterprise(LSI) suggests for LSI.task and learns from LSI.on("submitAnnotation")', async ({ page }) => {
  await openHarness(page);
  const result = await page.evaluate(async (config) => {
    await window.editorHarness.open(config, { id: 980, data: { image: '/samples/spiky-cell-05.png' } }, 'hosts', false);
    await new Promise<void>((resolve) => {
      const wait = () => ((window as unknown as { Htx?: HtxLike }).Htx?.task ? resolve() : setTimeout(wait, 20));
      wait();
    });
    const handlers: Record<string, (store: unknown, annotation: unknown) => void> = {};
    const lsi = {
      task: { id: 980, data: { image: '/samples/spiky-cell-05.png' } },
      project: { id: 'hosts' },
      on: (event: string, fn: (store: unknown, annotation: unknown) => void) => { handlers[event] = fn; },
    };
    await window.cytoML.enterprise(lsi);
    const htx = (window as unknown as { Htx: HtxLike }).Htx;
    const before = window.cytoML.status().learning?.labelled ?? 0;
    // Label Studio calls the handler on submit with the store and the annotation.
    handlers.submitAnnotation?.(htx, { serializeAnnotation: () => [{ from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: ['Plankton'] } }] });
    for (let i = 0; i < 100 && (window.cytoML.status().learning?.labelled ?? 0) === before; i++) await new Promise((r) => setTimeout(r, 50));
    return {
      events: Object.keys(handlers).sort(),
      predictions: htx.annotationStore.predictions.map((p) => p.createdBy),
      suggestionFor: window.cytoML.status().lastSuggestion?.taskId,
      labelledBefore: before,
      labelledAfter: window.cytoML.status().learning?.labelled,
    };
  }, SEED_LABEL_CONFIG);
  expect(result.events).toEqual(['submitAnnotation', 'updateAnnotation']);
  expect(result.suggestionFor).toBe(980);
  expect(result.predictions).toHaveLength(1);
  expect(result.predictions[0]).toMatch(/^cyto-ml resnet-tiny-seeded\+kmeans2@\d{8}T\d{9}Z\.[0-9a-f]{10}$/);
  expect(result.labelledAfter).toBe(result.labelledBefore + 1);
});

test('Community: the watcher finds window.Htx, follows a task switch, and suggests for each task', async ({ page }) => {
  // No /projects/<id>/ in this page's URL: the watcher uses the plugin's default project key.
  await openHarness(page, 'default');
  const seen = await page.evaluate(async (config) => {
    const waitFor = async (id: number) => {
      for (let i = 0; i < 200 && window.cytoML.status().lastSuggestion?.taskId !== id; i++) await new Promise((r) => setTimeout(r, 50));
      return window.cytoML.status().lastSuggestion?.taskId;
    };
    await window.editorHarness.open(config, { id: 990, data: { image: '/samples/chain-05.png' } }, 'hosts', false);
    const watcher = window.cytoML.community({});
    const first = await waitFor(990);
    // Label Studio recreates the editor for the next task; the watcher must follow.
    await window.editorHarness.open(config, { id: 991, data: { image: '/samples/bubble-06.png' } }, 'hosts', false);
    const second = await waitFor(991);
    const htx = (window as unknown as { Htx: HtxLike }).Htx;
    watcher.stop();
    return { first, second, predictions: htx.annotationStore.predictions.length };
  }, SEED_LABEL_CONFIG);
  expect(seen.first).toBe(990);
  expect(seen.second).toBe(991);
  expect(seen.predictions).toBe(1);
});
