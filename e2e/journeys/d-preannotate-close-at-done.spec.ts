/**
 * Journey (d), issue 17: a scientist pre-annotates a project from the Data Manager and closes
 * the tab the moment it says "Done.". Everything it claimed must already be in Label Studio:
 * counted through the REST API after the tab is gone, one prediction of ours on every task the
 * report counts, none on a task the team annotated. (Before: "Done." came when the writes were
 * merely queued in the browser, and 9 of 550 were missing until the page was reopened.)
 */
import { expect, test } from '@playwright/test';
import { LabelStudioApi, realLabelStudio, startShimFor, type LabelStudioServer, type ShimForLabelStudio } from '../real-label-studio/label-studio.ts';
import { classConfig, freshBrowser, isOurs, localFilesProject, ndsbByClass, openProjectByMouse, preannotateByMouse, projectPredictions, teamLabels, type JourneyTask } from './team-journey-kit.ts';

test.describe.configure({ mode: 'serial' });

const CLASSES = ['copepod_cyclopoid_oithona', 'detritus_blob', 'chaetognath_other', 'fecal_pellet'];
const LABELLED_PER_CLASS = 3;
const PER_CLASS = 8;

let server: LabelStudioServer;
let admin: LabelStudioApi;
let shim: ShimForLabelStudio;
let projectId: number;
let tasks: JourneyTask[];
let title: string;
const annotated = new Set<number>();

test.beforeAll(async () => {
  test.setTimeout(120_000);
  server = realLabelStudio();
  admin = await LabelStudioApi.connect(server);
  title = `Journey d ${Date.now()}`;
  ({ projectId, tasks } = await localFilesProject(admin, title, classConfig(CLASSES), ndsbByClass(CLASSES, PER_CLASS)));
  const team = CLASSES.flatMap((cls) => tasks.filter((t) => t.truth === cls).slice(0, LABELLED_PER_CLASS));
  await teamLabels(server, admin, team);
  for (const t of team) annotated.add(t.id);
  shim = await startShimFor(server);
});

test.afterAll(async () => {
  if (projectId) await admin?.deleteProject(projectId);
  await admin?.dispose();
  await shim?.close();
});

test('Pre-annotate, close the tab at "Done.": every prediction it reported is stored in Label Studio', async ({ browser }) => {
  test.setTimeout(300_000);
  const { context, page } = await freshBrowser(browser, { modelId: 'resnet-tiny-seeded' });
  await openProjectByMouse(page, server, shim, title);
  const report = await preannotateByMouse(page);
  // Closed at once, as a person leaving for lunch would: nothing may still wait in this tab.
  await page.close();
  await context.close();

  const written = Number(/^(\d+) predictions? written/.exec(report)?.[1] ?? NaN);
  expect(written, `report: ${report}`).toBeGreaterThan(0);
  const unannotated = tasks.length - annotated.size;
  expect(report).toContain(`${annotated.size} already annotated`);
  const predictions = (await projectPredictions(admin, projectId)).filter((p) => isOurs(p.model_version));
  const perTask = new Map<number, number>();
  for (const p of predictions) perTask.set(p.task, (perTask.get(p.task) ?? 0) + 1);
  console.log(`journey d: report "${report}"; ${predictions.length} of ours stored on ${perTask.size} of ${unannotated} unannotated tasks`);
  expect(predictions.length, 'stored = reported').toBe(written);
  for (const [task, n] of perTask) {
    expect(annotated.has(task), `task ${task} was annotated by the team and got a prediction`).toBe(false);
    expect(n, `task ${task} holds ${n} predictions of ours`).toBe(1);
  }
  // The small test model may be unsure of a few; most tasks must have one.
  expect(perTask.size).toBeGreaterThanOrEqual(Math.ceil(unannotated / 2));
});
