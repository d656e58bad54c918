/**
 * The README's pictures, taken from the real demo in Chromium: `npm run docs:screenshots` writes
 * them to docs/ (PNG, 1280x720 and close-ups). Skipped in every other run (npm test), so a test
 * run never rewrites tracked files; npm names the running script in npm_lifecycle_event.
 */
import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';

const WRITE = process.env.npm_lifecycle_event === 'docs:screenshots';
const DOCS = 'docs';

test.use({ viewport: { width: 1280, height: 720 } });

test.describe('README screenshots', () => {
  test.skip(!WRITE, 'only when run as `npm run docs:screenshots` (writes docs/*.png)');

  test('the demo annotator with a suggestion, and the badge', async ({ page }) => {
    mkdirSync(DOCS, { recursive: true });
    await page.goto('/');
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 90_000 });
    await page.waitForFunction(() => Boolean(window.cytoML.status().lastSuggestion), null, { timeout: 60_000 });
    const badge = page.getByTestId('cyto-ml-badge');
    await expect(badge).toContainText('like ');
    await page.screenshot({ path: `${DOCS}/demo-annotator.png` });
    await badge.screenshot({ path: `${DOCS}/badge.png` });
    await badge.getByRole('button', { name: 'details' }).click();
    await badge.screenshot({ path: `${DOCS}/badge-details.png` });
  });
});
