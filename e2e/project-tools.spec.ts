/**
 * The project tools after pre-annotation, in the demo annotator with the real editor:
 * neighbours of the task on screen, the cluster gallery with bulk labelling (against a fake
 * Label Studio), and the map.
 */
import { expect, test, type Page } from '@playwright/test';
import { fakeLabelStudio, SAMPLE_TASKS } from './project-fake-ls.ts';

test.use({ serviceWorkers: 'block' });

const classOf = new Map(SAMPLE_TASKS.map((t) => [t.id, t.meta.class]));

async function openTools(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 90_000 });
  await page.getByTestId('cyto-ml-tools').locator('header').click();
}

async function preannotate(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Pre-annotate' }).click();
  await page.getByTestId('cyto-ml-preannotate').getByRole('button', { name: /Pre-annotate project/ }).click();
  await expect(page.getByTestId('cyto-ml-preannotate')).toHaveAttribute('data-phase', 'done', { timeout: 180_000 });
}

async function openTaskInDemo(page: Page, id: number): Promise<void> {
  await page.locator(`#task-list li[data-task-id="${id}"]`).click();
  await page.waitForFunction((taskId) => window.cytoML.status().lastSuggestion?.taskId === taskId, id, { timeout: 60_000 });
}

test.describe('project tools', () => {
  test('neighbours of a sample are mostly of its class, and a click opens that task', async ({ page }) => {
    test.setTimeout(240_000);
    await openTools(page, '/');
    await preannotate(page);
    await page.getByRole('tab', { name: 'Neighbours' }).click();
    const view = page.getByTestId('cyto-ml-neighbours');
    // One unlabelled task per class (the examples are the first two of each class).
    const seen = new Map<string, number>();
    const probes: number[] = [];
    for (const t of SAMPLE_TASKS) {
      const n = (seen.get(t.meta.class) ?? 0) + 1;
      seen.set(t.meta.class, n);
      if (n === 4) probes.push(t.id);
    }
    let same = 0;
    let total = 0;
    const log: string[] = [];
    for (const id of probes) {
      await openTaskInDemo(page, id);
      await expect(view).toHaveAttribute('data-task-id', String(id));
      const ids = await view.locator('[data-task-id]').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.taskId)));
      const neighbours = ids.filter((x) => x !== id);
      expect(neighbours).toHaveLength(12);
      const hits = neighbours.filter((n) => classOf.get(n) === classOf.get(id)).length;
      same += hits;
      total += neighbours.length;
      log.push(`${classOf.get(id)}: ${hits}/12`);
    }
    console.log(`neighbours of the same class: ${same}/${total} (${log.join(', ')})`);
    expect(same / total, log.join(', ')).toBeGreaterThan(0.5);
    // A click on a neighbour opens it in the editor.
    const first = Number(await view.locator('button[data-task-id]').first().getAttribute('data-task-id'));
    await view.locator('button[data-task-id]').first().click();
    await page.waitForFunction((taskId) => Number((window as unknown as { Htx?: { task?: { id: number } } }).Htx?.task?.id) === taskId, first);
  });

  test('bulk-labelling a cluster creates exactly the selected annotations in Label Studio', async ({ page }) => {
    test.setTimeout(240_000);
    const fake = await fakeLabelStudio(page, 7);
    await openTools(page, '/?source=label-studio&project=7');
    await preannotate(page);
    await page.getByRole('tab', { name: 'Clusters' }).click();
    const gallery = page.getByTestId('cyto-ml-gallery');
    const rows = gallery.locator('tr[data-cluster]');
    await expect(rows.first()).toBeVisible();
    // The biggest cluster.
    const sizes = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.children[1].textContent)));
    const biggest = sizes.indexOf(Math.max(...sizes));
    await rows.nth(biggest).click();
    const thumbs = gallery.locator('.cyto-thumbs button[data-task-id]');
    await expect(thumbs.first()).toBeVisible();
    // Most typical first: the order follows the distance to the centre; leave two odd ones out.
    const pressed = gallery.locator('.cyto-thumbs button[aria-pressed="true"]');
    const count = await pressed.count();
    expect(count).toBeGreaterThanOrEqual(3);
    await pressed.nth(count - 1).click();
    await pressed.nth(count - 2).click();
    const selected = await gallery.locator('.cyto-thumbs button[aria-pressed="true"]')
      .evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.taskId)).sort((a, b) => a - b));
    expect(selected).toHaveLength(count - 2);
    const chosen = await gallery.locator('select[data-control="organism_type"]').inputValue();
    expect(chosen).not.toBe('');
    const labelledBefore = await page.evaluate(() => window.cytoML.status().learning?.labelled ?? 0);
    await gallery.getByTestId('cyto-ml-bulk-label').click();
    await expect(gallery.getByTestId('cyto-ml-gallery-message')).toContainText(`Labelled ${selected.length} tasks`);
    await expect.poll(() => fake.annotations.length, { timeout: 30_000 }).toBe(selected.length);
    expect(fake.annotations.map((a) => a.task).sort((a, b) => a - b)).toEqual(selected);
    for (const a of fake.annotations) {
      const organism = (a.result as Array<{ from_name: string; to_name: string; type: string; value: { choices: string[] } }>).find((r) => r.from_name === 'organism_type')!;
      expect(organism).toMatchObject({ to_name: 'image', type: 'choices', value: { choices: [chosen] } });
    }
    expect(fake.lastWriteHeaders['x-csrftoken']).toBe('fake-csrf');
    // The learner took them as labels.
    const labelledAfter = await page.evaluate(() => window.cytoML.status().learning?.labelled ?? 0);
    expect(labelledAfter).toBe(labelledBefore + selected.length);
    await page.waitForTimeout(1000);
    expect(fake.annotations.length).toBe(selected.length);
  });
});
