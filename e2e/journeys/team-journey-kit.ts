/**
 * What journeys (b), (c) and (d) share: a small project of real ndsb-dev images served by
 * Label Studio's local-files storage (as a lab would: files on the server's disk), team labels
 * made through the REST API by another person, and a person's route by mouse at 1280x720 from
 * the login page — projects list → the project's card → the Data Manager, never a typed
 * project URL after login.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { LabelStudioApi, logIn, type LabelStudioServer, type ShimForLabelStudio } from '../real-label-studio/label-studio.ts';
import { LS_ENV, NDSB_DEV } from '../real-label-studio/paths.ts';

export const VIEWPORT = { width: 1280, height: 720 };

/** A stock Image Classification config (one Choices) over the journey's classes. */
export function classConfig(classes: readonly string[]): string {
  return `<View>
  <Image name="image" value="$image"/>
  <Choices name="class" toName="image" choice="single" showInline="true">
${classes.map((c) => `    <Choice value="${c}"/>`).join('\n')}
  </Choices>
</View>`;
}

export interface JourneyTask {
  id: number;
  file: string;
  /** The image's ndsb-dev class (labels.csv): the truth. */
  truth: string;
}

/** `perClass` images of each class from labels.csv, in file order (no randomness). */
export function ndsbByClass(classes: readonly string[], perClass: number): Array<{ file: string; truth: string }> {
  test.skip(!existsSync(join(NDSB_DEV, 'labels.csv')), `${NDSB_DEV} is absent: the journeys need its images`);
  const rows = readFileSync(join(NDSB_DEV, 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const out: Array<{ file: string; truth: string }> = [];
  for (const cls of classes) {
    const files = rows.filter((r) => r[1] === cls).map((r) => r[0]).sort().slice(0, perClass);
    expect(files, `labels.csv has fewer than ${perClass} images of ${cls}`).toHaveLength(perClass);
    for (const file of files) out.push({ file: join(NDSB_DEV, file), truth: cls });
  }
  return out;
}

/**
 * A project whose tasks are these images in Label Studio's local-files storage (copied under
 * the server's local-files root, one storage per project); tasks in the given order.
 */
export async function localFilesProject(ls: LabelStudioApi, title: string, config: string, images: ReturnType<typeof ndsbByClass>): Promise<{ projectId: number; tasks: JourneyTask[] }> {
  const root = process.env[LS_ENV.filesRoot];
  test.skip(!root, 'this Label Studio has no local-files root (set by global setup)');
  const folderName = `journey-${Date.now()}-${Math.random().toString(16).slice(2, 8)}`;
  const folder = join(root!, folderName);
  mkdirSync(folder, { recursive: true });
  for (const image of images) copyFileSync(image.file, join(folder, basename(image.file)));
  const projectId = await ls.createProject(title, config);
  const storage = await ls.http.post('/api/storages/localfiles', { data: { project: projectId, path: folder, title: 'images', use_blob_urls: true } });
  expect(storage.ok(), await storage.text()).toBe(true);
  await ls.importTasks(projectId, images.map((i) => ({ image: `/data/local-files/?d=${encodeURIComponent(`${folderName}/${basename(i.file)}`)}` })));
  const listed = (await ls.tasks(projectId)).sort((a, b) => a.id - b.id);
  expect(listed).toHaveLength(images.length);
  return { projectId, tasks: listed.map((t, n) => ({ id: t.id, file: images[n].file, truth: images[n].truth })) };
}

/** The Choices result a person gives. */
export function classResult(value: string): unknown[] {
  return [{ from_name: 'class', to_name: 'image', type: 'choices', value: { choices: [value] } }];
}

/** Annotate as another person of the team (their own account and token), through the REST API. */
export async function teamLabels(server: LabelStudioServer, admin: LabelStudioApi, tasks: readonly JourneyTask[]): Promise<void> {
  const person = await admin.inviteAnnotator(`colleague-${Date.now()}@example.com`, 'colleague-pass-1');
  const colleague = await LabelStudioApi.connect(server, person.token);
  try {
    for (const task of tasks) await colleague.annotate(task.id, classResult(task.truth));
  } finally {
    await colleague.dispose();
  }
}

/** A fresh browser (its own IndexedDB) at 1280x720, with plugin options set before the plugin loads. */
export async function freshBrowser(browser: Browser, options: Record<string, unknown> = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  await context.addInitScript((o) => { (window as unknown as { CYTO_ML_OPTIONS: unknown }).CYTO_ML_OPTIONS = o; }, options);
  const page = await context.newPage();
  return { context, page };
}

/** Log in through the proxy, then click the project's card in the projects list: the Data Manager opens. */
export async function openProjectByMouse(page: Page, server: LabelStudioServer, shim: ShimForLabelStudio, title: string): Promise<void> {
  await logIn(page, shim.proxyUrl, server);
  if (!/\/projects\/?$/.test(new URL(page.url()).pathname)) await page.getByRole('link', { name: /projects/i }).first().click();
  await page.getByText(title, { exact: true }).first().click();
  await expect(page).toHaveURL(/\/projects\/\d+\/data/, { timeout: 60_000 });
}

/** Open the Project tools' Pre-annotate tab (by mouse) and run it; resolves at "Done." with the report. */
export async function preannotateByMouse(page: Page, timeoutMs = 240_000): Promise<string> {
  const tools = page.getByTestId('cyto-ml-tools');
  await expect(tools, 'the Project tools pill on the Data Manager').toBeVisible({ timeout: 60_000 });
  const panel = page.getByTestId('cyto-ml-preannotate');
  if (!(await panel.isVisible())) {
    await tools.locator('header').click();
    await page.getByRole('tab', { name: 'Pre-annotate' }).click();
  }
  await panel.getByRole('button', { name: /Pre-annotate project|Run again|Resume/ }).click();
  await expect(panel).toHaveAttribute('data-phase', 'done', { timeout: timeoutMs });
  await expect(panel.getByText('Done.')).toBeVisible();
  return (await page.getByTestId('cyto-ml-preannotate-report').textContent()) ?? '';
}

/** Every prediction of a project, from the server (one request). */
export async function projectPredictions(ls: LabelStudioApi, projectId: number): Promise<Array<{ id: number; task: number; model_version: string; result: Array<{ value: { choices?: string[] } }> }>> {
  const response = await ls.http.get(`/api/predictions/?project=${projectId}`);
  expect(response.ok(), await response.text()).toBe(true);
  return response.json();
}

/** Whether a model_version is one the plugin makes (`<model>+kmeans<k>@<time>.<hash>`). */
export function isOurs(version: string): boolean {
  return /\+kmeans\d+@\d{8}T\d{9}Z\.[0-9a-f]{10}$/.test(version);
}
