/**
 * `npm run import` against the real Label Studio 1.12 that global setup started:
 *  1. a folder of instrument images (8- and 16-bit TIFFs, LZW/Deflate/PackBits, RGBA, the real
 *     FlowCam crops of ../shared when present, a FlowCam CSV, a text file, a duplicate) becomes
 *     tasks through the upload API, with FlowCam fields; a second run adds nothing, a new file
 *     is added alone; with --embed the parts go to a real shim;
 *  2. the same folder through a local-files storage (created and synced through the API);
 *  3. logged in through the shim's proxy, each opened task shows its image in the editor
 *     (naturalWidth > 0) and the plugin suggests from the imported embeddings: no model run;
 *  4. parity: the browser's own embedding of the displayed image (real Chromium, onnxruntime-web,
 *     cache bypassed) equals the imported one within 1e-4, under the same key.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { SEED_LABEL_CONFIG } from '../src/labelstudio/seed-config.ts';
import { importCommand } from '../src/import/cli.ts';
import { parseImportOptions, type ImportOptions } from '../src/import/import-options.ts';
import { decodeEmbeddingPart } from '../src/store/embedding-file.ts';
import { LabelStudioApi, logIn, realLabelStudio, startShimFor } from './real-label-studio/label-studio.ts';
import type { LabelStudioServer, ShimForLabelStudio } from './real-label-studio/label-studio.ts';
import { FLOWCAM, LS_ENV, REPO_ROOT } from './real-label-studio/paths.ts';

test.describe.configure({ mode: 'serial' });

const TEST_IMAGES = join(REPO_ROOT, 'src', 'embedding', 'test-images');
const RUN = `cyto-ml import e2e ${Date.now()}`;

let server: LabelStudioServer;
let ls: LabelStudioApi;
let shim: ShimForLabelStudio;
let work: string;
let source: string;
let partsDir: string;
let projectId: number;
let expectedTasks: number;

/** The import as the CLI runs it, in this process. */
function options(args: string[]): ImportOptions {
  const parsed = parseImportOptions([source, '--quiet', ...args], {});
  if (parsed === 'help') throw new Error('unexpected help');
  return parsed;
}

test.beforeAll(async () => {
  server = realLabelStudio();
  ls = await LabelStudioApi.connect(server);
  shim = await startShimFor(server);
  work = await mkdtemp(join(tmpdir(), 'cyto-e2e-import-'));
  source = join(work, 'instrument');
  partsDir = join(work, 'parts');
  await mkdir(join(source, 'cytometer'), { recursive: true });
  await mkdir(join(source, 'flowcam'), { recursive: true });
  await copyFile(join(TEST_IMAGES, 'grey16-be.tif'), join(source, 'cytometer', 'cells_16bit.tif'));
  await copyFile(join(TEST_IMAGES, 'rgb-lzw.tif'), join(source, 'cytometer', 'rgb_lzw.tif'));
  await copyFile(join(TEST_IMAGES, 'rgb-packbits.tif'), join(source, 'cytometer', 'rgb_packbits.tif'));
  await copyFile(join(TEST_IMAGES, 'grey-deflate.tif'), join(source, 'cytometer', 'grey_deflate.tif'));
  await copyFile(join(TEST_IMAGES, 'rgba-lzw.tif'), join(source, 'cytometer', 'rgba_lzw.tif'));
  await copyFile(join(TEST_IMAGES, 'rgb-lzw.tif'), join(source, 'cytometer', 'duplicate.tif'));
  await writeFile(join(source, 'cytometer', 'notes.txt'), 'station 4, 5 ml');
  let flowcam = 0;
  if (existsSync(FLOWCAM)) {
    for (const f of readdirSync(FLOWCAM).filter((n) => n.startsWith('testymctestface_')).slice(0, 8)) {
      await copyFile(join(FLOWCAM, f), join(source, 'flowcam', f));
      flowcam++;
    }
  } else {
    console.warn(`${FLOWCAM} is absent: importing the committed test TIFFs only`);
    await copyFile(join(TEST_IMAGES, 'rgb-deflate.tif'), join(source, 'flowcam', 'run_127.tif'));
    flowcam = 1;
  }
  // A VisualSpreadsheet-style table for the crops (particle id = the number in the name).
  const ids = (await readdir(join(source, 'flowcam'))).map((f) => Number(/_(\d+)\.tif$/.exec(f)?.[1]));
  await writeFile(join(source, 'flowcam', 'particles.csv'),
    `"Particle ID","Area (ABD)","Diameter (ESD)"\n${ids.map((id) => `${id},${id + 0.5},${(id % 50) + 0.25}`).join('\n')}\n`);
  expectedTasks = 5 + flowcam; // 5 distinct cytometer TIFFs (the duplicate and the text file skipped)
  projectId = await ls.createProject(RUN, SEED_LABEL_CONFIG);
});

