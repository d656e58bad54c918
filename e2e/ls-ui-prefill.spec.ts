/**
 * Prefill the Label Studio way, in the real Label Studio 1.12: when the project's "Use
 * predictions to prelabel tasks" (`show_collab_predictions`) is on, the annotator's new
 * annotation starts from the plugin's suggestion and one mouse click on Submit accepts it; an
 * annotation a person already made is never changed; with the setting off nothing is selected.
 *
 * The same plankton image is uploaded several times, so the task after the labelled one has
 * the same embedding, hence the same cluster and a suggestion from the first label (k = 2).
 */
import { expect, test, type Page } from '@playwright/test';
import { LabelStudioApi, realLabelStudio, startShimFor } from './real-label-studio/label-studio.ts';
import type { LabelStudioServer, LsTask, ShimForLabelStudio } from './real-label-studio/label-studio.ts';
import { choice, imageProject, plankton, pluginPage, storedChoices, submitButton, waitForTaskSuggestion } from './real-label-studio/ui-project.ts';

let server: LabelStudioServer;
let ls: LabelStudioApi;
let shim: ShimForLabelStudio;
let projectId: number;
let tasks: LsTask[];

test.beforeAll(async () => {
  server = realLabelStudio();
  const [same] = plankton('chaetognath_other', 1);
  const others = plankton('detritus_blob', 3);
  ls = await LabelStudioApi.connect(server);
  shim = await startShimFor(server);
  ({ projectId, tasks } = await imageProject(ls, `cyto-ml ui prefill ${Date.now()}`, [same, same, same, same, same, ...others],
    { show_collab_predictions: true }));
});

test.afterAll(async () => {
  if (projectId) await ls.deleteProject(projectId);
  await ls?.dispose();
  await shim?.close();
});

async function open(page: Page, taskId: number): Promise<void> {
  await page.goto(`${shim.proxyUrl}/projects/${projectId}/data?task=${taskId}`);
  await waitForTaskSuggestion(page, taskId);
}

function suggested(page: Page): Promise<string[]> {
  return page.evaluate(() => window.cytoML.status().lastSuggestion?.controls.find((c) => c.control === 'organism_type')?.choices ?? []);
}

test('the annotator starts from the suggestion, accepts it with one click, and own choices stay', async ({ page }) => {
  test.setTimeout(90_000);
  const [first, extra, second, annotated, settingOff] = tasks;
  // A person's earlier annotation of the same image, made before this browser learnt anything.
  await ls.annotate(annotated.id, [{ from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: ['Not-plankton'] } }]);
  await page.setViewportSize({ width: 1440, height: 900 });
  await pluginPage(page, server, shim, { k: 2 });

  // 1. Nothing learnt yet: no suggestion, nothing selected. The person labels by hand.
  await open(page, first.id);
  await expect.poll(() => page.evaluate(() => window.cytoML.status().prefetched), { timeout: 30_000 }).toBeGreaterThan(0);
  expect(await suggested(page)).toEqual([]);
  await expect(choice(page, 'Plankton').locator('input')).not.toBeChecked();
  await choice(page, 'Plankton').click();
  await submitButton(page).click();
  await expect.poll(() => storedChoices(ls, first.id, 'organism_type'), { timeout: 30_000 }).toEqual([['Plankton']]);
  await expect.poll(() => page.evaluate(() => window.cytoML.status().learning?.fitVersion ?? 0), { timeout: 30_000 }).toBeGreaterThan(0);

  // 1b. The same image once more: the person says Plankton again (the colleague's Not-plankton on
  // that image and this person's Plankton are an even vote so far; two to one is not).
  await open(page, extra.id);
  // An even vote may already have pre-selected Plankton (ties go to the config's order); a click
  // on a selected choice would clear it.
  if (!(await choice(page, 'Plankton').locator('input').isChecked())) await choice(page, 'Plankton').click();
  await expect(choice(page, 'Plankton').locator('input')).toBeChecked();
  await submitButton(page).click();
  await expect.poll(() => storedChoices(ls, extra.id, 'organism_type'), { timeout: 30_000 }).toEqual([['Plankton']]);
  await expect.poll(() => page.evaluate(() => window.cytoML.status().learning?.labelled ?? 0), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);

  // 2. The same image again: the new annotation starts from the suggestion; one click accepts it.
  await open(page, second.id);
  expect(await suggested(page)).toEqual(['Plankton']);
  await expect(choice(page, 'Plankton').locator('input')).toBeChecked();
  await submitButton(page).click();
  await expect.poll(() => storedChoices(ls, second.id, 'organism_type'), { timeout: 30_000 }).toEqual([['Plankton']]);

  // 3. A task the person already annotated: their choice stays, the suggestion is only a prediction tab.
  await open(page, annotated.id);
  expect(await suggested(page)).toEqual(['Plankton']);
  await expect(choice(page, 'Not-plankton').locator('input')).toBeChecked();
  await expect(choice(page, 'Plankton').locator('input')).not.toBeChecked();
  expect(await storedChoices(ls, annotated.id, 'organism_type')).toEqual([['Not-plankton']]);

  // 4. With "Use predictions to prelabel tasks" off, the suggestion is shown but not selected.
  await ls.patchProject(projectId, { show_collab_predictions: false });
  await open(page, settingOff.id);
  expect(await suggested(page)).toEqual(['Plankton']);
  await expect(choice(page, 'Plankton').locator('input')).not.toBeChecked();
});
