/**
 * Journey (g), issue 18: a scientist whose instrument the benchmark never saw asks how often the
 * suggestions were right on their own project. A colleague labelled a few tasks; the scientist
 * pre-annotates, labels four tasks in the stream by mouse, goes back to the project through the
 * projects list and opens Project tools → Checked. The table must say what Label Studio's own
 * records say: each of the four annotations against the prediction of ours stored before it
 * (recomputed here from the REST API), and nothing for the colleague's tasks, which were
 * labelled before any suggestion was stored.
 */
import { expect, test } from '@playwright/test';
import { LabelStudioApi, realLabelStudio, startShimFor, type LabelStudioServer, type ShimForLabelStudio } from '../real-label-studio/label-studio.ts';
import { choice, submitButton } from '../real-label-studio/ui-project.ts';
import { classConfig, freshBrowser, isOurs, localFilesProject, ndsbByClass, openProjectByMouse, preannotateByMouse, teamLabels, type JourneyTask } from './team-journey-kit.ts';

test.describe.configure({ mode: 'serial' });

const CLASSES = ['copepod_cyclopoid_oithona', 'detritus_blob', 'chaetognath_other'];
const PER_CLASS = 5;
const TEAM_PER_CLASS = 2;
const LABELLED_IN_STREAM = 4;

let server: LabelStudioServer;
let admin: LabelStudioApi;
let shim: ShimForLabelStudio;
let projectId: number;
let tasks: JourneyTask[];
let title: string;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  server = realLabelStudio();
  admin = await LabelStudioApi.connect(server);
  title = `Journey g ${Date.now()}`;
  ({ projectId, tasks } = await localFilesProject(admin, title, classConfig(CLASSES), ndsbByClass(CLASSES, PER_CLASS)));
  await teamLabels(server, admin, CLASSES.flatMap((cls) => tasks.filter((t) => t.truth === cls).slice(0, TEAM_PER_CLASS)));
  shim = await startShimFor(server);
});

test.afterAll(async () => {
  if (projectId) await admin?.deleteProject(projectId);
  await admin?.dispose();
  await shim?.close();
});

test('(g) Checked: after Pre-annotate and four submissions, the tab shows how many suggestions the team kept, as Label Studio recorded them', async ({ browser }) => {
  test.setTimeout(360_000);
  const { context, page } = await freshBrowser(browser, { modelId: 'resnet-tiny-seeded' });
  await openProjectByMouse(page, server, shim, title);
  await preannotateByMouse(page);
  await page.getByTestId('cyto-ml-tools').locator('header').click();

  // Label four tasks in the stream with their true class (a person corrects what is wrong).
  await page.getByRole('button', { name: /Label All Tasks/i }).click();
  const truth = new Map(tasks.map((t) => [t.id, t.truth]));
  const labelled: number[] = [];
  let previous = -1;
  for (let n = 0; n < LABELLED_IN_STREAM; n++) {
    const handle = await page.waitForFunction((prev) => {
      const id = (window as unknown as { Htx?: { task?: { id?: number } } }).Htx?.task?.id;
      const s = window.cytoML?.status().lastSuggestion;
      return id !== undefined && id !== prev && s?.taskId === id ? id : undefined;
    }, previous, { timeout: 120_000 });
    const task = Number(await handle.jsonValue());
    const right = choice(page, truth.get(task)!);
    // The stored prediction may already have selected it (Label Studio pre-labels with it).
    if (!(await right.locator('input').isChecked())) await right.click();
    await expect(right.locator('input')).toBeChecked();
    await submitButton(page).click();
    labelled.push(task);
    previous = task;
  }

  // Back to the project the way a person goes: the breadcrumb, the projects list, the card.
  await page.getByRole('link', { name: 'Projects', exact: true }).click();
  const ok = page.getByRole('button', { name: 'OK', exact: true });
  await ok.waitFor({ state: 'visible', timeout: 5_000 }).then(() => ok.click()).catch(() => {});
  await page.getByText(title, { exact: true }).first().click();
  await expect(page).toHaveURL(/\/projects\/\d+\/data/);

  // What Label Studio recorded: per labelled task, the class of the prediction of ours stored before it.
  const listed = await admin.tasks(projectId);
  let agreed = 0;
  for (const id of labelled) {
    const task = listed.find((t) => t.id === id)!;
    const annotation = (task.annotations ?? [])[0] as unknown as { created_at: string };
    const ours = ((task as { predictions?: Array<{ model_version: string; created_at: string; result: Array<{ value: { choices: string[] } }> }> }).predictions ?? [])
      .filter((p) => isOurs(p.model_version) && Date.parse(p.created_at) < Date.parse(annotation.created_at));
    expect(ours, `task ${id}: a prediction of ours stored before it was labelled`).toHaveLength(1);
    if (ours[0].result[0]?.value.choices[0] === truth.get(id)) agreed++;
  }
  console.log(`journey g: ${agreed} of ${labelled.length} stored suggestions matched the submitted class`);

  await page.getByTestId('cyto-ml-tools').locator('header').click();
  await page.getByRole('tab', { name: 'Checked' }).click();
  const row = page.getByTestId('cyto-ml-agreement-table').locator('tr[data-control="class"]');
  const expected = `${Math.round((100 * agreed) / LABELLED_IN_STREAM)} % (${agreed} of ${LABELLED_IN_STREAM})`;
  await expect(row.locator('td').nth(1)).toHaveText(expected, { timeout: 30_000 });
  // Every check sits in exactly one score band.
  const bands = await row.locator('td').evaluateAll((cells) => cells.slice(2, 5).map((c) => /of (\d+)\)/.exec(c.textContent ?? '')?.[1] ?? '0'));
  expect(bands.map(Number).reduce((a, b) => a + b, 0)).toBe(LABELLED_IN_STREAM);
  await context.close();
});
