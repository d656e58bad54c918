/**
 * Journeys (issue 17) in the real Label Studio 1.12 through the shim's proxy, at 1280x720, by
 * mouse: log in on the login page, then only clicks (and the browser's back button).
 *
 * (a) A scientist: projects list → a project's card → Label All Tasks → the suggestion (from
 *     the team's labels, already in Label Studio) → Submit → the next task → back → a second
 *     project by clicks → its own suggestion, from its own labels. Both projects hold the SAME
 *     images, labelled Plankton in one and Debris in the other, so a suggestion can only be right
 *     in both if nothing of the first project leaks into the second.
 * (e) A conditional config (life form and shape visible only for Plankton): an image suggested
 *     Not-plankton gets no life form or shape suggestion, though the team's older annotations
 *     (made before the condition was added) gave those images a life form and a shape.
 * (f) Label Studio's stock Image Classification template, unchanged: a suggestion, and Submit
 *     by mouse stores the person's choice.
 *
 * The team's annotations are made through the REST API beforehand ("other people's work already
 * there"); everything the person does is by mouse.
 */
import { expect, test } from '@playwright/test';
import { SEED_CONDITIONAL_LABEL_CONFIG, SEED_LABEL_CONFIG } from '../../src/labelstudio/seed-config.ts';
import { LabelStudioApi, realLabelStudio, startShimFor } from '../real-label-studio/label-studio.ts';
import type { LabelStudioServer, LsTask, ShimForLabelStudio } from '../real-label-studio/label-studio.ts';
import { plankton, pluginPage, storedChoices, submitButton } from '../real-label-studio/ui-project.ts';
import {
  choose, editorPredictionControls, JOURNEY_VIEWPORT, labelAllTasks, openProjectCard, shownTask, STOCK_IMAGE_CLASSIFICATION, suggestionFor,
} from './by-mouse.ts';

test.describe.configure({ mode: 'serial' });

let server: LabelStudioServer;
let ls: LabelStudioApi;
let shim: ShimForLabelStudio;
const created: number[] = [];
const stamp = Date.now();

interface Project { id: number; title: string; tasks: LsTask[] }

/** A project of these images where the first `labelled` tasks carry the team's annotation `result(task)`. */
async function teamProject(title: string, config: string, files: string[], labelled: number, result: (i: number) => unknown[]): Promise<Project> {
  const id = await ls.createProject(title, config);
  created.push(id);
  await ls.uploadImages(id, files);
  const tasks = await ls.tasks(id);
  expect(tasks).toHaveLength(files.length);
  for (let i = 0; i < labelled; i++) await ls.annotate(tasks[i].id, result(i));
  return { id, title, tasks };
}

const organism = (value: string, extra: unknown[] = []) => [
  { from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: [value] } }, ...extra,
];

/** Team annotations per project (of 9 images): enough for a first fit of the clusters. */
const LABELLED = 6;
/**
 * Two clusters: with a handful of images each cluster then holds labelled members, so the
 * suggestion does not depend on where k-means puts the one image on screen.
 */
const PLUGIN = { k: 2 };

let plank: Project;
let debris: Project;
let conditional: Project;
let stock: Project;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  server = realLabelStudio();
  const files = plankton('copepod_cyclopoid_oithona', 9);
  ls = await LabelStudioApi.connect(server);
  shim = await startShimFor(server);
  plank = await teamProject(`journey A plankton ${stamp}`, SEED_LABEL_CONFIG, files, LABELLED, () => organism('Plankton'));
  debris = await teamProject(`journey A debris ${stamp}`, SEED_LABEL_CONFIG, files, LABELLED, () => organism('Debris'));
  // Older annotations: a life form and a shape given to non-plankton (before the condition existed).
  conditional = await teamProject(`journey E conditional ${stamp}`, SEED_CONDITIONAL_LABEL_CONFIG, files, LABELLED, () => organism('Not-plankton', [
    { from_name: 'life_form', to_name: 'image', type: 'choices', value: { choices: ['Unicellular'] } },
    { from_name: 'shape', to_name: 'image', type: 'choices', value: { choices: ['Round'] } },
  ]));
  stock = await teamProject(`journey F stock ${stamp}`, STOCK_IMAGE_CLASSIFICATION, files, LABELLED, () => [
    { from_name: 'choice', to_name: 'image', type: 'choices', value: { choices: ['Weapons'] } },
  ]);
});

