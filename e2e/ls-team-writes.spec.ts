/**
 * Writes that happen once, against the real Label Studio 1.12: pre-annotating a project whose
 * write reply gets lost, then "Run again", then a reload and another run, leaves at most one
 * prediction per (task, model version), none on tasks a person annotated; the report says what
 * was written; the project's model_version follows the browser's, so the Data Manager shows
 * prediction scores and sorting by them puts the least certain tasks first; bulk labelling
 * twice makes one annotation per task and none on a task already annotated.
 */
import { expect, test, type Page } from '@playwright/test';
import { LabelStudioApi, logIn, realLabelStudio, startShimFor } from './real-label-studio/label-studio.ts';
import type { LabelStudioServer, ShimForLabelStudio } from './real-label-studio/label-studio.ts';
import { createTeamProject, ndsbImages, organismResult, type TeamTask } from './real-label-studio/team-project.ts';

test.describe.configure({ mode: 'serial' });

let server: LabelStudioServer;
let admin: LabelStudioApi;
let shim: ShimForLabelStudio;
let projectId: number;
let tasks: TeamTask[];
const annotated = new Set<number>();

// k 4: clusters of different label mixes, so the scores differ and sorting by them means something.
const SMALL_MODEL = { modelId: 'resnet-tiny-seeded', k: 4 };

test.beforeAll(async () => {
  test.setTimeout(120_000);
  server = realLabelStudio();
  admin = await LabelStudioApi.connect(server);
  const images = ndsbImages(['copepod_cyclopoid_oithona', 'detritus_blob', 'chaetognath_other', 'fecal_pellet'], 4);
  ({ projectId, tasks } = await createTeamProject(admin, `team writes ${Date.now()}`, images));
  const person = await admin.inviteAnnotator(`writer-${Date.now()}@example.com`, 'writer-pass-1');
  const colleague = await LabelStudioApi.connect(server, person.token);
  for (const task of tasks.filter((_, i) => i % 4 < 2)) {
    await colleague.annotate(task.id, organismResult(task.organism));
    annotated.add(task.id);
  }
  await colleague.dispose();
  shim = await startShimFor(server);
});

test.afterAll(async () => {
  if (projectId) await admin?.deleteProject(projectId);
  await admin?.dispose();
  await shim?.close();
});

async function openProject(page: Page): Promise<void> {
  await page.goto(`${shim.proxyUrl}/projects/${projectId}/data`);
  await expect(page.getByTestId('cyto-ml-tools')).toBeVisible({ timeout: 60_000 });
}

async function runPreannotation(page: Page): Promise<string> {
  const panel = page.getByTestId('cyto-ml-preannotate');
  if (!(await panel.isVisible())) {
    await page.getByTestId('cyto-ml-tools').locator('header').click();
    await page.getByRole('tab', { name: 'Pre-annotate' }).click();
  }
  await panel.getByRole('button', { name: /Pre-annotate project|Run again|Resume/ }).click();
  await expect(panel).toHaveAttribute('data-phase', 'done', { timeout: 90_000 });
  await expect.poll(() => page.evaluate(async () => (await window.cytoML.core().store()).outbox.pending()), { timeout: 60_000, message: 'writes still queued' }).toBe(0);
  return (await page.getByTestId('cyto-ml-preannotate-report').textContent()) ?? '';
}

/** Predictions per task per model version, from the server. */
async function predictionCounts(): Promise<Map<number, Map<string, number>>> {
  const out = new Map<number, Map<string, number>>();
  for (const task of tasks) {
    const byVersion = new Map<string, number>();
    for (const p of await admin.predictions(task.id)) byVersion.set(p.model_version, (byVersion.get(p.model_version) ?? 0) + 1);
    out.set(task.id, byVersion);
  }
  return out;
}

