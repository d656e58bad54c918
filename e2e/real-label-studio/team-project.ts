/**
 * A team's plankton project in the real Label Studio, for the ls-team-* specs: real NDSB images
 * uploaded as Label Studio's import dialog does, the seed label config, and the organism type
 * each image really has (from labels.csv), so specs can annotate as people would.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { SEED_LABEL_CONFIG } from '../../src/labelstudio/seed-config.ts';
import type { LabelStudioApi, LsTask } from './label-studio.ts';
import { NDSB_DEV } from './paths.ts';

export interface TeamTask {
  id: number;
  file: string;
  /** The organism_type the image really has: Plankton (living) or Debris (non-living). */
  organism: 'Plankton' | 'Debris';
}

/** NDSB images, `perClass` of each listed class, in a fixed order (no randomness). */
export function ndsbImages(classes: readonly string[], perClass: number): Array<{ file: string; organism: TeamTask['organism'] }> {
  test.skip(!existsSync(join(NDSB_DEV, 'labels.csv')), `${NDSB_DEV} is absent: the team specs need its images`);
  const rows = readFileSync(join(NDSB_DEV, 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const out: Array<{ file: string; organism: TeamTask['organism'] }> = [];
  for (const cls of classes) {
    for (const [file, , group] of rows.filter((r) => r[1] === cls).slice(0, perClass)) {
      out.push({ file: join(NDSB_DEV, file), organism: group === 'living' ? 'Plankton' : 'Debris' });
    }
  }
  return out;
}

/** The annotation result a person gives by choosing the organism type. */
export function organismResult(organism: string): unknown[] {
  return [{ from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: [organism] } }];
}

/** A project with the seed config and one uploaded task per image; tasks in upload order. */
export async function createTeamProject(ls: LabelStudioApi, title: string, images: ReturnType<typeof ndsbImages>): Promise<{ projectId: number; tasks: TeamTask[] }> {
  const projectId = await ls.createProject(title, SEED_LABEL_CONFIG);
  await ls.uploadImages(projectId, images.map((i) => i.file));
  const listed: LsTask[] = await ls.tasks(projectId);
  expect(listed).toHaveLength(images.length);
  // Label Studio names uploads `<8 hex>-<original name>`, one task each in upload order.
  const tasks = listed.map((t, n) => {
    const image = images[n];
    expect(String(t.data.image)).toContain(image.file.split('/').pop()!);
    return { id: t.id, file: image.file, organism: image.organism };
  });
  return { projectId, tasks };
}

/** The plugin's view of the page: learning summary and last suggestion (window.cytoML.status()). */
export function pluginStatus(page: Page) {
  return page.evaluate(() => {
    const s = window.cytoML?.status();
    return s ? { labelled: s.learning?.labelled ?? 0, project: s.learning?.project, last: s.lastSuggestion, error: s.lastError } : undefined;
  });
}

/** The label records this browser holds for a project (IndexedDB), as `source → organism`. */
export function labelRecords(page: Page, project: number) {
  return page.evaluate(async (p) => {
    const store = await window.cytoML.core().store();
    const records = await store.labels.list(String(p));
    return Object.fromEntries(records.map((r) => [r.source, `${r.taskId}:${r.labels.image?.organism_type?.[0] ?? ''}`]));
  }, project);
}
