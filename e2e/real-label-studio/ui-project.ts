/**
 * What the Label Studio UI specs (e2e/ls-ui-*.spec.ts) share: a project of real plankton
 * images uploaded through the real import, a browser page logged in through the shim's proxy
 * (so the plugin is injected) with a small model, and where things are on that page.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { SEED_LABEL_CONFIG } from '../../src/labelstudio/seed-config.ts';
import { NDSB_DEV } from './paths.ts';
import { LabelStudioApi, logIn, type LabelStudioServer, type LsTask, type ShimForLabelStudio } from './label-studio.ts';

/** ../shared/fixtures/ndsb-dev: real labelled plankton JPEGs (never committed). */

/** The first `count` JPEGs of one ndsb-dev class; skips the spec, saying why, when the fixtures are absent. */
export function plankton(className: string, count: number): string[] {
  const dir = path.join(NDSB_DEV, className);
  test.skip(!existsSync(dir), `${dir} is absent: the real plankton images are needed`);
  return readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort().slice(0, count).map((f) => path.join(dir, f));
}

/** A fresh project with these images as tasks; returns its id and tasks (id order = upload order). */
export async function imageProject(ls: LabelStudioApi, title: string, files: string[], extra: Record<string, unknown> = {}): Promise<{ projectId: number; tasks: LsTask[] }> {
  const projectId = await ls.createProject(title, SEED_LABEL_CONFIG, extra);
  await ls.uploadImages(projectId, files);
  const tasks = await ls.tasks(projectId);
  expect(tasks).toHaveLength(files.length);
  return { projectId, tasks };
}

/**
 * Log `page` in through the proxy with the plugin's small test model (options set before the
 * plugin loads, as `window.CYTO_ML_OPTIONS`), so the specs spend their time in Label Studio.
 */
export async function pluginPage(page: Page, server: LabelStudioServer, shim: ShimForLabelStudio, options: Record<string, unknown> = {}): Promise<void> {
  await page.addInitScript((opts) => {
    (window as unknown as { CYTO_ML_OPTIONS: Record<string, unknown> }).CYTO_ML_OPTIONS = { modelId: 'resnet-tiny-seeded', ...opts };
  }, options);
  await logIn(page, shim.proxyUrl, server);
}

/** Wait until the editor shows `taskId` and the plugin has suggested for it (or said there is nothing). */
export async function waitForTaskSuggestion(page: Page, taskId: number): Promise<void> {
  await page.waitForFunction((id) => {
    const w = window as unknown as { Htx?: { task?: { id?: number } }; cytoML?: { status(): { lastSuggestion?: { taskId: unknown } } } };
    return w.Htx?.task?.id === id && w.cytoML?.status().lastSuggestion?.taskId === id;
  }, taskId, { timeout: 60_000 });
}

/** Label Studio's Submit (or Update) button of the editor. */
export function submitButton(page: Page): Locator {
  return page.locator('button.lsf-submit, button.lsf-update, button[aria-label="submit"], button[aria-label="update"]').first();
}

/** A choice of the editor's Choices control, by its label text (Label Studio may show a hotkey digit after it). */
export function choice(page: Page, value: string): Locator {
  return page.locator('label.ant-checkbox-wrapper, label.ant-radio-wrapper, .lsf-choice__item')
    .filter({ hasText: new RegExp(`^\\s*${value}\\s*\\[?\\d*\\]?\\s*$`) }).first();
}

/** The annotation's choices of one control, as Label Studio stored them (REST). */
export async function storedChoices(ls: LabelStudioApi, taskId: number, control: string): Promise<string[][]> {
  const annotations = await ls.annotations(taskId);
  return annotations.map((a) => a.result.find((r) => r.from_name === control)?.value.choices ?? []);
}
