/**
 * Steps of a person's route through the real Label Studio 1.12 (through the shim's proxy, plugin
 * injected), by mouse, for the journey specs: after the login page nothing is reached by typing a
 * URL, only by clicking what Label Studio shows (the projects list, a project's card, "Label All
 * Tasks", the top bar's "Projects" link) and the browser's back button.
 */
import { expect, type Page } from '@playwright/test';
import { choice } from '../real-label-studio/ui-project.ts';

/** Journeys run at a common laptop size. */
export const JOURNEY_VIEWPORT = { width: 1280, height: 720 };

/** Label Studio's stock "Image Classification" template, exactly as 1.12 ships it. */
export const STOCK_IMAGE_CLASSIFICATION = `<View>
  <Image name="image" value="$image"/>
  <Choices name="choice" toName="image">
    <Choice value="Adult content"/>
    <Choice value="Weapons" />
    <Choice value="Violence" />
  </Choices>
</View>`;

/** From anywhere in Label Studio to the projects list, by the top bar's "Projects" link (or the menu). */
export async function toProjectsList(page: Page): Promise<void> {
  if (/\/projects\/?$/.test(new URL(page.url()).pathname)) return;
  const crumb = page.locator('.ls-menu-header').getByRole('link', { name: /^Projects$/ }).first();
  if (await crumb.isVisible().catch(() => false)) await crumb.click();
  else {
    await page.locator('.ls-menu-header__trigger, .ls-menu-header [class*=trigger]').first().click();
    await page.getByRole('link', { name: /^Projects$/ }).first().click();
  }
  await page.waitForURL((url) => /\/projects\/?$/.test(url.pathname), { timeout: 30_000 });
}

/** On the projects list, click the card of the project titled `title`; lands in its Data Manager. */
export async function openProjectCard(page: Page, title: string, projectId: number): Promise<void> {
  await toProjectsList(page);
  await page.getByText(title, { exact: true }).first().click();
  await page.waitForURL((url) => url.pathname.startsWith(`/projects/${projectId}`), { timeout: 30_000 });
}

/** The Data Manager's "Label All Tasks": the editor in stream mode; resolves with the task shown. */
export async function labelAllTasks(page: Page): Promise<number> {
  const button = page.getByRole('button', { name: /Label All Tasks/i });
  await expect(button).toBeVisible({ timeout: 30_000 });
  await button.click();
  return shownTask(page);
}

/** The task in the editor (waits until there is one). */
export async function shownTask(page: Page, other?: number): Promise<number> {
  const handle = await page.waitForFunction((not) => {
    const id = (window as unknown as { Htx?: { task?: { id?: number } } }).Htx?.task?.id;
    return id !== undefined && id !== not ? id : undefined;
  }, other, { timeout: 60_000 });
  return Number(await handle.jsonValue());
}

/** What the plugin says once it has suggested for the task on screen in `projectId`. */
export async function suggestionFor(page: Page, projectId: number, taskId: number) {
  await page.waitForFunction(({ p, t }) => {
    const w = window as unknown as { Htx?: { task?: { id?: number } }; cytoML?: { status(): { lastSuggestion?: { taskId: unknown }; learning?: { project: string } } } };
    const s = w.cytoML?.status();
    return w.Htx?.task?.id === t && s?.lastSuggestion?.taskId === t && s.learning?.project === String(p);
  }, { p: projectId, t: taskId }, { timeout: 60_000 }).catch(async (error: Error) => {
    // Say what the plugin was showing instead (which task, which project, which problem).
    const seen = await page.evaluate(() => {
      const s = window.cytoML?.status();
      const scripts = [...document.querySelectorAll('script[src*="cyto-ml"]')].map((e) => `${(e as HTMLScriptElement).src} ${JSON.stringify((e as HTMLScriptElement).dataset)}`);
      return { scripts, manifest: window.cytoML?.core().options.manifestUrl, nav: performance.getEntriesByType('navigation').map((n) => (n as PerformanceNavigationTiming).type), url: location.href, task: (window as unknown as { Htx?: { task?: { id?: number } } }).Htx?.task?.id, suggested: s?.lastSuggestion?.taskId, learning: s?.learning, error: s?.lastError };
    }).catch(() => undefined);
    throw new Error(`no suggestion for task ${taskId} of project ${projectId}: ${JSON.stringify(seen)} (${error.message})`);
  });
  return page.evaluate(() => {
    const s = window.cytoML.status();
    return {
      project: s.learning?.project, labelled: s.learning?.labelled ?? 0,
      controls: s.lastSuggestion?.controls ?? [],
      error: s.lastError?.message,
      pill: document.querySelector('[data-testid=cyto-ml-badge-pill]')?.textContent ?? '',
    };
  });
}

/** The from_names of the predictions the editor holds for the task on screen (what Label Studio shows). */
export function editorPredictionControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const htx = (window as unknown as { Htx: { annotationStore: { predictions: Array<{ serializeAnnotation(): Array<{ from_name: string }> }> } } }).Htx;
    return htx.annotationStore.predictions.flatMap((p) => p.serializeAnnotation().map((r) => r.from_name));
  });
}

/**
 * Make sure `value` is chosen, by mouse: with the project's "Use predictions to prelabel tasks"
 * (Label Studio's default) the suggestion already is, and a click would take it away again.
 */
export async function choose(page: Page, value: string): Promise<void> {
  const item = choice(page, value);
  await expect(item).toBeVisible();
  const checked = () => item.evaluate((e) => /wrapper-checked|_checked|checked/.test(e.className) || !!e.querySelector('input:checked'));
  if (!(await checked())) await item.click();
  expect(await checked()).toBe(true);
}
