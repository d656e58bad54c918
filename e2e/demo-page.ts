/** What the demo-annotator specs share: its sample tasks, opening it, and acting on the task on screen. */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';

export interface SampleTask { id: number; data: { image: string }; meta: { class: string; expected: Record<string, string[]> } }

/** The generated sample project (public/samples/tasks.json), and its tasks by id. */
export const SAMPLE_TASKS = JSON.parse(readFileSync('public/samples/tasks.json', 'utf8')) as SampleTask[];
export const SAMPLE_BY_ID = new Map(SAMPLE_TASKS.map((t) => [t.id, t]));

export async function openDemo(page: Page, path = '/'): Promise<void> {
  await page.goto(path);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 90_000 });
}

export async function currentTaskId(page: Page): Promise<number> {
  return page.evaluate(() => Number((window as unknown as { Htx: { task: { id: number } } }).Htx.task.id));
}

/** Wait until the plugin has suggested for the task on screen; returns the status. */
export async function suggestionFor(page: Page, taskId: number) {
  await page.waitForFunction((id) => window.cytoML.status().lastSuggestion?.taskId === id, taskId, { timeout: 60_000 });
  return page.evaluate(() => window.cytoML.status());
}

/** Choose the task's known labels in the editor and press Submit (a mouse click). */
export async function labelAndSubmit(page: Page, task: SampleTask): Promise<void> {
  await page.evaluate((expected) => {
    const htx = (window as unknown as { Htx: { annotationStore: { selected: { names: Map<string, { setResult(v: string[]): void; updateResult(): void }> } } } }).Htx;
    const annotation = htx.annotationStore.selected;
    for (const [control, values] of Object.entries(expected)) {
      if (values.length === 0) continue;
      const tag = annotation.names.get(control)!;
      tag.setResult(values);
      tag.updateResult();
    }
  }, task.meta.expected);
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.waitForFunction((id) => Number((window as unknown as { Htx?: { task?: { id: number } } }).Htx?.task?.id) !== id, task.id);
}
