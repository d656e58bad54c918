import { describe, expect, it } from 'vitest';
import { LabelStudioClient } from '../labelstudio/rest-client.ts';
import type { Prediction } from '../labelstudio/types.ts';
import { MemoryAnnotatorStore } from '../store/annotator-store.ts';
import { DurableOutbox } from '../store/outbox.ts';
import { MemoryOutboxRecords } from '../store/outbox-records.ts';
import { isUnder, makeAuthFetch } from '../labelstudio/credentials.ts';
import { choosePredictionTarget, LabelStudioSource, taskPageUrl } from './label-studio-source.ts';
import { LocalSource } from './local-source.ts';

const PREDICTION: Prediction = {
  model_version: 'm+kmeans6+fit1', score: 0.8,
  result: [{ id: 'a', from_name: 'organism_type', to_name: 'image', type: 'choices', value: { choices: ['Plankton'] } }],
};

type Call = { url: string; method: string; headers: Headers; body: unknown; credentials?: RequestCredentials };

/** A fetch that answers from a script of statuses and records every call. */
function fakeFetch(statuses: number[] = [], bodies: Record<string, unknown> = {}): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const f = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    calls.push({ url, method: init.method ?? 'GET', headers: new Headers(init.headers), body: init.body ? JSON.parse(String(init.body)) : undefined, credentials: init.credentials });
    const path = new URL(url).pathname;
    const status = (init.method ?? 'GET') === 'GET' ? 200 : (statuses.shift() ?? 201);
    return new Response(JSON.stringify(bodies[path] ?? {}), { status, headers: { 'Content-Type': 'application/json' } });
  }) as typeof fetch;
  return { fetch: f, calls };
}

function lsSource(fetchImpl: typeof fetch, target: 'label-studio' | 'shim' = 'label-studio') {
  const outbox = new DurableOutbox(new MemoryOutboxRecords(), { locks: null, isOnline: () => true, random: () => 0, baseDelayMs: 1, maxDelayMs: 1 });
  const send = makeAuthFetch({ labelStudioBase: 'https://ls.example/', apiToken: '', cookies: () => 'a=1; csrftoken=tok', fetch: fetchImpl });
  const source = new LabelStudioSource({
    client: new LabelStudioClient({ baseUrl: 'https://ls.example', fetch: fetchImpl, cookies: () => 'csrftoken=tok' }),
    projectId: 3, baseUrl: 'https://ls.example/', outbox, target, shimUrl: 'https://shim.example:9090',
    flush: async () => { await outbox.flush(send); return { pending: await outbox.pending(), failed: (await outbox.failed()).length }; },
    navigate: () => {},
  });
  return { source, outbox };
}

