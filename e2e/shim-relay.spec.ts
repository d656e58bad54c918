/**
 * The plugin in the real editor posts its prediction to a running shim, and Label Studio's
 * `/predict` call to the shim then returns it (real HTTP server, real browser).
 */
import { expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SEED_LABEL_CONFIG } from '../src/labelstudio/seed-config.ts';
import { startShim, type RunningShim } from '../src/shim/server.ts';

let shim: RunningShim;
let dataDir: string;

test.beforeAll(async ({ baseURL }) => {
  dataDir = mkdtempSync(join(tmpdir(), 'cyto-ml-shim-e2e-'));
  shim = await startShim({ port: 0, dataDir, allowOrigins: [new URL(baseURL!).origin], logLevel: 'silent' });
});

test.afterAll(async () => {
  await shim?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('a prediction made in the browser is relayed by the shim to /predict, never as an empty prediction', async ({ page }) => {
  await page.goto(`/e2e/harness/editor.html?shim=${encodeURIComponent(shim.url)}`);
  await page.waitForFunction(() => window.editorHarness?.ready === true);
  const injected = await page.evaluate(async (config) => {
    const core = window.cytoML.core();
    // A few labels first, so the learner has something to suggest.
    for (const [i, name] of ['bubble-04', 'detritus-03', 'round-cell-03', 'colony-04'].entries()) {
      await core.learnFromAnnotation(
        { project: 'e2e-editor', taskId: 960 + i, data: { image: `/samples/${name}.png` }, config },
        [{ from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: [i % 2 ? 'Debris' : 'Plankton'] } }],
      );
    }
    const result = (await window.editorHarness.open(config, { id: 77, data: { image: '/samples/chain-04.png' } })) as { prediction: { result: unknown[]; model_version: string } } | null;
    // The relay is queued in IndexedDB and flushed at once; wait for the queue to empty.
    for (let i = 0; i < 50 && (await core.flushOutbox()).pending > 0; i++) await new Promise((r) => setTimeout(r, 100));
    return result?.prediction ?? null;
  }, SEED_LABEL_CONFIG);
  expect(injected).not.toBeNull();

  // Label Studio asks the ML backend for two tasks: the one the browser predicted, and one it
  // never saw. The shim never answers an empty prediction (Label Studio would store it): for a
  // mixed batch it answers one entry, which makes Label Studio ask task by task (see
  // src/shim/README.md), and a task without a prediction gets no entry.
  const predict = async (tasks: object[]) => {
    const response = await fetch(`${shim.url}/predict`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ tasks, project: 'e2e-editor', label_config: SEED_LABEL_CONFIG, params: {} }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { results: Array<{ result: unknown[]; model_version: string; score: number }> }).results;
  };
  const both = await predict([{ id: 77, data: { image: '/samples/chain-04.png' } }, { id: 78, data: {} }]);
  expect(both).toHaveLength(1);
  expect(both[0].result).toEqual(injected!.result);
  const alone = await predict([{ id: 77, data: { image: '/samples/chain-04.png' } }]);
  expect(alone).toHaveLength(1);
  expect(alone[0].result).toEqual(injected!.result);
  expect(alone[0].model_version).toBe(injected!.model_version);
  expect(await predict([{ id: 78, data: {} }])).toEqual([]);
});