test.afterAll(async () => {
  for (const id of created) await ls?.deleteProject(id);
  await ls?.dispose();
  await shim?.close();
});

test('(a) a scientist: card → Label All Tasks → suggestion → Submit → next → back → a second project with its own suggestion', async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize(JOURNEY_VIEWPORT);
  await pluginPage(page, server, shim, PLUGIN); // the login page, then Label Studio's own redirect

  await openProjectCard(page, plank.title, plank.id);
  await expect(page.getByTestId('cyto-ml-tools').locator('header')).toBeVisible();
  const first = await labelAllTasks(page);
  const a = await suggestionFor(page, plank.id, first);
  expect(a.error).toBeUndefined();
  expect(a.labelled).toBe(LABELLED);
  expect(a.controls.find((c) => c.control === 'organism_type')?.choices).toEqual(['Plankton']);
  await expect(page.getByTestId('cyto-ml-badge-pill')).toContainText('Plankton');

  await choose(page, 'Plankton');
  await submitButton(page).click();
  const next = await shownTask(page, first);
  await suggestionFor(page, plank.id, next);
  await expect.poll(() => storedChoices(ls, first, 'organism_type')).toEqual([['Plankton']]);

  // Back (the browser's), then the second project by clicks.
  await page.goBack();
  await openProjectCard(page, debris.title, debris.id);
  await expect(page.getByTestId('cyto-ml-tools').locator('header')).toBeVisible();
  const other = await labelAllTasks(page);
  const b = await suggestionFor(page, debris.id, other);
  expect(b.project).toBe(String(debris.id));
  expect(b.labelled).toBe(LABELLED);
  expect(b.controls.find((c) => c.control === 'organism_type')?.choices).toEqual(['Debris']);
  await expect(page.getByTestId('cyto-ml-badge-pill')).toContainText('Debris');
  await expect(page.getByTestId('cyto-ml-badge-pill')).not.toContainText('Plankton');
  // One Project tools pill, the second project's.
  await expect(page.getByTestId('cyto-ml-tools')).toHaveCount(1);
});

test('(e) a conditional config: a Not-plankton suggestion has no life form or shape suggestion', async ({ page }) => {
  test.setTimeout(90_000);
  await page.setViewportSize(JOURNEY_VIEWPORT);
  await pluginPage(page, server, shim, PLUGIN);
  await openProjectCard(page, conditional.title, conditional.id);
  const task = await labelAllTasks(page);
  const s = await suggestionFor(page, conditional.id, task);
  expect(s.error).toBeUndefined();
  expect(s.controls.find((c) => c.control === 'organism_type')?.choices).toEqual(['Not-plankton']);
  expect(s.controls.map((c) => c.control)).not.toContain('life_form');
  expect(s.controls.map((c) => c.control)).not.toContain('shape');
  expect(await editorPredictionControls(page)).toEqual(['organism_type']);
  await expect(page.getByTestId('cyto-ml-badge-pill')).toContainText('Not-plankton');
  await expect(page.getByTestId('cyto-ml-badge-pill')).not.toContainText(/Unicellular|Round/);
});

test('(f) the stock Image Classification template, unchanged: a suggestion, and Submit stores the choice', async ({ page }) => {
  test.setTimeout(90_000);
  await page.setViewportSize(JOURNEY_VIEWPORT);
  await pluginPage(page, server, shim, PLUGIN);
  await openProjectCard(page, stock.title, stock.id);
  const task = await labelAllTasks(page);
  const s = await suggestionFor(page, stock.id, task);
  expect(s.error).toBeUndefined();
  expect(s.controls.map((c) => [c.control, c.choices])).toEqual([['choice', ['Weapons']]]);
  await expect(page.getByTestId('cyto-ml-badge-pill')).toContainText('Weapons');
  await choose(page, 'Weapons');
  await submitButton(page).click();
  await expect.poll(() => storedChoices(ls, task, 'choice')).toEqual([['Weapons']]);
});
