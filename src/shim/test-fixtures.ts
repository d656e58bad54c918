/**
 * Test fixtures for the shim's tests: a throw-away plugin build, models folder and data dir,
 * a started shim on a free port, and Label Studio's real payload shapes (DESIGN §4).
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ShimOptions } from './options.ts';
import { startShim } from './server.ts';
import type { RunningShim } from './server.ts';

/** Folders of one test run; `cleanup()` removes them. */
export interface TempDirs {
  root: string;
  pluginDir: string;
  modelsDir: string;
  dataDir: string;
  cleanup(): Promise<void>;
}

/** The fake bundle's text and a fake hashed wasm's bytes (not valid wasm: only served). */
export const FAKE_PLUGIN_JS = 'window.__cytoMlLoaded = true;\n';
export const FAKE_WASM_NAME = 'ort-wasm-simd-threaded-BZr6jbkD.wasm';
export const FAKE_WASM = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0xff, 0x10, 0x80]);
/** The build ships ORT's binaries gzipped under this kind of name (scripts/build/ort-runtime-files.ts). */
export const FAKE_WASM_GZ_NAME = 'ort-wasm-simd-threaded.jsep-3ad23231b5.wasm.gz';
export const FAKE_WASM_GZ = gzipSync(FAKE_WASM);

/** Creates a plugin build, a models folder (manifest + .onnx) and an empty data dir. */
export async function makeTempDirs(): Promise<TempDirs> {
  const root = await mkdtemp(join(tmpdir(), 'cyto-shim-'));
  const pluginDir = join(root, 'plugin');
  const modelsDir = join(root, 'models');
  const dataDir = join(root, 'data');
  await mkdir(pluginDir);
  await mkdir(modelsDir);
  await writeFile(join(pluginDir, 'cyto-ml.js'), FAKE_PLUGIN_JS);
  await writeFile(join(pluginDir, FAKE_WASM_NAME), FAKE_WASM);
  await writeFile(join(pluginDir, FAKE_WASM_GZ_NAME), FAKE_WASM_GZ);
  await writeFile(join(modelsDir, 'manifest.json'), JSON.stringify({ version: 1, models: [{ id: 'tiny', file: 'tiny.onnx' }] }));
  await writeFile(join(modelsDir, 'tiny.onnx'), Buffer.alloc(64, 7));
  // A file next to the served folders that path traversal would reach.
  await writeFile(join(root, 'secret.txt'), 'do not serve');
  return { root, pluginDir, modelsDir, dataDir, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Starts a shim on a free port over the given folders, logging nothing. */
export function startTestShim(dirs: TempDirs, extra: Partial<ShimOptions> = {}): Promise<RunningShim> {
  return startShim({
    port: 0,
    proxyPort: 0,
    host: '127.0.0.1',
    pluginDir: dirs.pluginDir,
    modelsDir: dirs.modelsDir,
    dataDir: dirs.dataDir,
    logLevel: 'silent',
    ...extra,
  });
}

/** POSTs JSON (or a raw string body) and returns status, headers and parsed JSON. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}

/** A Choices result as the plugin builds it. */
export function choices(fromName: string, values: string[], id = `r-${fromName}`) {
  return { id, from_name: fromName, to_name: 'image', type: 'choices' as const, value: { choices: values } };
}

/** What the plugin posts to `/api/predictions` for one task. */
export function relayedPrediction(task: number, project = '7', modelVersion = 'cyto-ml/resnet18/k5@3', label = 'Plankton') {
  return { task, project, score: 0.83, model_version: modelVersion, result: [choices('organism_type', [label])] };
}

/** A task as Label Studio's TaskSimpleSerializer sends it in `/predict`. */
export function lsTask(id: number, project = 7) {
  return {
    id,
    data: { image: `/data/upload/${project}/plankton_${id}.png` },
    meta: {},
    created_at: '2025-01-10T09:00:00.000000Z',
    updated_at: '2025-01-10T09:00:00.000000Z',
    is_labeled: false,
    overlap: 1,
    inner_id: id,
    total_annotations: 0,
    cancelled_annotations: 0,
    total_predictions: 0,
    comment_count: 0,
    unresolved_comment_count: 0,
    last_comment_updated_at: null,
    project,
    updated_by: null,
    file_upload: null,
    comment_authors: [],
    annotations: [],
    predictions: [],
  };
}

/** Label Studio's `/predict` body (`api_connector.py` `_prep_prediction_req`). */
export function lsPredictBody(taskIds: number[], project = 7) {
  return {
    tasks: taskIds.map((id) => lsTask(id, project)),
    project: `${project}.1736499600`,
    label_config: '<View><Image name="image" value="$image"/><Choices name="organism_type" toName="image"><Choice value="Plankton"/></Choices></View>',
    params: { login: null, password: null, context: null },
  };
}

/** Label Studio's `/setup` body (`api_connector.py` `setup`). */
export function lsSetupBody(project = 7) {
  return {
    project: `${project}.1736499600`,
    schema: '<View><Image name="image" value="$image"/></View>',
    hostname: 'http://localhost:8080',
    access_token: '0123456789abcdef0123456789abcdef01234567',
    extra_params: null,
  };
}

/**
 * GET with node:http: the path goes out exactly as written (fetch would resolve `..`), and
 * conditional headers are sent alone (fetch adds `Cache-Control: no-cache` to them).
 */
export function rawGet(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    request({ host: url.hostname, port: url.port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}