test('lost replies, "Run again" and a reload leave one prediction per task and version, none on annotated tasks', async ({ page }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.addInitScript((o) => { (window as unknown as { CYTO_ML_OPTIONS: unknown }).CYTO_ML_OPTIONS = o; }, SMALL_MODEL);
  // The first prediction write (a bulk import of every queued prediction) reaches Label
  // Studio, but its reply is lost: the outbox sends it again.
  let lost = 0;
  await page.route((url) => /^\/api\/projects\/\d+\/import\/predictions$/.test(url.pathname), async (route) => {
    if (route.request().method() !== 'POST' || lost >= 1) return route.continue();
    await route.fetch();
    lost++;
    await route.abort('connectionreset');
  });
  await logIn(page, shim.proxyUrl, server);
  await openProject(page);
  const first = await runPreannotation(page);
  expect(lost).toBe(1);
  const unannotated = tasks.length - annotated.size;
  // Every unannotated task is either written or reported "without a suggestion" (a cluster with
  // no labelled member says nothing; with 8 labels, k = 4 and the tiny untrained model that happens).
  const report = new RegExp(`^(\\d+) predictions written \\(model version [^)]+\\)\\. ${annotated.size} already annotated[^;]*(?:; (\\d+) without a suggestion)?`).exec(first);
  expect(report, first).not.toBeNull();
  const written = Number(report![1]);
  const withoutSuggestion = Number(report![2] ?? 0);
  expect(written).toBeGreaterThan(0);
  expect(written + withoutSuggestion, first).toBe(unannotated);
  const again = await runPreannotation(page);
  expect(again).toMatch(/predictions written/);
  await page.reload();
  await openProject(page);
  await runPreannotation(page);

  const counts = await predictionCounts();
  let predicted = 0;
  for (const task of tasks) {
    const byVersion = counts.get(task.id)!;
    if (annotated.has(task.id)) {
      expect([...byVersion.values()], `annotated task ${task.id} got a prediction`).toEqual([]);
    } else {
      if (byVersion.size > 0) predicted++;
      for (const [version, n] of byVersion) expect(n, `task ${task.id}: ${n} predictions of ${version}`).toBe(1);
    }
  }
  expect(predicted, 'tasks holding a prediction, against the first run\'s report').toBeGreaterThanOrEqual(written);
  const versions = new Set([...counts.values()].flatMap((m) => [...m.keys()]));
  console.log(`predictions: ${[...counts.values()].reduce((n, m) => n + [...m.values()].reduce((a, b) => a + b, 0), 0)} on ${unannotated} tasks, versions ${[...versions].join(', ')}; replies lost ${lost}`);
  // The project scores by the version the browser wrote last.
  const project = await admin.project(projectId);
  expect(versions).toContain(project.model_version);
});

