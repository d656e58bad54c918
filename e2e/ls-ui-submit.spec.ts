/**
 * Never in the annotator's way, in the real Label Studio 1.12 through the shim's proxy: at three
 * common screen sizes the plugin's pills sit in Label Studio's top bar, cover none of its buttons
 * (Submit, the annotation tabs, the Data Manager toolbar), and a person who clicks a choice and
 * then Submit WITH THE MOUSE (no force, no keyboard) gets the annotation saved (checked through
 * the REST API). Then: prefetch runs from the Data Manager's task list, in the task view and in
 * "Label all tasks" (stream) mode; and learning goes on when the editor does not register in
 * `LabelStudio.instances` (newer editors under React 18).
 */
import { expect, test, type Page } from '@playwright/test';
import { LabelStudioApi, realLabelStudio, startShimFor } from './real-label-studio/label-studio.ts';
import type { LabelStudioServer, LsTask, ShimForLabelStudio } from './real-label-studio/label-studio.ts';
import { choice, imageProject, plankton, pluginPage, storedChoices, submitButton, waitForTaskSuggestion } from './real-label-studio/ui-project.ts';

test.describe.configure({ mode: 'serial' });

let server: LabelStudioServer;
let ls: LabelStudioApi;
let shim: ShimForLabelStudio;
let projectId: number;
let tasks: LsTask[];

test.beforeAll(async () => {
  server = realLabelStudio();
  const files = plankton('copepod_cyclopoid_oithona', 8);
  ls = await LabelStudioApi.connect(server);
  shim = await startShimFor(server);
  ({ projectId, tasks } = await imageProject(ls, `cyto-ml ui submit ${Date.now()}`, files));
});

test.afterAll(async () => {
  if (projectId) await ls.deleteProject(projectId);
  await ls?.dispose();
  await shim?.close();
});

/** Boxes of Label Studio's own buttons and tabs that a box of the plugin's dock overlaps. */
async function coveredControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const ours = [...document.querySelectorAll('[data-testid=cyto-ml-dock] > *')].map((e) => e.getBoundingClientRect());
    const hit = (a: DOMRect, b: DOMRect) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const controls = [...document.querySelectorAll('button, a, [role=tab], [role=button], input, .lsf-annotations-list, .lsf-current-task')]
      .filter((e) => !e.closest('[data-testid=cyto-ml-dock]'))
      .map((e) => ({ e, r: e.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 0 && r.height > 0);
    return controls.filter(({ r }) => ours.some((o) => hit(o, r)))
      .map(({ e }) => `${e.tagName.toLowerCase()}.${e.className} "${(e.textContent ?? '').trim().slice(0, 30)}"`);
  });
}

