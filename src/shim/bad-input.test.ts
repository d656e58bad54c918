import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningShim } from './server.ts';
import { choices, lsPredictBody, makeTempDirs, postJson, rawGet, relayedPrediction, startTestShim } from './test-fixtures.ts';
import type { TempDirs } from './test-fixtures.ts';

let dirs: TempDirs;
let shim: RunningShim;

beforeAll(async () => {
  dirs = await makeTempDirs();
  shim = await startTestShim(dirs);
});
afterAll(async () => {
  await shim.close();
  await dirs.cleanup();
});

async function expectServing(): Promise<void> {
  expect((await fetch(`${shim.url}/health`)).status).toBe(200);
}

describe('bad input gets a 4xx with a JSON error that says what is wrong', () => {
  it('malformed JSON', async () => {
    for (const path of ['/predict', '/setup', '/webhook', '/api/predictions']) {
      const { status, json } = await postJson(shim.url + path, '{"tasks": [');
      expect(status).toBe(400);
      expect(json.error).toMatch(/malformed JSON/);
    }
    await expectServing();
  });

  it('an empty JSON body', async () => {
    const { status, json } = await postJson(`${shim.url}/predict`, '');
    expect(status).toBe(400);
    expect(json.error).toMatch(/empty/i);
  });

  it('wrong content type', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const { status, json } = await postJson(`${shim.url}/api/predictions`, JSON.stringify(relayedPrediction(1)), { 'content-type': type });
      expect(status).toBe(415);
      expect(json.error).toMatch(/application\/json/);
    }
    await expectServing();
  });

  it('a 10 MB body', async () => {
    const huge = JSON.stringify({ tasks: [{ id: 1, data: { blob: 'x'.repeat(10 * 1024 * 1024) } }], project: '7.1' });
    for (const path of ['/predict', '/api/predictions']) {
      const { status, json } = await postJson(shim.url + path, huge);
      expect(status).toBe(413);
      expect(json.error).toMatch(/too large.*\d+ bytes/);
    }
    await expectServing();
  });

  it('protocol bodies that break the schema', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['/predict', { project: '7.1' }, /must have required property 'tasks'/],
      ['/predict', { tasks: [{ id: 'one' }], project: '7.1' }, /tasks\/0\/id must be integer/],
      ['/predict', { tasks: [{ id: 0 }], project: '7.1' }, /tasks\/0\/id must be >= 1/],
      ['/predict', { tasks: [{ id: 1 }] }, /project is missing/],
      ['/predict', [1, 2], /body must be object/],
      ['/setup', { schema: '<View/>' }, /must have required property 'project'/],
      ['/setup', { project: '' }, /project/],
      ['/webhook', { project: { id: 1 } }, /must have required property 'action'/],
    ];
    for (const [path, body, message] of cases) {
      const { status, json } = await postJson(shim.url + path, body);
      expect(status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(json.error).toMatch(message);
    }
    await expectServing();
  });

  it('unknown task ids are not an error: they get no prediction', async () => {
    const { status, json } = await postJson(`${shim.url}/predict`, lsPredictBody([123456, 654321]));
    expect(status).toBe(200);
    expect(json).toEqual({ results: [] });
  });

  it('relayed results of the wrong shape, with every problem listed', async () => {
    const seedShape = { ...relayedPrediction(1), result: [{ id: 0, text: 'test', type: 'Choices' }] };
    const { status, json } = await postJson(`${shim.url}/api/predictions`, seedShape);
    expect(status).toBe(400);
    expect(json.error).toMatch(/result\[0\]\.id must be a non-empty string/);
    expect(json.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/result\[0\]\.from_name/),
        expect.stringMatching(/result\[0\]\.type must be "choices"/),
        expect.stringMatching(/result\[0\]\.value must be \{"choices"/),
      ]),
    );

    const cases: Array<[unknown, RegExp]> = [
      [{ ...relayedPrediction(1), score: 1.5 }, /score must be a number from 0 to 1/],
      [{ ...relayedPrediction(1), task: -3 }, /task must be a positive integer/],
      [{ ...relayedPrediction(1), task: '3' }, /task must be a positive integer/],
      [{ ...relayedPrediction(1), project: '' }, /project must be a non-empty string/],
      [{ ...relayedPrediction(1), model_version: 'undefined' }, /not the string "undefined"/],
      [{ ...relayedPrediction(1), result: [] }, /result must hold 1 to/],
      [{ ...relayedPrediction(1), result: [{ ...choices('shape', []) }] }, /choices must hold 1 to/],
      [{ ...relayedPrediction(1), result: [{ ...choices('shape', ['Round', 3 as unknown as string]) }] }, /choices\[1\] must be a non-empty string/],
      [[relayedPrediction(1), { ...relayedPrediction(2), score: -1 }], /\[1\]\.score/],
      [[], /array is empty/],
      ['"just a string"', /prediction must be an object/],
    ];
    for (const [body, message] of cases) {
      const response = await postJson(`${shim.url}/api/predictions`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.json.error).toMatch(message);
    }
    // All or nothing: the valid first item of the rejected bulk post was not stored.
    expect((await postJson(`${shim.url}/predict`, lsPredictBody([1]))).json).toEqual({ results: [] });
    await expectServing();
  });

  it('`..` in static paths, plain or encoded, never leaves the folders', async () => {
    for (const path of [
      '/plugin/../secret.txt',
      '/plugin/%2e%2e/secret.txt',
      '/plugin/%2E%2E%2Fsecret.txt',
      '/models/..%2f..%2fsecret.txt',
      '/models/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/plugin/..\\secret.txt',
    ]) {
      const { status, body } = await rawGet(shim.url, path);
      expect([403, 404], path).toContain(status);
      expect(body).not.toContain('do not serve');
      expect(JSON.parse(body).error).toMatch(/forbidden path .*not a file inside|no such path/);
    }
    await expectServing();
  });

  it('wrong method: 405 with Allow', async () => {
    const cases: Array<[string, string, string]> = [
      ['GET', '/predict', 'POST'],
      ['PUT', '/setup', 'POST'],
      ['DELETE', '/api/predictions', 'POST'],
      ['POST', '/health', 'GET, HEAD'],
      ['POST', '/plugin/cyto-ml.js', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const response = await fetch(shim.url + path, { method });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get('allow')).toBe(allow);
      expect((await response.json()).error).toMatch(new RegExp(`method ${method} is not allowed`));
    }
    const missing = await fetch(`${shim.url}/nothing-here`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error).toMatch(/no such path/);
    await expectServing();
  });
});

describe('load', () => {
  it('answers 200 concurrent /predict calls', async () => {
    await postJson(`${shim.url}/api/predictions`, Array.from({ length: 50 }, (_, i) => relayedPrediction(1000 + i)));
    const calls = Array.from({ length: 200 }, (_, i) => postJson(`${shim.url}/predict`, lsPredictBody([1000 + (i % 50), 1000 + ((i + 1) % 50)])));
    const answers = await Promise.all(calls);
    answers.forEach(({ status, json }) => {
      expect(status).toBe(200);
      expect(json.results).toHaveLength(2);
      expect(json.results[0].result[0].value.choices).toEqual(['Plankton']);
    });
  });

  it('stores 200 concurrent relay posts, each durable when acknowledged', async () => {
    const posts = Array.from({ length: 200 }, (_, i) => postJson(`${shim.url}/api/predictions`, relayedPrediction(2000 + i, '9')));
    for (const { status } of await Promise.all(posts)) expect(status).toBe(201);
    const { json } = await postJson(`${shim.url}/predict`, lsPredictBody(Array.from({ length: 200 }, (_, i) => 2000 + i), 9));
    expect(json.results.every((r: any) => r.result.length === 1)).toBe(true);
  });
});
