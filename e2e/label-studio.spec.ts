/**
 * Against a real Label Studio (skipped unless LS_URL and LS_API_KEY are set):
 *  1. create a project with the seed's label config and import a task;
 *  2. relay a browser-made prediction to the shim, connect the shim as the project's ML
 *     backend, ask Label Studio to retrieve predictions, and find ours stored by Label Studio;
 *  3. (with LS_EMAIL and LS_PASSWORD) log in through the shim's proxy, open the task, and see
 *     the injected plugin tag and the prediction in the editor.
 *
 * Environment:
 *   LS_URL           Label Studio as this test reaches it, e.g. http://localhost:8080
 *   LS_API_KEY       a user's access token (Account & Settings > Access Token)
 *   LS_EMAIL, LS_PASSWORD   that user's login, for the browser part
 *   SHIM_URL         a running shim as this test reaches it (default: start one in-process,
 *                    on SHIM_PORT or a free port, proxying LS_URL; needs `npm run build`)
 *   SHIM_URL_FOR_LS  the same shim as Label Studio reaches it (default SHIM_URL; with
 *                    docker-compose: http://ml-backend:9090)
 *   PROXY_URL        the shim's proxy (default: the in-process shim's; compose: http://localhost:8081)
 *
 * With docker-compose: LS_URL=http://localhost:8080 SHIM_URL=http://localhost:9090
 * SHIM_URL_FOR_LS=http://ml-backend:9090 PROXY_URL=http://localhost:8081 LS_API_KEY=...
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, request as playwrightRequest, test } from '@playwright/test';
import type { APIRequestContext } from '@playwright/test';
import { startShim } from '../src/shim/server.ts';
import type { RunningShim } from '../src/shim/server.ts';
import { SEED_LABEL_CONFIG } from '../src/labelstudio/seed-config.ts';

const LS_URL = process.env.LS_URL?.replace(/\/+$/, '');
const LS_API_KEY = process.env.LS_API_KEY;
const LS_EMAIL = process.env.LS_EMAIL;
const LS_PASSWORD = process.env.LS_PASSWORD;

/** A 1x1 PNG, so the task needs no file storage. */
const IMAGE = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
const MODEL_VERSION = `cyto-ml-e2e-${Date.now()}`;

test.skip(!LS_URL || !LS_API_KEY, 'set LS_URL and LS_API_KEY (and LS_EMAIL, LS_PASSWORD for the browser part) to run against a real Label Studio');
test.describe.configure({ mode: 'serial' });

let ls: APIRequestContext;
let shim: RunningShim | undefined;
let dataDir: string | undefined;
let shimUrl: string;
let shimUrlForLs: string;
let proxyUrl: string | undefined;
let projectId: number;
let taskId: number;

test.beforeAll(async () => {
  ls = await playwrightRequest.newContext({ baseURL: LS_URL, extraHTTPHeaders: { Authorization: `Token ${LS_API_KEY}` } });
  if (process.env.SHIM_URL) {
    shimUrl = process.env.SHIM_URL.replace(/\/+$/, '');
    proxyUrl = process.env.PROXY_URL?.replace(/\/+$/, '');
  } else {
    dataDir = await mkdtemp(join(tmpdir(), 'cyto-e2e-shim-'));
    shim = await startShim({
      port: Number(process.env.SHIM_PORT ?? 0),
      proxyPort: 0,
      host: '0.0.0.0',
      labelStudioUrl: LS_URL,
      dataDir,
      logLevel: 'warn',
    });
    shimUrl = shim.url;
    proxyUrl = process.env.PROXY_URL ?? shim.proxyUrl;
  }
  shimUrlForLs = process.env.SHIM_URL_FOR_LS ?? shimUrl;

  const project = await ls.post('/api/projects', { data: { title: `cyto-ml e2e ${MODEL_VERSION}`, label_config: SEED_LABEL_CONFIG } });
  expect(project.status(), await project.text()).toBe(201);
  projectId = (await project.json()).id;

  const imported = await ls.post(`/api/projects/${projectId}/import`, { data: [{ data: { image: IMAGE } }] });
  expect(imported.status(), await imported.text()).toBe(201);
  const tasks = await (await ls.get(`/api/tasks?project=${projectId}`)).json();
  // Newer Label Studio wraps the list ({tasks, total, ...}); older returns the array.
  const list = Array.isArray(tasks) ? tasks : tasks.tasks;
  expect(list).toHaveLength(1);
  taskId = list[0].id;
});

