/**
 * The ML backend protocol against the real Label Studio 1.12 that global setup started:
 *  1. a browser-made prediction relayed to the shim is stored by Label Studio through
 *     "connect backend" + "Retrieve predictions";
 *  2. logged in through the shim's proxy, the page carries the injected plugin and the editor
 *     shows that prediction.
 */
import { expect, test } from '@playwright/test';
import { SEED_LABEL_CONFIG } from '../src/labelstudio/seed-config.ts';
import { LabelStudioApi, logIn, realLabelStudio, startShimFor } from './real-label-studio/label-studio.ts';
import type { LabelStudioServer, ShimForLabelStudio } from './real-label-studio/label-studio.ts';

/** A 1x1 PNG, so the task needs no file storage. */
const IMAGE = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
const MODEL_VERSION = `cyto-ml-e2e-${Date.now()}`;

test.describe.configure({ mode: 'serial' });

let server: LabelStudioServer;
let ls: LabelStudioApi;
let shim: ShimForLabelStudio;
let projectId: number;
let taskId: number;

test.beforeAll(async () => {
  server = realLabelStudio();
  ls = await LabelStudioApi.connect(server);
  shim = await startShimFor(server);
  projectId = await ls.createProject(`cyto-ml e2e ${MODEL_VERSION}`, SEED_LABEL_CONFIG);
  await ls.importTasks(projectId, [{ image: IMAGE }]);
  const tasks = await ls.tasks(projectId);
  expect(tasks).toHaveLength(1);
  taskId = tasks[0].id;
});

test.afterAll(async () => {
  if (projectId) await ls.deleteProject(projectId);
  await ls?.dispose();
  await shim?.close();
});

test('Label Studio stores the prediction a browser relayed, through the ML backend protocol', async ({ request }) => {
  const relayed = await request.post(`${shim.url}/api/predictions`, {
    data: {
      task: taskId,
      project: String(projectId),
      score: 0.87,
      model_version: MODEL_VERSION,
      result: [{ id: 'e2e-organism', from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: ['Plankton'] } }],
    },
  });
  expect(relayed.status(), await relayed.text()).toBe(201);

  // Connecting runs /health and /setup; Label Studio refuses an invalid backend here.
  const connected = await ls.connectMlBackend(projectId, shim.url);
  expect(connected.status(), `Label Studio could not reach the shim at ${shim.url}: ${await connected.text()}`).toBe(201);

  await ls.retrievePredictions(projectId);
  await expect
    .poll(async () => (await ls.predictions(taskId)).filter((p) => p.model_version === MODEL_VERSION).map((p) => p.result[0]?.value.choices?.[0]),
      { timeout: 60_000, message: 'Label Studio did not store the relayed prediction' })
    .toEqual(['Plankton']);
});

test('the proxy injects the plugin and the editor shows the prediction', async ({ page }) => {
  // Show this model version's predictions to annotators.
  await ls.patchProject(projectId, { model_version: MODEL_VERSION, show_collab_predictions: true });
  await logIn(page, shim.proxyUrl, server);

  await page.goto(`${shim.proxyUrl}/projects/${projectId}/data?task=${taskId}`);
  await expect(page.locator('script[data-cyto-ml-plugin]')).toHaveCount(1);
  expect(await page.locator('script[data-cyto-ml-plugin]').getAttribute('src')).toBe('/cyto-ml/plugin/cyto-ml.js');

  // The editor's store (window.Htx) holds the task's predictions once the task is open.
  await page.waitForFunction(
    (version) => {
      type Pred = { serializeAnnotation?: () => unknown; createdBy?: string };
      const store = (window as unknown as { Htx?: { annotationStore?: { predictions?: Pred[] } } }).Htx?.annotationStore;
      return (store?.predictions ?? []).some(
        (p) => JSON.stringify(p.serializeAnnotation?.() ?? []).includes('Plankton') || p.createdBy === version,
      );
    },
    MODEL_VERSION,
    { timeout: 60_000 },
  );
});