test.afterAll(async () => {
  if (projectId) await ls.deleteProject(projectId);
  await ls?.dispose();
  await shim?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

test('a folder becomes tasks through the upload API, with FlowCam fields and embeddings; a second run adds only new images', async () => {
  const args = ['--label-studio', server.url, '--project', String(projectId), '--token', server.token, '--embed', '--shim', shim.url, '--embeddings-dir', partsDir];
  const summary = await importCommand(options(args));
  expect(summary.created).toBe(expectedTasks);
  expect(summary.skipped['not-an-image'].map((s) => s.path)).toEqual(['cytometer/notes.txt']);
  expect(summary.skipped['duplicate-content'].map((s) => s.path)).toHaveLength(1);
  expect(summary.flowcam.matched).toBe(expectedTasks - 5);
  expect(summary.embedding?.embedded).toBe(expectedTasks);

  const tasks = await ls.tasks(projectId);
  expect(tasks).toHaveLength(expectedTasks);
  for (const t of tasks) {
    expect(t.data.image).toMatch(new RegExp(`^/data/upload/${projectId}/.+\\.png$`));
    expect(t.data.source_sha256).toMatch(/^[0-9a-f]{64}$/);
  }
  const crop = tasks.find((t) => String(t.data.original_path).startsWith('flowcam/'))!;
  expect(crop.data.fc_particle_id).toBe(Number(/_(\d+)\.tif$/.exec(String(crop.data.original_name))![1]));
  expect(typeof crop.data.fc_area_abd).toBe('number');

  const again = await importCommand(options(args));
  expect(again.created).toBe(0);
  expect(again.skipped['already-imported']).toHaveLength(expectedTasks + 1);
  await copyFile(join(TEST_IMAGES, 'rgb-deflate.tif'), join(source, 'cytometer', 'late_arrival.tif'));
  const third = await importCommand(options(args));
  expect(third.created).toBe(1);
  expectedTasks += 1;
  expect(await ls.tasks(projectId)).toHaveLength(expectedTasks);
});

test('clear errors for a wrong URL, a bad token and a missing project', async () => {
  await expect(importCommand(options(['--label-studio', 'http://127.0.0.1:1', '--project', String(projectId), '--token', server.token])))
    .rejects.toThrow(/cannot reach Label Studio/);
  await expect(importCommand(options(['--label-studio', server.url, '--project', String(projectId), '--token', 'wrong-token'])))
    .rejects.toThrow(/refused the token/);
  await expect(importCommand(options(['--label-studio', server.url, '--project', '987654', '--token', server.token])))
    .rejects.toThrow(/project 987654 was not found/);
});

test('large folders: images and task files in a local-files storage, created and synced through the API', async () => {
  const filesRoot = process.env[LS_ENV.filesRoot];
  test.skip(!filesRoot, 'the server was not started by global setup (no local-files root known)');
  const local = await ls.createProject(`${RUN} local files`, SEED_LABEL_CONFIG);
  try {
    const args = ['--label-studio', server.url, '--project', String(local), '--token', server.token, '--local-files-root', filesRoot!];
    const summary = await importCommand(options(args));
    expect(summary.created).toBe(expectedTasks);
    const tasks = await ls.tasks(local);
    expect(tasks).toHaveLength(expectedTasks);
    expect(String(tasks[0].data.image)).toMatch(/^\/data\/local-files\/\?d=cyto-ml-import-\d+%2Fimages%2F/);
    // The image is served by Label Studio to the logged-in API user.
    const image = await ls.http.get(String(tasks[0].data.image));
    expect(image.status()).toBe(200);
    expect((await image.body()).subarray(1, 4).toString()).toBe('PNG');
    expect((await importCommand(options(args))).created).toBe(0);
    expect(await ls.tasks(local)).toHaveLength(expectedTasks);
  } finally {
    await ls.deleteProject(local);
  }
});

test('each task opens in the editor with its image, suggested from the imported embeddings (no model run); browser and Node embeddings agree', async ({ page }) => {
  test.setTimeout(240_000);
  const tasks = await ls.tasks(projectId);
  const nodeVectors = new Map<string, Float32Array>();
  // The import and the plugin both run the manifest's default model.
  const { default: defaultModel } = JSON.parse(await readFile(join(REPO_ROOT, 'models', 'manifest.json'), 'utf8')) as { default: string };
  const modelDir = join(partsDir, defaultModel);
  for (const name of await readdir(modelDir)) {
    const part = decodeEmbeddingPart(await readFile(join(modelDir, name)));
    part.header.imageKeys.forEach((key, i) => nodeVectors.set(key, part.vectors[i]));
  }
  // rgb_lzw, rgb_packbits and late_arrival (Deflate) hold the same pixels: one PNG, one key.
  expect(nodeVectors.size).toBe(expectedTasks - 2);

  await logIn(page, shim.proxyUrl, server);
  const picks = [
    tasks.find((t) => t.data.original_name === 'cells_16bit.tif')!,
    tasks.find((t) => t.data.original_name === 'rgba_lzw.tif')!,
    tasks.find((t) => String(t.data.original_path).startsWith('flowcam/'))!,
  ];
  for (const task of picks) {
    await page.goto(`${shim.proxyUrl}/projects/${projectId}/data?task=${task.id}`);
    // The editor's image (not the Data Manager's thumbnail of the same file).
    const file = String(task.data.image).split('/').pop();
    const image = page.locator(`.lsf-main-content img[src*="${file}"], .lsf-main-view img[src*="${file}"]`).first();
    await expect(image).toBeVisible({ timeout: 60_000 });
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 60_000 }).toBeGreaterThan(0);
    await page.waitForFunction((id) => window.cytoML?.status().lastSuggestion?.taskId === id, task.id, { timeout: 90_000 });
    const status = await page.evaluate(() => window.cytoML.status());
    // 'content': found by the image's hash; 'url': prefetch already looked this task's image up (by hash) and remembered its URL.
    expect(['content', 'url'], `task ${task.id} (${String(task.data.original_name)})`).toContain(status.lastSuggestion?.cacheHit);
    expect(status.modelRuns, 'the plugin ran the model although the embedding was imported').toBe(0);
  }

  // Parity: the browser embeds the displayed images itself (cache bypassed) in the same page.
  const urls = picks.map((t) => String(t.data.image));
  const browser = await page.evaluate(async (list) => {
    const out: Array<{ key: string; vector: number[] }> = [];
    for (const url of list) {
      const r = await window.cytoML.core().embeddings.embed(url, { noCache: true });
      out.push({ key: r.imageKey, vector: Array.from(r.vector) });
    }
    return out;
  }, urls);
  for (const { key, vector } of browser) {
    const node = nodeVectors.get(key);
    expect(node, `the browser's key ${key} is not among the imported keys`).toBeDefined();
    let maxDiff = 0;
    vector.forEach((v, i) => { maxDiff = Math.max(maxDiff, Math.abs(v - node![i])); });
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
    console.log(`parity ${key.slice(0, 12)}: max |browser - node| = ${maxDiff.toExponential(2)}`);
  }
});