test.afterAll(async () => {
  if (projectId) await ls.delete(`/api/projects/${projectId}/`);
  await ls?.dispose();
  await shim?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('Label Studio stores the prediction a browser relayed, through the ML backend protocol', async ({ request }) => {
  const relayed = await request.post(`${shimUrl}/api/predictions`, {
    data: {
      task: taskId,
      project: String(projectId),
      score: 0.87,
      model_version: MODEL_VERSION,
      result: [{ id: 'e2e-organism', from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: ['Plankton'] } }],
    },
  });
  expect(relayed.status(), await relayed.text()).toBe(201);

  // Connecting runs /health and /setup; Label Studio refuses an invalid backend here.
  const connected = await ls.post('/api/ml', { data: { url: shimUrlForLs, project: projectId, title: 'cyto-ml shim' } });
  expect(connected.status(), `Label Studio could not reach the shim at ${shimUrlForLs}: ${await connected.text()}`).toBe(201);

  const action = await ls.post(`/api/dm/actions?id=retrieve_tasks_predictions&project=${projectId}`, {
    data: { project: String(projectId), selectedItems: { all: true, excluded: [] } },
  });
  expect(action.ok(), await action.text()).toBe(true);

  // The action may run as a background job: poll.
  await expect
    .poll(
      async () => {
        const predictions = await (await ls.get(`/api/predictions?task=${taskId}`)).json();
        return (predictions as Array<{ model_version: string; result: Array<{ value: { choices: string[] } }> }>)
          .filter((p) => p.model_version === MODEL_VERSION)
          .map((p) => p.result[0]?.value.choices[0]);
      },
      { timeout: 60_000, message: 'Label Studio did not store the relayed prediction' },
    )
    .toEqual(['Plankton']);
});

test('the proxy injects the plugin and the editor shows the prediction', async ({ page }) => {
  test.skip(!LS_EMAIL || !LS_PASSWORD, 'set LS_EMAIL and LS_PASSWORD to log in through the proxy');
  test.skip(!proxyUrl, 'set PROXY_URL to the shim\'s proxy (or let the test start the shim)');

  // Show this model version's predictions to annotators.
  const patched = await ls.patch(`/api/projects/${projectId}/`, { data: { model_version: MODEL_VERSION, show_collab_predictions: true } });
  expect(patched.ok(), await patched.text()).toBe(true);

  await page.goto(`${proxyUrl}/user/login/`);
  await page.locator('input[name="email"]').fill(LS_EMAIL ?? '');
  await page.locator('input[name="password"]').fill(LS_PASSWORD ?? '');
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/user/login')), page.locator('button[type="submit"], input[type="submit"]').first().click()]);

  await page.goto(`${proxyUrl}/projects/${projectId}/data?task=${taskId}`);
  await expect(page.locator('script[data-cyto-ml-plugin]')).toHaveCount(1);
  expect(await page.locator('script[data-cyto-ml-plugin]').getAttribute('src')).toBe('/cyto-ml/plugin/cyto-ml.js');

  // The editor's store (window.Htx) holds the task's predictions once the task is open.
  await page.waitForFunction(
    (version) => {
      type Pred = { serializeAnnotation?: () => unknown; createdBy?: string };
      const store = (window as unknown as { Htx?: { annotationStore?: { predictions?: Pred[] } } }).Htx?.annotationStore;
      return (store?.predictions ?? []).some(
        (p) => JSON.stringify(p.serializeAnnotation?.() ?? []).includes('Plankton') || p.createdBy === version,
      );
    },
    MODEL_VERSION,
    { timeout: 60_000 },
  );
});
