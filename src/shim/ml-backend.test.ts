import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_VERSION, MODEL_CLASS } from './ml-backend-routes.ts';
import { LEGACY_PREDICTIONS_FILE } from './prediction-store.ts';
import type { RunningShim } from './server.ts';
import { lsPredictBody, lsSetupBody, makeTempDirs, postJson, relayedPrediction, startTestShim } from './test-fixtures.ts';
import type { TempDirs } from './test-fixtures.ts';

let dirs: TempDirs;
let shim: RunningShim;

beforeEach(async () => {
  dirs = await makeTempDirs();
  shim = await startTestShim(dirs);
});
afterEach(async () => {
  await shim.close();
  await dirs.cleanup();
});

describe('ML backend protocol', () => {
  it('answers health on /health and /', async () => {
    for (const path of ['/health', '/']) {
      const response = await fetch(shim.url + path);
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body).toMatchObject({ status: 'UP', model_class: MODEL_CLASS });
    }
  });

  it('reports a stable default model version, then the latest one browsers posted for the project', async () => {
    const first = await postJson(`${shim.url}/setup`, lsSetupBody(7));
    const again = await postJson(`${shim.url}/setup`, lsSetupBody(7));
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ model_version: DEFAULT_MODEL_VERSION });
    expect(again.json).toEqual(first.json);

    await postJson(`${shim.url}/api/predictions`, relayedPrediction(1, '7', 'v1'));
    await postJson(`${shim.url}/api/predictions`, relayedPrediction(2, '7.1736499600', 'v2'));
    await postJson(`${shim.url}/api/predictions`, relayedPrediction(3, '8', 'other-project'));
    expect((await postJson(`${shim.url}/setup`, lsSetupBody(7))).json).toEqual({ model_version: 'v2' });
    expect((await postJson(`${shim.url}/setup`, lsSetupBody(8))).json).toEqual({ model_version: 'other-project' });
    expect((await postJson(`${shim.url}/setup`, lsSetupBody(9))).json).toEqual({ model_version: DEFAULT_MODEL_VERSION });
  });

  it('relays stored predictions in task order, the latest per task', async () => {
    await postJson(`${shim.url}/api/predictions`, [relayedPrediction(11, '7', 'v1', 'Debris'), relayedPrediction(12, '7', 'v1', 'Plankton')]);
    await postJson(`${shim.url}/api/predictions`, relayedPrediction(11, '7', 'v2', 'Not-plankton'));

    const { status, json } = await postJson(`${shim.url}/predict`, lsPredictBody([12, 11]));
    expect(status).toBe(200);
    expect(json.results).toHaveLength(2);
    expect(json.results[0]).toEqual({
      result: [{ id: 'r-organism_type', from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: ['Plankton'] } }],
      score: 0.83,
      model_version: 'v1',
    });
    expect(json.results[1].result[0].value.choices).toEqual(['Not-plankton']);
    expect(json.results[1].model_version).toBe('v2');
  });

  it('never answers an empty prediction: a mixed batch gets one entry (Label Studio then asks task by task)', async () => {
    await postJson(`${shim.url}/api/predictions`, relayedPrediction(21, '7', 'v3'));
    const { json } = await postJson(`${shim.url}/predict`, lsPredictBody([20, 21, 999_999]));
    expect(json.results).toHaveLength(1);
    expect(json.results[0].result).toHaveLength(1);
    expect((await postJson(`${shim.url}/predict`, lsPredictBody([20]))).json).toEqual({ results: [] });
    expect((await postJson(`${shim.url}/predict`, lsPredictBody([21]))).json.results[0].model_version).toBe('v3');
  });

  it('offers only the newest version, never an older one, and nothing for an annotated task (issue 17)', async () => {
    await postJson(`${shim.url}/api/predictions`, relayedPrediction(22, '7', 'v1'));
    await postJson(`${shim.url}/api/predictions`, relayedPrediction(22, '7', 'v2'));
    const body = lsPredictBody([22]);
    const withTask = (extra: object) => ({ ...body, tasks: body.tasks.map((t: object) => ({ ...t, ...extra })) });
    const held = (versions: string[]) => withTask({ predictions: versions.map((v) => ({ model_version: v, result: [] })) });
    expect((await postJson(`${shim.url}/predict`, held([]))).json.results[0].model_version).toBe('v2');
    expect((await postJson(`${shim.url}/predict`, held(['v1']))).json.results[0].model_version).toBe('v2');
    // The task holds the newest: v1 (older) is not offered beside it.
    expect((await postJson(`${shim.url}/predict`, held(['v2']))).json).toEqual({ results: [] });
    expect((await postJson(`${shim.url}/predict`, held(['v1', 'v2']))).json).toEqual({ results: [] });
    // Annotated (as Label Studio sends it): nothing; a skipped (cancelled) annotation does not count.
    expect((await postJson(`${shim.url}/predict`, withTask({ total_annotations: 1, annotations: [{ id: 1, was_cancelled: false, result: [] }] }))).json).toEqual({ results: [] });
    expect((await postJson(`${shim.url}/predict`, withTask({ total_annotations: 0, annotations: [{ id: 2, was_cancelled: true, result: [] }] }))).json.results[0].model_version).toBe('v2');
    // A version relayed later is the newest, whatever its name.
    await postJson(`${shim.url}/api/predictions`, relayedPrediction(22, '7', 'v1'));
    expect((await postJson(`${shim.url}/predict`, held(['v2']))).json.results[0].model_version).toBe('v1');
  });

  it('answers {"results": []} when no task has a prediction, so Label Studio stores nothing', async () => {
    const { status, json } = await postJson(`${shim.url}/predict`, lsPredictBody([1, 2, 3]));
    expect(status).toBe(200);
    expect(json).toEqual({ results: [] });
  });

  it('keeps projects apart and falls back to each task\'s project field', async () => {
    await postJson(`${shim.url}/api/predictions`, relayedPrediction(5, '8', 'v8'));
    expect((await postJson(`${shim.url}/predict`, lsPredictBody([5], 7))).json).toEqual({ results: [] });
    const { project: _omitted, ...withoutProject } = lsPredictBody([5], 8);
    const { json } = await postJson(`${shim.url}/predict`, withoutProject);
    expect(json.results[0].model_version).toBe('v8');
  });

  it('answers training webhooks with 201 and unknown events with 200', async () => {
    const created = await postJson(`${shim.url}/webhook`, {
      action: 'ANNOTATION_CREATED',
      project: { id: 7, label_config: '<View/>' },
      annotation: { id: 1, result: [] },
      task: { id: 11, data: {} },
    });
    expect(created.status).toBe(201);
    expect(created.json.status).toBe('ok');
    expect(created.json).toHaveProperty('result');
    const training = await postJson(`${shim.url}/webhook`, { action: 'START_TRAINING', project: { id: 7, label_config: '<View/>' } });
    expect(training.status).toBe(201);
    const other = await postJson(`${shim.url}/webhook`, { action: 'PROJECT_UPDATED', project: { id: 7 } });
    expect(other.status).toBe(200);
    expect(other.json).toEqual({ status: 'Unknown event' });
  });

  it('counts requests on /metrics', async () => {
    await postJson(`${shim.url}/api/predictions`, relayedPrediction(1));
    await postJson(`${shim.url}/predict`, lsPredictBody([1, 2]));
    const metrics = await (await fetch(`${shim.url}/metrics`)).json();
    expect(metrics).toMatchObject({ predictRequests: 1, tasksAsked: 2, tasksAnswered: 0, predictionsRelayed: 1 });
    expect(metrics.store).toMatchObject({ predictions: 1, projects: 1 });
  });
});

