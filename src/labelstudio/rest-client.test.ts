import { describe, expect, it } from 'vitest';
import { LabelStudioApiError, LabelStudioClient } from './rest-client.ts';

interface Call { url: string; init: RequestInit }

/** A fake fetch answering from a handler and recording every call. */
function fakeFetch(handler: (url: string, init: RequestInit) => { status?: number; body?: unknown } | Error) {
  const calls: Call[] = [];
  const fetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    calls.push({ url, init });
    const answer = handler(url, init);
    if (answer instanceof Error) throw answer;
    const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    return new Response(text, { status: answer.status ?? 200 });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const headersOf = (call: Call) => new Headers(call.init.headers);
const task = (id: number) => ({ id, data: { image: `${id}.png` } });

describe('LabelStudioClient', () => {
  it('sends the csrftoken cookie as X-CSRFToken with the session on POSTs', async () => {
    const { fetch, calls } = fakeFetch(() => ({ status: 201, body: { id: 5, task: 3 } }));
    const client = new LabelStudioClient({ baseUrl: 'http://ls:8080/', fetch, cookies: () => 'sessionid=abc; csrftoken=tok%3D1; other=x' });
    const created = await client.createPrediction({ task: 3, result: [], score: 0.5, model_version: 'm' });
    expect(created).toEqual({ id: 5, task: 3 });
    expect(calls[0].url).toBe('http://ls:8080/api/predictions/');
    expect(calls[0].init.method).toBe('POST');
    expect(calls[0].init.credentials).toBe('same-origin');
    expect(headersOf(calls[0]).get('X-CSRFToken')).toBe('tok=1');
    expect(headersOf(calls[0]).get('Authorization')).toBeNull();
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ task: 3, result: [], score: 0.5, model_version: 'm' });
  });

  it('sends Authorization: Token <key> with token auth', async () => {
    const { fetch, calls } = fakeFetch(() => ({ body: { id: 9, label_config: '<View/>' } }));
    const client = new LabelStudioClient({ auth: { kind: 'token', token: 'k123' }, fetch, cookies: () => 'csrftoken=zzz' });
    expect((await client.getProject(9)).label_config).toBe('<View/>');
    expect(calls[0].url).toBe('/api/projects/9/');
    expect(headersOf(calls[0]).get('Authorization')).toBe('Token k123');
    expect(headersOf(calls[0]).get('X-CSRFToken')).toBeNull();
    expect(calls[0].init.credentials).toBe('omit');
  });

  it('pages through {tasks, total} responses', async () => {
    const { fetch, calls } = fakeFetch((url) => {
      const page = Number(new URL(url, 'http://x').searchParams.get('page'));
      const ids = page === 1 ? [1, 2] : page === 2 ? [3, 4] : [5];
      return { body: { tasks: ids.map(task), total: 5, total_annotations: 0, total_predictions: 0 } };
    });
    const tasks = await new LabelStudioClient({ fetch, pageSize: 2 }).listTasks(7);
    expect(tasks.map((t) => t.id)).toEqual([1, 2, 3, 4, 5]);
    expect(calls.map((c) => c.url)).toEqual([
      '/api/tasks?project=7&page=1&page_size=2',
      '/api/tasks?project=7&page=2&page_size=2',
      '/api/tasks?project=7&page=3&page_size=2',
    ]);
  });

  it('pages through bare arrays, stopping at a short page or a 404 past the end', async () => {
    const short = fakeFetch((url) => ({ body: url.includes('page=1&') ? [task(1), task(2)] : [task(3)] }));
    expect((await new LabelStudioClient({ fetch: short.fetch, pageSize: 2 }).listTasks(1)).map((t) => t.id)).toEqual([1, 2, 3]);
    expect(short.calls).toHaveLength(2);

    const past = fakeFetch((url) => (url.includes('page=1&') ? { body: [task(1), task(2)] } : { status: 404, body: { detail: 'Invalid page.' } }));
    expect((await new LabelStudioClient({ fetch: past.fetch, pageSize: 2 }).listTasks(1)).map((t) => t.id)).toEqual([1, 2]);

    const drf = fakeFetch(() => ({ body: { count: 1, results: [task(8)] } }));
    expect((await new LabelStudioClient({ fetch: drf.fetch }).listTasks(1, { fields: 'all' })).map((t) => t.id)).toEqual([8]);
    expect(drf.calls[0].url).toContain('fields=all');
  });

  it('explains a 401: log in or set an API token', async () => {
    const { fetch } = fakeFetch(() => ({ status: 401, body: { detail: 'Authentication credentials were not provided.' } }));
    const error = await new LabelStudioClient({ fetch }).listTasks(3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabelStudioApiError);
    expect(error).toMatchObject({ status: 401, method: 'GET' });
    expect((error as Error).message).toMatch(/Log in to Label Studio.*API token/);
    expect((error as Error).message).toMatch(/credentials were not provided/);

    const bad = fakeFetch(() => ({ status: 401, body: { detail: 'Invalid token.' } }));
    await expect(new LabelStudioClient({ fetch: bad.fetch, auth: { kind: 'token', token: 't' } }).getTask(1)).rejects.toThrow(/token was refused/);
  });

  it('explains a 404 project and a network failure', async () => {
    const missing = fakeFetch(() => ({ status: 404, body: { detail: 'Not found.' } }));
    await expect(new LabelStudioClient({ fetch: missing.fetch }).getProject(99)).rejects.toThrow(/project id \(99\)/);
    const offline = fakeFetch(() => new TypeError('Failed to fetch'));
    const error = await new LabelStudioClient({ fetch: offline.fetch }).getProject(1).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0 });
    expect((error as Error).message).toMatch(/unreachable.*online/);
  });

  it('posts annotations to the task', async () => {
    const { fetch, calls } = fakeFetch(() => ({ status: 201, body: { id: 11, result: [] } }));
    await new LabelStudioClient({ fetch, cookies: () => 'csrftoken=c' }).createAnnotation(4, { result: [] });
    expect(calls[0].url).toBe('/api/tasks/4/annotations/');
    expect(headersOf(calls[0]).get('Content-Type')).toBe('application/json');
  });
});
