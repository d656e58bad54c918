/**
 * The demo annotator as a person sees it on a 1280x720 screen, in the real Label Studio editor:
 * one row of header buttons, the task's image large enough to judge (small crops scaled up with
 * crisp pixels), every choice on screen and not covered by the tools panel or the badge, the
 * next task opening at its top, the task list showing the person's labels, a suggestion that
 * follows a refit, and messages that stay until dismissed.
 */
import { expect, test } from '@playwright/test';
import { currentTaskId, labelAndSubmit, openDemo, SAMPLE_BY_ID, SAMPLE_TASKS, suggestionFor } from './demo-page.ts';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const byId = SAMPLE_BY_ID;
test.use({ viewport: { width: 1280, height: 720 } });

test.describe('demo layout at 1280x720', () => {
  test('header in one row, image large and crisp, every choice on screen and uncovered', async ({ page }) => {
    await openDemo(page);
    await suggestionFor(page, await currentTaskId(page));

    // Header buttons: one row, none wrapped onto a second line.
    const buttons = await page.locator('header nav > *').evaluateAll((els) => els.map((el) => {
      const r = el.getBoundingClientRect();
      return { text: el.textContent?.trim(), top: Math.round(r.top), height: Math.round(r.height) };
    }));
    expect(buttons.length).toBeGreaterThanOrEqual(5);
    for (const b of buttons) {
      expect(b.top, `${b.text} sits on the first row`).toBe(buttons[0].top);
      expect(b.height, `${b.text} is one line high`).toBeLessThan(40);
    }
    // The model note: plain words, no Markdown backticks.
    await expect(page.locator('#model-note')).toContainText('Model: ');
    await expect(page.locator('#model-note')).not.toContainText('`');

    // The task image: at least 256 px on its long side, scaled up with crisp pixels.
    const image = page.locator('img[data-task-image]');
    await expect(image).toHaveAttribute('data-upscaled', 'true');
    const shown = await image.evaluate((img: HTMLImageElement) => ({
      width: img.clientWidth, height: img.clientHeight, natural: img.naturalWidth,
      rendering: getComputedStyle(img).imageRendering, bottom: img.getBoundingClientRect().bottom,
    }));
    expect(Math.max(shown.width, shown.height)).toBeGreaterThanOrEqual(256);
    expect(shown.width).toBeGreaterThan(shown.natural);
    expect(shown.rendering).toBe('pixelated');
    expect(shown.bottom).toBeLessThanOrEqual(720);

    // Every choice is inside the window and is what a click at its centre would hit: neither the
    // tools panel nor the badge covers it.
    const choices = await page.locator('.lsf-main-view__annotation .ant-checkbox-wrapper').evaluateAll((els) => els.map((el) => {
      const r = el.getBoundingClientRect();
      const x = r.left + Math.min(r.width / 2, 12);
      const y = r.top + r.height / 2;
      const hit = document.elementFromPoint(x, y);
      return {
        text: el.textContent?.trim(), bottom: r.bottom, right: r.right,
        uncovered: hit !== null && (el === hit || el.contains(hit)),
        coveredBy: hit && !el.contains(hit) ? `${hit.tagName}.${hit.className}` : '',
      };
    }));
    expect(choices.length).toBe(18); // the seed config: 3 + 9 + 3 + 3 choices
    for (const c of choices) {
      expect(c.bottom, `${c.text} is above the window's bottom edge`).toBeLessThanOrEqual(720);
      expect(c.right, `${c.text} is inside the window`).toBeLessThanOrEqual(1280);
      expect(c.uncovered, `${c.text} is covered by ${c.coveredBy}`).toBe(true);
    }
  });

  test('the next task opens at its top; the task list shows the label given', async ({ page }) => {
    // A window short enough that the editor scrolls, to see that the next task does not keep the scroll.
    await page.setViewportSize({ width: 1280, height: 480 });
    await openDemo(page);
    const first = byId.get(await currentTaskId(page))!;
    await suggestionFor(page, first.id);
    const scrolled = await page.evaluate(() => {
      const root = document.getElementById('label-studio')!;
      root.scrollTop = root.scrollHeight;
      return root.scrollTop;
    });
    expect(scrolled).toBeGreaterThan(0);
    await labelAndSubmit(page, first);
    const next = await currentTaskId(page);
    await suggestionFor(page, next);
    expect(await page.evaluate(() => document.getElementById('label-studio')!.scrollTop)).toBe(0);
    const imageTop = await page.locator('img[data-task-image]').evaluate((img) => img.getBoundingClientRect().top);
    expect(imageTop).toBeGreaterThan(0);
    expect(imageTop).toBeLessThan(480);
    // The labelled task's row shows the person's choices, not a suggestion.
    const row = page.locator(`#task-list li[data-task-id="${first.id}"] .task-hint`);
    await expect(row).toHaveText([
      first.meta.expected.organism_type, first.meta.expected.morphology, first.meta.expected.life_form, first.meta.expected.shape,
    ].filter((c) => c && c.length > 0).map((c) => c.join('+')).join(' · '));
    await expect(page.locator(`#task-list li[data-task-id="${next}"] .task-hint`)).toContainText('suggested: ');
  });

  test('after Refit the badge shows a suggestion of the new fit', async ({ page }) => {
    await openDemo(page);
    const id = await currentTaskId(page);
    const before = await suggestionFor(page, id);
    const fitBefore = before.learning!.fitVersion;
    await page.getByRole('button', { name: 'Refit' }).click();
    await page.waitForFunction((fit) => (window.cytoML.status().learning?.fitVersion ?? 0) > fit, fitBefore);
    await page.waitForFunction(() => {
      const s = window.cytoML.status();
      return s.lastSuggestion !== undefined && s.lastSuggestion.fitVersion === s.learning?.fitVersion;
    });
    await expect(page.getByTestId('cyto-ml-badge')).not.toContainText('refitted since');
    await expect(page.getByTestId('cyto-ml-badge')).toContainText('Organism type: ');
  });

  test('Open folder: the opened/skipped message stays readable until dismissed', async ({ page }) => {
    await openDemo(page);
    const png = readFileSync('public/samples/' + SAMPLE_TASKS[0].data.image.split('/').pop());
    const folder = mkdtempSync(join(tmpdir(), 'cyto-ml-folder-'));
    writeFileSync(join(folder, 'a-particle.png'), png);
    writeFileSync(join(folder, 'b-particle.png'), png);
    writeFileSync(join(folder, 'broken.png'), 'this is not a PNG');
    await page.locator('#folder').setInputFiles(folder);
    await page.waitForURL(/project=demo-folder/);
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 90_000 });
    const notice = page.locator('#notice');
    await expect(notice).toBeVisible();
    await expect(notice).toContainText('2 images opened; skipped 1:');
    await expect(notice).toContainText('broken.png: not an image');
    await page.waitForTimeout(3_000);
    await expect(notice).toBeVisible();
    const box = await notice.boundingBox();
    expect(box!.y + box!.height).toBeLessThanOrEqual(720);
    await page.getByRole('button', { name: 'Dismiss message' }).click();
    await expect(notice).toBeHidden();
    // Shown once: a reload does not bring it back.
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 90_000 });
    await expect(notice).toBeHidden();
  });

  test('the idle pre-annotate progress bar is drawn empty', async ({ page }) => {
    await openDemo(page);
    const tools = page.getByTestId('cyto-ml-tools');
    if ((await tools.getAttribute('data-collapsed')) === 'true') await tools.locator('header').click();
    const track = page.locator('.cyto-tools .cyto-bar').first();
    await expect(track).toBeVisible();
    // The track is drawn (so a full fill would show), and its fill is empty.
    expect((await track.boundingBox())?.width ?? 0).toBeGreaterThan(50);
    const fill = track.locator('> div').first();
    const width = await fill.evaluate((el) => (el as HTMLElement).getBoundingClientRect().width);
    expect(width).toBe(0);
  });
});