for (const [index, [width, height]] of [[1280, 720], [1440, 900], [1920, 1080]].entries()) {
  test(`at ${width}x${height} a mouse click on Submit saves the annotation; the plugin covers no control`, async ({ page }) => {
    const task = tasks[index];
    await page.setViewportSize({ width, height });
    await pluginPage(page, server, shim);
    await page.goto(`${shim.proxyUrl}/projects/${projectId}/data?task=${task.id}`);
    await waitForTaskSuggestion(page, task.id);
    const dock = page.getByTestId('cyto-ml-dock');
    await expect(dock).toHaveAttribute('data-edge', 'header');
    await expect(page.getByTestId('cyto-ml-badge-pill')).toBeVisible();
    await expect(page.getByTestId('cyto-ml-tools').locator('header')).toBeVisible();
    // Both pills are in Label Studio's top bar, collapsed.
    const header = await page.locator('.ls-menu-header').boundingBox();
    for (const pill of [page.getByTestId('cyto-ml-badge-pill'), page.getByTestId('cyto-ml-tools').locator('header')]) {
      const box = (await pill.boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(header!.y);
      expect(box.y + box.height).toBeLessThanOrEqual(header!.y + header!.height);
    }
    await expect(page.getByTestId('cyto-ml-tools')).toHaveAttribute('data-collapsed', 'true');
    expect(await coveredControls(page)).toEqual([]);

    await choice(page, 'Plankton').click();
    const submit = submitButton(page);
    await expect(submit).toBeVisible();
    // What the mouse would hit at Submit's centre is Submit itself.
    const box = (await submit.boundingBox())!;
    const topmost = await page.evaluate(([x, y]) => {
      const e = document.elementFromPoint(x, y);
      return e?.closest('button')?.className ?? e?.className ?? null;
    }, [box.x + box.width / 2, box.y + box.height / 2]);
    expect(String(topmost)).toMatch(/lsf-(submit|update)/);
    await submit.click();
    await expect.poll(() => storedChoices(ls, task.id, 'organism_type'), { timeout: 30_000, message: 'Label Studio did not store the submitted annotation' })
      .toEqual([['Plankton']]);

    // Opening the badge's panel and closing it again with the mouse works the same.
    await page.getByTestId('cyto-ml-badge-pill').click();
    await expect(page.getByTestId('cyto-ml-badge')).toHaveAttribute('data-open', 'true');
    await page.getByTestId('cyto-ml-badge-pill').click();
    await expect(page.getByTestId('cyto-ml-badge')).toHaveAttribute('data-open', 'false');
  });
}

test('the Data Manager toolbar is not covered, and prefetch runs in "Label all tasks" mode', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await pluginPage(page, server, shim);
  await page.goto(`${shim.proxyUrl}/projects/${projectId}/data`);
  const labelAll = page.getByRole('button', { name: /Label All Tasks/i });
  await expect(labelAll).toBeVisible();
  await expect(page.getByTestId('cyto-ml-dock')).toHaveAttribute('data-edge', 'header');
  expect(await coveredControls(page)).toEqual([]);
  await labelAll.click();
  await page.waitForFunction(() => (window as unknown as { DM?: { mode?: string } }).DM?.mode === 'labelstream', null, { timeout: 30_000 });
  const first = await page.waitForFunction(() => (window as unknown as { Htx?: { task?: { id?: number } } }).Htx?.task?.id, null, { timeout: 60_000 });
  const streamTask = Number(await first.jsonValue());
  // Label Studio serves an unannotated task; the ones annotated above are not it.
  expect(tasks.slice(3).map((t) => t.id)).toContain(streamTask);
  await waitForTaskSuggestion(page, streamTask);
  await expect.poll(() => page.evaluate(() => window.cytoML.status().prefetched), { timeout: 30_000, message: 'nothing was prefetched in stream mode' })
    .toBeGreaterThan(0);
  expect(await coveredControls(page)).toEqual([]);
});

test('prefetch reads the Data Manager task list in the task view', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await pluginPage(page, server, shim);
  await page.goto(`${shim.proxyUrl}/projects/${projectId}/data?task=${tasks[0].id}`);
  await waitForTaskSuggestion(page, tasks[0].id);
  await expect.poll(() => page.evaluate(() => window.cytoML.status().prefetched), { timeout: 30_000, message: 'nothing was prefetched from DM.taskStore.list' })
    .toBeGreaterThan(0);
});

test('learning goes on when the editor is not in LabelStudio.instances (React 18 editors)', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  // As newer editors do: never register in LabelStudio.instances.
  await page.addInitScript(() => {
    const timer = setInterval(() => {
      const ls = (window as unknown as { LabelStudio?: { instances?: Set<unknown> } }).LabelStudio;
      if (!ls?.instances) return;
      ls.instances.clear();
      ls.instances.add = function add() { return this; };
      clearInterval(timer);
    }, 1);
  });
  await pluginPage(page, server, shim);
  const task = tasks[4];
  await page.goto(`${shim.proxyUrl}/projects/${projectId}/data?task=${task.id}`);
  await waitForTaskSuggestion(page, task.id);
  expect(await page.evaluate(() => (window as unknown as { LabelStudio?: { instances?: Set<unknown> } }).LabelStudio?.instances?.size ?? 0)).toBe(0);
  const before = await page.evaluate(() => window.cytoML.status().learning?.labelled ?? 0);
  await choice(page, 'Debris').click();
  await submitButton(page).click();
  await expect.poll(() => storedChoices(ls, task.id, 'organism_type'), { timeout: 30_000 }).toEqual([['Debris']]);
  await expect.poll(() => page.evaluate(() => window.cytoML.status().learning?.labelled ?? 0), { timeout: 30_000, message: 'the submitted annotation was not learnt' })
    .toBe(before + 1);
});