describe('durability', () => {
  it('keeps predictions across a restart on the same data dir', async () => {
    await postJson(`${shim.url}/api/predictions`, [relayedPrediction(31), relayedPrediction(32, '7', 'v9', 'Debris')]);
    await shim.close();
    shim = await startTestShim(dirs);
    const { json } = await postJson(`${shim.url}/predict`, lsPredictBody([32, 31]));
    expect(json.results.map((r: any) => r.result[0].value.choices[0])).toEqual(['Debris', 'Plankton']);
    expect((await postJson(`${shim.url}/setup`, lsSetupBody(7))).json.model_version).toBe('v9');
  });

  it('imports a legacy predictions.jsonl once, streamed, skipping a torn last line', async () => {
    await shim.close();
    const file = join(dirs.dataDir, LEGACY_PREDICTIONS_FILE);
    const line = (task: number) => `${JSON.stringify({ ...relayedPrediction(task), received_at: '2026-01-01T00:00:00Z' })}\n`;
    await writeFile(file, `${line(41)}${line(43)}{"task":42,"project":"7","score":0.5,"model_ver`);
    shim = await startTestShim(dirs);

    const metrics = await (await fetch(`${shim.url}/metrics`)).json();
    expect(metrics.store).toMatchObject({ predictions: 2, skippedLines: 1 });
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.imported`)).toBe(true);
    const { json } = await postJson(`${shim.url}/predict`, lsPredictBody([41, 43]));
    expect(json.results).toHaveLength(2);
  });
});

describe('basic auth', () => {
  const user = 'ls';
  const pass = 's3cret:with:colons';
  const auth = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

  it('is off unless configured', async () => {
    expect((await fetch(`${shim.url}/health`)).status).toBe(200);
  });

  it('guards every protocol endpoint and the relay when configured, and leaves the files open', async () => {
    await shim.close();
    shim = await startTestShim(dirs, { basicAuth: { user, pass } });

    const denied = await fetch(`${shim.url}/health`);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect((await denied.json()).error).toMatch(/basic auth required/);
    expect((await postJson(`${shim.url}/predict`, lsPredictBody([1]), auth(user, 'wrong'))).status).toBe(401);
    expect((await postJson(`${shim.url}/setup`, lsSetupBody(), auth('nobody', pass))).json.error).toMatch(/wrong user name or password/);
    for (const path of ['/', '/health', '/metrics']) {
      expect((await fetch(shim.url + path, { headers: auth(user, pass) })).status).toBe(200);
    }
    expect((await postJson(`${shim.url}/setup`, lsSetupBody(), auth(user, pass))).status).toBe(200);
    expect((await postJson(`${shim.url}/predict`, lsPredictBody([1]), auth(user, pass))).status).toBe(200);
    expect((await postJson(`${shim.url}/webhook`, { action: 'START_TRAINING', project: { id: 7 } }, auth(user, pass))).status).toBe(201);

    expect((await postJson(`${shim.url}/api/predictions`, relayedPrediction(1))).status).toBe(401);
    expect((await postJson(`${shim.url}/api/predictions`, relayedPrediction(1), auth(user, pass))).status).toBe(201);
    expect((await fetch(`${shim.url}/plugin/cyto-ml.js`)).status).toBe(200);
  });
});
