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
    // The two left out stay left out after the bulk label (they are still unlabelled), and
    // labelling again with nothing selected creates nothing.
    const leftOut = await gallery.locator('.cyto-thumbs button[data-task-id]').evaluateAll((els, sel) =>
      els.filter((e) => !sel.includes(Number((e as HTMLElement).dataset.taskId))).map((e) => e.getAttribute('aria-pressed')), selected);
    expect(leftOut.length).toBeGreaterThanOrEqual(2);
    expect(leftOut.every((p) => p === 'false')).toBe(true);
    // Refit is reachable from the Clusters tab, and the table stays filled after it.
    await gallery.getByTestId('cyto-ml-refit').click();
    await expect(gallery.getByTestId('cyto-ml-gallery-message')).toContainText(/Regrouped \d+ images/);
    await expect(rows.first()).toBeVisible();
  });

  test('the map draws every embedded task, rings the current one, shows a thumbnail on hover; 50k points stay smooth', async ({ page }) => {
    test.setTimeout(240_000);
    await openTools(page, '/');
    await preannotate(page);
    await page.getByRole('tab', { name: 'Map' }).click();
    const canvas = page.getByTestId('cyto-ml-map-canvas');
    await expect(canvas).toHaveAttribute('data-drawn-points', String(SAMPLE_TASKS.length));
    const current = await page.evaluate(() => window.cytoML.status().lastSuggestion?.taskId);
    await expect(canvas).toHaveAttribute('data-highlight', String(current));
    const ink = () => canvas.evaluate((c: HTMLCanvasElement) => {
      const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
      let coloured = 0;
      for (let p = 0; p < data.length; p += 4) if (data[p] !== 255 || data[p + 1] !== 255 || data[p + 2] !== 255) coloured++;
      return coloured;
    });
    expect(await ink()).toBeGreaterThan(SAMPLE_TASKS.length * 4);
    // Colour by label, then hover a point: its thumbnail shows.
    await page.getByTestId('cyto-ml-map').getByRole('combobox', { name: 'Colour by' }).selectOption('label');
    await expect(canvas).toHaveAttribute('data-drawn-points', String(SAMPLE_TASKS.length));
    const target = await page.evaluate(async () => {
      const tools = await window.cytoML.projectTools();
      const c = tools.map.canvas;
      for (let y = 0; y < c.height; y += 2) for (let x = 0; x < c.width; x += 2) {
        const id = tools.map.hitTest(x, y);
        if (id !== undefined) {
          const r = c.getBoundingClientRect();
          return { id, x: (x * r.width) / c.width, y: (y * r.height) / c.height };
        }
      }
      return null;
    });
    expect(target).not.toBeNull();
    await canvas.hover({ position: { x: target!.x, y: target!.y } });
    const tip = page.getByTestId('cyto-ml-map-tip');
    await expect(tip).toBeVisible();
    await expect(tip).toHaveAttribute('data-task-id', String(target!.id));
    // 50,000 synthetic points: every one drawn, timing and hit-tests measured.
    const big = await page.evaluate(async () => {
      const tools = await window.cytoML.projectTools();
      const n = 50_000;
      const xy = new Float32Array(2 * n);
      const colours = new Uint32Array(n);
      let seed = 1;
      const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
      for (let i = 0; i < n; i++) {
        const cluster = i % 8;
        xy[2 * i] = Math.cos(cluster) * 4 + (rand() - 0.5) * 3;
        xy[2 * i + 1] = Math.sin(cluster) * 4 + (rand() - 0.5) * 3;
        colours[i] = [0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f, 0xedc948, 0xb07aa1, 0xff9da7][cluster];
      }
      const ids = Array.from({ length: n }, (_, i) => i + 1);
      const times: number[] = [];
      let drawn = 0;
      for (let r = 0; r < 5; r++) {
        const result = tools.map.renderPoints({ xy, colours, ids, urls: ids.map(() => '') });
        times.push(result.drawMs);
        drawn = result.drawn;
      }
      const t0 = performance.now();
      let hits = 0;
      for (let k = 0; k < 10_000; k++) if (tools.map.hitTest(rand() * 540, rand() * 360) !== undefined) hits++;
      const hitUs = ((performance.now() - t0) / 10_000) * 1000;
      times.sort((a, b) => a - b);
      return { drawn, medianMs: times[2], maxMs: times[4], hitUs, hits, attr: tools.map.canvas.dataset.drawnPoints };
    });
    console.log(`map at 50k points: draw median ${big.medianMs.toFixed(1)} ms (max ${big.maxMs.toFixed(1)}), hit-test ${big.hitUs.toFixed(2)} µs, ${big.hits}/10000 hits`);
    expect(big.drawn).toBe(50_000);
    expect(big.attr).toBe('50000');
    expect(big.medianMs).toBeLessThan(100);
    expect(await ink()).toBeGreaterThan(20_000);
  });

  test('a folder opened from disk: pre-annotation embeds its images and the map shows them', async ({ page }) => {
    test.setTimeout(240_000);
    const { mkdtempSync, copyFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'cyto-folder-'));
    const files = ['bubble-01.png', 'bubble-02.png', 'bubble-03.png', 'chain-01.png', 'chain-02.png', 'chain-03.png', 'cytometer-16bit.tif'];
    for (const f of files) copyFileSync(join('public/samples', f), join(dir, f));
    await page.goto('/');
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 90_000 });
    await page.locator('#folder').setInputFiles(dir);
    await page.waitForURL(/project=demo-folder/);
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 90_000 });
    await page.getByTestId('cyto-ml-tools').locator('header').click();
    await page.getByRole('tab', { name: 'Pre-annotate' }).click();
    await page.getByTestId('cyto-ml-preannotate').getByRole('button', { name: /Pre-annotate project/ }).click();
    await expect(page.getByTestId('cyto-ml-preannotate')).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
    await expect(page.getByTestId('cyto-ml-preannotate').getByRole('progressbar')).toHaveAttribute('aria-valuenow', String(files.length));
    await page.getByRole('tab', { name: 'Map' }).click();
    await expect(page.getByTestId('cyto-ml-map-canvas')).toHaveAttribute('data-drawn-points', String(files.length));
  });
});