test('the Data Manager shows the browser\'s scores and sorting by them puts the least certain tasks first', async ({ page }) => {
  test.setTimeout(90_000);
  await page.setViewportSize({ width: 1920, height: 1080 });
  const project = await admin.project(projectId);
  const scoreOf = new Map<number, number>();
  for (const task of tasks) {
    const ours = (await admin.predictions(task.id)).find((p) => p.model_version === project.model_version);
    if (ours?.score !== undefined && ours.score !== null) scoreOf.set(task.id, ours.score);
  }
  // Unannotated tasks the learner had no suggestion for hold no prediction (see the first test).
  expect(scoreOf.size).toBeGreaterThan(1);
  expect(scoreOf.size).toBeLessThanOrEqual(tasks.length - annotated.size);
  expect(new Set(scoreOf.values()).size, 'scores that differ, so sorting means something').toBeGreaterThan(1);
  const lowest = Math.min(...scoreOf.values());

  await logIn(page, shim.proxyUrl, server);
  await page.goto(`${shim.proxyUrl}/projects/${projectId}/data`);
  const rows = page.locator('.dm-table__row-wrapper');
  await expect(rows).toHaveCount(tasks.length, { timeout: 60_000 });
  // A person sorts: "Order by" → Prediction score (ascending: least certain first).
  await page.getByRole('button', { name: 'not set' }).click();
  await page.getByText('Prediction score', { exact: true }).filter({ visible: true }).last().click();
  await expect(page.getByRole('button', { name: 'Prediction score' })).toBeVisible();
  // Close the order menu (it stays open after a choice): only the order button then says it.
  await page.getByText(/^Tasks: \d+ \/ \d+$/).click();
  await expect(page.getByText('Prediction score', { exact: true }).filter({ visible: true })).toHaveCount(1);
  // Show the "Prediction score" column (Columns menu), as a person would to see the scores.
  await page.getByRole('button', { name: 'Columns' }).click();
  await page.getByText('Prediction score', { exact: true }).filter({ visible: true }).last().click();
  await page.getByRole('button', { name: 'Columns' }).click();
  // The column shows each task's score as Label Studio computed it from the browser's predictions.
  await expect(rows.first()).toContainText(/\d\.\d{2,3}$/);
  await expect.poll(async () => scoreOf.get(Number((await rows.first().innerText()).split('\n')[0])), { timeout: 30_000 })
    .toBe(lowest);
  const texts = await rows.allInnerTexts();
  const order = texts.map((text) => Number(text.split('\n')[0]));
  for (const [i, id] of order.slice(0, scoreOf.size).entries()) {
    expect(Number(texts[i].split('\n').pop()), `shown score of task ${id}`).toBeCloseTo(scoreOf.get(id)!, 2);
  }
  const shown = order.filter((id) => scoreOf.has(id)).map((id) => scoreOf.get(id)!);
  expect(order.slice(0, scoreOf.size).every((id) => scoreOf.has(id)), `scored tasks first: ${order}`).toBe(true);
  expect(shown, 'scores in ascending order').toEqual([...shown].sort((a, b) => a - b));
  console.log(`Data Manager order by score: ${order.slice(0, scoreOf.size).map((id) => `${id}:${scoreOf.get(id)!.toFixed(3)}`).join(' ')}`);
});

test('bulk labelling twice with a legacy API token makes one annotation per task and none on an annotated task', async ({ page }) => {
  test.setTimeout(90_000);
  // The plugin authenticates with the admin's legacy token here (`Authorization: Token …`), not the page's session.
  await page.addInitScript((o) => { (window as unknown as { CYTO_ML_OPTIONS: unknown }).CYTO_ML_OPTIONS = o; }, { ...SMALL_MODEL, apiToken: server.token });
  const tokenWrites: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && /\/api\/tasks\/\d+\/annotations\/$/.test(new URL(r.url()).pathname)) tokenWrites.push(r.headers().authorization ?? '');
  });
  await logIn(page, shim.proxyUrl, server);
  await openProject(page);
  const alreadyAnnotated = [...annotated][0];
  const fresh = tasks.filter((t) => !annotated.has(t.id)).slice(0, 2).map((t) => t.id);
  const before = await admin.annotations(alreadyAnnotated);
  // What the Clusters tab's "Label N selected" does, run twice (a double click, a retry).
  for (let i = 0; i < 2; i++) {
    await page.evaluate(async ({ ids }) => {
      const tools = await window.cytoML.projectTools();
      const result = (id: number) => [{ id: `bulk-${id}`, from_name: 'organism_type', to_name: 'image', type: 'choices' as const, value: { choices: ['Plankton'] } }];
      await tools.context.source.saveAnnotations(ids.map((id) => ({ taskId: id, result: result(id) })));
      await tools.context.source.flush();
    }, { ids: [alreadyAnnotated, ...fresh] });
    await expect.poll(() => page.evaluate(async () => (await window.cytoML.core().store()).outbox.pending()), { timeout: 30_000 }).toBe(0);
  }
  expect(await admin.annotations(alreadyAnnotated)).toEqual(before);
  for (const id of fresh) expect((await admin.annotations(id)).map((a) => a.result[0]?.value.choices), `task ${id}`).toEqual([['Plankton']]);
  expect(tokenWrites.length).toBeGreaterThan(0);
  expect(tokenWrites.every((h) => h === `Token ${server.token}`), tokenWrites.join()).toBe(true);
  for (const id of fresh) annotated.add(id);
});