describe('Label Studio source (fake fetch)', () => {
  it('lists tasks and the config through the REST API', async () => {
    const { fetch, calls } = fakeFetch([], {
      '/api/projects/3/': { id: 3, label_config: '<View/>' },
      '/api/tasks': { tasks: [{ id: 1, data: { image: '/data/1.png' } }], total: 1 },
    });
    const { source } = lsSource(fetch);
    expect(await source.labelConfig()).toBe('<View/>');
    const tasks = await source.listTasks();
    expect(tasks.map((t) => t.id)).toEqual([1]);
    expect(calls[1].url).toContain('/api/tasks?project=3');
    expect(calls[1].url).toContain('fields=all');
    expect(source.imageUrl(tasks[0], 'image', '')).toBe('/data/1.png');
  });

  it('queues predictions per task (latest wins), retries a 500 and sends each once, with the CSRF header', async () => {
    const { fetch, calls } = fakeFetch([500]);
    const { source, outbox } = lsSource(fetch);
    await source.savePredictions([{ taskId: 1, prediction: PREDICTION }, { taskId: 2, prediction: PREDICTION }]);
    await source.savePredictions([{ taskId: 1, prediction: { ...PREDICTION, score: 0.9 } }]);
    expect(await outbox.pending()).toBe(2);
    let state = await source.flush();
    expect(state.pending).toBe(1);
    await new Promise((r) => setTimeout(r, 5));
    state = await source.flush();
    expect(state).toEqual({ pending: 0, failed: 0 });
    const posts = calls.filter((c) => c.method === 'POST');
    // Each alone is a one-prediction bulk import (the batch sender merges them when present).
    const url = 'https://ls.example/api/projects/3/import/predictions';
    expect(posts.map((c) => c.url)).toEqual([url, url, url]);
    const delivered = posts.slice(1).map((c) => (c.body as Array<{ task: number; score: number }>)[0]);
    expect(delivered.map((b) => b.task).sort()).toEqual([1, 2]);
    expect(delivered.find((b) => b.task === 1)!.score).toBe(0.9);
    expect(posts[0].headers.get('X-CSRFToken')).toBe('tok');
    expect(posts[0].credentials).toBe('same-origin');
  });

  it('a 401 keeps the write queued (nothing lost) until it goes through', async () => {
    const { fetch } = fakeFetch([401]);
    const { source } = lsSource(fetch);
    await source.saveAnnotations([{ taskId: 5, result: PREDICTION.result }]);
    expect(await source.flush()).toEqual({ pending: 1, failed: 0 });
    expect(await source.flush()).toEqual({ pending: 0, failed: 0 });
  });

  it('annotations go to /api/tasks/{id}/annotations/; predictions to the shim relay when targeted there', async () => {
    const { fetch, calls } = fakeFetch();
    const { source } = lsSource(fetch, 'shim');
    await source.saveAnnotations([{ taskId: 5, result: PREDICTION.result }]);
    await source.savePredictions([{ taskId: 6, prediction: PREDICTION }]);
    await source.flush();
    expect(calls.map((c) => c.url)).toEqual(['https://ls.example/api/tasks/5/annotations/', 'https://shim.example:9090/api/predictions']);
    expect(calls[1].body).toMatchObject({ task: 6, project: '3', model_version: PREDICTION.model_version });
    // The shim never sees Label Studio's credentials.
    expect(calls[1].headers.get('X-CSRFToken')).toBeNull();
    expect(calls[1].credentials).toBe('omit');
  });

  it('chooses the prediction target and builds task URLs', () => {
    expect(choosePredictionTarget({ apiToken: '', csrfCookie: true, shimUrl: 'http://s' })).toBe('label-studio');
    expect(choosePredictionTarget({ apiToken: 'k', csrfCookie: false, shimUrl: 'http://s' })).toBe('label-studio');
    expect(choosePredictionTarget({ apiToken: '', csrfCookie: false, shimUrl: 'http://s' })).toBe('shim');
    expect(choosePredictionTarget({ apiToken: '', csrfCookie: false, shimUrl: '' })).toBe('label-studio');
    expect(taskPageUrl('https://ls.example/projects/3/data?tab=1&task=2', 3, 9)).toBe('https://ls.example/projects/3/data?tab=1&task=9');
    expect(taskPageUrl('https://ls.example/projects/3/settings', 3, 9)).toBe('https://ls.example/projects/3/data?task=9');
  });

  it('a token goes only to Label Studio', async () => {
    const { fetch, calls } = fakeFetch();
    const send = makeAuthFetch({ labelStudioBase: 'https://ls.example/sub/', apiToken: 'key', fetch });
    await send('https://ls.example/sub/api/predictions/', { method: 'POST', body: '{}' });
    await send('https://ls.example/other', { method: 'POST', body: '{}' });
    expect(calls[0].headers.get('Authorization')).toBe('Token key');
    expect(calls[1].headers.get('Authorization')).toBeNull();
    expect(isUnder('https://evil.example/sub/x', 'https://ls.example/sub/')).toBe(false);
  });
});

describe('local source (demo store)', () => {
  it('lists tasks with stored images as object URLs, stores predictions and annotations', async () => {
    const store = new MemoryAnnotatorStore();
    await store.putTasks('p', [
      { task: { id: 1, data: { image: 'samples/a.png' } } },
      { task: { id: 2, data: { image: '' } }, image: new Blob(['x']) },
    ]);
    let changes = 0;
    const opened: number[] = [];
    const source = new LocalSource({ project: 'p', store, config: '<View/>', open: (id) => opened.push(id), onChange: () => changes++, objectUrl: () => 'blob:fake' });
    const tasks = await source.listTasks();
    expect(tasks.map((t) => t.data.image)).toEqual(['samples/a.png', 'blob:fake']);
    expect(source.imageUrl(tasks[1], 'image', '')).toBe('blob:fake');
    await source.savePredictions([{ taskId: 1, prediction: PREDICTION }]);
    await source.saveAnnotations([{ taskId: 2, result: PREDICTION.result }]);
    const records = await store.listTasks('p');
    expect(records[0].task.predictions).toEqual([PREDICTION]);
    expect(records[1].annotations).toEqual([{ result: PREDICTION.result }]);
    // The stored task keeps its own (empty) image field: object URLs die with the page.
    expect(records[1].task.data.image).toBe('');
    expect(changes).toBe(2);
    expect(await source.flush()).toEqual({ pending: 0, failed: 0 });
    source.openTask(2);
    expect(opened).toEqual([2]);
  });
});
